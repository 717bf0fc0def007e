// Package examples holds the bundled examples; its tests build each one with
// a real in-process kustomize and the real eds-fn binary.
package examples

import (
	"flag"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
)

// afterAll is what TestMain removes after the tests (image_test.go's
// podman stores).
var afterAll []func()

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	testutil.Cleanup()
	for _, f := range afterAll {
		f()
	}
	os.Exit(code)
}

// TestExamplesBuild builds every example that has an expected-output.yaml and
// compares byte for byte: that file is what the README promises.
func TestExamplesBuild(t *testing.T) {
	var files []string
	_ = filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "expected-output.yaml" {
			files = append(files, p)
		}
		return err
	})
	if len(files) == 0 {
		t.Fatal("no example has an expected-output.yaml")
	}
	for _, f := range files {
		dir := filepath.Dir(f)
		t.Run(dir, func(t *testing.T) {
			got, err := testutil.Kustomize(t, dir)
			if err != nil {
				t.Fatalf("kustomize build %s: %v", dir, err)
			}
			if *testutil.Update {
				if err := os.WriteFile(f, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("kustomize build %s differs from %s (-want +got):\n%s", dir, f, diff)
			}
		})
	}
}

// TestAgentExecutorEqualsHandWritten proves the point of the project: the
// ~20-line EventDrivenService yields exactly the objects a team writes by
// hand, compared field by field as the API server and KEDA read them.
func TestAgentExecutorEqualsHandWritten(t *testing.T) {
	generated, err := testutil.Kustomize(t, "agent-executor")
	if err != nil {
		t.Fatal(err)
	}
	handWritten, err := testutil.Kustomize(t, "agent-executor/hand-written")
	if err != nil {
		t.Fatal(err)
	}
	gen, err := testutil.Typed(generated)
	if err != nil {
		t.Fatalf("generated output: %v", err)
	}
	hand, err := testutil.Typed(handWritten)
	if err != nil {
		t.Fatalf("hand-written manifests: %v", err)
	}
	want := []string{"Deployment/agent-executor", "ScaledObject/agent-executor-scaler", "Service/agent-executor", "ServiceAccount/agent-executor"}
	if diff := cmp.Diff(want, keys(gen)); diff != "" {
		t.Fatalf("generated objects (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(hand, gen, testutil.QuantityEqual); diff != "" {
		t.Errorf("generated objects differ from hand-written/ (-hand-written +generated):\n%s", diff)
	}
	if strings.Contains(generated, "EventDrivenService") || strings.Contains(generated, "config.kubernetes.io") {
		t.Errorf("the EventDrivenService or its function annotations leaked into the output:\n%s", generated)
	}
}

func keys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
