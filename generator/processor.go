package generator

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/internal/krm"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Processor is the KRM function for EventDrivenServices: it generates the
// objects of every EventDrivenService among the items, and of the
// functionConfig when it is an EventDrivenService that is not also an item
// (kustomize passes a generator's config both ways: it is generated once).
//
// It serves kustomize's generator position and kpt pipelines alike
// (ModePackage; kpt.go says how eds-fn updates, prunes and writes files in a
// package, and how it proves an object is its own first).
//
// Items are never reordered, and only eds-fn's own stale objects are ever
// dropped. When anything is wrong, nothing changes and every problem is a
// result.
type Processor struct{}

// Process implements krm.ResourceListProcessor.
func (Processor) Process(rl *krm.ResourceList) error {
	return process(rl, Inputs(rl.Items, rl.FunctionConfig), ModePackage)
}

// Bulk is the ExpandEventDrivenServices transformer: it replaces every
// EventDrivenService among the items by its objects, in place, and passes
// every other item through untouched.
type Bulk struct{}

// Process implements krm.ResourceListProcessor.
func (Bulk) Process(rl *krm.ResourceList) error {
	if rl.FunctionConfig != nil {
		if _, errs := v1alpha1.DecodeExpandEventDrivenServices(rl.FunctionConfig); len(errs) > 0 {
			rl.Results = append(rl.Results, krm.FieldResults(rl.FunctionConfig, errs, krm.Error)...)
			return rl.Results
		}
	}
	return process(rl, Inputs(rl.Items, nil), ModeBulk)
}

func process(rl *krm.ResourceList, inputs []*yaml.RNode, mode Mode) error {
	fnConfig := rl.FunctionConfig
	if mode == ModeBulk {
		fnConfig = nil
	}
	defaults, results := FindDefaults(rl.Items, fnConfig)
	if krm.HasErrors(results) {
		rl.Results = append(rl.Results, results...)
		return rl.Results
	}
	generated, results := ExpandAll(inputs, defaults)
	// Before anything is merged or pruned: a service whose kind or group is
	// misspelt would otherwise look deleted, and its objects would go.
	results = append(results, lookalikes(rl.Items)...)
	if !krm.HasErrors(results) {
		var more krm.Results
		rl.Items, more = merge(rl.Items, generated, mode)
		results = append(results, more...)
	}
	rl.Results = append(rl.Results, results...)
	if krm.HasErrors(results) {
		return rl.Results
	}
	return nil
}

// IsEventDrivenService reports whether node is of our kind, at any version of
// our group (a wrong version is reported when it is expanded).
func IsEventDrivenService(node *yaml.RNode) bool {
	if node == nil || node.GetKind() != v1alpha1.KindEventDrivenService {
		return false
	}
	group, _, _ := strings.Cut(node.GetApiVersion(), "/")
	return group == v1alpha1.Group
}

// Inputs are the EventDrivenServices to expand: each one among items, plus
// fnConfig if it is one and is not already among them.
func Inputs(items []*yaml.RNode, fnConfig *yaml.RNode) []*yaml.RNode {
	var in []*yaml.RNode
	seen := map[string]bool{}
	for _, it := range items {
		if IsEventDrivenService(it) {
			in = append(in, it)
			seen[identity(it)] = true
		}
	}
	if IsEventDrivenService(fnConfig) && !seen[identity(fnConfig)] {
		in = append(in, fnConfig)
	}
	return in
}

func identity(n *yaml.RNode) string {
	return n.GetApiVersion() + "/" + n.GetKind() + "/" + n.GetNamespace() + "/" + n.GetName()
}

// Expanded is what one EventDrivenService became.
type Expanded struct {
	Source  *yaml.RNode
	Objects []*yaml.RNode
	// Defaults is what Source took from the platform defaults, nil without.
	Defaults *v1alpha1.Merge
}

