package generator

import (
	"fmt"
	"path"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/krm"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FuzzPackageNeverDestroys builds kpt packages from a pool of objects that
// collide with what eds-fn generates in every way people manage (same names,
// other groups, other namespaces, copied labels, eds-fn's own files, stale
// ownership annotations, misspelt services) and checks, whatever the mix:
//
//   - a failed render returns every item exactly as it came;
//
//   - a successful one keeps every object that is not provably eds-fn's
//     (a generated kind, in a <service>.generated.yaml, naming that service)
//     byte for byte, services aside (they are marked local-config);
//
//   - no two items share a path and index;
//
//   - rendering the output again changes nothing.
//
//     go test -run='^$' -fuzz=FuzzPackageNeverDestroys -fuzztime=10m ./generator
func FuzzPackageNeverDestroys(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3})
	f.Add([]byte{0, 4, 5, 6, 7, 8})
	f.Add([]byte{9, 10, 11, 0, 12})
	f.Add([]byte{0, 13, 14, 15, 16, 17, 18, 19})
	f.Add([]byte{0, 20, 21, 22})
	f.Fuzz(func(t *testing.T, picks []byte) {
		if len(picks) > 24 {
			return
		}
		items := packageOf(picks)
		before := dump(t, items)
		rl := &krm.ResourceList{Items: copies(items)}
		err := Processor{}.Process(rl)
		if err != nil {
			if got := dump(t, rl.Items); got != before {
				t.Fatalf("a failed render changed the items:\n%s\n--- became ---\n%s", before, got)
			}
			return
		}
		out := map[string]bool{}
		for _, it := range rl.Items {
			out[dumpOne(t, it)] = true
		}
		for _, it := range items {
			if IsEventDrivenService(it) || provablyOurs(it) {
				continue
			}
			if s := dumpOne(t, it); !out[s] {
				t.Fatalf("an object that is not eds-fn's was changed or removed:\n%s\nout:\n%s", s, dump(t, rl.Items))
			}
		}
		seen := map[string]bool{}
		for _, it := range rl.Items {
			p, i, _ := kioutil.GetFileAnnotations(it)
			if seen[p+"#"+i] {
				t.Fatalf("two items at %s#%s:\n%s", p, i, dump(t, rl.Items))
			}
			seen[p+"#"+i] = true
		}
		first := dump(t, rl.Items)
		again := &krm.ResourceList{Items: copies(rl.Items)}
		if err := (Processor{}).Process(again); err != nil {
			t.Fatalf("second render failed: %v\n%s", err, first)
		}
		if got := dump(t, again.Items); got != first {
			t.Fatalf("second render changed the package:\n%s\n--- became ---\n%s", first, got)
		}
	})
}

// provablyOurs is the fuzz target's own statement of what eds-fn may prune
// or rewrite: a generated kind, in the generated file named for the service
// its ownership annotation or eds-fn's labels name.
func provablyOurs(it *yaml.RNode) bool {
	if !generatedKinds[groupKind(it)] {
		return false
	}
	p, _, _ := kioutil.GetFileAnnotations(it)
	if _, name, ok := parseSourceName(it.GetAnnotations()[AnnotationSource]); ok && path.Base(p) == name+generatedSuffix {
		return true
	}
	l := it.GetLabels()
	return l["app.kubernetes.io/managed-by"] == "eds-fn" && path.Base(p) == l["app.kubernetes.io/name"]+generatedSuffix
}

