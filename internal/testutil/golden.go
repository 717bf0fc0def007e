package testutil

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Update is the flag of every golden test: "go test ./PKG -update"
// rewrites the expected files from the actual output; review the diff
// before committing it.
var Update = flag.Bool("update", false, "rewrite the golden files under testdata (and the examples' expected output) from the actual output")

// Golden compares got with the file at path, byte for byte, or writes it
// there under -update.
func Golden(t testing.TB, path, got string) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)\nactual output:\n%s", err, got)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs from the actual output (-want +got; go test -update accepts it):\n%s", path, diff)
	}
}
