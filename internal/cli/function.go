package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/bizmatters/eds-fn/internal/resourcelist"
	"github.com/bizmatters/eds-fn/transformers"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const (
	errEmptyInput   = "stdin is empty: eds-fn is a KRM function and reads a ResourceList (kind: ResourceList) on stdin, as kustomize and kpt send it; to render files yourself run \"eds-fn generate FILE\""
	errUnsupportedF = "functionConfig: kind %q is not a config of eds-fn; use one of: %s"
)

// ProcessorFor picks what to run from the functionConfig's kind: the generator
// for an EventDrivenService (or no config), a transformer for its config kind.
type ProcessorFor func(fnConfig *yaml.RNode) (krm.ResourceListProcessor, error)

// DefaultProcessors is the dispatch table of the eds-fn binary.
func DefaultProcessors(fnConfig *yaml.RNode) (krm.ResourceListProcessor, error) {
	// Platform defaults as kpt's configPath: the package's services are
	// expanded with them.
	if fnConfig == nil || yaml.IsMissingOrNull(fnConfig) || generator.IsEventDrivenService(fnConfig) || v1alpha1.IsDefaults(fnConfig) {
		return generator.Processor{}, nil
	}
	if isConfigMap(fnConfig) {
		return configMapProcessor(fnConfig)
	}
	kinds := []string{v1alpha1.KindEventDrivenService}
	for _, k := range registeredKinds {
		if fnConfig.GetKind() == k.kind && groupOf(fnConfig) == v1alpha1.Group {
			return k.processor, nil
		}
		kinds = append(kinds, k.kind)
	}
	return nil, fmt.Errorf(errUnsupportedF, fnConfig.GetApiVersion()+" "+fnConfig.GetKind(), strings.Join(kinds, ", ")+" (apiVersion "+v1alpha1.APIVersion+")")
}

type registered struct {
	kind      string
	processor krm.ResourceListProcessor
}

// registeredKinds are the config kinds besides EventDrivenService, in the
// order messages list them; each is a processor of its own package.
var registeredKinds = []registered{
	{kind: v1alpha1.KindExpandEventDrivenServices, processor: generator.Bulk{}},
	{kind: v1alpha1.KindNATSHeadlessEndpoint, processor: transformers.NATSHeadless{}},
}

func groupOf(n *yaml.RNode) string {
	g, _, _ := strings.Cut(n.GetApiVersion(), "/")
	return g
}

// RunFunction runs eds-fn as a KRM function: a ResourceList from in, a
// ResourceList with the results to out, and every error and warning as a line
// on errOut, because kustomize never shows results. The output is buffered so
// that a failure never leaves half a ResourceList behind. It returns the exit
// code.
func RunFunction(in io.Reader, out, errOut io.Writer, pick ProcessorFor) int {
	data, err := readLimited(in, "stdin")
	if err != nil {
		fmt.Fprintf(errOut, "error: %v\n", err)
		return 1
	}
	if len(bytes.TrimSpace(data)) == 0 {
		fmt.Fprintf(errOut, "error: %s\n", errEmptyInput)
		return 1
	}
	list, err := resourcelist.Read(data, generator.IsEventDrivenService)
	if err != nil {
		fmt.Fprintf(errOut, "error: %v\n", err)
		return 1
	}

	var buf bytes.Buffer
	var results krm.Results
	proc := krm.ResourceListProcessorFunc(func(rl *krm.ResourceList) error {
		pickErr, err := runProcessor(rl, pick)
		if pickErr != nil {
			rl.Results = append(rl.Results, &krm.Result{
				Message:     krm.Clip(pickErr.Error(), 4096),
				Severity:    krm.Error,
				ResourceRef: krm.ResourceRef(rl.FunctionConfig),
			})
			err = rl.Results
		}
		results = rl.Results
		return err
	})
	err = resourcelist.Execute(proc, list, &buf)
	krm.Print(errOut, results, krm.Warning)
	if err != nil {
		var rs krm.Results
		if !errors.As(err, &rs) {
			fmt.Fprintf(errOut, "error: %v\n", err)
			return 1
		}
		// The ResourceList still goes out: kpt shows its results. Its items
		// are the input's, untouched.
		_, _ = out.Write(buf.Bytes())
		return 1
	}
	if _, err := out.Write(buf.Bytes()); err != nil {
		fmt.Fprintf(errOut, "error: cannot write the ResourceList: %v\n", err)
		return 1
	}
	return 0
}
