package v1alpha1_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesUpToDate regenerates config/crd/ and schema/ from the
// types of this package (e2e/generate.sh: controller-gen, built once into
// e2e/.cache/bin from its pinned module, and crd2jsonschema) and compares
// them with the checked-in files: "make generate" after changing a type.
func TestGeneratedFilesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds controller-gen on its first run")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	// go test caches a result on the files the test itself opened; the
	// generator reads the sources in a child process, and a comment (which
	// becomes a schema description) does not change the test binary.
	sources, _ := filepath.Glob("*.go")
	for _, f := range sources {
		if _, err := os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(root, "e2e", "generate.sh"), out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("e2e/generate.sh: %v\n%s", err, b)
	}
	for _, pat := range []string{"config/crd/platform.bizmatters.io_*.yaml", "schema/platform.bizmatters.io/*.json"} {
		fresh, _ := filepath.Glob(filepath.Join(out, pat))
		if len(fresh) == 0 {
			t.Fatalf("e2e/generate.sh wrote nothing matching %s", pat)
		}
		names := map[string]bool{}
		for _, f := range fresh {
			names[filepath.Base(f)] = true
		}
		checkedIn, _ := filepath.Glob(filepath.Join(root, pat))
		for _, f := range checkedIn {
			if !names[filepath.Base(f)] {
				t.Errorf("%s is checked in but no longer generated: run make generate", f)
			}
		}
		for _, f := range fresh {
			rel, _ := filepath.Rel(out, f)
			have, err := os.ReadFile(filepath.Join(root, rel))
			if err != nil {
				t.Errorf("%s is not checked in: run make generate (%v)", rel, err)
				continue
			}
			want, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(have, want) {
				t.Errorf("%s is out of date with api/v1alpha1: run make generate", rel)
			}
		}
	}
}
