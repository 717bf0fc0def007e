package generator

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/bizmatters/eds-fn/internal/jsonfields"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// typedNode is jsonNode without encoding/json's start-up cost: the first
// json.Marshal of a Deployment builds an encoder for every type a
// Deployment can hold (PodSpec, every volume source, ...), about a fifth of
// a one-service run (BENCHMARKS.md). typedNode walks the value instead, so
// only the fields that are set are visited, and makes the nodes jsonNode
// would make of json.Marshal's output. It follows encoding/json's rules for
// the shapes the API types have (its field table, internal/jsonfields;
// omitempty and omitzero, pointers, interfaces, string-keyed maps) and
// hands the rest to jsonNode: a value that marshals itself (quantities,
// int-or-strings, timestamps) is json.Marshal'ed alone, and an object with
// any other shape (a float, []byte, a ",string" option) is rendered whole
// by jsonNode. The TestTypedNode tests and
// FuzzTypedNode hold it to jsonNode.
func typedNode(obj any) (*yaml.RNode, error) {
	v := reflect.ValueOf(obj)
	w := &jsonWalk{}
	if v.IsValid() {
		// One block of nodes and one of pointers, as large as the last
		// object of this type needed: services generate alike.
		var hint [2]int
		if h, ok := sizeHints.Load(v.Type()); ok {
			hint = h.([2]int)
			w.nodes, w.ptrs = make([]yaml.Node, 0, hint[0]), make([]*yaml.Node, 0, hint[1])
		}
		defer func() {
			if used := [2]int{w.made + 1, w.pointed}; used != hint {
				sizeHints.Store(v.Type(), used) // only when it changed: most objects of a type are alike
			}
		}()
	}
	root, err := w.typed(v)
	if errors.Is(err, errOtherShape) {
		return jsonNode(obj)
	}
	if err != nil {
		return nil, err
	}
	doc := w.node()
	*doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	return yaml.NewRNode(doc), nil
}

var sizeHints sync.Map // reflect.Type → [2]int{nodes, child pointers}

// errOtherShape: a value typedNode leaves to jsonNode.
var errOtherShape = errors.New("a shape typedNode does not render")

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
	stringMapType     = reflect.TypeFor[map[string]string]()
)

func (w *jsonWalk) typed(v reflect.Value) (*yaml.Node, error) {
	if !v.IsValid() {
		return w.scalar(yaml.NodeTagNull, "null"), nil
	}
	t := v.Type()
	info := infoOf(t)
	if info.marshals {
		if !v.CanInterface() {
			return nil, errOtherShape
		}
		if t.Kind() != reflect.Pointer && v.CanAddr() {
			v = v.Addr() // as encoding/json calls a pointer method
		}
		return w.marshaled(v.Interface())
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return w.scalar(yaml.NodeTagNull, "null"), nil
		}
		return w.typed(v.Elem())
	case reflect.Struct:
		return w.object(v, info.fields)
	case reflect.Map:
		return w.mapping(v)
	case reflect.Slice:
		if v.IsNil() {
			return w.scalar(yaml.NodeTagNull, "null"), nil
		}
		fallthrough
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil, errOtherShape // base64
		}
		n := w.node()
		*n = yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: w.children(v.Len())}
		for i := range v.Len() {
			c, err := w.typed(v.Index(i))
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		if v.Len() == 0 {
			n.Style = yaml.FlowStyle
		}
		return n, nil
	case reflect.String:
		n := w.node()
		*n = stringNode(validUTF8(v.String()), false)
		return n, nil
	case reflect.Bool:
		return w.scalar(yaml.NodeTagBool, strconv.FormatBool(v.Bool())), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return w.scalar(yaml.NodeTagInt, strconv.FormatInt(v.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return w.scalar(yaml.NodeTagInt, strconv.FormatUint(v.Uint(), 10)), nil
	}
	return nil, errOtherShape // floats and what encoding/json refuses
}

// typeInfo is what typedNode needs to know of a type, found once: reflect's
// Implements is too slow to ask for every value.
type typeInfo struct {
	marshals bool       // it marshals itself, or its pointer does
	fields   []encField // a struct's; nil when typedNode leaves it to jsonNode
}

var typeInfos sync.Map // reflect.Type → *typeInfo

func infoOf(t reflect.Type) *typeInfo {
	if i, ok := typeInfos.Load(t); ok {
		return i.(*typeInfo)
	}
	// Only defined types, pointers, interfaces and structs (by embedding)
	// have methods: []string or map[string]string need not be asked (nor
	// made a pointer type of, which reflect has to look up).
	methods := t.PkgPath() != "" || t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface || t.Kind() == reflect.Struct
	info := &typeInfo{marshals: methods && (t.Implements(marshalerType) || t.Implements(textMarshalerType) ||
		t.Kind() != reflect.Pointer && (reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType)))}
	if t.Kind() == reflect.Struct && !info.marshals {
		info.fields = fieldsOf(t)
	}
	typeInfos.Store(t, info)
	return info
}

