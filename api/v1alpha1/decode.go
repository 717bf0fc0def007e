package v1alpha1

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
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
	if errs := DecodeStrict(node, eds); len(errs) > 0 {
		return nil, errs
	}
	if node.Field("spec") == nil {
		return nil, field.ErrorList{field.Required(field.NewPath("spec"), "the worker's description: at least image and nats.stream, nats.consumer")}
	}
	return eds, nil
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
		return field.ErrorList{typeError(data, obj, err)}
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
// encoding/json, whose UnmarshalTypeError names the field.
func typeError(data []byte, obj any, orig error) *field.Error {
	fresh := reflect.New(reflect.TypeOf(obj).Elem()).Interface()
	var te *json.UnmarshalTypeError
	if err := json.Unmarshal(data, fresh); errors.As(err, &te) && te.Field != "" {
		return field.Invalid(field.NewPath(te.Field), jsonKind(te.Value),
			"must be "+describeType(te.Type))
	}
	return field.Invalid(nil, nil, orig.Error())
}

func jsonKind(v string) string {
	switch {
	case v == "array":
		return "a list"
	case v == "object":
		return "a mapping"
	case strings.HasPrefix(v, "number"):
		return v
	}
	return "a " + v
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
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(describeType(t.Elem()), "a "), "an ") + "s"
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
		return field.Invalid(p, name, "unknown field")
	}
	known := jsonFields(t)
	msg := "unknown field; the allowed fields here are " + strings.Join(known, ", ")
	if best := closest(name, known); best != "" {
		msg = fmt.Sprintf("unknown field (did you mean %q?); the allowed fields here are %s", best, strings.Join(known, ", "))
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
