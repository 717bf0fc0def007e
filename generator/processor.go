package generator

import (
	"fmt"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/internal/krm"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Processor is the KRM function for EventDrivenServices: it generates the
// objects of every EventDrivenService among the items, and of the
// functionConfig when it is an EventDrivenService that is not also an item
// (kustomize passes a generator's config both ways: it is generated once).
//
// Items are never dropped or reordered; generated objects follow them. When
// anything is wrong, no object is generated at all and every problem is a
// result.
type Processor struct{}

// Process implements framework.ResourceListProcessor.
func (Processor) Process(rl *framework.ResourceList) error {
	inputs := Inputs(rl.Items, rl.FunctionConfig)
	generated, results := ExpandAll(inputs)
	if !krm.HasErrors(results) {
		var conflicts framework.Results
		rl.Items, conflicts = Merge(rl.Items, generated)
		results = append(results, conflicts...)
	}
	rl.Results = append(rl.Results, results...)
	if krm.HasErrors(results) {
		return results
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
}

// ExpandAll decodes, defaults, validates and generates every input. It
// returns every problem of every input at once; the objects are only usable
// when there are no error results.
func ExpandAll(inputs []*yaml.RNode) ([]Expanded, framework.Results) {
	var out []Expanded
	var results framework.Results
	owner := map[string]*yaml.RNode{}
	for _, in := range inputs {
		objs, errs := Expand(in)
		if len(errs) > 0 {
			results = append(results, krm.FieldResults(in, errs, framework.Error)...)
			continue
		}
		for _, o := range objs {
			k := objectKey(o)
			if prev, dup := owner[k]; dup {
				results = append(results, krm.FieldResult(in, "metadata.name",
					fmt.Sprintf("generates %s, which %s also generates; give one of them another name or namespace", k, describe(prev)),
					framework.Error))
				continue
			}
			owner[k] = in
		}
		out = append(out, Expanded{Source: in, Objects: objs})
	}
	return out, results
}

// Expand turns one EventDrivenService node into its objects.
func Expand(node *yaml.RNode) ([]*yaml.RNode, field.ErrorList) {
	if v := node.GetApiVersion(); v != v1alpha1.APIVersion {
		return nil, field.ErrorList{field.NotSupported(field.NewPath("apiVersion"), v, []string{v1alpha1.APIVersion})}
	}
	eds, errs := v1alpha1.DecodeEventDrivenService(node)
	if eds == nil {
		return nil, errs
	}
	eds.Default()
	if errs = append(errs, eds.Validate()...); len(errs) > 0 {
		return nil, errs
	}
	return Generate(eds)
}

// Merge appends the generated objects to items. An item with the same kind,
// namespace and name that eds-fn generated earlier for the same service (a
// kpt package rendered before) is replaced in place, keeping its file
// annotations; any other item of that identity is a conflict.
func Merge(items []*yaml.RNode, generated []Expanded) ([]*yaml.RNode, framework.Results) {
	index := make(map[string]int, len(items))
	for i, it := range items {
		index[objectKey(it)] = i
	}
	var results framework.Results
	out := append(make([]*yaml.RNode, 0, len(items)+4*len(generated)), items...)
	for _, e := range generated {
		for _, o := range e.Objects {
			i, exists := index[objectKey(o)]
			if !exists {
				out = append(out, o)
				continue
			}
			if !generatedFor(items[i], e.Source) {
				results = append(results, krm.FieldResult(e.Source, "metadata.name",
					fmt.Sprintf("generates %s, but the input already has a %s of that name that eds-fn did not generate; rename the service or remove the other object",
						objectKey(o), o.GetKind()),
					framework.Error))
				continue
			}
			keepFileAnnotations(items[i], o)
			out[i] = o
		}
	}
	if krm.HasErrors(results) {
		return items, results
	}
	return out, nil
}

// generatedFor reports whether item carries the labels eds-fn puts on the
// objects it generates for src.
func generatedFor(item, src *yaml.RNode) bool {
	l := item.GetLabels()
	return l[v1alpha1.LabelManagedBy] == v1alpha1.ManagedByValue && l[v1alpha1.LabelName] == src.GetName()
}

func objectKey(n *yaml.RNode) string {
	ns := n.GetNamespace()
	if ns == "" {
		ns = "(no namespace)"
	}
	return fmt.Sprintf("%s %s/%s", n.GetKind(), ns, n.GetName())
}

func describe(n *yaml.RNode) string {
	s := fmt.Sprintf("%s %q", n.GetKind(), n.GetName())
	if f := krm.FileOf(n); f != nil {
		s += " (" + f.Path + ")"
	}
	return s
}

// keepFileAnnotations carries the orchestrator's bookkeeping (kpt's file path
// and index, kustomize's ids) from the object being replaced to its new
// version, so the update lands in the same file at the same place.
func keepFileAnnotations(from, to *yaml.RNode) {
	for k, v := range from.GetAnnotations() {
		if strings.HasPrefix(k, "config.kubernetes.io/") || strings.HasPrefix(k, "internal.config.kubernetes.io/") ||
			strings.HasPrefix(k, "config.k8s.io/") || strings.HasPrefix(k, "kustomize.config.k8s.io/") {
			_ = to.PipeE(yaml.SetAnnotation(k, v))
		}
	}
}
