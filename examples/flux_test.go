package examples

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestFluxRenderedIsFresh runs the example's own CI step: the committed
// flux/rendered/ is what eds-fn generates from flux/services/ now. When it
// fails, run: eds-fn generate --output examples/flux/rendered examples/flux/services
func TestFluxRenderedIsFresh(t *testing.T) {
	testutil.OnPath(t)
	cmd := exec.Command("examples/flux/ci/check-rendered.sh")
	cmd.Dir = testutil.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("examples/flux/rendered is stale (%v):\n%s", err, out)
	}
}

// TestFluxCheckCatchesStale: the same step fails on a copy whose service
// changed, naming the file, and on one whose rendered file was edited by
// hand; so the freshness test above can fail.
func TestFluxCheckCatchesStale(t *testing.T) {
	bin := testutil.Binary(t)
	for name, edit := range map[string]func(dir string){
		"service changed": func(dir string) {
			p := filepath.Join(dir, "services", "orders-worker.yaml")
			b, _ := os.ReadFile(p)
			writeFile(t, p, strings.Replace(string(b), ":v2.3.1", ":v2.4.0", 1))
		},
		"rendered file edited": func(dir string) {
			p := filepath.Join(dir, "rendered", "orders.orders-worker.yaml")
			b, _ := os.ReadFile(p)
			writeFile(t, p, strings.Replace(string(b), "cpu: 250m", "cpu: 300m", 1))
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			testutil.WriteTree(t, dir, prefixed(testutil.ReadTree(t, "flux/services"), "services/"))
			testutil.WriteTree(t, dir, prefixed(testutil.ReadTree(t, "flux/rendered"), "rendered/"))
			edit(dir)
			out, err := exec.Command(bin, "generate", "--check", "--output", filepath.Join(dir, "rendered"), filepath.Join(dir, "services")).CombinedOutput()
			if err == nil || !strings.Contains(string(out), filepath.Join(dir, "rendered", "orders.orders-worker.yaml")+" differs") {
				t.Errorf("--check passed or did not name the file (%v):\n%s", err, out)
			}
		})
	}
}

// TestFluxKustomization: the Flux Kustomization points at the rendered
// directory of this repository, prunes, and what kustomize-controller
// builds there (a kustomization of every manifest, as it generates one
// when the directory has none) is the services' four objects each, and no
// EventDrivenService.
func TestFluxKustomization(t *testing.T) {
	b, err := os.ReadFile("flux/flux/eds-workers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ks := yaml.MustParse(string(b))
	if ks.GetApiVersion() != "kustomize.toolkit.fluxcd.io/v1" || ks.GetKind() != "Kustomization" {
		t.Errorf("not a Flux Kustomization: %s %s", ks.GetApiVersion(), ks.GetKind())
	}
	path, _ := ks.GetString("spec.path")
	if fi, err := os.Stat(filepath.Join(testutil.RepoRoot(), path)); err != nil || !fi.IsDir() || filepath.Clean(path) != "examples/flux/rendered" {
		t.Errorf("spec.path %q is not the rendered directory: %v", path, err)
	}
	if prune, _ := ks.GetFieldValue("spec.prune"); prune != true {
		t.Errorf("spec.prune is %v: a deleted service's objects would stay in the cluster", prune)
	}

	rendered := testutil.ReadTree(t, "flux/rendered")
	if _, ok := rendered["kustomization.yaml"]; ok {
		t.Fatal("rendered/ has a kustomization.yaml: list every file in it, or let kustomize-controller generate it")
	}
	dir := t.TempDir()
	testutil.WriteTree(t, dir, rendered)
	files := slices.Sorted(func(yield func(string) bool) {
		for f := range rendered {
			if !yield(f) {
				return
			}
		}
	})
	writeFile(t, filepath.Join(dir, "kustomization.yaml"), "resources:\n  - "+strings.Join(files, "\n  - ")+"\n")
	out, err := testutil.Build(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, doc := range strings.Split(out, "\n---\n") {
		n := yaml.MustParse(doc)
		kinds = append(kinds, n.GetKind()+" "+n.GetNamespace()+"/"+n.GetName())
	}
	slices.Sort(kinds)
	want := []string{
		"Deployment billing/billing-worker", "Deployment orders/orders-worker",
		"ScaledObject billing/billing-worker-scaler", "ScaledObject orders/orders-worker-scaler",
		"Service billing/billing-worker", "Service orders/orders-worker",
		"ServiceAccount billing/billing-worker", "ServiceAccount orders/orders-worker",
	}
	if !slices.Equal(want, kinds) {
		t.Errorf("Flux would apply %v, want %v", kinds, want)
	}
}

func prefixed(files map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range files {
		out[prefix+k] = v
	}
	return out
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
