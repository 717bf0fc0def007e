package generator

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/internal/krm"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Platform defaults (api/v1alpha1/platformdefaults.go) are merged under each
// service before it is expanded. A problem at a value a service inherited is
// the defaults object's, and is reported there, once for every service it
// breaks, instead of once per service at a field the service never wrote.

// maxNamedServices bounds the services a result on the defaults names.
const maxNamedServices = 3

// FindDefaults returns the EventDrivenServiceDefaults among items (or
// fnConfig, kpt's configPath), nil when there is none. A second one is an
// error: which of two platforms applies would be a guess.
func FindDefaults(items []*yaml.RNode, fnConfig *yaml.RNode) (*yaml.RNode, krm.Results) {
	var found *yaml.RNode
	var results krm.Results
	for _, n := range append(slices.Clip(items), fnConfig) {
		if !v1alpha1.IsDefaults(n) || n == found {
			continue
		}
		if found != nil && identity(n) == identity(found) && sameFile(n, found) {
			continue // kpt's configPath: the config is an item too
		}
		if found != nil {
			results = append(results, krm.FieldResult(n, "kind",
				fmt.Sprintf("is a second EventDrivenServiceDefaults beside %s: one set of platform defaults applies to all services; merge them into one", describe(found)),
				krm.Error))
			continue
		}
		found = n
	}
	return found, results
}

// sameFile reports whether a and b come from the same file, or one of them
// from none (a functionConfig kpt or kustomize did not annotate).
func sameFile(a, b *yaml.RNode) bool {
	fa, fb := krm.FileOf(a), krm.FileOf(b)
	return fa == nil || fb == nil || fa.Path == fb.Path
}

// defaultsResults collects the problems found at inherited values, and
// reports each once, on the defaults object, naming the services.
type defaultsResults struct {
	node     *yaml.RNode
	order    []string
	errs     map[string]*field.Error
	severity map[string]krm.Severity
	services map[string][]string
}

// split returns the problems of errs that are the service's own, and keeps
// the ones at a value it inherited from the defaults.
func (d *defaultsResults) split(m *v1alpha1.Merge, service *yaml.RNode, errs field.ErrorList, sev krm.Severity) field.ErrorList {
	if m == nil || len(m.Inherited) == 0 {
		return errs
	}
	var own field.ErrorList
	for _, e := range errs {
		at, ok := inheritedAt(m, e.Field)
		if !ok {
			own = append(own, e)
			continue
		}
		moved := *e
		moved.Field = at
		key := fmt.Sprintf("%v\x00%s\x00%s\x00%s\x00%v", sev, moved.Type, moved.Field, moved.Detail, moved.BadValue)
		if d.errs == nil {
			d.errs, d.severity, d.services = map[string]*field.Error{}, map[string]krm.Severity{}, map[string][]string{}
		}
		if _, seen := d.errs[key]; !seen {
			d.order = append(d.order, key)
			d.errs[key], d.severity[key] = &moved, sev
		}
		d.services[key] = append(d.services[key], serviceName(service))
	}
	return own
}

func (d *defaultsResults) results() krm.Results {
	var out krm.Results
	for _, key := range d.order {
		e := *d.errs[key]
		names := d.services[key]
		which := strings.Join(names[:min(len(names), maxNamedServices)], ", ")
		if len(names) > maxNamedServices {
			which += fmt.Sprintf(" and %d more", len(names)-maxNamedServices)
		}
		e.Detail += fmt.Sprintf(" (merged into EventDrivenService %s)", which)
		out = append(out, krm.FieldResults(d.node, field.ErrorList{&e}, d.severity[key])...)
	}
	return out
}

// inheritedAt maps path, a field of a merged service, to the field of the
// defaults object its value came from.
func inheritedAt(m *v1alpha1.Merge, path string) (string, bool) {
	segs, ok := splitFieldPath(path)
	if !ok {
		return "", false
	}
	for _, in := range m.Inherited {
		if len(segs) < len(in.Path) || !prefixOf(in.Path, segs) {
			continue
		}
		var b strings.Builder
		for i, s := range segs {
			switch {
			case i < len(in.From) && i > 0 && segs[i].key:
				fmt.Fprintf(&b, "[%s]", in.From[i])
			case i < len(in.From):
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(in.From[i])
			case s.index >= 0:
				fmt.Fprintf(&b, "[%d]", s.index)
			case s.key:
				fmt.Fprintf(&b, "[%s]", s.name)
			default:
				b.WriteString("." + s.name)
			}
		}
		return b.String(), true
	}
	return "", false
}

func prefixOf(names []string, segs []pathSeg) bool {
	for i, n := range names {
		if segs[i].index >= 0 || segs[i].name != n {
			return false
		}
	}
	return true
}

func serviceName(n *yaml.RNode) string {
	if ns := n.GetNamespace(); ns != "" {
		return ns + "/" + n.GetName()
	}
	return n.GetName()
}