// pool is what a package can hold; %[1]s is a name, %[2]s a namespace,
// %[3]s a file.
var pool = []string{
	// 0-3: services
	svc("orders-worker", "orders"), svc("billing-worker", "orders"), svc("orders-worker", ""), svc("orders-worker", "default"),
	// 4-8: hand-written look-alikes
	obj("serving.knative.dev/v1", "Service", "orders-worker", "orders", "hand.yaml", true, ""),
	obj("apps/v1", "Deployment", "orders-worker", "legacy", "hand.yaml", true, ""),
	obj("v1", "Service", "orders-worker-metrics", "orders", "hand.yaml", true, ""),
	obj("v1", "ConfigMap", "orders-worker", "orders", "orders-worker.generated.yaml", true, ""),
	obj("v1", "Service", "orders-worker", "orders", "svc.yaml", true, ""),
	// 9-12: what an earlier render wrote, and edits of it
	obj("apps/v1", "Deployment", "orders-worker", "orders", "orders-worker.generated.yaml", true, "EventDrivenService/orders/orders-worker"),
	obj("apps/v1", "Deployment", "billing-worker", "orders", "billing-worker.generated.yaml", false, "EventDrivenService/orders/billing-worker"),
	obj("v1", "ServiceAccount", "gone-worker", "orders", "gone-worker.generated.yaml", true, ""),
	obj("keda.sh/v1alpha1", "ScaledObject", "gone-worker-scaler", "orders", "gone-worker.generated.yaml", false, "EventDrivenService/orders/gone-worker"),
	// 13-16: ownership claims that do not hold
	obj("apps/v1", "Deployment", "x", "orders", "hand.yaml", false, "EventDrivenService/orders/gone-worker"),
	obj("apps/v1", "Deployment", "y", "orders", "other.generated.yaml", false, "EventDrivenService/orders/gone-worker"),
	obj("apps/v1", "Deployment", "z", "orders", "gone-worker.generated.yaml", false, "not/a/source/name"),
	obj("batch/v1", "Job", "gone-worker", "orders", "gone-worker.generated.yaml", true, ""),
	// 17-19: misspelt services
	strings.Replace(svc("gone-worker", "orders"), "kind: EventDrivenService", "kind: EventDrivenSevice", 1),
	strings.Replace(svc("gone-worker", "orders"), "platform.bizmatters.io", "platform.bizmatter.io", 1),
	obj("v1", "Service", "gone-worker", "orders", "gone-worker.generated.yaml", true, "EventDrivenService/orders/gone-worker"),
	// 20-22: PodDisruptionBudgets: of a gone service, one a service no
	// longer generates, and one written by hand
	obj("policy/v1", "PodDisruptionBudget", "gone-worker", "orders", "gone-worker.generated.yaml", false, "EventDrivenService/orders/gone-worker"),
	obj("policy/v1", "PodDisruptionBudget", "orders-worker", "orders", "orders-worker.generated.yaml", false, "EventDrivenService/orders/orders-worker"),
	obj("policy/v1", "PodDisruptionBudget", "orders-worker", "orders", "hand.yaml", true, ""),
}

func svc(name, ns string) string {
	return fmt.Sprintf(`apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata:
  name: %s
  namespace: %q
  annotations:
    config.kubernetes.io/path: %s.yaml
    internal.config.kubernetes.io/path: %s.yaml
spec:
  image: ghcr.io/acme/w:v1
  nats: {stream: S, consumer: c}
`, name, ns, name+"-"+ns, name+"-"+ns)
}

func obj(apiVersion, kind, name, ns, file string, labels bool, owner string) string {
	s := fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n  namespace: %s\n  annotations:\n"+
		"    config.kubernetes.io/path: %s\n    internal.config.kubernetes.io/path: %s\n", apiVersion, kind, name, ns, file, file)
	if owner != "" {
		s += "    " + AnnotationSource + ": " + owner + "\n"
	}
	if labels {
		base := strings.TrimSuffix(strings.TrimSuffix(name, "-metrics"), "-scaler")
		s += "  labels:\n    app.kubernetes.io/name: " + base + "\n    app.kubernetes.io/managed-by: eds-fn\n"
	}
	return s + "spec: {}\n"
}

// packageOf picks objects from the pool, each at most once, and gives each
// a distinct index within its file.
func packageOf(picks []byte) []*yaml.RNode {
	var items []*yaml.RNode
	used := map[int]bool{}
	index := map[string]int{}
	for _, b := range picks {
		i := int(b) % len(pool)
		if used[i] {
			continue
		}
		used[i] = true
		n := yaml.MustParse(pool[i])
		p, _, _ := kioutil.GetFileAnnotations(n)
		for _, a := range []string{kioutil.IndexAnnotation, kioutil.LegacyIndexAnnotation} {
			_ = n.PipeE(yaml.SetAnnotation(a, fmt.Sprint(index[p])))
		}
		index[p]++
		items = append(items, n)
	}
	return items
}

func copies(items []*yaml.RNode) []*yaml.RNode {
	out := make([]*yaml.RNode, len(items))
	for i, it := range items {
		out[i] = it.Copy()
	}
	return out
}

func dump(t *testing.T, items []*yaml.RNode) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(dumpOne(t, it) + "---\n")
	}
	return b.String()
}

func dumpOne(t *testing.T, it *yaml.RNode) string {
	s, err := it.String()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