// ExpandAll decodes, defaults, validates and generates every input, each
// with the platform defaults (an EventDrivenServiceDefaults, nil for none)
// merged under it. It returns every problem of every input at once; the
// objects are only usable when there are no error results.
func ExpandAll(inputs []*yaml.RNode, defaults *yaml.RNode) ([]Expanded, krm.Results) {
	merged, merges, results := applyDefaults(inputs, defaults)
	if krm.HasErrors(results) {
		return nil, results
	}
	expansions := expandEach(merged)
	var out []Expanded
	fromDefaults := &defaultsResults{node: defaults}
	owner := map[string]*yaml.RNode{}
	for i, in := range inputs {
		objs, errs, warnings := expansions[i].objs, expansions[i].errs, expansions[i].warnings
		warnings = fromDefaults.split(merges[i], in, warnings, krm.Warning)
		errs = fromDefaults.split(merges[i], in, errs, krm.Error)
		results = append(results, krm.FieldResults(in, warnings, krm.Warning)...)
		if len(expansions[i].errs) > 0 {
			results = append(results, krm.FieldResults(in, errs, krm.Error)...)
			continue
		}
		for _, o := range objs {
			k := objectKey(o)
			if prev, dup := owner[k]; dup {
				results = append(results, krm.FieldResult(in, "metadata.name",
					fmt.Sprintf("generates %s, which %s also generates; give one of them another name or namespace", k, describe(prev)),
					krm.Error))
				continue
			}
			owner[k] = in
		}
		out = append(out, Expanded{Source: in, Objects: objs, Defaults: merges[i]})
	}
	return out, append(results, fromDefaults.results()...)
}

// applyDefaults merges the defaults under every input; without defaults the
// inputs are expanded as they are.
func applyDefaults(inputs []*yaml.RNode, defaults *yaml.RNode) ([]*yaml.RNode, []*v1alpha1.Merge, krm.Results) {
	merges := make([]*v1alpha1.Merge, len(inputs))
	if defaults == nil {
		return inputs, merges, nil
	}
	d, errs := v1alpha1.DecodeDefaults(defaults)
	if len(errs) > 0 {
		return nil, nil, krm.FieldResults(defaults, errs, krm.Error)
	}
	merged := make([]*yaml.RNode, len(inputs))
	for i, in := range inputs {
		merged[i], merges[i] = d.Apply(in)
	}
	return merged, merges, nil
}

type expansion struct {
	objs           []*yaml.RNode
	errs, warnings field.ErrorList
}

// expandEach expands every input, on as many goroutines as Go may run at
// once: each service is independent (its own nodes; the caches they share
// are locked), and a run of the binary has the machine to itself while
// kustomize waits for it. The results are in input order, so the output
// does not depend on the schedule. A panic in a worker is raised again in
// the caller, where the binary's last-resort recover sees it.
func expandEach(inputs []*yaml.RNode) []expansion {
	res := make([]expansion, len(inputs))
	workers := min(runtime.GOMAXPROCS(0), len(inputs))
	if workers < 2 {
		for i, in := range inputs {
			res[i].objs, res[i].errs, res[i].warnings = expand(in)
		}
		return res
	}
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		panicked atomic.Value
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					panicked.CompareAndSwap(nil, &WorkerPanic{Value: r, Stack: debug.Stack()})
				}
			}()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(inputs) {
					return
				}
				res[i].objs, res[i].errs, res[i].warnings = expand(inputs[i])
			}
		}()
	}
	wg.Wait()
	if p := panicked.Load(); p != nil {
		panic(p)
	}
	return res
}

// WorkerPanic is a panic of an expansion goroutine, raised again in the
// caller with the stack where it happened (the caller's own would only show
// the re-raise).
type WorkerPanic struct {
	Value any
	Stack []byte
}

func (p *WorkerPanic) String() string { return fmt.Sprint(p.Value) }

// Expand turns one EventDrivenService node into its objects.
func Expand(node *yaml.RNode) ([]*yaml.RNode, field.ErrorList) {
	objs, errs, _ := expand(node)
	return objs, errs
}

func expand(node *yaml.RNode) ([]*yaml.RNode, field.ErrorList, field.ErrorList) {
	if v := node.GetApiVersion(); v != v1alpha1.APIVersion {
		return nil, field.ErrorList{field.NotSupported(field.NewPath("apiVersion"), v, []string{v1alpha1.APIVersion})}, nil
	}
	eds, errs := v1alpha1.LoadEventDrivenService(node)
	if len(errs) > 0 {
		return nil, errs, nil
	}
	objs, errs, warnings := generate(eds)
	return objs, errs, append(eds.Warnings(), warnings...)
}
