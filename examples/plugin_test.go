package examples

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/cli"
	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// execPluginHome lays out a kustomize plugin home with eds-fn linked under
// every kind, as "eds-fn install --kustomize-plugin-home" does, and points
// KUSTOMIZE_PLUGIN_HOME at it for the rest of the test.
func execPluginHome(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	if _, err := cli.LinkPlugins(home, testutil.Binary(t)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUSTOMIZE_PLUGIN_HOME", home)
}

// asExecPlugin copies the example dir into a temporary directory with the
// function annotation removed from every config, so that kustomize runs the
// exec plugin of each config's kind instead of the KRM function.
func asExecPlugin(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".yaml") && strings.Contains(string(b), "config.kubernetes.io/function") {
			n, err := yaml.Parse(string(b))
			if err != nil {
				return err
			}
			if err := n.PipeE(yaml.ClearAnnotation("config.kubernetes.io/function")); err != nil {
				return err
			}
			if err := yaml.ClearEmptyAnnotations(n); err != nil {
				return err
			}
			b = []byte(n.MustString())
		}
		dst := filepath.Join(out, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExecPluginExamples: each example built through kustomize's exec plugin
// API (no function annotation, eds-fn found in the plugin home) prints
// exactly its expected-output.yaml, which the KRM function printed: the
// generator (a PodDisruptionBudget and a worker without a Service
// included), bulk mode and the nats-headless transformer.
func TestExecPluginExamples(t *testing.T) {
	execPluginHome(t)
	for _, dir := range []string{"agent-executor", "bulk", "nats-headless", "http-worker", "headless-worker"} {
		t.Run(dir, func(t *testing.T) {
			got, err := testutil.Build(t, asExecPlugin(t, dir))
			if err != nil {
				t.Fatalf("kustomize build: %v", err)
			}
			want, err := os.ReadFile(filepath.Join(dir, "expected-output.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("exec plugin build differs from %s/expected-output.yaml (-want +got):\n%s", dir, diff)
			}
		})
	}
}

// TestExecPluginBulkEqualsFunction: fifty services and an untouched
// ConfigMap give the same build through the exec plugin as through the KRM
// function.
func TestExecPluginBulkEqualsFunction(t *testing.T) {
	execPluginHome(t)
	testutil.OnPath(t)
	dir := t.TempDir()
	writeBulk(t, dir, 50, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: untouched # comment\ndata: {a: b, multi: \"one\\ntwo\\n\"}\n")
	function, err := testutil.Build(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	plugin, err := testutil.Build(t, asExecPlugin(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(function, plugin); diff != "" {
		t.Errorf("exec plugin and KRM function builds differ (-function +plugin):\n%s", diff)
	}
	if n := strings.Count(plugin, "\nkind: ScaledObject\n"); n != 50 {
		t.Errorf("%d ScaledObjects, want 50", n)
	}
}

// TestExecPluginErrors: an invalid service fails the build, and kustomize's
// error carries eds-fn's message (kustomize puts an exec plugin's stderr in
// its error).
func TestExecPluginErrors(t *testing.T) {
	execPluginHome(t)
	dir := t.TempDir()
	writeBulk(t, dir, 3, "")
	breakService(t, dir)
	out, err := testutil.Build(t, asExecPlugin(t, dir))
	if err == nil {
		t.Fatalf("build succeeded with an invalid service:\n%s", out)
	}
	if !strings.Contains(err.Error(), errJumbo) {
		t.Errorf("error %q lacks %q", err, errJumbo)
	}
}
