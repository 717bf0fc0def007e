package generator_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
)

// TestGoldenValidateOffline validates every golden success case with
// kubeconform -strict, offline, against the schemas under schema/: what
// eds-fn generates (expected.yaml) against Kubernetes 1.37's and KEDA
// v2.21's schemas, and the EventDrivenService it came from (config.yaml)
// against eds-fn's own. An unknown field, a misspelt one or a value of the
// wrong type (KEDA's trigger metadata is strings only) fails it.
// examples/kubeconform_test.go proves that such changes are caught.
func TestGoldenValidateOffline(t *testing.T) {
	expected, err := filepath.Glob("testdata/*/expected.yaml")
	if err != nil || len(expected) < 10 {
		t.Fatalf("golden cases with an expected.yaml: %d (%v)", len(expected), err)
	}
	var files []string
	for _, f := range expected {
		cfg := filepath.Join(filepath.Dir(f), "config.yaml")
		if _, err := os.Stat(cfg); err != nil {
			t.Fatal(err)
		}
		files = append(files, f, cfg)
	}
	perFile := map[string]int{}
	for _, r := range testutil.Kubeconform(t, nil, files...) {
		if r.Status != "statusValid" {
			t.Errorf("%s: %s %s/%s: %s %s", r.Filename, r.Version, r.Kind, r.Name, r.Status, r.Msg)
			continue
		}
		perFile[r.Filename]++
	}
	for _, f := range files {
		if perFile[f] == 0 {
			t.Errorf("%s: kubeconform validated no object in it", f)
		}
	}
	if !t.Failed() {
		t.Logf("%d golden outputs and their configs are valid", len(expected))
	}
}
