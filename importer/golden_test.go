package importer_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/importer"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/bizmatters/eds-fn/internal/resourcelist"
	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestGolden imports every testdata/<case>/input directory: expected.yaml
// is the EventDrivenServices written, report.txt the report for people and
// report.json the one for tools. Each case runs twice: the same input gives
// the same bytes.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/input")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases found: %v", err)
	}
	for _, in := range dirs {
		dir := filepath.Dir(in)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			out, text, js := run(t, in)
			testutil.Golden(t, filepath.Join(dir, "expected.yaml"), out)
			testutil.Golden(t, filepath.Join(dir, "report.txt"), text)
			testutil.Golden(t, filepath.Join(dir, "report.json"), js)
			out2, text2, js2 := run(t, in)
			if diff := cmp.Diff(out+text+js, out2+text2+js2); diff != "" {
				t.Errorf("second run differs (-first +second):\n%s", diff)
			}
		})
	}
}

func run(t *testing.T, dir string) (string, string, string) {
	t.Helper()
	nodes, err := kio.LocalPackageReader{PackagePath: dir, MatchFilesGlob: kio.MatchAll}.Read()
	if err != nil {
		t.Fatal(err)
	}
	res := importer.Import(nodes)
	var objs []*yaml.RNode
	for _, s := range res.Services {
		if s.Node != nil {
			objs = append(objs, s.Node)
		}
	}
	var buf bytes.Buffer
	if err := resourcelist.WriteStream(&buf, objs); err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return buf.String(), res.Text(), string(js) + "\n"
}

// TestAgentExecutorExample imports the example's hand-written manifests:
// the objects generated from the import are the ones generated from the
// example's own EventDrivenService, and the report is committed beside it.
func TestAgentExecutorExample(t *testing.T) {
	const example = "../examples/agent-executor/"
	nodes, err := kio.LocalPackageReader{PackagePath: example + "hand-written", MatchFilesGlob: kio.MatchAll}.Read()
	if err != nil {
		t.Fatal(err)
	}
	res := importer.Import(nodes)
	testutil.Golden(t, example+"import-report.txt", res.Text())
	if len(res.Services) != 1 || res.Services[0].Node == nil {
		t.Fatalf("want one imported service:\n%s", res.Text())
	}
	if lost := res.Services[0].Report.Lost(); lost != 0 {
		t.Errorf("%d fields lost:\n%s", lost, res.Text())
	}
	own, err := kio.LocalPackageReader{PackagePath: example + "agent-executor.yaml"}.Read()
	if err != nil {
		t.Fatal(err)
	}
	want, got := generated(t, own[0]), generated(t, res.Services[0].Node)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the imported service generates other objects than the example's (-example +imported):\n%s", diff)
	}
}

func generated(t *testing.T, svc *yaml.RNode) string {
	t.Helper()
	svc = svc.Copy()
	_ = svc.PipeE(yaml.ClearAnnotation("config.kubernetes.io/function"))
	for k := range svc.GetAnnotations() {
		_ = svc.PipeE(yaml.ClearAnnotation(k))
	}
	expanded, results := generator.ExpandAll([]*yaml.RNode{svc}, nil)
	if krm.HasErrors(results) {
		t.Fatalf("does not generate: %v", results)
	}
	var buf bytes.Buffer
	if err := resourcelist.WriteStream(&buf, expanded[0].Objects); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
