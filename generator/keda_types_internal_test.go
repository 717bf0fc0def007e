package generator

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
)

// TestKEDATypesMirrorKEDA holds keda_types.go to KEDA's own ScaledObject
// (status aside): the same JSON fields, each of the same shape, with the
// same omitempty. A field KEDA adds or renames fails here when the keda
// module is upgraded, instead of being refused as unknown in users' patches.
func TestKEDATypesMirrorKEDA(t *testing.T) {
	var diffs []string
	compareJSONShape(reflect.TypeOf(kedaScaledObject{}), reflect.TypeOf(kedav1alpha1.ScaledObject{}), "ScaledObject", &diffs)
	for _, d := range diffs {
		t.Error(d)
	}
}

// TestCompareJSONShapeCanFail: the comparison sees a missing field, another
// shape and another omitempty.
func TestCompareJSONShapeCanFail(t *testing.T) {
	type a struct {
		X int    `json:"x"`
		Y string `json:"y,omitempty"`
		Z []int  `json:"z"`
	}
	type b struct {
		X int     `json:"x,omitempty"`
		Y string  `json:"y,omitempty"`
		Z []int64 `json:"z"`
		W bool    `json:"w"`
	}
	var diffs []string
	compareJSONShape(reflect.TypeOf(a{}), reflect.TypeOf(b{}), "T", &diffs)
	if len(diffs) != 3 {
		t.Errorf("got %d differences, want 3 (x's omitempty, z's element, missing w): %q", len(diffs), diffs)
	}
}

type jsonField struct {
	typ       reflect.Type
	omitempty bool
}

func jsonFieldsOf(t reflect.Type) map[string]jsonField {
	out := map[string]jsonField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" && f.Anonymous {
			for k, v := range jsonFieldsOf(f.Type) {
				out[k] = v
			}
			continue
		}
		out[name] = jsonField{f.Type, slices.Contains(strings.Split(opts, ","), "omitempty")}
	}
	return out
}

func compareJSONShape(mine, theirs reflect.Type, path string, diffs *[]string) {
	if mine == theirs {
		return
	}
	if mine.Kind() != theirs.Kind() {
		*diffs = append(*diffs, path+": "+mine.String()+" here, "+theirs.String()+" in KEDA")
		return
	}
	switch mine.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		compareJSONShape(mine.Elem(), theirs.Elem(), path+"[]", diffs)
	case reflect.Struct:
		m, th := jsonFieldsOf(mine), jsonFieldsOf(theirs)
		if path == "ScaledObject" {
			delete(th, "status") // KEDA's to write
		}
		for name, tf := range th {
			mf, ok := m[name]
			if !ok {
				*diffs = append(*diffs, path+"."+name+": missing here")
				continue
			}
			if mf.omitempty != tf.omitempty {
				*diffs = append(*diffs, path+"."+name+": omitempty differs")
			}
			compareJSONShape(mf.typ, tf.typ, path+"."+name, diffs)
		}
		for name := range m {
			if _, ok := th[name]; !ok {
				*diffs = append(*diffs, path+"."+name+": not in KEDA")
			}
		}
	}
}
