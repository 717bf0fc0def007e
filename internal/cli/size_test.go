package cli_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/cli"
	"github.com/bizmatters/eds-fn/internal/testutil"
)

// TestVersionFlag: --version and -v print the version as "eds-fn version"
// does (handled by hand, see TestNoTextTemplate).
func TestVersionFlag(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-v"}, {"version"}} {
		var out, errOut bytes.Buffer
		if code := cli.Main(args, strings.NewReader(""), &out, &errOut); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		if want := "eds-fn " + cli.Version() + "\n"; out.String() != want {
			t.Errorf("%v printed %q, want %q", args, out.String(), want)
		}
	}
}

// TestNoTextTemplate guards the binary's size: once text/template can run
// (cobra runs one for a custom version or help template), the linker keeps
// every exported method of every type, and the binary grows from 16 to 22 MB
// (BENCHMARKS.md, "Size").
func TestNoTextTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "eds-fn")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Dir = testutil.RepoRoot()
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	syms, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	if strings.Contains(string(syms), "text/template.(*state).evalField") {
		t.Error("text/template's executor is linked in: something runs a template (a cobra SetVersionTemplate, SetHelpTemplate or SetUsageTemplate?)")
	}
}
