//go:build e2e

package e2e

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestKubeSchemasUpToDate regenerates the Kubernetes and KEDA schemas that
// make test validates against (kubeschemas.sh: Kubernetes' OpenAPI documents
// and KEDA's CRDs from the module cache, at the versions e2e/tools pins) into
// a temporary directory, and fails when the checked-in schema/kubernetes-*
// and schema/keda.sh differ: after a version bump, run make kube-schemas.
func TestKubeSchemasUpToDate(t *testing.T) {
	out := t.TempDir()
	if res, err := runProgram("", nil, nil, "bash", filepath.Join(repoRoot, "e2e", "kubeschemas.sh"), out); err != nil {
		t.Fatalf("kubeschemas.sh: %v\n%s%s", err, res.stdout, res.stderr)
	}
	fresh := tree(t, filepath.Join(out, "schema"))
	checkedIn := tree(t, filepath.Join(repoRoot, "schema"))
	if len(fresh) < 8 {
		t.Fatalf("kubeschemas.sh wrote only %d files", len(fresh))
	}
	for name, b := range fresh {
		have, ok := checkedIn[name]
		switch {
		case !ok:
			t.Errorf("schema/%s is not checked in: run make kube-schemas", name)
		case !bytes.Equal(have, b):
			t.Errorf("schema/%s differs from what kubeschemas.sh generates: run make kube-schemas", name)
		}
	}
	for name := range checkedIn {
		if _, ok := fresh[name]; !ok && filepath.Dir(name) != "platform.bizmatters.io" {
			t.Errorf("schema/%s is checked in but no longer generated: run make kube-schemas", name)
		}
	}
}

// tree is every file under dir, by its path relative to dir.
func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
