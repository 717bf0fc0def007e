package examples

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
)

// writeServices writes n EventDrivenServices into dir/services and returns
// their file names relative to dir.
func writeServices(t *testing.T, dir string, n int, withFunctionAnnotation bool) []string {
	t.Helper()
	var files []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("worker-%02d", i)
		ann := ""
		if withFunctionAnnotation {
			ann = "  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: eds-fn\n"
		}
		f := "services/" + name + ".yaml"
		testutil.WriteTree(t, dir, map[string]string{f: fmt.Sprintf(`apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata:
  name: %s
%sspec:
  image: ghcr.io/acme/%s:v1
  nats: {stream: STREAM_%02d, consumer: %s}
`, name, ann, name, i, name)})
		files = append(files, f)
	}
	return files
}

// writeBulk writes a bulk-mode kustomization of n services into dir: the
// services as resources (after a ConfigMap, when configMap is not empty)
// and examples/bulk's ExpandEventDrivenServices transformer.
func writeBulk(t *testing.T, dir string, n int, configMap string) {
	t.Helper()
	resources := writeServices(t, dir, n, false)
	tree := map[string]string{}
	if configMap != "" {
		resources = append([]string{"configmap.yaml"}, resources...)
		tree["configmap.yaml"] = configMap
	}
	tree["kustomization.yaml"] = "resources:\n- " + strings.Join(resources, "\n- ") + "\ntransformers:\n- expand.yaml\n"
	testutil.WriteTree(t, dir, tree)
	copyFile(t, "bulk/expand.yaml", filepath.Join(dir, "expand.yaml"))
}

// breakService makes worker-01 in dir invalid (spec.size: jumbo); the
// build's error is errJumbo.
func breakService(t *testing.T, dir string) {
	t.Helper()
	bad := filepath.Join(dir, "services", "worker-01.yaml")
	b, err := os.ReadFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(strings.Replace(string(b), "spec:\n", "spec:\n  size: jumbo\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

const errJumbo = `error: EventDrivenService worker-01: spec.size: Unsupported value: "jumbo": supported values: "micro", "small", "medium", "large"`

// countingEdsFn puts a wrapper named eds-fn first on PATH that records each
// start in a file, then runs the real binary.
func countingEdsFn(t *testing.T) (count func() int) {
	t.Helper()
	real := testutil.Binary(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "starts.log")
	script := fmt.Sprintf("#!/bin/sh\necho start >> %q\nexec %q \"$@\"\n", log, real)
	if err := os.WriteFile(filepath.Join(dir, "eds-fn"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	testutil.OnPath(t) // the real one, behind the wrapper
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return func() int {
		b, _ := os.ReadFile(log)
		return strings.Count(string(b), "start")
	}
}

// TestBulkModeStartsOnce: fifty services under resources: and one
// ExpandEventDrivenServices transformer start eds-fn once and give the same
// objects as fifty generator files (which start it fifty times).
func TestBulkModeStartsOnce(t *testing.T) {
	starts := countingEdsFn(t)

	bulk := t.TempDir()
	writeBulk(t, bulk, 50, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: untouched # comment\ndata: {a: b}\n")
	bulkOut, err := testutil.Build(t, bulk)
	if err != nil {
		t.Fatal(err)
	}
	if n := starts(); n != 1 {
		t.Errorf("bulk mode started eds-fn %d times, want 1", n)
	}

	perFile := t.TempDir()
	files := writeServices(t, perFile, 50, true)
	testutil.WriteTree(t, perFile, map[string]string{
		"kustomization.yaml": "resources:\n- configmap.yaml\ngenerators:\n- " + strings.Join(files, "\n- ") + "\n",
		"configmap.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: untouched # comment\ndata: {a: b}\n",
	})
	perFileOut, err := testutil.Build(t, perFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := starts(); n != 51 {
		t.Errorf("generator mode started eds-fn %d times in all, want 1+50", n)
	}

	if diff := cmp.Diff(perFileOut, bulkOut); diff != "" {
		t.Errorf("bulk and per-file outputs differ (-per-file +bulk):\n%s", diff)
	}
	objs, err := testutil.Typed(bulkOut)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 201 {
		t.Errorf("got %d objects, want 200 generated and the ConfigMap", len(objs))
	}
	if strings.Contains(bulkOut, "EventDrivenService") {
		t.Error("an EventDrivenService reached the output")
	}
}

// TestBulkModeErrors: one invalid service fails the whole build with its
// file and field on stderr, and nothing is emitted.
func TestBulkModeErrors(t *testing.T) {
	dir := t.TempDir()
	writeBulk(t, dir, 3, "")
	breakService(t, dir)
	stderr := testutil.CaptureStderr(t, func() {
		if _, err := testutil.Kustomize(t, dir); err == nil {
			t.Error("build succeeded with an invalid service")
		}
	})
	if !strings.Contains(stderr, errJumbo) {
		t.Errorf("stderr %q lacks %q", stderr, errJumbo)
	}
}
