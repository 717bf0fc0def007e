package generator

import (
	"github.com/bizmatters/eds-fn/internal/krm"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// pkgService is an EventDrivenService in services/orders-worker.yaml with
// extra spec lines.
func pkgService(extra string) *yaml.RNode {
	return yaml.MustParse(`apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata:
  name: orders-worker
  namespace: orders
  annotations:
    config.kubernetes.io/path: services/orders-worker.yaml
    internal.config.kubernetes.io/path: services/orders-worker.yaml
    config.kubernetes.io/index: "0"
    internal.config.kubernetes.io/index: "0"
spec:
  image: ghcr.io/acme/w:v1
  nats: {stream: S, consumer: c}
` + extra)
}

func render1(t *testing.T, items []*yaml.RNode) ([]*yaml.RNode, krm.Results, error) {
	t.Helper()
	rl := &krm.ResourceList{Items: copies(items)}
	err := Processor{}.Process(rl)
	return rl.Items, rl.Results, err
}

// kinds lists "Kind name @file" of the items, sorted.
func kinds(items []*yaml.RNode) []string {
	var out []string
	for _, it := range items {
		p, _, _ := kioutil.GetFileAnnotations(it)
		out = append(out, it.GetKind()+" "+it.GetName()+" @"+p)
	}
	slices.Sort(out)
	return out
}

// TestPackageDisruptionBudgetAndService: the PodDisruptionBudget is one of
// eds-fn's generated kinds in a kpt package: written next to the service,
// updated in place, pruned when the service goes, and, like the Service of
// a service that turns HTTP off, pruned when the service stops generating
// it; never when the object is not provably eds-fn's.
func TestPackageDisruptionBudgetAndService(t *testing.T) {
	const gen = "services/orders-worker.generated.yaml"
	withPDB := pkgService("  disruptionBudget: {maxUnavailable: 1}\n")
	first, _, err := render1(t, []*yaml.RNode{withPDB})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Deployment orders-worker @" + gen, "EventDrivenService orders-worker @services/orders-worker.yaml",
		"PodDisruptionBudget orders-worker @" + gen, "ScaledObject orders-worker-scaler @" + gen,
		"Service orders-worker @" + gen, "ServiceAccount orders-worker @" + gen,
	}
	if diff := cmp.Diff(want, kinds(first)); diff != "" {
		t.Fatalf("first render (-want +got):\n%s", diff)
	}
	again, _, err := render1(t, first)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dump(t, first), dump(t, again)); diff != "" {
		t.Fatalf("a second render changed the package:\n%s", diff)
	}

	// The rendered package with another spec for the service.
	edit := func(extra string) []*yaml.RNode {
		items := copies(first)
		for i, it := range items {
			if IsEventDrivenService(it) {
				items[i] = pkgService(extra)
			}
		}
		return items
	}
	pruned := func(t *testing.T, items []*yaml.RNode, gone ...string) {
		t.Helper()
		out, results, err := render1(t, items)
		if err != nil {
			t.Fatalf("render failed: %v", err)
		}
		var wantNow []string
		for _, w := range want {
			if !slices.ContainsFunc(gone, func(g string) bool { return strings.HasPrefix(w, g+" ") }) {
				wantNow = append(wantNow, w)
			}
		}
		if diff := cmp.Diff(wantNow, kinds(out)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		var infos []string
		for _, r := range results {
			if strings.HasPrefix(r.Message, "removed from") {
				infos = append(infos, r.Message)
			}
		}
		if len(infos) != len(gone) {
			t.Errorf("removal results %q, want one for each of %v", infos, gone)
		}
	}
	t.Run("disruptionBudget removed", func(t *testing.T) { pruned(t, edit(""), "PodDisruptionBudget") })
	t.Run("http disabled", func(t *testing.T) {
		pruned(t, edit("  http: {enabled: false}\n  disruptionBudget: {maxUnavailable: 1}\n"), "Service")
	})
	t.Run("service gone", func(t *testing.T) {
		var items []*yaml.RNode
		for _, it := range first {
			if !IsEventDrivenService(it) {
				items = append(items, it.Copy())
			}
		}
		out, _, err := render1(t, items)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 0 {
			t.Errorf("left %v, want every generated object of the gone service pruned", kinds(out))
		}
	})

	// Not provably eds-fn's: kept, or a conflict.
	handPDB := yaml.MustParse(`apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: orders-worker
  namespace: orders
  labels: {app.kubernetes.io/name: orders-worker, app.kubernetes.io/managed-by: eds-fn}
  annotations:
    config.kubernetes.io/path: ` + gen + `
    internal.config.kubernetes.io/path: ` + gen + `
    config.kubernetes.io/index: "9"
    internal.config.kubernetes.io/index: "9"
spec: {maxUnavailable: 1}
`)
	t.Run("copied labels prove nothing while the service is here", func(t *testing.T) {
		out, _, err := render1(t, []*yaml.RNode{pkgService(""), handPDB})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(kinds(out), "PodDisruptionBudget orders-worker @"+gen) {
			t.Errorf("a PodDisruptionBudget without eds-fn's annotation was removed: %v", kinds(out))
		}
	})
	t.Run("hand-written budget of the same name elsewhere", func(t *testing.T) {
		other := handPDB.Copy()
		for _, a := range []string{kioutil.PathAnnotation, kioutil.LegacyPathAnnotation} {
			_ = other.PipeE(yaml.SetAnnotation(a, "hand.yaml"))
		}
		items := []*yaml.RNode{withPDB, other}
		out, results, err := render1(t, items)
		if err == nil {
			t.Fatalf("no error, want a conflict; got %v", kinds(out))
		}
		if !strings.Contains(results[0].Message, "policy/PodDisruptionBudget orders/orders-worker") || !strings.Contains(results[0].Message, `"hand.yaml"`) {
			t.Errorf("result %q, want the conflict named with its file", results[0].Message)
		}
		if diff := cmp.Diff(dump(t, items), dump(t, out)); diff != "" {
			t.Errorf("a failed render changed the items:\n%s", diff)
		}
	})
}
