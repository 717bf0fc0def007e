package v1alpha1

import (
	"reflect"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// How the strict decoding judges a YAML value against a Go type, and how
// its messages name both.

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

// inRange reports whether an integer node's value fits integer type ti,
// read as yaml.v3 reads it (underscores, 0x, 0o and 0b prefixes). A value
// yaml.v3 does not read as an integer at all is left to the decoding.
func inRange(n *yaml.Node, ti *typeInfo) bool {
	plain := strings.ReplaceAll(n.Value, "_", "")
	if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return i >= ti.min && i <= ti.max
	}
	if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return u <= ti.umax
	}
	return true
}

func describeRange(ti *typeInfo) string {
	return "must be an integer between " + strconv.FormatInt(ti.min, 10) + " and " + strconv.FormatUint(ti.umax, 10)
}

func deref1(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func describeValue(n *yaml.Node) any {
	switch {
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
	s := yaml.NewRNode(n).MustString()
	return s[:len(s)-1]
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

func fieldList(known []string) string {
	if len(known) == 1 {
		return "the field " + known[0]
	}
	return "the fields " + strings.Join(known, ", ")
}
