package generator_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestGolden runs every testdata/<case>: config.yaml is an EventDrivenService
// passed the way kustomize's generator position passes it (as functionConfig
// and again as a local-config item). A case holds either expected.yaml, the
// objects generated, or errors.txt, the lines printed on stderr.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/config.yaml")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases found: %v", err)
	}
	for _, cfg := range dirs {
		dir := filepath.Dir(cfg)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			config := readNode(t, cfg)
			out, results := runGenerator(t, config)
			if krm.HasErrors(results) {
				var got bytes.Buffer
				krm.Print(&got, results, krm.Warning)
				testutil.Golden(t, filepath.Join(dir, "errors.txt"), got.String())
				// Twice, like a success: the same errors in the same order.
				_, again := runGenerator(t, config)
				var second bytes.Buffer
				krm.Print(&second, again, krm.Warning)
				if diff := cmp.Diff(got.String(), second.String()); diff != "" {
					t.Errorf("second run reported other errors (-first +second):\n%s", diff)
				}
				if _, err := os.Stat(filepath.Join(dir, "expected.yaml")); err == nil {
					t.Errorf("%s has expected.yaml but the function failed:\n%s", dir, got.String())
				}
				// No partial output: the only item is the input itself.
				if len(out) != 1 {
					t.Errorf("failed run returned %d items, want only the input back", len(out))
				}
				return
			}
			// Warnings are what kustomize users see on stderr of a
			// successful build.
			if len(results) > 0 || fileExists(filepath.Join(dir, "warnings.txt")) {
				var warned bytes.Buffer
				krm.Print(&warned, results, krm.Warning)
				testutil.Golden(t, filepath.Join(dir, "warnings.txt"), warned.String())
			}
			generated := withoutLocalConfig(out)
			got := render(t, generated)
			testutil.Golden(t, filepath.Join(dir, "expected.yaml"), got)
			if _, err := os.Stat(filepath.Join(dir, "errors.txt")); err == nil {
				t.Errorf("%s has errors.txt but the function succeeded", dir)
			}

			// Idempotent: a second run over the first run's output (as kpt
			// does) changes nothing and duplicates nothing.
			again, results := runGeneratorOn(t, config, out)
			if krm.HasErrors(results) {
				t.Fatalf("second run failed: %v", results)
			}
			if diff := cmp.Diff(render(t, out), render(t, again)); diff != "" {
				t.Errorf("second run changed the output (-first +second):\n%s", diff)
			}
		})
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func runGenerator(t *testing.T, config *yaml.RNode) ([]*yaml.RNode, krm.Results) {
	t.Helper()
	item := config.Copy()
	if err := item.PipeE(yaml.SetAnnotation("config.kubernetes.io/local-config", "true")); err != nil {
		t.Fatal(err)
	}
	return runGeneratorOn(t, config, []*yaml.RNode{item})
}

func runGeneratorOn(t *testing.T, config *yaml.RNode, items []*yaml.RNode) ([]*yaml.RNode, krm.Results) {
	t.Helper()
	rl := &krm.ResourceList{FunctionConfig: config.Copy()}
	for _, it := range items {
		rl.Items = append(rl.Items, it.Copy())
	}
	err := generator.Processor{}.Process(rl)
	if err != nil && !krm.HasErrors(rl.Results) {
		t.Fatalf("processor failed without error results: %v", err)
	}
	return rl.Items, rl.Results
}

func withoutLocalConfig(nodes []*yaml.RNode) []*yaml.RNode {
	var out []*yaml.RNode
	for _, n := range nodes {
		if n.GetAnnotations()["config.kubernetes.io/local-config"] != "true" {
			out = append(out, n)
		}
	}
	return out
}

func readNode(t *testing.T, path string) *yaml.RNode {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := yaml.Parse(string(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}

func render(t *testing.T, nodes []*yaml.RNode) string {
	t.Helper()
	var b bytes.Buffer
	if err := (kio.ByteWriter{Writer: &b}).Write(nodes); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
