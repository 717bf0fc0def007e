package generator

import (
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/randfill"
)

// sameAsJSONNode fails unless typedNode renders obj exactly as jsonNode
// does (json.Marshal's output walked into nodes), errors included.
func sameAsJSONNode(t testing.TB, obj any) {
	t.Helper()
	want, wantErr := jsonNode(obj)
	got, gotErr := typedNode(obj)
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("%T: typedNode error %v, jsonNode error %v", obj, gotErr, wantErr)
	}
	if wantErr != nil {
		return
	}
	if err := sameNode(got.Document(), want.Document(), "$"); err != nil {
		t.Fatalf("%T: %v\ntypedNode:\n%s\njsonNode:\n%s", obj, err, got.MustString(), want.MustString())
	}
}

// rendersItself fails when typedNode would hand obj to jsonNode: the API
// types must take the fast path, or the start-up cost it saves is back.
func rendersItself(t testing.TB, obj any) {
	t.Helper()
	if _, err := (&jsonWalk{}).typed(reflect.ValueOf(obj)); errors.Is(err, errOtherShape) {
		t.Errorf("%T is rendered by jsonNode, not by typedNode", obj)
	}
}

func TestTypedNodeRendersGeneratedObjects(t *testing.T) {
	eds, errs := v1alpha1.LoadEventDrivenService(yaml.MustParse(benchLikeService))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	objs := objectsOf(eds)
	if pdb := disruptionBudget(eds); pdb != nil {
		objs = append(objs, pdb)
	}
	objs = append(objs, &policyv1.PodDisruptionBudget{}, &autoscalingv2.HorizontalPodAutoscalerBehavior{})
	for _, obj := range objs {
		rendersItself(t, obj)
		sameAsJSONNode(t, obj)
	}
}

// filler fills API objects with random values, as apimachinery's round-trip
// fuzzers do: the types that marshal themselves get values they can hold.
func filler(f *randfill.Filler) *randfill.Filler {
	return f.NilChance(0.3).NumElements(0, 2).MaxDepth(12).Funcs(
		func(q *resource.Quantity, c randfill.Continue) {
			*q = *resource.NewMilliQuantity(int64(c.Uint64()%1_000_000), resource.DecimalSI)
		},
		func(v *intstr.IntOrString, c randfill.Continue) {
			if c.Bool() {
				*v = intstr.FromInt32(int32(c.Uint64() % 65536))
			} else {
				*v = intstr.FromString(c.String(8))
			}
		},
		func(tm *metav1.Time, c randfill.Continue) {
			if c.Bool() {
				*tm = metav1.Unix(int64(c.Uint64()%4_000_000_000), 0)
			}
		},
		func(r *runtime.RawExtension, c randfill.Continue) {
			if c.Bool() {
				r.Raw = []byte(`{"spec":{"replicas":` + strconv.Itoa(int(c.Uint64()%9)) + `}}`)
			}
		},
		func(tm *metav1.MicroTime, c randfill.Continue) {
			*tm = metav1.NewMicroTime(time.Unix(int64(c.Uint64()%4_000_000_000), 0))
		},
	)
}

// TestTypedNodeMatchesJSONNodeOnRandomObjects: every field the generated
// kinds have, set at random, renders as json.Marshal's output does.
func TestTypedNodeMatchesJSONNodeOnRandomObjects(t *testing.T) {
	kinds := []func() any{
		func() any { return &appsv1.Deployment{} },
		func() any { return &corev1.Service{} },
		func() any { return &corev1.ServiceAccount{} },
		func() any { return &policyv1.PodDisruptionBudget{} },
		func() any { return &scaledObject{} },
		func() any { return &v1alpha1.EventDrivenService{} },
	}
	for seed := range int64(60) {
		f := filler(randfill.NewWithSeed(seed))
		for _, kind := range kinds {
			obj := kind()
			f.Fill(obj)
			rendersItself(t, obj)
			sameAsJSONNode(t, obj)
			sameAsJSONNode(t, reflect.ValueOf(obj).Elem().Interface()) // not addressable
		}
	}
}

type (
	inner     struct{ A, B string }
	innerTag  struct{ C string }
	embedsPtr struct {
		*inner
		innerTag `json:",inline"`
		D        string `json:"d,omitempty"`
	}
	hiddenType   struct{ H string }
	embedsHidden struct {
		hiddenType
		*innerTag
		V valueMarshaler
	}
	clash struct {
		inner
		A string
	}
	stringOpt struct {
		N int `json:"n,string"`
	}
	ptrMarshaler   struct{ V string }
	valueMarshaler struct{ V string }
	textKey        struct{ V string }
	zeroer         struct{ V int }
	ptrZeroer      struct{ V int }
	withZero       struct {
		Z  zeroer      `json:"z,omitzero"`
		PZ ptrZeroer   `json:"pz,omitzero"`
		P  *ptrZeroer  `json:"p,omitzero"`
		I  interface{} `json:"i,omitzero"`
		T  metav1.Time `json:"t,omitempty,omitzero"`
		S  struct{}    `json:"s,omitzero"`
	}
	allKinds struct {
		S     string            `json:"s,omitempty"`
		B     bool              `json:"b,omitempty"`
		I     int8              `json:"i,omitempty"`
		U     uint64            `json:"u,omitempty"`
		P     *int              `json:"p,omitempty"`
		L     []string          `json:"l,omitempty"`
		M     map[string]int    `json:"m,omitempty"`
		A     [2]int            `json:"a,omitempty"`
		E     [0]int            `json:"e,omitempty"`
		X     any               `json:"x,omitempty"`
		St    struct{}          `json:"st,omitempty"`
		NoTag string            //nolint:tagliatelle // the Go name is the JSON name
		Skip  string            `json:"-"`
		Dash  string            `json:"-,"` //nolint:staticcheck // the name "-", on purpose
		NL    []int             `json:"nl"`
		NM    map[string]string `json:"nm"`
		EL    []int             `json:"el"`
		EM    map[string]string `json:"em"`
		hid   string
	}
)

