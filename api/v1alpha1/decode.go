package v1alpha1

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
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
// unknown field and every value of the wrong type as a field error.
func DecodeStrict(node *yaml.RNode, obj any) field.ErrorList {
	errs, _ := decodeStrict(node, obj)
	return errs
}

// decodeStrict is DecodeStrict that also says whether obj holds the rest of
// the input (ok) despite the errors.
func decodeStrict(node *yaml.RNode, obj any) (errs field.ErrorList, ok bool) {
	// Values of the wrong shape are reported, then blanked in a copy, so
	// that one bad field does not hide the others.
	clean := node.Copy()
	errs = checkTypes(clean.YNode(), reflect.TypeOf(obj), nil)
	data, err := nodeJSON(clean)
	if err != nil {
		return append(errs, field.Invalid(nil, "(document)", fmt.Sprintf("cannot be read: %v", err))), false
	}
	strictErrs, err := sigsjson.UnmarshalStrict(data, obj, sigsjson.DisallowUnknownFields)
	if err != nil {
		// A shape checkTypes does not know; report it as encoding/json sees it.
		return append(errs, typeError(clean, data, obj, err)), false
	}
	for _, se := range strictErrs {
		var fe sigsjson.FieldError
		if !errors.As(se, &fe) {
			errs = append(errs, field.InternalError(nil, se))
			continue
		}
		errs = append(errs, unknownField(reflect.TypeOf(obj), fe.FieldPath()))
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
	return errs, true
}

var jsonUnmarshaler = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

// checkTypes walks a YAML node along Go type t and returns an error for every
// value that cannot be decoded into its field, replacing each such value by
// null so that the rest of the document still decodes.
func checkTypes(n *yaml.Node, t reflect.Type, p *field.Path) field.ErrorList {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	t = deref1(t)
	if n.Tag != yaml.NodeTagNull && n.Kind != yaml.AliasNode {
		if bad := checkOwnDecoding(n, t, p); bad != nil {
			*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagNull, Value: "null"}
			return field.ErrorList{bad}
		}
	}
	if n.Tag == yaml.NodeTagNull || reflect.PointerTo(t).Implements(jsonUnmarshaler) || t.Kind() == reflect.Interface {
		// Types with their own decoding (quantities, timestamps, the
		// customDeployment patch) check themselves.
		return nil
	}
	if n.Kind == yaml.AliasNode {
		return nil
	}
	if !fits(n, t) {
		bad := field.Invalid(p, describeValue(n, ""), "must be "+describeType(t))
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagNull, Value: "null"}
		return field.ErrorList{bad}
	}
	var errs field.ErrorList
	switch t.Kind() {
	case reflect.Struct:
		for i := 0; i+1 < len(n.Content); i += 2 {
			name := n.Content[i].Value
			if ft := declaredFieldType(t, name); ft != nil {
				errs = append(errs, checkTypes(n.Content[i+1], ft, child(p, name))...)
			}
		}
	case reflect.Map:
		for i := 0; i+1 < len(n.Content); i += 2 {
			errs = append(errs, checkTypes(n.Content[i+1], t.Elem(), keyOf(p, n.Content[i].Value))...)
		}
	case reflect.Slice, reflect.Array:
		for i, item := range n.Content {
			errs = append(errs, checkTypes(item, t.Elem(), p.Index(i))...)
		}
	}
	return errs
}

// declaredFieldType is the Go type of JSON field name of struct t (inline
// structs included) as declared, lists and pointers kept; nil if none.
func declaredFieldType(t reflect.Type, name string) reflect.Type {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "" && (strings.Contains(opts, "inline") || f.Anonymous) {
			if ft := declaredFieldType(deref1(f.Type), name); ft != nil {
				return ft
			}
			continue
		}
		if tag == name {
			return f.Type
		}
	}
	return nil
}

func child(p *field.Path, name string) *field.Path {
	if p == nil {
		return field.NewPath(name)
	}
	return p.Child(name)
}

func keyOf(p *field.Path, key string) *field.Path {
	if p == nil {
		return field.NewPath(key)
	}
	return p.Key(key)
}

// typeError turns a JSON type mismatch into a field error. sigs.k8s.io/json
// keeps its error type internal, so the same data is decoded once more with
// encoding/json, whose UnmarshalTypeError names the field (without list
// indices; locate finds the offending node, and so its index, in the YAML).
func typeError(node *yaml.RNode, data []byte, obj any, orig error) *field.Error {
	fresh := reflect.New(reflect.TypeOf(obj).Elem()).Interface()
	var te *json.UnmarshalTypeError
	if err := json.Unmarshal(data, fresh); errors.As(err, &te) && te.Field != "" {
		path, bad := locate(node.YNode(), strings.Split(te.Field, "."), nil, te.Type)
		if path == nil {
			path = field.NewPath(te.Field)
		}
		return field.Invalid(path, describeValue(bad, te.Value), "must be "+describeType(te.Type))
	}
	return field.Invalid(nil, nil, orig.Error())
}

