package generator

import (
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// typedToNode is jsonToNode(json.Marshal(obj)) without encoding/json: it
// walks the value itself, by the same rules (json tags, omitempty, omitzero,
// embedded structs, MarshalJSON and MarshalText methods), and visits only
// what is set. encoding/json prepares an encoder for every type a value
// could hold, the whole of a PodSpec for a Deployment, about a millisecond
// on every start of the binary. Anything it does not handle the same way
// (floats, byte slices, the ",string" option, maps with other keys, fields
// whose names collide) is errUnsupported, and toNode uses encoding/json.
// TestTypedToNodeMatchesJSON and FuzzTypedToNode compare the two.
func typedToNode(obj any) (*yaml.RNode, error) {
	p := &jsonParser{}
	n, err := p.reflectValue(reflect.ValueOf(obj))
	if err != nil {
		return nil, err
	}
	doc := p.node()
	*doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}
	return yaml.NewRNode(doc), nil
}

var errUnsupported = errors.New("not written by typedToNode")

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// What encoding/json looks for on a type, remembered per type (asking
// reflect every time is most of the walk's cost).
const (
	valueMarshaler = 1 << iota // MarshalJSON on the type
	addrMarshaler              // on its pointer only
	valueText                  // MarshalText on the type
	addrText                   // on its pointer only
	methodsKnown
)

var methodCache sync.Map // reflect.Type → int

func methodsOf(t reflect.Type) int {
	if m, ok := methodCache.Load(t); ok {
		return m.(int)
	}
	m := methodsKnown
	if t.Implements(marshalerType) {
		m |= valueMarshaler
	} else if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(marshalerType) {
		m |= addrMarshaler
	}
	if t.Implements(textMarshalerType) {
		m |= valueText
	} else if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(textMarshalerType) {
		m |= addrText
	}
	methodCache.Store(t, m)
	return m
}

func (p *jsonParser) null() *yaml.Node {
	n := p.node()
	*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagNull, Value: "null"}
	return n
}

func (p *jsonParser) reflectValue(v reflect.Value) (*yaml.Node, error) {
	if !v.IsValid() {
		return p.null(), nil
	}
	// As encoding/json: a method of the value, or of its address when it
	// is addressable; a nil pointer is null.
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return p.null(), nil
	}
	t := v.Type()
	switch m := methodsOf(t); {
	case m&valueMarshaler != 0:
		return p.marshaled(v)
	case m&addrMarshaler != 0 && v.CanAddr():
		return p.marshaled(v.Addr())
	case m&valueText != 0, m&addrText != 0 && v.CanAddr():
		return nil, errUnsupported
	}
	switch v.Kind() {
	case reflect.Bool:
		n := p.node()
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagBool, Value: strconv.FormatBool(v.Bool())}
		return n, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := p.node()
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: strconv.FormatInt(v.Int(), 10)}
		return n, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n := p.node()
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: strconv.FormatUint(v.Uint(), 10)}
		return n, nil
	case reflect.String:
		s := v.String()
		if !utf8.ValidString(s) {
			return nil, errUnsupported // encoding/json replaces the bad bytes
		}
		n := p.node()
		*n = stringNode(s, false)
		return n, nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return p.null(), nil
		}
		return p.reflectValue(v.Elem())
	case reflect.Struct:
		return p.reflectStruct(v)
	case reflect.Map:
		if v.IsNil() {
			return p.null(), nil
		}
		if t.Key().Kind() != reflect.String || t.Key().Implements(textMarshalerType) {
			return nil, errUnsupported
		}
		pairs := make([]pair, 0, v.Len())
		it := v.MapRange()
		for it.Next() {
			val, err := p.reflectValue(it.Value())
			if err != nil {
				return nil, err
			}
			pairs = append(pairs, pair{it.Key().String(), val})
		}
		return p.mapping(pairs), nil
	case reflect.Slice:
		if v.IsNil() {
			return p.null(), nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return nil, errUnsupported // base64
		}
		fallthrough
	case reflect.Array:
		n := p.node()
		*n = yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: make([]*yaml.Node, 0, v.Len())}
		for i := range v.Len() {
			el, err := p.reflectValue(v.Index(i))
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, el)
		}
		if len(n.Content) == 0 {
			n.Style = yaml.FlowStyle
		}
		return n, nil
	}
	return nil, errUnsupported // floats, complex numbers, channels, functions
}

