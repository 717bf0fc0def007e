package jsonfields

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

type (
	embedA struct {
		A    string `json:"a"`
		Same string `json:"same"`
		Deep string
	}
	embedB struct {
		B    string `json:"b"`
		Same string `json:"same"`
		embedA
	}
	withEmbedded struct {
		embedB
		*embedA `json:"ptr"`
		Own     string `json:"own"`
		Named   embedA `json:"named"`
		Untag   string
		Skip    string `json:"-"`
		Dash    string `json:"-,"` //nolint:staticcheck // the name "-", on purpose
		hidden  string //nolint:unused // an unexported field, left out
		Same    string `json:"same"`
	}
	twice1    struct{ X, Y string }
	twice2    struct{ X string }
	sameDepth struct {
		twice1
		twice2
		Y2 string `json:"Y"`
	}
	tagWins struct {
		Tagged struct{ V string } `json:"-"`
		embedTag
		embedNoTag
	}
	embedTag struct {
		V string `json:"v"`
	}
	embedNoTag struct{ V string }
	oddNames   struct {
		Bad   string `json:"a\"b"` //nolint:staticcheck // a name encoding/json refuses, on purpose
		Space string `json:"with space"`
		Uni   string `json:"naïve"`
		Empty string `json:",omitempty"`
	}
	ptrSelf struct {
		*ptrSelf        //nolint:unused // a struct that embeds itself
		S        string `json:"s"`
	}
	common struct{ C, D string }
	viaOne struct{ common }
	viaTwo struct {
		common
		D string
	}
	commonTwice struct {
		viaOne
		viaTwo
		E string
	}
	hiddenType   struct{ H string }
	embedsHidden struct {
		hiddenType
		N string `json:"n,string,omitempty,omitzero"`
	}
)

// marked fills every string field reached through Of with its index path
// and returns the value: the test then asks encoding/json where each went.
func marked(t reflect.Type) reflect.Value {
	v := reflect.New(t).Elem()
	for _, f := range Of(t) {
		fv := v
		for j, i := range f.Index {
			if j > 0 && fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					fv.Set(reflect.New(fv.Type().Elem()))
				}
				fv = fv.Elem()
			}
			fv = fv.Field(i)
		}
		if fv.Kind() == reflect.String {
			fv.SetString(fmt.Sprint(f.Index))
		}
	}
	return v
}

// TestOfAsEncodingJSON: every field encoding/json writes is in the table,
// and every string field of the table is written under its name from its
// index path (the others are empty, and the API types omit most of them).
func TestOfAsEncodingJSON(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[withEmbedded](), reflect.TypeFor[sameDepth](), reflect.TypeFor[tagWins](),
		reflect.TypeFor[oddNames](), reflect.TypeFor[commonTwice](), reflect.TypeFor[ptrSelf](), reflect.TypeFor[embedsHidden](),
		reflect.TypeFor[corev1.Container](), reflect.TypeFor[appsv1.Deployment](), reflect.TypeFor[corev1.PodSpec](),
	} {
		v := marked(typ)
		b, err := json.Marshal(v.Interface())
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range Of(typ) {
			names = append(names, f.Name)
			if f.Type.Kind() == reflect.String && !f.Quoted && got[f.Name] != fmt.Sprint(f.Index) {
				t.Errorf("%v.%s: encoding/json wrote %v, the table says index %v", typ, f.Name, got[f.Name], f.Index)
			}
		}
		for k := range got {
			if !slices.Contains(names, k) {
				t.Errorf("%v: encoding/json wrote %q, which the table does not have", typ, k)
			}
		}
	}
}

func TestOfOptions(t *testing.T) {
	f := Of(reflect.TypeFor[embedsHidden]())
	want := []Field{
		{Name: "H", Index: []int{0, 0}, Type: reflect.TypeFor[string]()},
		{Name: "n", Index: []int{1}, Type: reflect.TypeFor[string](), Tagged: true, OmitEmpty: true, OmitZero: true, Quoted: true},
	}
	if diff := cmp.Diff(want, f, cmp.Comparer(func(a, b reflect.Type) bool { return a == b })); diff != "" {
		t.Error(diff)
	}
}
