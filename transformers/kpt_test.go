package transformers_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
)

// The parts of one kpt case under testdata/kpt/<case>/.
const (
	kptPackageDir  = "package"        // the package as written: its Kptfile's pipeline runs "exec: eds-fn" with configPath
	kptExpectedDir = "expected"       // the package as kpt fn render leaves it
	kptOutputFile  = "kpt-output.txt" // what kpt prints: the results and eds-fn's stderr, durations replaced
)

// TestKptRender renders every package under testdata/kpt with the real kpt
// CLI, as a user's pipeline runs the transformer ("kpt fn render
// --allow-exec", eds-fn found on PATH), and compares the package kpt leaves
// with expected/ and what kpt prints, eds-fn's warnings included, with
// kpt-output.txt. Rendering the rendered package again changes nothing.
func TestKptRender(t *testing.T) {
	kpt := testutil.KptBinary(t)
	cases, err := filepath.Glob(filepath.Join("testdata", "kpt", "*", kptPackageDir, "Kptfile"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no kpt cases found: %v", err)
	}
	for _, k := range cases {
		dir := filepath.Dir(filepath.Dir(k))
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			got, output := kptRender(t, kpt, name, testutil.ReadTree(t, filepath.Join(dir, kptPackageDir)))
			expected := filepath.Join(dir, kptExpectedDir)
			if *testutil.Update {
				_ = os.RemoveAll(expected)
				testutil.WriteTree(t, expected, got)
			}
			if diff := cmp.Diff(testutil.ReadTree(t, expected), got); diff != "" {
				t.Errorf("the rendered package differs from %s (-want +got; go test -update accepts it):\n%s", expected, diff)
			}
			testutil.Golden(t, filepath.Join(dir, kptOutputFile), output)

			again, _ := kptRender(t, kpt, name, got)
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("rendering the rendered package changed it (-first +second):\n%s", diff)
			}
		})
	}
}

// kptDuration is the time kpt prints after each function.
var kptDuration = regexp.MustCompile(`(?m)^(\[(?:PASS|FAIL)\] "[^"]*") in \S+$`)

// kptRender runs "kpt fn render --allow-exec --truncate-output=false" on a
// copy of files in a directory called name (kpt prints its base name), and
// returns the package as kpt left it and what kpt printed, with the
// durations replaced by "<duration>". The render must succeed.
func kptRender(t *testing.T, kpt, name string, files map[string]string) (map[string]string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	testutil.WriteTree(t, dir, files)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(kpt, "fn", "render", "--allow-exec", "--truncate-output=false", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if !errors.As(err, new(*exec.ExitError)) {
			t.Fatalf("kpt: %v", err)
		}
		t.Fatalf("kpt fn render failed: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if stdout.Len() > 0 {
		t.Errorf("kpt fn render printed on stdout:\n%s", stdout.String())
	}
	return testutil.ReadTree(t, dir), kptDuration.ReplaceAllString(stderr.String(), "$1 in <duration>")
}