// locate walks n along the JSON field names in segs, trying every element of
// the lists on the way, and returns the path and node of the first value that
// cannot be decoded into t.
func locate(n *yaml.Node, segs []string, p *field.Path, t reflect.Type) (*field.Path, *yaml.Node) {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.SequenceNode && (len(segs) > 0 || deref(t).Kind() != reflect.Slice) {
		for i, item := range n.Content {
			if ip, bad := locate(item, segs, p.Index(i), t); ip != nil {
				return ip, bad
			}
		}
		return nil, nil
	}
	if len(segs) == 0 {
		if !fits(n, t) {
			return p, n
		}
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == segs[0] {
			var child *field.Path
			if p == nil {
				child = field.NewPath(segs[0])
			} else {
				child = p.Child(segs[0])
			}
			return locate(n.Content[i+1], segs[1:], child, t)
		}
	}
	return nil, nil
}

// fits reports whether a YAML node has the shape Go type t decodes from.
func fits(n *yaml.Node, t reflect.Type) bool {
	if n.Tag == yaml.NodeTagNull {
		return true
	}
	switch deref1(t).Kind() {
	case reflect.Slice, reflect.Array:
		return n.Kind == yaml.SequenceNode
	case reflect.Struct, reflect.Map:
		return n.Kind == yaml.MappingNode
	case reflect.String:
		return n.Kind == yaml.ScalarNode && n.Tag == yaml.NodeTagString
	case reflect.Bool:
		return n.Kind == yaml.ScalarNode && n.Tag == yaml.NodeTagBool
	case reflect.Interface:
		return true
	default:
		return n.Kind == yaml.ScalarNode && n.Tag == yaml.NodeTagInt
	}
}

func deref1(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func describeValue(n *yaml.Node, jsonValue string) any {
	switch {
	case n == nil:
		return jsonValue
	case n.Kind == yaml.SequenceNode:
		return "(a list)"
	case n.Kind == yaml.MappingNode:
		return "(a mapping)"
	case n.Tag == yaml.NodeTagString:
		return n.Value
	case n.Tag == yaml.NodeTagInt:
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return i
		}
	case n.Tag == yaml.NodeTagBool:
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b
		}
	case n.Tag == yaml.NodeTagFloat:
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	}
	return yaml.NewRNode(n).MustString()[:len(yaml.NewRNode(n).MustString())-1]
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return describeType(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Slice, reflect.Array:
		switch e := deref1(t.Elem()); e.Kind() {
		case reflect.String:
			return "a list of strings"
		case reflect.Struct:
			if known := jsonFields(e); len(known) > 0 {
				return "a list of mappings with " + fieldList(known)
			}
		}
		return "a list"
	case reflect.Map:
		return "a mapping"
	case reflect.Struct:
		if known := jsonFields(t); len(known) > 0 {
			return "a mapping with " + fieldList(known)
		}
		return "a mapping"
	}
	return t.String()
}

const msgUnknownField = "unknown field"

func fieldList(known []string) string {
	if len(known) == 1 {
		return "the field " + known[0]
	}
	return "the fields " + strings.Join(known, ", ")
}

var indexRE = regexp.MustCompile(`\[[0-9]+\]`)

// unknownField explains an unknown field: where it is, which fields are
// allowed there, and the closest one if it looks like a typo.
func unknownField(root reflect.Type, path string) *field.Error {
	parts := strings.Split(indexRE.ReplaceAllString(path, ""), ".")
	t := root
	for _, part := range parts[:len(parts)-1] {
		t = fieldType(t, part)
		if t == nil {
			break
		}
	}
	name := parts[len(parts)-1]
	p := field.NewPath(path)
	if t == nil {
		return field.Invalid(p, name, msgUnknownField)
	}
	known := jsonFields(t)
	msg := msgUnknownField + "; the allowed fields here are " + strings.Join(known, ", ")
	if best := closest(name, known); best != "" {
		msg = fmt.Sprintf(msgUnknownField+" (did you mean %q?); the allowed fields here are %s", best, strings.Join(known, ", "))
	}
	return field.Invalid(p, name, msg)
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	return t
}

// fieldType is the type of the JSON field name of struct t (inline structs
// included), or nil.
func fieldType(t reflect.Type, name string) reflect.Type {
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "" && strings.Contains(opts, "inline") || f.Anonymous && tag == "" {
			if ft := fieldType(f.Type, name); ft != nil {
				return ft
			}
			continue
		}
		if tag == name {
			return deref(f.Type)
		}
	}
	return nil
}

// jsonFields lists the JSON field names of struct t, sorted.
func jsonFields(t reflect.Type) []string {
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" || !f.IsExported() {
			continue
		}
		if tag == "" && (strings.Contains(opts, "inline") || f.Anonymous) {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		out = append(out, tag)
	}
	sort.Strings(out)
	return out
}

// closest returns the known name nearest to name when it is close enough to
// be a typo (plural/singular, case, one or two letters).
func closest(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if len(name) > len(k)+bestD {
			continue // too far apart; and a huge name would take long to compare
		}
		d := EditDistance(strings.ToLower(name), strings.ToLower(k))
		if d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// EditDistance is the Levenshtein edit distance of a and b, in bytes: the
// measure behind every "did you mean" of eds-fn. Callers bound the lengths.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
