package generator_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/bench"

	"github.com/bizmatters/eds-fn/internal/cli"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FuzzGenerator feeds arbitrary bytes to the function as its ResourceList,
// through the path of the binary (cli.RunFunction, the generator, bulk
// mode or the transformer as the functionConfig says). Whatever the input:
//
//   - it never panics, and stderr never holds a stack trace;
//   - on success the output is one ResourceList, and running the function
//     again over it (as kpt does) gives the same items: it is idempotent;
//   - on failure stderr says why, and the output is either nothing or the
//     input's items back (no generated object, nothing half done).
//
// The seeds are in testdata/fuzz/FuzzGenerator (the golden cases as
// kustomize sends them, bulk mode, kpt packages and hostile input) and every
// golden case of testdata/ is added at run time. Run it with
//
//	go test -run='^$' -fuzz=FuzzGenerator -fuzztime=10m ./generator
func FuzzGenerator(f *testing.F) {
	configs, _ := filepath.Glob("testdata/*/config.yaml")
	for _, c := range configs {
		data, err := os.ReadFile(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(generatorPosition(f, data))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 1<<20 {
			return // sizes are the benchmarks' business
		}
		checkRun(t, in)
	})
}

// generatorPosition is the ResourceList kustomize sends for one generator
// file holding config.
func generatorPosition(t testing.TB, config []byte) []byte {
	cfg, err := yaml.Parse(string(config))
	if err != nil {
		t.Fatal(err)
	}
	item := cfg.Copy()
	if err := item.PipeE(yaml.SetAnnotation("config.kubernetes.io/local-config", "true")); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := kio.ByteWriter{Writer: &b, FunctionConfig: cfg, WrappingKind: kio.ResourceListKind,
		WrappingAPIVersion: kio.ResourceListAPIVersion, KeepReaderAnnotations: true}
	if err := w.Write([]*yaml.RNode{item}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func run(in []byte) (string, string, int) {
	var out, errOut bytes.Buffer
	code := cli.RunFunction(bytes.NewReader(in), &out, &errOut, cli.DefaultProcessors)
	return out.String(), errOut.String(), code
}

func checkRun(t *testing.T, in []byte) {
	t.Helper()
	out, errOut, code := run(in)
	for _, crash := range []string{"panic:", "goroutine ", "runtime error"} {
		if strings.Contains(errOut, crash) {
			t.Fatalf("stderr looks like a crash:\n%s", errOut)
		}
	}
	if code != 0 {
		if errOut == "" {
			t.Fatalf("exit %d without a message", code)
		}
		if out != "" {
			// Only the input's items may come back, with the results.
			if got, want := itemKeys(t, out), itemKeys(t, string(in)); got != want {
				t.Fatalf("failed run changed the items:\n got %s\nwant %s\nstderr: %s", got, want, errOut)
			}
		}
		return
	}
	again, errAgain, code := run([]byte(out))
	if code != 0 {
		t.Fatalf("running again over the output failed (exit %d): %s\noutput:\n%s", code, errAgain, out)
	}
	// The items, that is: the results of the first run may say what it
	// changed (a pruned object, a repaired trigger), the second's do not.
	if a, b := itemsYAML(t, out), itemsYAML(t, again); a != b {
		t.Fatalf("not idempotent: the second run changed the items\nfirst:\n%s\nsecond:\n%s", a, b)
	}
}

// items is the items of a ResourceList, nil when it has none.
func items(t *testing.T, rl string) *yaml.RNode {
	t.Helper()
	n, err := yaml.Parse(rl)
	if err != nil {
		t.Fatalf("output is not YAML: %v", err)
	}
	items, _ := n.Pipe(yaml.Lookup("items"))
	return items
}

// itemKeys lists kind/namespace/name of every item of a ResourceList.
func itemKeys(t *testing.T, rl string) string {
	t.Helper()
	items := items(t, rl)
	if items == nil {
		return ""
	}
	var keys []string
	for _, it := range items.Content() {
		md := field(it, "metadata")
		keys = append(keys, value(field(it, "kind"))+"/"+value(field(md, "namespace"))+"/"+value(field(md, "name")))
	}
	return strings.Join(keys, " ")
}

// field and value read any node safely: kyaml's getters assume the shapes
// of a Kubernetes object, and input here has none.
func field(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func value(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() == yaml.NodeTagNull {
		return "-"
	}
	return n.Value
}

// itemsYAML is the items of a ResourceList, as YAML.
func itemsYAML(t *testing.T, rl string) string {
	t.Helper()
	items := items(t, rl)
	if items == nil {
		return ""
	}
	return items.MustString()
}

var writeSeeds = flag.Bool("write-seeds", false, "rewrite testdata/fuzz/FuzzGenerator from the golden cases, the examples and hostile input")

// hostileSeeds are small versions of the hostile inputs of
// internal/cli/hostile_test.go, for the fuzzer to start from.
var hostileSeeds = map[string]string{
	"empty":                  "",
	"not-yaml":               "{{{ not: yaml",
	"scalar":                 "hello\n",
	"no-items":               "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n",
	"items-mapping":          "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: b}\n",
	"item-scalar":            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [3, [a]]\n",
	"function-config-list":   "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: [a]\nitems: []\n",
	"two-documents":          "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n---\nkind: ResourceList\n",
	"duplicate-key":          "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nitems: []\n",
	"alias-bomb":             "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\na: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nitems: [{kind: ConfigMap, x: *c}]\n",
	"nested":                 "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- x: " + strings.Repeat("[", 50) + strings.Repeat("]", 50) + "\n",
	"metadata-list":          "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: Service, metadata: [a]}\n",
	"labels-odd-list":        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: a, labels: [x]}}\n",
	"eds-wrong-types":        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: platform.bizmatters.io/v1alpha1\n  kind: EventDrivenService\n  metadata: {name: 5, labels: [a]}\n  spec: {image: [x], nats: 3, secretRefs: x, scaling: {minReplicas: '1'}}\n",
	"eds-null-spec":          "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: platform.bizmatters.io/v1alpha1, kind: EventDrivenService, metadata: {name: a}, spec: null}\n",
	"eds-anchors":            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: platform.bizmatters.io/v1alpha1\n  kind: EventDrivenService\n  metadata: &m {name: a}\n  spec: {image: 'r/i:v1', nats: &n {stream: S, consumer: C}, customDeployment: {metadata: *m}}\n",
	"two-services-same-name": "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: platform.bizmatters.io/v1alpha1, kind: EventDrivenService, metadata: {name: a}, spec: {image: 'r/i:v1', nats: {stream: S, consumer: C}}}\n- {apiVersion: platform.bizmatters.io/v1alpha1, kind: EventDrivenService, metadata: {name: a}, spec: {image: 'r/i:v2', nats: {stream: S, consumer: C}}}\n",
	"service-and-deployment": "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: {apiVersion: platform.bizmatters.io/v1alpha1, kind: ExpandEventDrivenServices, metadata: {name: x}}\nitems:\n- {apiVersion: platform.bizmatters.io/v1alpha1, kind: EventDrivenService, metadata: {name: a}, spec: {image: 'r/i:v1', nats: {stream: S, consumer: C}}}\n- {apiVersion: apps/v1, kind: Deployment, metadata: {name: a}}\n",
}

// TestWriteSeeds writes the checked-in seed corpus (go test ./generator
// -run TestWriteSeeds -write-seeds). Crashers the fuzzer finds are kept next
// to these, under the names it gives them.
func TestWriteSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("rewrites testdata/fuzz/FuzzGenerator; run with -write-seeds")
	}
	seeds := map[string][]byte{}
	configs, _ := filepath.Glob("testdata/*/config.yaml")
	for _, c := range configs {
		data, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		seeds["golden-"+filepath.Base(filepath.Dir(c))] = generatorPosition(t, data)
	}
	for name, s := range hostileSeeds {
		seeds["hostile-"+name] = []byte(s)
	}
	seeds["bench-items-3"] = bench.ItemsList(3)
	seeds["bench-bulk-3"] = bench.BulkList(3)
	seeds["bench-generator-position"] = bench.GeneratorList(7)
	for _, f := range []string{"../internal/cli/testdata/kpt/first-render/input.yaml", "../internal/cli/testdata/kpt/first-render/expected.yaml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds["kpt-"+strings.TrimSuffix(filepath.Base(f), ".yaml")] = data
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzGenerator")
	writeCorpus(t, dir, seeds)
}

func writeCorpus(t *testing.T, dir string, seeds map[string][]byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range seeds {
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
		if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
