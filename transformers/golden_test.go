package transformers_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/bizmatters/eds-fn/transformers"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The files of one golden case, in the style of kyaml's frameworktestutil.
const (
	configFile   = "config.yaml"   // the functionConfig
	inputFile    = "input.yaml"    // the items, a multi-document YAML stream
	expectedFile = "expected.yaml" // the output ResourceList, when the run succeeds
	errorsFile   = "errors.txt"    // the results, one per line, when it fails
)

// TestGolden runs the transformer on every directory under testdata that
// holds a config.yaml and an input.yaml (the kustomize builds and the kpt
// packages have their own tests), compares the output with expected.yaml or the results with
// errors.txt, checks the invariants that hold for every input, and runs the
// transformer again on its own output to prove that it is idempotent.
func TestGolden(t *testing.T) {
	var cases []string
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == filepath.Join("testdata", "kustomize") || path == filepath.Join("testdata", "kpt")) {
			return filepath.SkipDir
		}
		if d.IsDir() && exists(filepath.Join(path, configFile)) && exists(filepath.Join(path, inputFile)) {
			cases = append(cases, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no golden cases found under testdata")
	}
	for _, dir := range cases {
		name, _ := filepath.Rel("testdata", dir)
		t.Run(filepath.ToSlash(name), func(t *testing.T) { runGolden(t, dir) })
	}
}

func runGolden(t *testing.T, dir string) {
	cfg, err := yaml.ReadFile(filepath.Join(dir, configFile))
	if err != nil {
		t.Fatalf("%s: %v", configFile, err)
	}
	inputData, err := os.ReadFile(filepath.Join(dir, inputFile))
	if err != nil {
		t.Fatal(err)
	}
	// A file holding one kind: List stays one item, as kpt keeps it (the
	// reader would otherwise hand on the objects it holds, as kustomize does).
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(inputData), OmitReaderAnnotations: true, DisableUnwrapping: true}).Read()
	if err != nil {
		t.Fatalf("%s: %v", inputFile, err)
	}
	rl := resourceList(t, cfg, items)
	out1, results1, err1 := execute(t, rl)
	checkInvariants(t, rl, out1, results1, err1 != nil)

	// Run 2, on the items run 1 output (its results are not passed on, as
	// kustomize and kpt do not): the same items, and nothing to change.
	out2, results2, err2 := execute(t, resourceList(t, cfg, readItems(t, out1)))
	if (err1 == nil) != (err2 == nil) {
		t.Errorf("run 2 on the output of run 1: error %v, run 1: error %v", err2, err1)
	}
	if a, b := itemsOf(t, out1), itemsOf(t, out2); a != b {
		t.Errorf("not idempotent: run 2 changed the output of run 1\n--- run 1 ---\n%s\n--- run 2 ---\n%s", a, b)
	}
	for _, r := range results2 {
		if r.Field != nil && r.Field.ProposedValue != nil {
			t.Errorf("not idempotent: run 2 reports a change: %s", krm.Describe(r))
		}
	}

	if err1 != nil {
		var got strings.Builder
		for _, r := range results1 {
			got.WriteString(krm.Describe(r) + "\n")
		}
		testutil.Golden(t, filepath.Join(dir, errorsFile), got.String())
		if exists(filepath.Join(dir, expectedFile)) {
			t.Errorf("the run failed (%v) but %s exists: remove it", err1, expectedFile)
		}
		return
	}
	testutil.Golden(t, filepath.Join(dir, expectedFile), string(out1))
	if exists(filepath.Join(dir, errorsFile)) {
		t.Errorf("%s exists but the run succeeded: remove it", errorsFile)
	}
}

// resourceList wraps items and the functionConfig as kustomize and kpt do.
func resourceList(t *testing.T, cfg *yaml.RNode, items []*yaml.RNode) []byte {
	t.Helper()
	var rl bytes.Buffer
	err := kio.ByteWriter{Writer: &rl, WrappingKind: kio.ResourceListKind,
		WrappingAPIVersion: kio.ResourceListAPIVersion, FunctionConfig: cfg}.Write(items)
	if err != nil {
		t.Fatal(err)
	}
	return rl.Bytes()
}

// execute runs the transformer on a ResourceList as eds-fn does.
func execute(t *testing.T, in []byte) ([]byte, krm.Results, error) {
	t.Helper()
	var out bytes.Buffer
	err := framework.Execute(testutil.Framework(transformers.NATSHeadless{}), &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: &out})
	var fw framework.Results
	if err != nil && !errors.As(err, &fw) {
		t.Fatalf("not a results error: %v", err)
	}
	results := testutil.FromFramework(fw)
	if err == nil {
		results = resultsOf(t, out.Bytes())
	}
	return out.Bytes(), results, err
}

// checkInvariants checks what holds for every run: items are neither dropped
// nor reordered; an item without a reported change comes out byte for byte
// as it came in; a failed run changes nothing; every result names its
// resource and field.
func checkInvariants(t *testing.T, in, out []byte, results krm.Results, failed bool) {
	t.Helper()
	before, after := readItems(t, in), readItems(t, out)
	if len(before) != len(after) {
		t.Fatalf("%d items in, %d out", len(before), len(after))
	}
	changed := map[string]bool{}
	for _, r := range results {
		if r.ResourceRef == nil || r.Field == nil || r.Field.Path == "" {
			if !failed {
				t.Errorf("result without resource or field path: %s", krm.Describe(r))
			}
			continue
		}
		if r.Field.ProposedValue != nil {
			if failed {
				t.Errorf("a failed run reports a change: %s", krm.Describe(r))
			}
			changed[r.ResourceRef.Kind+"/"+r.ResourceRef.Namespace+"/"+r.ResourceRef.Name] = true
		}
	}
	for i := range before {
		b, a := before[i], after[i]
		if b.GetKind() != a.GetKind() || b.GetName() != a.GetName() || b.GetNamespace() != a.GetNamespace() {
			t.Errorf("item %d: %s %s in, %s %s out: reordered", i, b.GetKind(), b.GetName(), a.GetKind(), a.GetName())
			continue
		}
		if changedItem(b, changed) {
			continue
		}
		if bs, as := b.MustString(), a.MustString(); bs != as {
			t.Errorf("item %d (%s %s) changed without a result:\n--- in ---\n%s\n--- out ---\n%s", i, b.GetKind(), b.GetName(), bs, as)
		}
	}
}

// changedItem reports whether a result reports a change of item, or of one
// of the objects of a kind: List item.
func changedItem(item *yaml.RNode, changed map[string]bool) bool {
	key := func(n *yaml.RNode) string { return n.GetKind() + "/" + n.GetNamespace() + "/" + n.GetName() }
	if changed[key(item)] {
		return true
	}
	if item.GetApiVersion() != "v1" || item.GetKind() != "List" {
		return false
	}
	objects, _ := item.Pipe(yaml.Lookup("items"))
	if objects == nil {
		return false
	}
	elements, _ := objects.Elements()
	for _, o := range elements {
		if changed[key(o)] {
			return true
		}
	}
	return false
}

func readItems(t *testing.T, rl []byte) []*yaml.RNode {
	t.Helper()
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(rl), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// itemsOf is the items of a ResourceList as a YAML stream, without results.
func itemsOf(t *testing.T, rl []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := (kio.ByteWriter{Writer: &b}).Write(readItems(t, rl)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func resultsOf(t *testing.T, rl []byte) krm.Results {
	t.Helper()
	var list struct {
		Results krm.Results `yaml:"results"`
	}
	if err := yaml.Unmarshal(rl, &list); err != nil {
		t.Fatal(err)
	}
	return list.Results
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
