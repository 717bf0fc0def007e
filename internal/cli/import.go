package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bizmatters/eds-fn/importer"
	"github.com/bizmatters/eds-fn/internal/resourcelist"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// importHeader is the first line of every file "eds-fn import --output"
// writes. Only a file that still starts with it is ever overwritten: a team
// that edits the imported service removes the line, and the file is theirs.
const importHeader = "# Written by eds-fn import --output; remove this line once you edit the file, and eds-fn import never overwrites it."

const importLong = `Read the manifests of NATS JetStream workers that run today and write one
EventDrivenService per worker to stdout, as a YAML stream.

The inputs are files, directories (read recursively, *.yaml, *.yml and
*.json) or - for stdin: plain or multi-document YAML, kind: List, Helm's or
kustomize's rendered output, or kubectl get -o yaml output (status,
managedFields, resourceVersion, uid, last-applied and the other fields the
API server sets are ignored). Secrets and ConfigMaps are skipped unread.
Claims of the platform's earlier Crossplane composition (EventDrivenService
with secret1Name, httpPort, ...; XEventDrivenService) are converted too, from
the objects the composition made when they are among the inputs, else from
what it makes of the claim.

A worker is a Deployment with the Service(s) selecting its pods, its
ServiceAccount, the KEDA ScaledObject scaling it, its PodDisruptionBudget and
the TriggerAuthentication its trigger names. Only a worker whose ScaledObject
has a nats-jetstream trigger can be an EventDrivenService: any other (kafka,
sqs, no ScaledObject) is refused by name, and the others still go through.

Each worker's fields go to the typed fields first; what no typed field holds
goes to the narrowest escape hatch (customDeployment, customService,
customScaledObject), holding only the fields that differ. Then eds-fn
generates from what it wrote and compares the result with the originals,
field by field after the API server's defaulting. The report, on stderr
(and with --report FILE as JSON), lists every difference: changed by design
(with the reason: replicas are KEDA's, restricted Pod Security, eds-fn's
labels, env order, probes added) or lost (the EventDrivenService cannot
express it), and every field an escape hatch holds.

A worker with a lost field is written only with --allow-loss. The exit code
is 0 when every worker was imported and written; 1 when any was refused, did
not generate, or lost a field without --allow-loss. The same input always
gives the same bytes.

With --output DIR, one file per worker is written into DIR instead:
<namespace>.<name>.yaml, starting with the line
  ` + importHeader + `
A file of that name without that first line is never overwritten.

Examples:

  eds-fn import k8s/billing/
  kubectl get deploy,svc,sa,scaledobject,pdb,triggerauthentication -n billing -o yaml | eds-fn import -
  eds-fn import --output services/ --report import-report.json k8s/
`

