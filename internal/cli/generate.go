package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/bizmatters/eds-fn/internal/resourcelist"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const generateLong = `Print the Kubernetes objects generated for every EventDrivenService found in
the given files and directories (directories are read recursively, *.yaml,
*.yml and *.json). Other objects in those files are ignored.

Nothing is printed when any EventDrivenService is invalid: every problem is
listed on stderr with its file and field, and the exit code is 1.

With --output DIR, one file per service is written into DIR instead:
<namespace>.<name>.yaml (<name>.yaml for a service without a namespace),
each starting with the line
  ` + outputHeader + `
Only files with that first line are ever overwritten or removed: a file of
eds-fn's that no service writes any more is removed; any other file in DIR is
left alone, and one in the way of a service's file stops the run before
anything is written. With --check as well, nothing is written: the exit code
is 1 and every file that differs, is missing or is extra is named.

An EventDrivenServiceDefaults (platform defaults, docs/defaults.md) given
with --defaults FILE, or found among the inputs, is merged under every
service; --explain prints what each service takes from it and overrides,
instead of the objects.

Examples:

  eds-fn generate examples/agent-executor/agent-executor.yaml
  eds-fn generate services/ | kubectl apply --dry-run=server -f -
  eds-fn generate --output rendered/ services/
  eds-fn generate --check --output rendered/ services/    # in CI
  eds-fn generate --defaults platform.yaml services/
  eds-fn generate --explain --defaults platform.yaml services/
