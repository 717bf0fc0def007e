package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// KptBinary is the kpt CLI on PATH. CI has it (kpt 1.0.0-beta.56); a
// machine without it skips the kpt tests, but CI never does.
func KptBinary(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("kpt")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("kpt is not on PATH: %v", err)
		}
		t.Skipf("kpt is not on PATH: %v", err)
	}
	return p
}

// ReadTree is every file under dir: its path relative to dir → content.
func ReadTree(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
