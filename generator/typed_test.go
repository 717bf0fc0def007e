package generator_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
)

// TestExpectedOutputIsValidForKubernetesAndKEDA decodes every golden output
// strictly into the Go types of k8s.io/api and of KEDA itself: a field name
// KEDA does not know, or a number where it expects a string, fails here.
func TestExpectedOutputIsValidForKubernetesAndKEDA(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/expected.yaml")
	if len(files) == 0 {
		t.Fatal("no golden outputs")
	}
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f)), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := testutil.Typed(string(b))
			if err != nil {
				t.Fatal(err)
			}
			// The Service goes with spec.http.enabled: false, the
			// ServiceAccount with spec.serviceAccount.create: false; the
			// PodDisruptionBudget comes with spec.disruptionBudget.
			kinds := []string{"ServiceAccount", "Deployment", "ScaledObject"}
			if cfg, err := os.ReadFile(filepath.Join(filepath.Dir(f), "config.yaml")); err == nil && strings.Contains(string(cfg), "create: false") {
				kinds = kinds[1:]
			}
			for _, kind := range kinds {
				if !slices.ContainsFunc(slices.Collect(maps.Keys(objs)), func(k string) bool { return strings.HasPrefix(k, kind+"/") }) {
					t.Errorf("no %s among %v", kind, slices.Sorted(maps.Keys(objs)))
				}
			}
			if len(objs) < len(kinds) || len(objs) > 5 {
				t.Errorf("got %d objects, want ServiceAccount, Deployment, ScaledObject, and maybe a Service and a PodDisruptionBudget", len(objs))
			}
		})
	}
}