`

func newGenerateCommand() *cobra.Command {
	var output, defaultsFile string
	var check, explain bool
	cmd := &cobra.Command{
		Use:   "generate FILE|DIR ...",
		Short: "Print the objects generated for the EventDrivenServices in files or directories",
		Long:  generateLong,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if explain && output != "" {
				return errors.New("--explain prints instead of writing: leave out --output")
			}
			if check && output == "" {
				return errors.New("--check needs --output DIR: it compares DIR with what eds-fn would write there")
			}
			if output != "" {
				// Before reading anything: a wrong --output is the first
				// thing to hear about.
				if _, _, err := outputDir(output); err != nil {
					return failed(err)
				}
			}
			var inputs, defaults []*yaml.RNode
			if defaultsFile != "" {
				found, err := readDefaults(defaultsFile)
				if err != nil {
					return failed(err)
				}
				defaults = append(defaults, found)
			}
			for _, path := range args {
				nodes, err := readPackage(path)
				if err != nil {
					return failed(err)
				}
				// The checks every other way in has: an alias bomb is
				// refused here, not expanded by the decoding.
				list, err := resourcelist.FromItems(nodes, generator.IsEventDrivenService)
				if err != nil {
					return failed(fmt.Errorf("%s: %w", path, err))
				}
				for _, n := range list.Items {
					switch {
					case generator.IsEventDrivenService(n):
						resourcelist.KeepValues(n.YNode())
						inputs = append(inputs, n)
					case v1alpha1.IsDefaults(n) && !sameFile(path, n, defaultsFile):
						defaults = append(defaults, n)
					}
				}
			}
			var expanded []generator.Expanded
			if len(inputs) == 0 {
				return failed(fmt.Errorf("no EventDrivenService (apiVersion: platform.bizmatters.io/v1alpha1) found in %v", args))
			}
			platform, results := generator.FindDefaults(defaults, nil)
			if !krm.HasErrors(results) {
				var more krm.Results
				expanded, more = generator.ExpandAll(inputs, platform)
				results = append(results, more...)
			}
			krm.Print(cmd.ErrOrStderr(), krm.Capped(results), krm.Warning)
			if krm.HasErrors(results) {
				return exitError(1)
			}
			if explain {
				return writeExplanation(cmd.OutOrStdout(), expanded, platform)
			}
			if output != "" {
				files, err := renderFiles(expanded)
				if err != nil {
					return failed(err)
				}
				if check {
					return checkOutput(output, files, args, cmd.ErrOrStderr())
				}
				return writeOutput(output, files, cmd.ErrOrStderr())
			}
			var objs []*yaml.RNode
			for _, e := range expanded {
				for _, o := range e.Objects {
					resourcelist.KeepValues(o.YNode())
				}
				objs = append(objs, e.Objects...)
			}
			if err := writeObjects(cmd.OutOrStdout(), objs); err != nil {
				return failed(fmt.Errorf("cannot write the objects: %w", err))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write one file per EventDrivenService into this directory, <namespace>.<name>.yaml, instead of printing (see README)")
	cmd.Flags().StringVar(&defaultsFile, "defaults", "", "a file holding the platform's EventDrivenServiceDefaults, merged under every service (docs/defaults.md)")
	cmd.Flags().BoolVar(&explain, "explain", false, "print, instead of the objects, what each service takes from the platform defaults and which defaults it overrides")
	cmd.Flags().BoolVar(&check, "check", false, "with --output: change nothing, and exit 1 naming every file of the directory that differs, is missing or is extra")
	return cmd
}

// writeObjects writes objs as kio.ByteWriter does, a YAML stream, through
// resourcelist.WriteStream (the exec plugin's writer): ByteWriter copies every
// object and hands all of them to one yaml.v3 encoder, whose emitter keeps
// every event it has seen; that was half the time of generating 50 services.
// Objects with the annotations ByteWriter acts on (the
// reader's index and sequence indent, a path to a .json file) are not
// generated, but would go to ByteWriter.
func writeObjects(w io.Writer, objs []*yaml.RNode) error {
	for _, o := range objs {
		annos := o.GetAnnotations(kioutil.IndexAnnotation, kioutil.LegacyIndexAnnotation, kioutil.SeqIndentAnnotation, kioutil.PathAnnotation, kioutil.LegacyPathAnnotation)
		if len(annos) > 0 {
			return kio.ByteWriter{Writer: w}.Write(objs)
		}
	}
	var buf bytes.Buffer
	if err := resourcelist.WriteStream(&buf, objs); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// readPackage reads the objects of path, a file or a directory (read
// recursively, as kpt and kustomize read packages: *.yaml, *.yml, *.json).
// Only regular files are opened: a FIFO would block forever, and a device
// could be endless. Files above the input limit are refused.
func readPackage(path string) ([]*yaml.RNode, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if !fi.IsDir() && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("cannot read %s: it is %s, not a file or a directory; eds-fn generate reads YAML and JSON files", path, special(fi.Mode()))
	}
	limit, err := maxInput()
	if err != nil {
		return nil, err
	}
	base := path
	if !fi.IsDir() {
		base = filepath.Dir(path)
	}
	var refused error
	skip := func(rel string) bool {
		if !slices.ContainsFunc(kio.MatchAll, func(glob string) bool {
			ok, _ := filepath.Match(glob, filepath.Base(rel))
			return ok
		}) {
			return true
		}
		fi, err := os.Stat(filepath.Join(base, rel))
		switch {
		case err != nil:
			return false // reading it says why
		case !fi.Mode().IsRegular():
			return true
		case fi.Size() > limit && refused == nil:
			refused = tooBig(filepath.Join(base, rel), limit)
		}
		return fi.Size() > limit
	}
	nodes, err := kio.LocalPackageReader{PackagePath: path, MatchFilesGlob: kio.MatchAll, FileSkipFunc: skip}.Read()
	if err == nil {
		err = refused
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	return nodes, nil
}

func special(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// sameFile reports whether n, read from arg (a file or a directory), lives
// in file: the --defaults file may also be among the inputs.
func sameFile(arg string, n *yaml.RNode, file string) bool {
	f := krm.FileOf(n)
	if file == "" || f == nil {
		return false
	}
	base := arg
	if fi, err := os.Stat(arg); err == nil && !fi.IsDir() {
		base = filepath.Dir(arg)
	}
	a, err1 := filepath.Abs(filepath.Join(base, f.Path))
	b, err2 := filepath.Abs(file)
	return err1 == nil && err2 == nil && a == b
}
