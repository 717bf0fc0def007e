package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const defaultsDoc = "apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenServiceDefaults\nmetadata: {name: platform}\n" +
	"spec:\n  size: small\n  labels: {team: platform}\n  nats: {url: 'nats://nats.platform:4222', account: $G}\n"

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestGenerateDefaults: --defaults FILE applies to every service; --explain
// says what each took and overrode; the ways to get it wrong say what to do.
func TestGenerateDefaults(t *testing.T) {
	dir := t.TempDir()
	defaults := writeFile(t, filepath.Join(dir, "platform", "defaults.yaml"), defaultsDoc)
	services := filepath.Join(dir, "services")
	writeFile(t, filepath.Join(services, "a.yaml"),
		"apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata: {name: a}\nspec:\n  image: ghcr.io/acme/a:v1\n  nats: {stream: S, consumer: a}\n")
	writeFile(t, filepath.Join(services, "b.yaml"),
		"apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata: {name: b, labels: {team: b}}\nspec:\n  image: ghcr.io/acme/b:v1\n  size: large\n  nats: {stream: S, consumer: b, accountID: ACC}\n")

	out, errOut, code := run(t, "", "generate", "--defaults", defaults, services)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := strings.Count(out, "value: nats://nats.platform:4222"); got != 2 {
		t.Errorf("the default NATS URL is in %d Deployments, want 2:\n%s", got, out)
	}
	generated := out

	out, errOut, code = run(t, "", "generate", "--explain", "--defaults", defaults, services)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `EventDrivenService a (a.yaml): 4 inherited, 0 overridden
  inherits  spec.nats.account
  inherits  spec.nats.url
  inherits  spec.size
  inherits  metadata.labels.team (from spec.labels.team)
EventDrivenService b (b.yaml): 1 inherited, 3 overridden
  inherits  spec.nats.url
  skips     spec.nats.account = "$G": the service sets accountID instead
  overrides spec.size = "small" with "large"
  overrides metadata.labels.team = "platform" with "b"
`
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("--explain (-want +got):\n%s", diff)
	}

	// The --defaults file among the inputs is the same defaults, not a second.
	if again, errOut, code := run(t, "", "generate", "--defaults", defaults, dir); code != 0 || again != generated {
		t.Errorf("generate --defaults FILE DIR-holding-FILE: exit %d, stderr %s", code, errOut)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"explain and output", []string{"--explain", "--output", filepath.Join(dir, "out"), services}, "--explain prints instead of writing: leave out --output"},
		{"no defaults in the file", []string{"--defaults", filepath.Join(services, "a.yaml"), services}, "no EventDrivenServiceDefaults (apiVersion: platform.bizmatters.io/v1alpha1) in it"},
		{"a missing file", []string{"--defaults", filepath.Join(dir, "missing.yaml"), services}, "missing.yaml"},
		{"a second one in the inputs", []string{"--defaults", defaults, services,
			writeFile(t, filepath.Join(dir, "other", "d.yaml"), strings.Replace(defaultsDoc, "name: platform", "name: other", 1))},
			`error: EventDrivenServiceDefaults other (d.yaml): kind: is a second EventDrivenServiceDefaults beside EventDrivenServiceDefaults "platform" (defaults.yaml)`},
		{"a bad default", []string{"--defaults", writeFile(t, filepath.Join(dir, "bad", "d.yaml"), strings.Replace(defaultsDoc, "size: small", "size: xl", 1)), services},
			`error: EventDrivenServiceDefaults platform (d.yaml): spec.size: Unsupported value: "xl": supported values: "micro", "small", "medium", "large" (merged into EventDrivenService a)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, "", append([]string{"generate"}, tc.args...)...)
			if code == 0 || out != "" || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant a failure, no output, and %q", code, out, errOut, tc.want)
			}
		})
	}
}
