package transformers_test

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
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/bizmatters/eds-fn/transformers"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FuzzNATSHeadless feeds arbitrary bytes as the ResourceList to the
// nats-headless transformer, through the binary's path (cli.RunFunction),
// whatever the functionConfig says. Whatever the input:
//
//   - it never panics, and stderr never holds a stack trace;
//   - on success no item is dropped, added or reordered, and running it
//     again over its output changes no item (idempotent);
//   - on failure stderr says why, and the items come back unchanged (aliases
//     that point out of their item written out), or nothing at all.
//
// The seeds are in testdata/fuzz/FuzzNATSHeadless (every golden case of
// testdata/ as a ResourceList, and hostile input); the golden cases are also
// added at run time. Run it with
//
//	go test -run='^$' -fuzz=FuzzNATSHeadless -fuzztime=10m ./transformers
func FuzzNATSHeadless(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/*/input.yaml")
	for _, in := range inputs {
		cfg, err := os.ReadFile(filepath.Join(filepath.Dir(in), "config.yaml"))
		if err != nil {
			continue
		}
		items, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(resourceListOf(f, cfg, items))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 1<<20 {
			return
		}
		out, errOut, code := runNATSHeadless(in)
		for _, crash := range []string{"panic:", "goroutine ", "runtime error"} {
			if strings.Contains(errOut, crash) {
				t.Fatalf("stderr looks like a crash:\n%s", errOut)
			}
		}
		if code != 0 {
			if errOut == "" {
				t.Fatalf("exit %d without a message", code)
			}
			// With aliases the items are written differently on purpose (an
			// alias pointing out of its item is written out): compare the
			// others only.
			if out != "" && !bytes.ContainsAny(in, "*") {
				if got, want := fuzzItemsOf(t, out), fuzzItemsOf(t, string(in)); got != want {
					t.Fatalf("failed run changed the items:\n got:\n%s\nwant:\n%s\nstderr: %s", got, want, errOut)
				}
			}
			return
		}
		if got, want := fuzzIDsOf(t, out), fuzzIDsOf(t, string(in)); got != want {
			t.Fatalf("items dropped, added or reordered:\n got %s\nwant %s", got, want)
		}
		again, errAgain, code := runNATSHeadless([]byte(out))
		if code != 0 {
			t.Fatalf("running again over the output failed (exit %d): %s", code, errAgain)
		}
		// The items, that is: the results say what the first run changed.
		if a, b := fuzzItemsOf(t, out), fuzzItemsOf(t, again); a != b {
			t.Fatalf("not idempotent:\nfirst:\n%s\nsecond:\n%s", a, b)
		}
	})
}

func runNATSHeadless(in []byte) (string, string, int) {
	var out, errOut bytes.Buffer
	pick := func(*yaml.RNode) (krm.ResourceListProcessor, error) { return transformers.NATSHeadless{}, nil }
	code := cli.RunFunction(bytes.NewReader(in), &out, &errOut, pick)
	return out.String(), errOut.String(), code
}

// resourceListOf wraps a config and a stream of items as kustomize does.
func resourceListOf(t testing.TB, config, stream []byte) []byte {
	cfg, err := yaml.Parse(string(config))
	if err != nil {
		t.Fatal(err)
	}
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(stream), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := kio.ByteWriter{Writer: &b, FunctionConfig: cfg, WrappingKind: kio.ResourceListKind,
		WrappingAPIVersion: kio.ResourceListAPIVersion, KeepReaderAnnotations: true}
	if err := w.Write(items); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func fuzzItemNodes(t *testing.T, rl string) []*yaml.Node {
	t.Helper()
	n, err := yaml.Parse(rl)
	if err != nil {
		t.Fatalf("not YAML: %v", err)
	}
	items, _ := n.Pipe(yaml.Lookup("items"))
	if items == nil {
		return nil
	}
	return items.Content()
}

// fuzzItemsOf renders the items, to compare them before and after, as
// kyaml writes the items of every function: without the orchestrator's
// bookkeeping annotations (kept in step by kyaml), and without an empty
// metadata or annotations mapping (yaml.ClearEmptyAnnotations).
func fuzzItemsOf(t *testing.T, rl string) string {
	t.Helper()
	var b strings.Builder
	for _, it := range fuzzItemNodes(t, rl) {
		dropBookkeeping(it)
		_ = yaml.ClearEmptyAnnotations(yaml.NewRNode(it))
		spellOutNulls(it, false, false)
		s, err := yaml.NewRNode(it).String()
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(s + "---\n")
	}
	return b.String()
}

// dropBookkeeping removes the orchestrator's annotations (file path, index
// and id, in their two spellings), which kyaml keeps in step on every run:
// an item that had only one spelling comes back with both.
func dropBookkeeping(it *yaml.Node) {
	annos := fuzzField(fuzzField(it, "metadata"), "annotations")
	if annos == nil || annos.Kind != yaml.MappingNode {
		return
	}
	var kept []*yaml.Node
	for i := 0; i+1 < len(annos.Content); i += 2 {
		k := annos.Content[i].Value
		if strings.HasPrefix(k, "config.kubernetes.io/") || strings.HasPrefix(k, "internal.config.kubernetes.io/") || strings.HasPrefix(k, "config.k8s.io/") {
			continue
		}
		kept = append(kept, annos.Content[i], annos.Content[i+1])
	}
	annos.Content = kept
}

// spellOutNulls writes an empty null inside a flow collection, or as a key,
// as "null", as the function does when it reads its input: yaml.v3 would
// write it as an empty quoted string.
func spellOutNulls(n *yaml.Node, inFlow, isKey bool) {
	if n.Kind == yaml.ScalarNode && n.Value == "" && n.Style == 0 && (inFlow || isKey) && n.ShortTag() == yaml.NodeTagNull {
		n.Value = "null"
	}
	inFlow = inFlow || n.Style&yaml.FlowStyle != 0
	for i, c := range n.Content {
		spellOutNulls(c, inFlow, n.Kind == yaml.MappingNode && i%2 == 0)
	}
}

// fuzzIDsOf lists the kind and name of every item, in order.
func fuzzIDsOf(t *testing.T, rl string) string {
	t.Helper()
	var ids []string
	for _, it := range fuzzItemNodes(t, rl) {
		md := fuzzField(it, "metadata")
		ids = append(ids, fuzzValue(fuzzField(it, "kind"))+"/"+fuzzValue(fuzzField(md, "namespace"))+"/"+fuzzValue(fuzzField(md, "name")))
	}
	return strings.Join(ids, " ")
}

// fuzzField and fuzzValue read any node safely (kyaml's getters assume the
// shape of a Kubernetes object); a null reads as "".
func fuzzField(n *yaml.Node, key string) *yaml.Node {
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

func fuzzValue(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() == yaml.NodeTagNull {
		return ""
	}
	return n.Value
}

var writeSeeds = flag.Bool("write-seeds", false, "rewrite testdata/fuzz/FuzzNATSHeadless from the golden cases and hostile input")

const rlHead = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: {apiVersion: platform.bizmatters.io/v1alpha1, kind: NATSHeadlessEndpoint, metadata: {name: n}}\n"

// hostileSeeds are small hostile inputs for the fuzzer to start from.
var hostileSeeds = map[string]string{
	"empty":              "",
	"not-yaml":           "{{{",
	"no-config":          "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n",
	"config-wrong-types": "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: {apiVersion: platform.bizmatters.io/v1alpha1, kind: NATSHeadlessEndpoint, metadata: {name: n}, spec: {endpoint: [x], strict: 'yes'}}\nitems: []\n",
	"triggers-shapes":    rlHead + "items:\n- {apiVersion: keda.sh/v1alpha1, kind: ScaledObject, metadata: {name: a}, spec: {triggers: [3, [x], {type: nats-jetstream, metadata: [a]}, {type: nats-jetstream, metadata: {natsServerMonitoringEndpoint: {a: b}}}, {type: nats-jetstream}]}}\n",
	"triggers-alias":     rlHead + "x: &t [{type: nats-jetstream, metadata: {natsServerMonitoringEndpoint: 'nats:4222'}}]\nitems:\n- {apiVersion: keda.sh/v1alpha1, kind: ScaledObject, metadata: {name: a}, spec: {triggers: *t}}\n- {apiVersion: keda.sh/v1alpha1, kind: ScaledJob, metadata: {name: b}, spec: {triggers: *t}}\n",
	"endpoint-anchor":    rlHead + "items:\n- {apiVersion: keda.sh/v1alpha1, kind: ScaledObject, metadata: {name: a}, spec: {triggers: [{type: nats-jetstream, metadata: {natsServerMonitoringEndpoint: &e 'http://nats:8222', account: *e}}]}}\n",
	"duplicate-key":      rlHead + "items:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {}, data: {}}\n",
	"metadata-list":      rlHead + "items:\n- {apiVersion: keda.sh/v1alpha1, kind: ScaledObject, metadata: [a]}\n",
	"previous-names":     rlHead + "items:\n- {apiVersion: keda.sh/v1alpha1, kind: ScaledObject, metadata: {name: p-a, annotations: {internal.config.kubernetes.io/previousNames: 'a,p-a'}}, spec: {triggers: [{type: nats-jetstream, metadata: {stream: S, consumer: C, account: $SYS}}]}}\n",
}

// TestWriteSeeds writes the checked-in seed corpus (go test ./transformers
// -run TestWriteSeeds -args -write-seeds). Crashers the fuzzer found are
// kept next to these, under the names it gave them.
func TestWriteSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("rewrites testdata/fuzz/FuzzNATSHeadless; run with -write-seeds")
	}
	seeds := map[string][]byte{}
	inputs, _ := filepath.Glob("testdata/*/input.yaml")
	for _, in := range inputs {
		cfg, err := os.ReadFile(filepath.Join(filepath.Dir(in), "config.yaml"))
		if err != nil {
			continue
		}
		items, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		seeds["golden-"+filepath.Base(filepath.Dir(in))] = resourceListOf(t, cfg, items)
	}
	for name, s := range hostileSeeds {
		seeds["hostile-"+name] = []byte(s)
	}
	seeds["bench-30-resources"] = bench.TransformerList(30, 5)
	dir := filepath.Join("testdata", "fuzz", "FuzzNATSHeadless")
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