func newImportCommand() *cobra.Command {
	var output, reportFile string
	var allowLoss bool
	cmd := &cobra.Command{
		Use:   "import FILE|DIR|- ...",
		Short: "Write an EventDrivenService for every NATS JetStream worker in manifests, and report what changes",
		Long:  importLong,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "" {
				if fi, err := os.Stat(output); err == nil && !fi.IsDir() {
					return failed(fmt.Errorf("--output %s is not a directory: eds-fn import writes one file per worker into a directory", output))
				}
			}
			var items []*yaml.RNode
			stdinRead := false
			for _, path := range args {
				var nodes []*yaml.RNode
				var err error
				if path == "-" {
					if stdinRead {
						return failed(errors.New("- (stdin) is given twice"))
					}
					stdinRead = true
					nodes, err = readStdin(cmd.InOrStdin())
				} else {
					nodes, err = readPackage(path)
				}
				if err != nil {
					return failed(err)
				}
				// The checks every other way in has (duplicate keys, alias
				// bombs), before anything reads the objects.
				list, err := resourcelist.FromItems(nodes, nil)
				if err != nil {
					return failed(fmt.Errorf("%s: %w", path, err))
				}
				items = append(items, list.Items...)
			}
			res := importer.Import(items)
			errOut := cmd.ErrOrStderr()
			if _, err := io.WriteString(errOut, res.Text()); err != nil {
				return failed(err)
			}
			if len(res.Services) == 0 && len(res.Refused) == 0 {
				fmt.Fprintf(errOut, "no Deployment found in %v\n", args)
			}
			if reportFile != "" {
				data, err := json.MarshalIndent(res, "", "  ")
				if err != nil {
					return failed(err)
				}
				if err := os.WriteFile(reportFile, append(data, '\n'), 0o644); err != nil {
					return failed(fmt.Errorf("cannot write --report %s: %w", reportFile, err))
				}
			}
			var write []*yaml.RNode
			bad := len(res.Refused) > 0 || len(res.Services) == 0
			for _, s := range res.Services {
				switch {
				case s.Node == nil:
					bad = true
				case s.Report.Lost() > 0 && !allowLoss:
					fmt.Fprintf(errOut, "not written: %s loses %d fields (--allow-loss writes it anyway)\n", s.Report.Subject(), s.Report.Lost())
					bad = true
				default:
					write = append(write, s.Node)
				}
			}
			if output != "" {
				if err := writeImported(output, write, errOut); err != nil {
					return err
				}
			} else {
				var buf bytes.Buffer
				if err := resourcelist.WriteStream(&buf, write); err != nil {
					return failed(fmt.Errorf("cannot write the EventDrivenServices: %w", err))
				}
				if _, err := cmd.OutOrStdout().Write(buf.Bytes()); err != nil {
					return failed(err)
				}
			}
			if bad {
				return exitError(1)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write one file per worker into this directory, <namespace>.<name>.yaml, instead of printing")
	cmd.Flags().StringVar(&reportFile, "report", "", "also write the report as JSON to this file")
	cmd.Flags().BoolVar(&allowLoss, "allow-loss", false, "write a worker even when the report says it loses fields")
	return cmd
}

// readStdin reads a YAML stream (or kind: List) from stdin.
func readStdin(in io.Reader) ([]*yaml.RNode, error) {
	data, err := readLimited(in, "stdin")
	if err != nil {
		return nil, err
	}
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, fmt.Errorf("cannot read stdin: %w", err)
	}
	return nodes, nil
}

// writeImported writes one file per service into dir; a file in the way
// that import did not write stops it before anything is written.
func writeImported(dir string, nodes []*yaml.RNode, errOut io.Writer) error {
	files := make([]rendered, 0, len(nodes))
	var foreign []string
	for _, n := range nodes {
		name := outputFileName(n)
		if name != filepath.Base(name) || strings.HasPrefix(name, ".") {
			return failed(fmt.Errorf("EventDrivenService %s/%s: cannot be written to a file of its own", n.GetNamespace(), n.GetName()))
		}
		var buf bytes.Buffer
		buf.WriteString(importHeader + "\n")
		if err := resourcelist.WriteStream(&buf, []*yaml.RNode{n}); err != nil {
			return failed(err)
		}
		p := filepath.Join(dir, name)
		head, err := readHead(p, len(importHeader)+1)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return failed(err)
		case !bytes.HasPrefix(head, []byte(importHeader)):
			foreign = append(foreign, p)
		}
		files = append(files, rendered{name: name, data: buf.Bytes()})
	}
	if len(foreign) > 0 {
		for _, p := range foreign {
			fmt.Fprintf(errOut, "error: %s exists and was not written by eds-fn import (or was edited since: its first line is not eds-fn import's): refusing to overwrite it\n", p)
		}
		return exitError(1)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return failed(fmt.Errorf("cannot create --output %s: %w", dir, err))
	}
	for _, f := range files {
		tmp, err := writeTemp(dir, f)
		if err != nil {
			return failed(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, f.name)); err != nil {
			_ = os.Remove(tmp)
			return failed(fmt.Errorf("cannot write %s: %w", filepath.Join(dir, f.name), err))
		}
		fmt.Fprintf(errOut, "wrote %s\n", filepath.Join(dir, f.name))
	}
	return nil
}
