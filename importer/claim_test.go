package importer_test

import (
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/importer"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestClaimAloneAsComposed: a claim imported alone, from what the earlier
// composition makes of it, gives the same EventDrivenService and the same
// differences as the claim imported with the objects the composition made
// (read back from a cluster).
func TestClaimAloneAsComposed(t *testing.T) {
	nodes, err := kio.LocalPackageReader{PackagePath: "testdata/crossplane-claim-composed/input", MatchFilesGlob: kio.MatchAll}.Read()
	if err != nil {
		t.Fatal(err)
	}
	var claimOnly []*yaml.RNode
	for _, n := range nodes {
		if n.GetKind() != "List" {
			continue
		}
		items, err := n.Pipe(yaml.Lookup("items"))
		if err != nil {
			t.Fatal(err)
		}
		elems, _ := items.Elements()
		for _, it := range elems {
			if it.GetKind() == "EventDrivenService" {
				claimOnly = append(claimOnly, it)
			}
		}
	}
	if len(claimOnly) != 1 {
		t.Fatalf("want one claim in the corpus case, got %d", len(claimOnly))
	}
	composed, alone := importer.Import(nodes), importer.Import(claimOnly)
	if len(composed.Services) != 1 || len(alone.Services) != 1 || composed.Services[0].Node == nil || alone.Services[0].Node == nil {
		t.Fatalf("want one imported service each:\n%s\n%s", composed.Text(), alone.Text())
	}
	a, _ := composed.Services[0].Node.String()
	b, _ := alone.Services[0].Node.String()
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("claim alone differs from claim with its composed objects (-composed +alone):\n%s", diff)
	}
	type key struct{ object, path, class string }
	diffs := func(r importer.Report) map[key]bool {
		out := map[key]bool{}
		for _, d := range r.Differences {
			out[key{d.Object, d.Path, d.Class}] = true
		}
		return out
	}
	if diff := cmp.Diff(diffs(composed.Services[0].Report), diffs(alone.Services[0].Report)); diff != "" {
		t.Errorf("the reports' differences differ (-composed +alone):\n%s", diff)
	}
}

// TestClaimKinds: which EventDrivenServices import reads as claims, and
// which it refuses.
func TestClaimKinds(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"eds-fn's own", "spec: {image: i:1, nats: {stream: S, consumer: c}, http: {port: 9000}}", "refused EventDrivenService n/w: it is an EventDrivenService of eds-fn's API already (spec.http)"},
		{"eds-fn's nats field", "spec: {image: i:1, nats: {stream: S, consumer: c, account: A}}", "(spec.nats.account)"},
		{"mixed", "spec: {image: i:1, nats: {stream: S, consumer: c}, httpPort: 8000, probes: {}}", "it mixes fields of the earlier Crossplane composition's claim (spec.httpPort) with fields of eds-fn's API (spec.probes)"},
		{"claim", "spec: {image: i:1, nats: {stream: S, consumer: c}, secret1Name: db}", "imported claim EventDrivenService n/w:"},
		{"shared fields only", "spec: {image: i:1, nats: {stream: S, consumer: c}}", "note     read as a claim of the earlier Crossplane composition"},
		{"bad port", "spec: {image: i:1, nats: {stream: S, consumer: c}, httpPort: 70000}", "not imported claim EventDrivenService n/w: spec.httpPort: Invalid value: 70000: must be an integer from 1 to 65535"},
		{"fractional port", "spec: {image: i:1, nats: {stream: S, consumer: c}, httpPort: 80.5}", "spec.httpPort: Invalid value: 80.5"},
		{"no spec", "metadata2: {}", "not imported claim EventDrivenService n/w: spec: Required value"},
		{"no nats", "spec: {image: i:1, httpPort: 8000}", "spec.nats: Required value"},
		{"init command", "spec: {image: i:1, nats: {stream: S, consumer: c}, initContainer: {command: []}}", "spec.initContainer.command: Invalid value"},
		{"pull secret", "spec: {image: i:1, nats: {stream: S, consumer: c}, imagePullSecrets: [{}]}", "spec.imagePullSecrets[0].name: Required value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			node := yaml.MustParse("apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata: {name: w, namespace: n}\n" + tc.in)
			res := importer.Import([]*yaml.RNode{node})
			if got := res.Text(); !strings.Contains(got, tc.want) {
				t.Errorf("want %q in:\n%s", tc.want, got)
			}
		})
	}
}

// TestClaimWithoutScaledObject: a claim's Deployment in a dump without
// the ScaledObject is refused, saying which ScaledObject to add.
func TestClaimWithoutScaledObject(t *testing.T) {
	nodes := []*yaml.RNode{
		yaml.MustParse("apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata: {name: w, namespace: n}\nspec: {image: i:1, nats: {stream: S, consumer: c}, secret1Name: db}\n"),
		yaml.MustParse("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, namespace: n}\nspec: {template: {spec: {containers: [{name: main, image: i:1}]}}}\n"),
	}
	want := "refused Deployment n/w: no KEDA ScaledObject scales it: eds-fn imports workers scaled by a nats-jetstream trigger " +
		"(it is the Deployment of EventDrivenService n/w: give its ScaledObject w-scaler too, kubectl get ... scaledobject)\n"
	res := importer.Import(nodes)
	if got := res.Text(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
