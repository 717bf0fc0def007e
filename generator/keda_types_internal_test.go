package generator

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/google/go-cmp/cmp"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"sigs.k8s.io/kustomize/kyaml/yaml"
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

// TestKEDAViewMatchesJSON: kedaView, the direct mapping every service takes,
// is what the JSON of the generated ScaledObject decodes to, for a service
// that sets every field it maps.
func TestKEDAViewMatchesJSON(t *testing.T) {
	i32 := func(v int32) *int32 { return &v }
	i64 := func(v int64) *int64 { return &v }
	window := int32(300)
	eds := &v1alpha1.EventDrivenService{Spec: v1alpha1.EventDrivenServiceSpec{
		Image: "ghcr.io/acme/w:v1",
		NATS: v1alpha1.NATS{Stream: "S", Consumer: "c", AccountID: "ACID", UseHTTPS: true,
			AuthenticationRef: &v1alpha1.AuthenticationRef{Name: "auth"}},
		Scaling: &v1alpha1.Scaling{MinReplicas: i32(2), IdleReplicas: i32(0), PollingInterval: i32(5), CooldownPeriod: i32(6),
			InitialCooldownPeriod: i32(7), ActivationLagThreshold: i64(3),
			Fallback: &v1alpha1.Fallback{FailureThreshold: i32(3), Replicas: i32(1)},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &window}}},
	}}
	eds.Name, eds.Namespace = "w", "ns"
	eds.Default()
	so := scaler(eds)
	viaJSON, err := asKEDA(so)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(viaJSON, kedaView(so)); diff != "" {
		t.Errorf("kedaView differs from the JSON round trip (-json +view):\n%s", diff)
	}
}

// TestWebhookAcceptsGenerated: for every golden success case, the generated
// ScaledObject (the path without customScaledObject skips these checks)
// passes every check of KEDA's webhook that checkWebhook mirrors:
// validation_keda.go refuses the rest before generation.
func TestWebhookAcceptsGenerated(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/expected.yaml")
	for _, f := range files {
		cfg, err := yaml.ReadFile(filepath.Join(filepath.Dir(f), "config.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		eds, errs := v1alpha1.LoadEventDrivenService(cfg)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", f, errs)
		}
		if errs, _ := checkWebhook(eds, kedaView(scaler(eds)), nil); len(errs) > 0 {
			t.Errorf("%s: the generated ScaledObject fails KEDA's webhook: %v", filepath.Dir(f), errs)
		}
	}
	// And it can fail: the idle count KEDA refuses, past validation.
	eds, _ := v1alpha1.LoadEventDrivenService(yaml.MustParse(`apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata: {name: w}
spec: {image: ghcr.io/acme/w:v1, nats: {stream: S, consumer: c}, scaling: {minReplicas: 1}}`))
	idle := int32(1)
	eds.Spec.Scaling.IdleReplicas = &idle
	if errs, _ := checkWebhook(eds, kedaView(scaler(eds)), nil); len(errs) != 1 {
		t.Errorf("idleReplicas 1 with minReplicas 1: %d errors, want 1: %v", len(errs), errs)
	}
}
