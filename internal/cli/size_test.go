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

// TestVersionFlag: --version and -v print the version line of "eds-fn
// version" (handled by hand, see TestNoTextTemplate).
func TestVersionFlag(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-v"}} {
		var out, errOut bytes.Buffer
		if code := cli.Main(args, strings.NewReader(""), &out, &errOut); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		if want := "eds-fn " + cli.Version() + "\n"; out.String() != want {
			t.Errorf("%v printed %q, want %q", args, out.String(), want)
		}
	}
}

// TestVersionOfBuiltBinary: "make build" makes a binary that says the
// version git describe gives, the commit it was built from and the Go
// version, whether or not Go records VCS data itself (GOFLAGS=-buildvcs=false
// on some machines).
func TestVersionOfBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	root := testutil.RepoRoot()
	head, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	bin := t.TempDir()
	build := exec.Command("make", "-s", "build", "BIN="+bin)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	describe, _ := exec.Command("git", "-C", root, "describe", "--tags", "--always", "--dirty").Output()
	out, err := exec.Command(filepath.Join(bin, "eds-fn"), "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(out), "\n")
	goVer, _ := exec.Command("go", "env", "GOVERSION").Output()
	if len(lines) != 4 || lines[0] != "eds-fn "+strings.TrimSpace(string(describe)) || !strings.HasPrefix(lines[1], "commit: "+strings.TrimSpace(string(head))) ||
		!strings.HasPrefix(lines[2], "go: "+strings.TrimSpace(string(goVer))+" ") {
		t.Errorf("eds-fn version printed:\n%s\nwant %s, commit %s, %s", out, describe, head, goVer)
	}
}

// TestNoTextTemplate guards the binary's size: once text/template can run
// (cobra runs one for a custom version or help template), the linker keeps
// every exported method of every type, and the binary grows from 16 to 22 MB.
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