// marshaled parses what a MarshalJSON method writes.
func (p *jsonParser) marshaled(v reflect.Value) (*yaml.Node, error) {
	b, err := v.Interface().(json.Marshaler).MarshalJSON()
	if err != nil {
		return nil, err
	}
	if !json.Valid(b) {
		return nil, errUnsupported
	}
	sub := &jsonParser{data: b, block: p.block}
	n, err := sub.value()
	if err != nil {
		return nil, err
	}
	if sub.skipSpace(); sub.i != len(sub.data) {
		return nil, errUnsupported
	}
	p.block = sub.block
	return n, nil
}

func (p *jsonParser) reflectStruct(v reflect.Value) (*yaml.Node, error) {
	fields, err := structFields(v.Type())
	if err != nil {
		return nil, err
	}
	pairs := make([]pair, 0, len(fields))
	for _, f := range fields {
		fv, ok := fieldByIndex(v, f.index)
		if !ok {
			continue // inside a nil embedded pointer
		}
		if f.omitEmpty && isEmptyValue(fv) || f.omitZero && isZero(fv) {
			continue
		}
		val, err := p.reflectValue(fv)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, pair{f.name, val})
	}
	return p.mapping(pairs), nil
}

func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

// isEmptyValue is encoding/json's test for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// isZero is encoding/json's test for omitzero: an IsZero method, else the
// zero value.
func isZero(v reflect.Value) bool {
	type zeroer interface{ IsZero() bool }
	if z, ok := v.Interface().(zeroer); ok {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return true
		}
		return z.IsZero()
	}
	if v.CanAddr() {
		if z, ok := v.Addr().Interface().(zeroer); ok {
			return z.IsZero()
		}
	}
	return v.IsZero()
}

type structField struct {
	name                string
	index               []int
	omitEmpty, omitZero bool
	tagged              bool
}

var fieldCache sync.Map // reflect.Type → []structField or error

// structFields lists the JSON fields of a struct type as encoding/json's
// typeFields does: exported fields, embedded structs without a name
// flattened, the shallowest field (then the tagged one) winning a name.
func structFields(t reflect.Type) ([]structField, error) {
	if c, ok := fieldCache.Load(t); ok {
		if err, isErr := c.(error); isErr {
			return nil, err
		}
		return c.([]structField), nil
	}
	fields, err := collectFields(t)
	if err != nil {
		fieldCache.Store(t, err)
		return nil, err
	}
	fieldCache.Store(t, fields)
	return fields, nil
}

func collectFields(t reflect.Type) ([]structField, error) {
	var all []structField
	var walk func(t reflect.Type, index []int, depth int) error
	walk = func(t reflect.Type, index []int, depth int) error {
		if depth > 16 {
			return errUnsupported
		}
		for i := range t.NumField() {
			sf := t.Field(i)
			ft := sf.Type
			if sf.Anonymous {
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if !sf.IsExported() && ft.Kind() != reflect.Struct {
					continue
				}
			} else if !sf.IsExported() {
				continue
			}
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if !validTagName(name) {
				name = ""
			}
			idx := append(slices.Clone(index), i)
			if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
				if err := walk(ft, idx, depth+1); err != nil {
					return err
				}
				continue
			}
			f := structField{name: name, index: idx, tagged: name != ""}
			if f.name == "" {
				f.name = sf.Name
			}
			for _, o := range strings.Split(opts, ",") {
				switch o {
				case "omitempty":
					f.omitEmpty = true
				case "omitzero":
					f.omitZero = true
				case "string":
					return errUnsupported
				}
			}
			all = append(all, f)
		}
		return nil
	}
	if err := walk(t, nil, 0); err != nil {
		return nil, err
	}
	// Dominance: per name, the shallowest fields; of those, the only one,
	// or the only tagged one; else none.
	byName := map[string][]structField{}
	var order []string
	for _, f := range all {
		if _, seen := byName[f.name]; !seen {
			order = append(order, f.name)
		}
		byName[f.name] = append(byName[f.name], f)
	}
	var out []structField
	for _, name := range order {
		fs := byName[name]
		minDepth := len(fs[0].index)
		for _, f := range fs {
			minDepth = min(minDepth, len(f.index))
		}
		var top, tagged []structField
		for _, f := range fs {
			if len(f.index) == minDepth {
				top = append(top, f)
				if f.tagged {
					tagged = append(tagged, f)
				}
			}
		}
		switch {
		case len(top) == 1:
			out = append(out, top[0])
		case len(tagged) == 1:
			out = append(out, tagged[0])
		default:
			return nil, errUnsupported // encoding/json drops them; rare enough to leave to it
		}
	}
	return out, nil
}

// validTagName is encoding/json's isValidTag.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}
