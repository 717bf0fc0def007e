package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/bizmatters/eds-fn/internal/resourcelist"
)

// eds-fn is also a kustomize exec plugin, the API kustomize had before KRM
// functions and still runs with --enable-alpha-plugins: a config whose
// apiVersion/kind has no function annotation makes kustomize run
// $KUSTOMIZE_PLUGIN_HOME/<group>/<version>/<lower-case kind>/<Kind> with the
// config's file as its argument, the resources as a YAML stream on stdin
// (transformers) and the resources it prints on stdout. kustomize parses
// that output once, where a KRM function's output is parsed, written and
// parsed again: what bulk mode adds to a build is about halved this way
// (BENCHMARKS.md compares both). The plugin is this binary under the kind's name
// ("eds-fn install --kustomize-plugin-home DIR" lays the links out), and does
// exactly what the KRM function does with the same config and resources.

// PluginKinds are the kinds eds-fn serves as an exec plugin, those of the
// KRM function: its file name in the plugin directory is the kind.
func PluginKinds() []string {
	kinds := []string{v1alpha1.KindEventDrivenService}
	for _, k := range registeredKinds {
		kinds = append(kinds, k.kind)
	}
	return kinds
}

// PluginKind reports whether argv0, the name the binary was started as, is
// one of PluginKinds: kustomize starting it as an exec plugin.
func PluginKind(argv0 string) (string, bool) {
	base := filepath.Base(argv0)
	for _, k := range PluginKinds() {
		if base == k {
			return k, true
		}
	}
	return "", false
}

// PluginDir is where kustomize looks for the exec plugin of kind under its
// plugin home.
func PluginDir(home, kind string) string {
	group, version, _ := strings.Cut(v1alpha1.APIVersion, "/")
	return filepath.Join(home, group, version, strings.ToLower(kind))
}

const errPluginArgs = "eds-fn was started as the kustomize exec plugin %s (its file name) without a config file: kustomize passes the config's path as the first argument; to run eds-fn itself, start it as eds-fn"

// PluginMain is RunPlugin for the process: stdin is read whole first, and
// the garbage collector set for its size (readInput).
func PluginMain(kind string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if !pluginArgsOK(kind, args, stderr) {
		// Before reading stdin: started by hand, it would wait for it.
		return 2
	}
	in, err := readInput(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	return RunPlugin(kind, args, in, stdout, stderr, DefaultProcessors)
}

// RunPlugin runs eds-fn as the kustomize exec plugin of kind: args[0] is the
// config file, stdin the resources (empty for a generator). The resources
// out are written to out as a YAML stream only when there is no error;
// every error and warning is a line on errOut, which kustomize puts into
// its own error message. It returns the exit code.
func RunPlugin(kind string, args []string, in io.Reader, out, errOut io.Writer, pick ProcessorFor) (code int) {
	defer recoverInternal(errOut, &code)
	if !pluginArgsOK(kind, args, errOut) {
		return 2
	}
	config, err := readFileLimited(args[0], "the plugin config "+args[0])
	if err != nil {
		fmt.Fprintf(errOut, "error: %v\n", err)
		return 1
	}
	resources, err := readLimited(in, "stdin")
	if err != nil {
		fmt.Fprintf(errOut, "error: %v\n", err)
		return 1
	}
	list, err := resourcelist.FromStream(config, resources, generator.IsEventDrivenService)
	if err != nil {
		fmt.Fprintf(errOut, "error: %v\n", err)
		return 1
	}
	rl := &krm.ResourceList{Items: list.Items, FunctionConfig: list.FunctionConfig}
	pickErr, err := runProcessor(rl, pick)
	if pickErr != nil {
		fmt.Fprintf(errOut, "error: %s\n", krm.Clip(pickErr.Error(), 4096))
		return 1
	}
	krm.Print(errOut, rl.Results, krm.Warning)
	if err != nil {
		if !errors.As(err, new(krm.Results)) {
			fmt.Fprintf(errOut, "error: %v\n", err)
		}
		return 1
	}
	var buf bytes.Buffer
	if err := resourcelist.WriteStream(&buf, rl.Items); err != nil {
		fmt.Fprintf(errOut, "error: cannot write the resources: %v\n", err)
		return 1
	}
	if _, err := out.Write(buf.Bytes()); err != nil {
		fmt.Fprintf(errOut, "error: cannot write the resources: %v\n", err)
		return 1
	}
	return 0
}
