package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/cli"
	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// renderKpt runs the function on a ResourceList exactly as kpt sends it and
// returns what kpt would read back.
func renderKpt(t *testing.T, in string) (string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := cli.RunFunction(strings.NewReader(in), &out, &errOut, cli.DefaultProcessors); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	return out.String(), errOut.String()
}

// TestKptRender covers kpt fn render: the items are the whole package (the
// Kptfile and the function's own config included), every object keeps its
// path and index, new objects get a file next to their service, services are
// marked local-config, and rendering the output again changes nothing.
func TestKptRender(t *testing.T) {
	in, err := os.ReadFile("testdata/kpt/first-render/input.yaml")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := renderKpt(t, string(in))
	testutil.Golden(t, "testdata/kpt/first-render/expected.yaml", first)
	checkPathIndexUnique(t, first)

	second, _ := renderKpt(t, first)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("second render changed the package (-first +second):\n%s", diff)
	}

	t.Run("service renamed", func(t *testing.T) {
		renamed := strings.Replace(first, "    name: billing-worker\n", "    name: invoicing-worker\n", 1)
		out, stderr := renderKpt(t, renamed)
		testutil.Golden(t, "testdata/kpt/renamed/expected.yaml", out)
		checkPathIndexUnique(t, out)
		items, _, _ := strings.Cut(out, "\nresults:")
		if strings.Contains(items, "app.kubernetes.io/name: billing-worker") || strings.Contains(items, "billing-worker.generated.yaml") {
			t.Errorf("objects of the renamed service were not pruned")
		}
		if stderr != "" {
			t.Errorf("info results belong in results, not on stderr: %q", stderr)
		}
		again, _ := renderKpt(t, out)
		if diff := cmp.Diff(out, again); diff != "" {
			t.Errorf("render after rename is not idempotent:\n%s", diff)
		}
	})

	t.Run("hand-written object with the same name is never pruned or overwritten", func(t *testing.T) {
		// A hand-written Service named like a generated one, without eds-fn's
		// labels: rendering must refuse, not overwrite it.
		svc := "- apiVersion: v1\n  kind: Service\n  metadata:\n    name: orders-worker\n    namespace: orders\n    annotations:\n      config.kubernetes.io/index: '0'\n      config.kubernetes.io/path: 'svc.yaml'\n      internal.config.kubernetes.io/index: '0'\n      internal.config.kubernetes.io/path: 'svc.yaml'\n  spec: {ports: [{port: 80}]}\n"
		pkg := strings.Replace(string(in), "functionConfig:", strings.TrimPrefix(svc, "")+"functionConfig:", 1)
		var out, errOut bytes.Buffer
		code := cli.RunFunction(strings.NewReader(pkg), &out, &errOut, cli.DefaultProcessors)
		if code != 1 || !strings.Contains(errOut.String(), "eds-fn did not generate") {
			t.Errorf("exit %d, stderr %q", code, errOut.String())
		}
	})
}

// checkPathIndexUnique is kpt's own rule: no two resources share a path and
// an index.
func checkPathIndexUnique(t *testing.T, rl string) {
	t.Helper()
	node := yaml.MustParse(rl)
	items, _ := node.Pipe(yaml.Lookup("items"))
	seen := map[string]string{}
	for _, it := range items.Content() {
		n := yaml.NewRNode(it)
		a := n.GetAnnotations()
		p, i := a["internal.config.kubernetes.io/path"], a["internal.config.kubernetes.io/index"]
		if p == "" || i == "" || a["config.kubernetes.io/path"] != p || a["config.kubernetes.io/index"] != i {
			t.Errorf("%s/%s: path/index annotations incomplete or inconsistent: %v", n.GetKind(), n.GetName(), a)
		}
		if strings.HasPrefix(p, "/") || strings.Contains(p, "..") {
			t.Errorf("%s/%s: path %q is not relative to the package", n.GetKind(), n.GetName(), p)
		}
		k := p + "#" + i
		if prev, dup := seen[k]; dup {
			t.Errorf("%s and %s/%s share path %s", prev, n.GetKind(), n.GetName(), k)
		}
		seen[k] = n.GetKind() + "/" + n.GetName()
	}
}

func TestKptTestdataHasNoStrayCases(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/kpt/*")
	for _, d := range dirs {
		switch filepath.Base(d) {
		case "first-render", "renamed":
		default:
			t.Errorf("testdata/kpt/%s is not run by any test", filepath.Base(d))
		}
	}
}
