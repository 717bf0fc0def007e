package v1alpha1

import (
	"fmt"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// DecodeEventDrivenService reads an EventDrivenService from a YAML node
// strictly: an unknown or misspelled field anywhere, or a value of the wrong
// type, is an error naming its path and what is allowed there, so a typo
// such as "secretRef:" can never be silently ignored. It does not default or
// validate. The service is returned whenever the rest of it could be read,
// so that the caller can validate it and report every problem in one run.
func DecodeEventDrivenService(node *yaml.RNode) (*EventDrivenService, field.ErrorList) {
	eds := &EventDrivenService{}
	errs, ok := decodeStrict(node, eds)
	if !ok {
		return nil, errs
	}
	if f := node.Field("spec"); f == nil || yaml.IsMissingOrNull(f.Value) {
		return nil, append(errs, field.Required(field.NewPath("spec"), "the worker's description: at least image and nats.stream, nats.consumer"))
	}
	return eds, errs
}

// LoadEventDrivenService decodes, defaults and validates, and returns every
// problem at once. A field that could not be decoded is reported once, not
// again as missing by validation.
func LoadEventDrivenService(node *yaml.RNode) (*EventDrivenService, field.ErrorList) {
	eds, errs := DecodeEventDrivenService(node)
	if eds == nil {
		return nil, errs
	}
	eds.Default()
	decodeErrs := errs
	for _, v := range eds.Validate() {
		if !related(v.Field, decodeErrs) {
			errs = append(errs, v)
		}
	}
	return eds, errs
}

// related reports whether path is the path of one of errs, lies under it, or
// contains it: a value that could not be decoded is missing to validation,
// and saying so again (or that its parent is incomplete) is noise.
func related(path string, errs field.ErrorList) bool {
	under := func(a, b string) bool {
		return a == b || strings.HasPrefix(a, b+".") || strings.HasPrefix(a, b+"[")
	}
	for _, e := range errs {
		if under(path, e.Field) || under(e.Field, path) {
			return true
		}
	}
	return false
}

// DecodeStrict unmarshals node into obj, case-sensitively, and reports every
// unknown field and every value of the wrong type as a field error. node is
// only read.
func DecodeStrict(node *yaml.RNode, obj any) field.ErrorList {
	errs, _ := decodeStrict(node, obj)
	return errs
}

const (
	// maxUnknownFields bounds the unknown fields reported of one input, as
	// sigs.k8s.io/json's strict mode did: a hostile input may have millions.
	maxUnknownFields = 100
	// maxAliasValues bounds the values the walk visits through YAML
	// aliases, which can expand exponentially ("billion laughs").
	maxAliasValues = 1 << 20
)

var errAliasExpanded = fmt.Errorf("YAML aliases (*name) expand it to more than %d values: write the values out instead", maxAliasValues)

// decodeStrict is DecodeStrict that also says whether obj holds the rest of
// the input (ok) despite the errors. One walk of the node along obj's type
// finds every problem with its path; the decoding itself is kyaml's
// MarshalJSON (yaml.v3's reading: YAML 1.2 scalars, aliases, merge keys) and
// sigs.k8s.io/json, the API machinery's case-sensitive JSON decoding. The
// values the walk found bad are blanked first, in a copy (the caller's node
// is only read), so that the decoding cannot fail but on what only a type's
// own decoding knows, and one bad value does not hide the rest.
func decodeStrict(node *yaml.RNode, obj any) (errs field.ErrorList, ok bool) {
	w := &walker{}
	w.walk(node.YNode(), reflect.TypeOf(obj))
	if w.aliased > maxAliasValues {
		return append(w.errs, field.Invalid(nil, "(document)", "cannot be read: "+errAliasExpanded.Error())), false
	}
	clean := node
	if len(w.bad) > 0 {
		bad := make(map[*yaml.Node]bool, len(w.bad))
		for _, n := range w.bad {
			bad[n] = true
		}
		clean = yaml.NewRNode(nulledCopy(node.YNode(), bad, map[*yaml.Node]*yaml.Node{}))
	}
	data, err := clean.MarshalJSON()
	if err != nil {
		// yaml.v3 refuses the document (a repeated key, say): only the
		// values of the wrong shape are known.
		return append(w.errs, field.Invalid(nil, "(document)", fmt.Sprintf("cannot be read: %v", err))), false
	}
	errs = append(w.errs, w.unknown...)
	sortByField(errs)
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(data, obj); err != nil {
		// A type's own decoding refused a value the walk cannot judge: no
		// path to name but the one in the message.
		return append(errs, field.Invalid(nil, nil, err.Error())), false
	}
	return errs, true
}

// walker walks a YAML node along a Go type and collects an error for every
// value that cannot be decoded into its field (errs; bad: the nodes to
// blank for the decoding) and for every field the type does not have
// (unknown).
type walker struct {
	path    []segment
	errs    field.ErrorList
	unknown field.ErrorList
	bad     []*yaml.Node
	// site is the outermost alias the walk is in, whose value may be right
	// where its anchor is: a bad value below it blanks the alias only.
	site    *yaml.Node
	aliased int
}

// segment is one step of the path to the value walked; the *field.Path is
// built only for an error.
type segment struct {
	name  string
	index int
	kind  uint8
}

const (
	segField = iota
	segKey
	segIndex
)

func (w *walker) fieldPath() *field.Path {
	var p *field.Path
	for _, s := range w.path {
		switch {
		case s.kind == segIndex:
			p = p.Index(s.index)
		case p == nil:
			p = field.NewPath(s.name)
		case s.kind == segKey:
			p = p.Key(s.name)
		default:
			p = p.Child(s.name)
		}
	}
	return p
}

func (w *walker) invalid(n *yaml.Node, detail string) {
	w.errs = append(w.errs, field.Invalid(w.fieldPath(), describeValue(n), detail))
	if w.site != nil {
		n = w.site
	}
	w.bad = append(w.bad, n)
}

func (w *walker) walk(n *yaml.Node, t reflect.Type) {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode {
		w.walkAlias(n, t)
		return
	}
	if w.site != nil {
		if w.aliased++; w.aliased > maxAliasValues {
			return
		}
	}
	if n.Tag == yaml.NodeTagNull {
		return
	}
	ti := infoOf(t)
	if msg := ownDecodingProblem(n, ti.t); msg != "" {
		w.invalid(n, msg)
		return
	}
	if ti.own {
		return
	}
	if !fits(n, ti.t) {
		w.invalid(n, "must be "+describeType(ti.t))
		return
	}
	switch ti.t.Kind() {
	case reflect.Struct:
		pairs := mappingPairs(n)
		for i := 0; i+1 < len(pairs); i += 2 {
			k := resolved(pairs[i])
			if k.Kind != yaml.ScalarNode {
				continue // not a key JSON has; the decoding refuses it
			}
			ft, known := ti.fields[k.Value]
			if !known {
				w.unknownField(k.Value, ti.names)
				continue
			}
			w.path = append(w.path, segment{name: k.Value, kind: segField})
			w.walk(pairs[i+1], ft)
			w.path = w.path[:len(w.path)-1]
		}
	case reflect.Map:
		pairs := mappingPairs(n)
		for i := 0; i+1 < len(pairs); i += 2 {
			w.path = append(w.path, segment{name: resolved(pairs[i]).Value, kind: segKey})
			w.walk(pairs[i+1], ti.t.Elem())
			w.path = w.path[:len(w.path)-1]
		}
	case reflect.Slice, reflect.Array:
		for i, item := range n.Content {
			w.path = append(w.path, segment{index: i, kind: segIndex})
			w.walk(item, ti.t.Elem())
			w.path = w.path[:len(w.path)-1]
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if !inRange(n, ti) {
			w.invalid(n, describeRange(ti))
		}
	}
}

// walkAlias walks the value an alias stands for, at the alias's path.
func (w *walker) walkAlias(n *yaml.Node, t reflect.Type) {
	target := resolved(n)
	if target.Kind == yaml.AliasNode {
		return // no value: the decoding's to refuse
	}
	if w.site != nil {
		w.walk(target, t)
		return
	}
	w.site = n
	w.walk(target, t)
	w.site = nil
}

func (w *walker) unknownField(name string, known []string) {
	if len(w.unknown) >= maxUnknownFields {
		return
	}
	// The path as sigs.k8s.io/json's strict mode wrote it, also for a key
	// that is empty or has dots.
	at := name
	if p := w.fieldPath(); p != nil {
		at = p.String() + "." + name
	}
	w.unknown = append(w.unknown, field.Invalid(field.NewPath(at), name, unknownFieldDetail(name, known)))
}

func resolved(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// mappingPairs are the key and value nodes of mapping n, alternating, as
// yaml.v3 decodes them: its own keys, then those of the mappings it merges
// ("<<: *defaults", or a list of them) that are not set already, the first
// merged mapping winning. Without a merge key they are n.Content.
func mappingPairs(n *yaml.Node) []*yaml.Node {
	merges := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		merges = merges || isMerge(n.Content[i])
	}
	if !merges {
		return n.Content
	}
	var out []*yaml.Node
	seen := map[string]bool{}
	var add func(m *yaml.Node, depth int)
	add = func(m *yaml.Node, depth int) {
		var merge *yaml.Node
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			if isMerge(k) {
				merge = m.Content[i+1] // yaml.v3 uses the last
				continue
			}
			if rk := resolved(k); rk.Kind == yaml.ScalarNode {
				if seen[rk.Value] {
					continue
				}
				seen[rk.Value] = true
			}
			out = append(out, k, m.Content[i+1])
		}
		if merge == nil || depth > 100 {
			return
		}
		sources := []*yaml.Node{resolved(merge)}
		if sources[0].Kind == yaml.SequenceNode {
			sources = sources[0].Content
		}
		for _, s := range sources {
			if s = resolved(s); s.Kind == yaml.MappingNode {
				add(s, depth+1)
			}
			// Anything else is an error of the decoding ("map merge
			// requires map or sequence of maps").
		}
	}
	add(n, 0)
	return out
}

// isMerge is yaml.v3's test for a merge key.
func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" &&
		(k.Tag == "" || k.Tag == "!" || k.Tag == "!!merge" || k.Tag == "tag:yaml.org,2002:merge")
}

// nulledCopy copies n with the nodes of bad replaced by null (anchors
// kept), each node once: an alias of the copy stands for the copy of its
// anchor, as in n.
func nulledCopy(n *yaml.Node, bad map[*yaml.Node]bool, copies map[*yaml.Node]*yaml.Node) *yaml.Node {
	if c, ok := copies[n]; ok {
		return c
	}
	c := &yaml.Node{}
	copies[n] = c
	if bad[n] {
		*c = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagNull, Value: "null", Anchor: n.Anchor}
		return c
	}
	*c = *n
	if n.Alias != nil {
		c.Alias = nulledCopy(n.Alias, bad, copies)
	}
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, child := range n.Content {
			c.Content[i] = nulledCopy(child, bad, copies)
		}
	}
	return c
}
