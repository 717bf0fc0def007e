package v1alpha1

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fieldShapes has the field shapes addFields claims to know that the API
// types do not use (yet).
type fieldShapes struct {
	*InlinedShapes
	Untagged string
	Dash     string `json:"-,"` //nolint:staticcheck // the name "-", on purpose
	Skipped  int    `json:"-"`
	Hides    int    `json:"hidden"`
	private  string //nolint:unused // left out
}

// InlinedShapes is exported: encoding/json cannot set an embedded pointer to
// an unexported type.
type InlinedShapes struct {
	Hidden string `json:"hidden"`
	Shown  bool   `json:",omitempty"`
}

// TestFieldsAsEncodingJSON holds the field tables to encoding/json on every
// struct type the decoding reaches: encoding/json writes a value with every
// field set under exactly the table's names, and each name's value as it
// writes a value of the table's type.
func TestFieldsAsEncodingJSON(t *testing.T) {
	var structs []reflect.Type
	seen := map[reflect.Type]bool{}
	var reach func(t reflect.Type)
	reach = func(t reflect.Type) {
		t = deref1(t)
		if seen[t] || infoOf(t).own {
			return
		}
		seen[t] = true
		switch t.Kind() {
		case reflect.Slice, reflect.Array, reflect.Map:
			reach(t.Elem())
		case reflect.Struct:
			structs = append(structs, t)
			for i := range t.NumField() {
				reach(t.Field(i).Type)
			}
		}
	}
	for _, root := range []any{EventDrivenService{}, ExpandEventDrivenServices{}, NATSHeadlessEndpoint{}, fieldShapes{}} {
		reach(reflect.TypeOf(root))
	}
	if len(structs) < 25 {
		t.Fatalf("only %d struct types reached", len(structs))
	}
	for _, st := range structs {
		b, err := json.Marshal(filled(t, st, nil).Interface())
		if err != nil {
			t.Fatalf("%v: %v", st, err)
		}
		var written map[string]json.RawMessage
		if err := json.Unmarshal(b, &written); err != nil {
			t.Fatalf("%v: %v", st, err)
		}
		var names []string
		for name := range written {
			names = append(names, name)
		}
		slices.Sort(names)
		if diff := cmp.Diff(names, infoOf(st).names); diff != "" {
			t.Errorf("%v: fields (-encoding/json +table):\n%s", st, diff)
			continue
		}
		for name, ft := range infoOf(st).fields {
			want, err := json.Marshal(filled(t, ft, nil).Interface())
			if err != nil || !bytes.Equal(want, written[name]) {
				t.Errorf("%v.%s: encoding/json writes %s, a %v is %s (%v)", st, name, written[name], ft, want, err)
			}
		}
	}
}

// filled is a value of type t with every field, element and pointer set
// (a type on the stack is left zero: it is recursive). A type that decodes
// itself gets a value its decoding accepts.
func filled(t *testing.T, typ reflect.Type, stack []reflect.Type) reflect.Value {
	v := reflect.New(typ).Elem()
	if slices.Contains(stack, typ) {
		return v
	}
	stack = append(stack, typ)
	if typ.Kind() != reflect.Pointer && typ.Kind() != reflect.Interface && infoOf(typ).own {
		for _, sample := range []string{`1`, `"2006-01-02T15:04:05Z"`} {
			if json.Unmarshal([]byte(sample), v.Addr().Interface()) == nil {
				return v
			}
		}
		t.Fatalf("%v takes no sample value", typ)
	}
	switch typ.Kind() {
	case reflect.Pointer:
		v.Set(filled(t, typ.Elem(), stack).Addr())
	case reflect.Interface:
		v.Set(reflect.ValueOf("x"))
	case reflect.Struct:
		for i := range typ.NumField() {
			if f := v.Field(i); f.CanSet() {
				f.Set(filled(t, typ.Field(i).Type, stack))
			}
		}
	case reflect.Slice:
		v.Set(reflect.Append(v, filled(t, typ.Elem(), stack)))
	case reflect.Array:
		for i := range v.Len() {
			v.Index(i).Set(filled(t, typ.Elem(), stack))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(typ))
		v.SetMapIndex(filled(t, typ.Key(), stack), filled(t, typ.Elem(), stack))
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	default:
		t.Fatalf("%v: no value for its kind", typ)
	}
	return v
}
