package cli

import (
	"fmt"
	"os"

	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const generateLong = `Print the Kubernetes objects generated for every EventDrivenService found in
the given files and directories (directories are read recursively, *.yaml,
*.yml and *.json). Other objects in those files are ignored.

Nothing is printed when any EventDrivenService is invalid: every problem is
listed on stderr with its file and field, and the exit code is 1.

Examples:

  eds-fn generate examples/agent-executor/agent-executor.yaml
  eds-fn generate services/ | kubectl apply --dry-run=server -f -
`

func newGenerateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "generate FILE|DIR ...",
		Short: "Print the objects generated for the EventDrivenServices in files or directories",
		Long:  generateLong,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var inputs []*yaml.RNode
			for _, path := range args {
				if _, err := os.Stat(path); err != nil {
					return fmt.Errorf("cannot read %s: %w", path, err)
				}
				nodes, err := kio.LocalPackageReader{PackagePath: path, PreserveSeqIndent: false}.Read()
				if err != nil {
					return fmt.Errorf("cannot read %s: %w", path, err)
				}
				for _, n := range nodes {
					if generator.IsEventDrivenService(n) {
						keepValues(n.YNode())
						inputs = append(inputs, n)
					}
				}
			}
			if len(inputs) == 0 {
				return fmt.Errorf("no EventDrivenService (apiVersion: platform.bizmatters.io/v1alpha1) found in %v", args)
			}
			expanded, results := generator.ExpandAll(inputs)
			if krm.HasErrors(results) {
				krm.Print(cmd.ErrOrStderr(), krm.Capped(results), framework.Warning)
				return exitError(1)
			}
			var objs []*yaml.RNode
			for _, e := range expanded {
				for _, o := range e.Objects {
					keepValues(o.YNode())
				}
				objs = append(objs, e.Objects...)
			}
			return kio.ByteWriter{Writer: cmd.OutOrStdout()}.Write(objs)
		},
	}
}
