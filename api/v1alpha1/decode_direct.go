package v1alpha1

import (
	"reflect"
	"strconv"
	"unicode/utf8"

	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// decodeDirect lets tests compare the direct decoding with the JSON one.
var decodeDirect = true

// setPlain sets v from n as encoding/json sets it from nodeJSON's JSON of
// n, without the JSON: writing and scanning it was most of the decoding's
// time once the walk had checked the values. It handles the nodes whose
// JSON appendPlain writes itself (plain YAML, no anchors, tags or repeated
// keys) and values whose types the walk found right; it returns false at
// anything else, and the caller decodes through JSON instead. Types that
// decode themselves get their part of the JSON, through sigs.k8s.io/json.
func setPlain(n *yaml.Node, v reflect.Value, inFlow bool) bool {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Anchor != "" || n.Style&(yaml.TaggedStyle|yaml.FoldedStyle) != 0 {
		return false
	}
	inFlow = inFlow || n.Style&yaml.FlowStyle != 0
	ti := infoOf(v.Type())
	if ti.own {
		b, ok := appendPlain(nil, n, inFlow)
		return ok && sigsjson.UnmarshalCaseSensitivePreserveInts(b, v.Addr().Interface()) == nil
	}
	if n.Kind == yaml.ScalarNode && n.Tag == yaml.NodeTagNull {
		// JSON's null leaves a fresh value as it is; an empty one in a
		// flow collection is written as '' (see appendPlain).
		return !inFlow || n.Value != ""
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return setPlain(n, v.Elem(), inFlow)
	}
	switch v.Kind() {
	case reflect.Struct:
		return setStruct(n, v, ti, inFlow)
	case reflect.Map:
		if n.Kind != yaml.MappingNode || n.Tag != yaml.NodeTagMap && n.Tag != "" || v.Type().Key().Kind() != reflect.String || !plainKeys(n) {
			return false
		}
		if v.IsNil() {
			v.Set(reflect.MakeMapWithSize(v.Type(), len(n.Content)/2))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			e := reflect.New(v.Type().Elem()).Elem()
			if !setPlain(n.Content[i+1], e, inFlow) {
				return false
			}
			v.SetMapIndex(reflect.ValueOf(n.Content[i].Value).Convert(v.Type().Key()), e)
		}
		return true
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode || n.Tag != yaml.NodeTagSeq && n.Tag != "" {
			return false
		}
		v.Set(reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content)))
		for i, item := range n.Content {
			if !setPlain(item, v.Index(i), inFlow) {
				return false
			}
		}
		return true
	case reflect.String:
		if n.Kind != yaml.ScalarNode || !isString(n) || !utf8.ValidString(n.Value) {
			return false
		}
		v.SetString(n.Value)
		return true
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != yaml.NodeTagBool || n.Value != "true" && n.Value != "false" {
			return false
		}
		v.SetBool(n.Value == "true")
		return true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.Tag != yaml.NodeTagInt || !decimalInt.MatchString(n.Value) {
			return false
		}
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil || v.OverflowInt(i) {
			return false
		}
		v.SetInt(i)
		return true
	}
	return false
}

func setStruct(n *yaml.Node, v reflect.Value, ti *typeInfo, inFlow bool) bool {
	if n.Kind != yaml.MappingNode || n.Tag != yaml.NodeTagMap && n.Tag != "" || !plainKeys(n) {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		index, known := ti.index[n.Content[i].Value]
		if !known {
			// Ignored by the decoding, but its JSON must be plain too,
			// or the decoding through JSON could fail where this did not.
			if _, ok := appendPlain(nil, n.Content[i+1], inFlow); !ok {
				return false
			}
			continue
		}
		f := v
		for j, x := range index {
			if j > 0 {
				if f.Kind() == reflect.Pointer {
					if f.IsNil() {
						if !f.CanSet() {
							return false
						}
						f.Set(reflect.New(f.Type().Elem()))
					}
					f = f.Elem()
				}
			}
			f = f.Field(x)
		}
		if !f.CanSet() || !setPlain(n.Content[i+1], f, inFlow) {
			return false
		}
	}
	return true
}

// plainKeys: every key of mapping n is one appendPlain writes, and none is
// repeated (which yaml.v3, and so the JSON decoding, refuses). Large
// mappings are left to appendPlain, which sorts them.
func plainKeys(n *yaml.Node) bool {
	if len(n.Content)%2 != 0 || len(n.Content) > 64 {
		return false
	}
	for i := 0; i < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode || !isString(k) || k.Anchor != "" || k.Style&yaml.TaggedStyle != 0 || !utf8.ValidString(k.Value) {
			return false
		}
		for j := 0; j < i; j += 2 {
			if n.Content[j].Value == k.Value {
				return false
			}
		}
	}
	return true
}