// rawMarshaler writes itself as its JSON, valid or not.
type rawMarshaler string

func (r rawMarshaler) MarshalJSON() ([]byte, error) { return []byte(r), nil }

type namedStringMap map[string]string

func (p *ptrMarshaler) MarshalJSON() ([]byte, error)  { return []byte(`{"ptr": "` + p.V + `"}`), nil }
func (v valueMarshaler) MarshalJSON() ([]byte, error) { return []byte(` [1, "` + v.V + `"] `), nil }
func (k textKey) MarshalText() ([]byte, error)        { return []byte("text:" + k.V), nil }
func (z zeroer) IsZero() bool                         { return z.V == 1 }
func (z *ptrZeroer) IsZero() bool                     { return z == nil || z.V == 2 }

// TestTypedNodeShapes: the rules of encoding/json typedNode follows, and the
// shapes it leaves to jsonNode, each against jsonNode.
func TestTypedNodeShapes(t *testing.T) {
	one := 1
	objs := []any{
		nil,
		embedsPtr{D: "d"},
		embedsPtr{inner: &inner{A: "a"}, innerTag: innerTag{C: "c"}},
		&embedsPtr{inner: &inner{B: "b"}},
		clash{inner: inner{A: "inner", B: "b"}, A: "outer"},
		embedsHidden{hiddenType: hiddenType{H: "promoted"}, innerTag: &innerTag{C: "c"}, V: valueMarshaler{V: "m"}},
		stringOpt{N: 3},
		ptrMarshaler{V: "value"},  // not addressable: no MarshalJSON
		&ptrMarshaler{V: "value"}, // addressable: MarshalJSON
		[]ptrMarshaler{{V: "in a list"}},
		map[string]ptrMarshaler{"k": {V: "map values are not addressable"}},
		map[string]*ptrMarshaler{"k": {V: "pointer"}, "nil": nil},
		valueMarshaler{V: "v"},
		&valueMarshaler{V: "v"},
		(*valueMarshaler)(nil),
		textKey{V: "x"},
		map[textKey]int{{V: "k"}: 1},
		map[int]string{2: "b", 10: "a"},
		[]byte("base64"),
		3.5,
		math.NaN(),
		make(chan int),
		withZero{},
		withZero{Z: zeroer{V: 1}, PZ: ptrZeroer{V: 2}, P: &ptrZeroer{V: 2}, I: &ptrZeroer{V: 2}},
		&withZero{Z: zeroer{V: 3}, PZ: ptrZeroer{V: 2}, P: &ptrZeroer{V: 3}, I: (*ptrZeroer)(nil), T: metav1.Unix(1, 0)},
		withZero{PZ: ptrZeroer{V: 3}, I: zeroer{V: 1}},
		allKinds{},
		allKinds{S: "s", B: true, I: -1, U: math.MaxUint64, P: &one, L: []string{}, M: map[string]int{}, X: map[string]any{"n": nil}, NoTag: "t", Skip: "x", Dash: "d", EL: []int{}, EM: map[string]string{}, hid: "h"},
		allKinds{L: []string{"a"}, M: map[string]int{"a10": 1, "a9": 2}, A: [2]int{1, 2}, X: []any{1, "two", true, nil, 2.5}},
		map[string]string{"bad\xffkey": "bad\xff\xfevalue", "é": "\u2028"},
		struct{ V any }{V: struct{ W string }{W: "anonymous"}},
		intstr.FromString("50%"),
		intstr.FromString("a\"quote\\ and <html> & \u2028"),
		namedStringMap{"b": "2", "a": "1"},
		map[string]map[string]string{"x": {"k": "v"}, "nil": nil},
		resource.MustParse("1.5Gi"),
		map[string]resource.Quantity{"cpu": resource.MustParse("500m")},
	}
	for _, raw := range []string{`"plain"`, `"a<b&c"`, `"\u00e9"`, `"é"`, `12`, `-0`, `-12`, `01`, `-`, `1.5`, `1e3`, `"open`, `"`, `""`, `null`, `true`, ` 1 `, `{}`, `[1,2]`, `{"a":1}`, `x`, ``} {
		objs = append(objs, rawMarshaler(raw), []rawMarshaler{rawMarshaler(raw)}, map[string]any{"k": rawMarshaler(raw)})
	}
	for _, s := range trickyStrings {
		objs = append(objs, map[string]string{s: s}, struct {
			V string `json:"v"`
		}{V: s})
	}
	for _, obj := range objs {
		sameAsJSONNode(t, obj)
	}
}

// FuzzTypedNode: a Deployment filled at random from the fuzzer's bytes.
func FuzzTypedNode(f *testing.F) {
	f.Add([]byte("seed"))
	f.Add([]byte(strings.Repeat("\x00\xff", 64)))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, obj := range []any{&appsv1.Deployment{}, &corev1.Service{}, &scaledObject{}} {
			filler(randfill.NewFromGoFuzz(data)).Fill(obj)
			sameAsJSONNode(t, obj)
		}
	})
}
