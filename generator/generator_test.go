package generator_test

import (
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func eds(name, extra string) *yaml.RNode {
	return yaml.MustParse(`apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata:
  name: ` + name + `
  labels: {team: x, zeta: "1", alpha: "2", mid: "3"}
spec:
  image: ghcr.io/acme/` + name + `:v1
  nats: {stream: S, consumer: C}
` + extra)
}

// TestDeterministic runs the full case many times: map iteration order in Go
// is random, so any map that reaches the output unsorted shows up here.
func TestDeterministic(t *testing.T) {
	config := readNode(t, "testdata/full/config.yaml")
	first := ""
	for i := 0; i < 30; i++ {
		out, results := runGenerator(t, config)
		if krm.HasErrors(results) {
			t.Fatal(results)
		}
		got := render(t, out)
		if i == 0 {
			first = got
		} else if got != first {
			t.Fatalf("run %d differs from run 0:\n%s", i, cmp.Diff(first, got))
		}
	}
}

// TestSeveralServicesInItems is kpt's case: the items hold many
// EventDrivenServices and other objects; each is generated once, the other
// items pass through untouched and in order.
func TestSeveralServicesInItems(t *testing.T) {
	cm := yaml.MustParse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings # keep me\ndata: {a: b}\n")
	rl := &krm.ResourceList{Items: []*yaml.RNode{eds("alpha", ""), cm, eds("beta", "")}}
	if err := (generator.Processor{}).Process(rl); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range rl.Items {
		got = append(got, it.GetKind()+"/"+it.GetName())
	}
	want := []string{
		"EventDrivenService/alpha", "ConfigMap/settings", "EventDrivenService/beta",
		"ServiceAccount/alpha", "Service/alpha", "Deployment/alpha", "ScaledObject/alpha-scaler",
		"ServiceAccount/beta", "Service/beta", "Deployment/beta", "ScaledObject/beta-scaler",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if s := cm.MustString(); !strings.Contains(s, "# keep me") {
		t.Errorf("ConfigMap was rewritten: %s", s)
	}
}

// TestFunctionConfigNotAlsoAnItem covers "kpt fn eval --fn-config": the
// service is only the functionConfig.
func TestFunctionConfigNotAlsoAnItem(t *testing.T) {
	rl := &krm.ResourceList{FunctionConfig: eds("alpha", "")}
	if err := (generator.Processor{}).Process(rl); err != nil {
		t.Fatal(err)
	}
	if len(rl.Items) != 4 {
		t.Fatalf("got %d items, want the 4 generated objects", len(rl.Items))
	}
}

// TestInvalidServiceStopsAllOutput: one bad service among good ones means no
// generated object at all, so a build never ships half a change.
func TestInvalidServiceStopsAllOutput(t *testing.T) {
	bad := eds("beta", "  size: xl\n")
	items := []*yaml.RNode{eds("alpha", ""), bad}
	rl := &krm.ResourceList{Items: items}
	err := (generator.Processor{}).Process(rl)
	if err == nil {
		t.Fatal("want an error")
	}
	if len(rl.Items) != 2 {
		t.Errorf("got %d items, want the 2 inputs untouched", len(rl.Items))
	}
	if len(rl.Results) != 1 || rl.Results[0].ResourceRef.Name != "beta" || rl.Results[0].Field.Path != "spec.size" {
		t.Errorf("results: %v", rl.Results)
	}
}

// TestCollisions: two services that would generate the same object, or a
// service that would overwrite a hand-written object, are errors naming both.
func TestCollisions(t *testing.T) {
	t.Run("two services", func(t *testing.T) {
		a := eds("alpha", "")
		b := eds("alpha", "")
		if err := b.SetNamespace(""); err != nil {
			t.Fatal(err)
		}
		// Same name in another file, e.g. a copy-paste across directories.
		if err := b.PipeE(yaml.SetAnnotation("internal.config.kubernetes.io/path", "b.yaml")); err != nil {
			t.Fatal(err)
		}
		rl := &krm.ResourceList{Items: []*yaml.RNode{a, b}}
		if err := (generator.Processor{}).Process(rl); err == nil {
			t.Fatal("want an error")
		}
		if len(rl.Results) != 4 || !strings.Contains(rl.Results[0].Message, `which EventDrivenService "alpha" also generates`) {
			t.Errorf("results: %v", rl.Results)
		}
	})
	t.Run("hand-written object", func(t *testing.T) {
		svc := yaml.MustParse("apiVersion: v1\nkind: Service\nmetadata:\n  name: alpha\nspec: {}\n")
		rl := &krm.ResourceList{Items: []*yaml.RNode{eds("alpha", ""), svc}}
		if err := (generator.Processor{}).Process(rl); err == nil {
			t.Fatal("want an error")
		}
		if len(rl.Items) != 2 || len(rl.Results) != 1 || !strings.Contains(rl.Results[0].Message, "eds-fn did not generate") {
			t.Errorf("items %d, results: %v", len(rl.Items), rl.Results)
		}
	})
}