// marshaled is the node of a value that marshals itself. Its MarshalJSON
// is called directly when it writes a plain string or integer, which
// json.Marshal would pass on as it is; anything else goes through
// json.Marshal (whose encoders for such types are small), which checks,
// compacts and escapes it.
func (w *jsonWalk) marshaled(v any) (*yaml.Node, error) {
	var data []byte
	if m, ok := v.(json.Marshaler); ok {
		if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || !rv.IsNil() {
			if b, err := m.MarshalJSON(); err == nil && plainJSON(b) {
				data = b
			}
		}
	}
	if data == nil {
		var err error
		if data, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	w.s, w.i = string(data), 0
	n := w.value()
	return n, w.err
}

// plainJSON: b is a JSON string of printable ASCII without escapes, or a
// decimal integer, exactly as json.Marshal would write it.
func plainJSON(b []byte) bool {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		for _, c := range b[1 : len(b)-1] {
			if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				return false
			}
		}
		return true
	}
	digits := bytes.TrimPrefix(b, []byte("-"))
	if len(digits) == 0 || digits[0] == '0' && len(digits) > 1 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (w *jsonWalk) scalar(tag, value string) *yaml.Node {
	n := w.node()
	*n = yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
	return n
}

func (w *jsonWalk) object(v reflect.Value, fields []encField) (*yaml.Node, error) {
	if fields == nil {
		return nil, errOtherShape
	}
	n, base := w.node(), len(w.pairs)
fields:
	for _, f := range fields {
		fv := v
		for _, i := range f.index {
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue fields // a field of a nil embedded struct
				}
				fv = fv.Elem()
			}
			fv = fv.Field(i)
		}
		if f.omitEmpty && isEmptyValue(fv) || f.isZero != nil && f.isZero(fv) {
			continue
		}
		c, err := w.typed(fv)
		if err != nil {
			return nil, err
		}
		w.pairs = append(w.pairs, pair{f.name, c, f.key})
	}
	w.mappingOf(n, base, true)
	return n, nil
}

func (w *jsonWalk) mapping(v reflect.Value) (*yaml.Node, error) {
	if v.IsNil() {
		return w.scalar(yaml.NodeTagNull, "null"), nil
	}
	if v.Type().Key().Kind() != reflect.String {
		return nil, errOtherShape
	}
	n, base := w.node(), len(w.pairs)
	if v.Type() == stringMapType && v.CanInterface() {
		// Labels, annotations, selectors, trigger metadata: most maps,
		// without reflect's iterator.
		for k, s := range v.Interface().(map[string]string) {
			c := w.node()
			*c = stringNode(validUTF8(s), false)
			w.pairs = append(w.pairs, pair{key: validUTF8(k), value: c})
		}
		w.mappingOf(n, base, false)
		return n, nil
	}
	for it := v.MapRange(); it.Next(); {
		c, err := w.typed(it.Value())
		if err != nil {
			return nil, err
		}
		w.pairs = append(w.pairs, pair{key: validUTF8(it.Key().String()), value: c})
	}
	w.mappingOf(n, base, false)
	return n, nil
}

// validUTF8 is s as encoding/json writes it: each byte that is not part of
// a UTF-8 sequence becomes U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for _, r := range s {
		b = utf8.AppendRune(b, r) // ranging gives U+FFFD per bad byte
	}
	return string(b)
}

// encField is a struct field as encoding/json sees it.
type encField struct {
	name      string
	index     []int
	omitEmpty bool
	isZero    func(reflect.Value) bool // for omitzero
	key       *yaml.Node               // the key's node, for a plain name
}

// fieldsOf is the fields of struct t as encoding/json writes them, or nil
// when one is written inside a string (",string"), which typedNode leaves
// to jsonNode.
func fieldsOf(t reflect.Type) []encField {
	fields := jsonfields.Of(t)
	out := make([]encField, 0, len(fields))
	for _, f := range fields {
		if f.Quoted {
			return nil
		}
		e := encField{name: f.Name, index: f.Index, omitEmpty: f.OmitEmpty}
		if f.OmitZero {
			e.isZero = zeroTest(f.Type)
		}
		if plainInBoth(f.Name, true) {
			// Its own node, made once: a name is a plain word, and
			// nothing changes a key node in place.
			e.key = &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: f.Name}
		}
		out = append(out, e)
	}
	// In the order their keys are written: a struct's mapping need not be
	// sorted for every value.
	slices.SortFunc(out, func(a, b encField) int {
		if v2KeyLess(a.name, b.name) {
			return -1
		}
		return 1
	})
	return out
}

// isEmptyValue is encoding/json's test for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Struct:
		return false
	}
	return v.IsZero()
}

// zeroTest is encoding/json's test for omitzero on a field of type t: the
// type's IsZero method when it has one, else the zero value.
func zeroTest(t reflect.Type) func(reflect.Value) bool {
	isZero := func(v reflect.Value) bool { return v.Interface().(interface{ IsZero() bool }).IsZero() }
	switch {
	case (t.Kind() == reflect.Interface || t.Kind() == reflect.Pointer) && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || t.Kind() == reflect.Interface && v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil() || isZero(v)
		}
	case t.Implements(isZeroerType):
		return isZero
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(v reflect.Value) bool {
			if !v.CanAddr() {
				c := reflect.New(t).Elem()
				c.Set(v)
				v = c
			}
			return isZero(v.Addr())
		}
	}
	return reflect.Value.IsZero
}
