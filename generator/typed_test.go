package generator_test

import (
	"os"
	"path/filepath"
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
			if len(objs) != 4 {
				t.Errorf("got %d objects, want ServiceAccount, Service, Deployment and ScaledObject", len(objs))
			}
		})
	}
}
