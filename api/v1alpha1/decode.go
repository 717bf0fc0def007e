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
// strictly: an unknown or misspelled field anywhere is an error naming its
// path and the fields that are allowed there, so a typo such as "secretRef:"
// can never be silently ignored. It does not default or validate.
func DecodeEventDrivenService(node *yaml.RNode) (*EventDrivenService, field.ErrorList) {
	eds := &EventDrivenService{}
	errs := DecodeStrict(node, eds)
	if len(errs) > 0 && !onlyUnknownFields(errs) {
		return nil, errs
	}
	if node.Field("spec") == nil {
		return nil, append(errs, field.Required(field.NewPath("spec"), "the worker's description: at least image and nats.stream, nats.consumer"))
	}
	// Unknown fields do not stop decoding: the caller validates the rest so
	// that one run reports every problem.
	return eds, errs
}

func onlyUnknownFields(errs field.ErrorList) bool {
	for _, e := range errs {
		if !strings.HasPrefix(e.Detail, msgUnknownField) {
			return false
		}
	}
	return true
}

// DecodeStrict unmarshals node into obj, case-sensitively, and reports every
// unknown field, or the first value of the wrong type, as a field error.
func DecodeStrict(node *yaml.RNode, obj any) field.ErrorList {
	data, err := node.MarshalJSON()
	if err != nil {
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("cannot read the resource: %w", err))}
	}
	strictErrs, err := sigsjson.UnmarshalStrict(data, obj, sigsjson.DisallowUnknownFields)
	if err != nil {
		return field.ErrorList{typeError(node, data, obj, err)}
	}
	var errs field.ErrorList
	for _, se := range strictErrs {
		var fe sigsjson.FieldError
		if !errors.As(se, &fe) {
			errs = append(errs, field.InternalError(nil, se))
			continue
		}
		errs = append(errs, unknownField(reflect.TypeOf(obj), fe.FieldPath()))
	}
	return errs
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
				return "a list of mappings with the fields " + strings.Join(known, ", ")
			}
		}
		return "a list"
	case reflect.Map:
		return "a mapping"
	case reflect.Struct:
		if known := jsonFields(t); len(known) > 0 {
			return "a mapping with the fields " + strings.Join(known, ", ")
		}
		return "a mapping"
	}
	return t.String()
}

const msgUnknownField = "unknown field"

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
		d := distance(strings.ToLower(name), strings.ToLower(k))
		if d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein edit distance.
func distance(a, b string) int {
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
