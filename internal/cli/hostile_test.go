package cli_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bizmatters/eds-fn/internal/cli"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Hostile and broken input on stdin. Whatever arrives, eds-fn ends with a
// clear message on stderr and a non-zero exit code: never a panic or a stack
// trace, never half a ResourceList, and within bounded time and memory. The
// bounds asserted here are loose on purpose (10 s, 1 GiB allocated); the
// speed targets are in the benchmarks (BENCHMARKS.md).

const (
	rlHead = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"

	hostileService = `apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata:
  name: orders
  namespace: shop
spec:
  image: ghcr.io/acme/orders:v1
  nats: {stream: ORDERS, consumer: orders}
`
	// fullService sets every field of the API, so that each one can be
	// given a value of the wrong type.
	fullService = `apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata:
  name: orders
  namespace: shop
  labels: {team: shop}
  annotations: {owner: shop-team}
spec:
  image: ghcr.io/acme/orders:v1
  imagePullPolicy: IfNotPresent
  size: small
  nats:
    url: nats://nats.nats.svc:4222
    stream: ORDERS
    consumer: orders
    account: $G
    monitoringEndpoint: nats-headless.nats.svc.cluster.local:8222
  secretRefs:
    - name: orders-db
      env:
        - {secretKey: password, envName: DB_PASSWORD}
    - name: orders-keys
      envFrom: true
  imagePullSecrets:
    - name: ghcr
  initContainer:
    command: [/bin/sh, -c]
    args: [./migrate]
  scaling:
    minReplicas: 1
    maxReplicas: 5
    lagThreshold: 10
  customDeployment:
    spec:
      revisionHistoryLimit: 3
`
	natsHeadlessConfig = `apiVersion: platform.bizmatters.io/v1alpha1
kind: NATSHeadlessEndpoint
metadata:
  name: nats-headless
spec:
  endpoint: nats-headless.nats.svc.cluster.local:8222
  strict: false
`
	expandConfig = `apiVersion: platform.bizmatters.io/v1alpha1
kind: ExpandEventDrivenServices
metadata:
  name: expand
`
	configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  region: eu-west-1
`
)

// asItem indents a document as an element of items.
func asItem(doc string) string { return indentDoc(doc, "- ", "  ") }

// asConfig indents a document as the value of functionConfig.
func asConfig(doc string) string { return "functionConfig:\n" + indentDoc(doc, "  ", "  ") }

func indentDoc(doc, first, rest string) string {
	lines := strings.Split(strings.TrimRight(doc, "\n"), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = first + lines[i]
		} else if lines[i] != "" {
			lines[i] = rest + lines[i]
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// generatorInput is what kustomize sends for one generator file.
func generatorInput(svc string) string {
	item := strings.Replace(svc, "metadata:\n", "metadata:\n  annotations: {config.kubernetes.io/local-config: \"true\"}\n", 1)
	if strings.Contains(svc, "  annotations:") {
		item = strings.Replace(svc, "  annotations: {", "  annotations: {config.kubernetes.io/local-config: \"true\", ", 1)
	}
	return rlHead + asConfig(svc) + "items:\n" + asItem(item)
}

// withValue replaces the value at a dotted path (list indices as numbers)
// of a YAML document by the YAML value v.
func withValue(t *testing.T, doc, path, v string) string {
	t.Helper()
	root := yaml.MustParse(doc).YNode()
	n := root
	parts := strings.Split(path, ".")
	for i, p := range parts {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == p {
					next = n.Content[j+1]
				}
			}
		case yaml.SequenceNode:
			var idx int
			if _, err := fmt.Sscan(p, &idx); err == nil && idx < len(n.Content) {
				next = n.Content[idx]
			}
		}
		if next == nil {
			t.Fatalf("no %s in the document (at %q)", path, strings.Join(parts[:i+1], "."))
		}
		n = next
	}
	*n = *yaml.MustParse(v).YNode()
	return yaml.NewRNode(root).MustString()
}

// output says what a case may print on stdout.
type output int

const (
	noOutput  output = iota // nothing at all
	inputBack               // a ResourceList with results whose items are the input's, unchanged in number and kind
	generated               // success: a ResourceList with these many items (see hostileCase.items)
)

type hostileCase struct {
	name   string
	in     string
	code   int      // expected exit code
	stderr []string // substrings of stderr, in any order
	out    output
	items  int // for generated: the number of items
}

func TestHostileInput(t *testing.T) {
	for _, tc := range hostileCases(t) {
		t.Run(tc.name, func(t *testing.T) { runHostile(t, tc) })
	}
}

func runHostile(t *testing.T, tc hostileCase) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	var out, errOut bytes.Buffer
	code := cli.Main(nil, strings.NewReader(tc.in), &out, &errOut)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)

	stderr := errOut.String()
	if code != tc.code {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, clip(stderr))
	}
	for _, want := range tc.stderr {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, clip(stderr))
		}
	}
	for _, bad := range []string{"panic", "goroutine ", "runtime.", ".go:", "internal error"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr looks like a crash (%q):\n%s", bad, clip(stderr))
		}
	}
	if code != 0 && stderr == "" {
		t.Error("failed without a word on stderr")
	}
	if len(stderr) > 16<<10 {
		t.Errorf("stderr is %d bytes: a message must be readable, not echo the input", len(stderr))
	}
	// Only a hang or a blow-up fails here (speed is measured by the
	// benchmarks): a loaded 2-core CI machine can take seconds for 10 MB.
	if elapsed > 90*time.Second {
		t.Errorf("took %v", elapsed)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<30 {
		t.Errorf("allocated %d MiB", alloc>>20)
	}

	switch tc.out {
	case noOutput:
		if out.Len() > 0 {
			t.Errorf("wrote %d bytes on stdout, want none:\n%s", out.Len(), clip(out.String()))
		}
	case inputBack:
		if out.Len() == 0 {
			return // refusing before reading the items is as good
		}
		gotKinds := kindsOf(t, out.String())
		wantKinds := kindsOf(t, tc.in)
		if strings.Join(gotKinds, ",") != strings.Join(wantKinds, ",") {
			t.Errorf("items out %v, want the input's %v", gotKinds, wantKinds)
		}
		if !strings.Contains(out.String(), "\nresults:") {
			t.Errorf("a ResourceList without results:\n%s", clip(out.String()))
		}
	case generated:
		if n := len(kindsOf(t, out.String())); n != tc.items {
			t.Errorf("%d items out, want %d:\n%s", n, tc.items, clip(out.String()))
		}
	}
}

func kindsOf(t *testing.T, rl string) []string {
	t.Helper()
	n, err := yaml.Parse(rl)
	if err != nil {
		t.Fatalf("not YAML: %v\n%s", err, clip(rl))
	}
	items, err := n.Pipe(yaml.Lookup("items"))
	if err != nil || items == nil {
		return nil
	}
	var kinds []string
	for _, it := range items.Content() {
		kinds = append(kinds, yaml.NewRNode(it).GetKind())
	}
	return kinds
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return s
}

// billionLaughs is a mapping whose last key expands to 9^9 strings.
func billionLaughs(indent string) string {
	var b strings.Builder
	b.WriteString(indent + `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for c := 'b'; c <= 'i'; c++ {
		p := string(c - 1)
		fmt.Fprintf(&b, "%s%c: &%c [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n", indent, c, c, p, p, p, p, p, p, p, p, p)
	}
	return b.String()
}

func hostileCases(t *testing.T) []hostileCase {
	notRL := "is not a KRM ResourceList"
	unreadable := "cannot read the ResourceList"
	badItems := "items must be a list of Kubernetes objects"
	big := strings.Repeat("x", 10<<20)

	cases := []hostileCase{
		// Not a ResourceList at all.
		{name: "empty", in: "", code: 1, stderr: []string{"stdin is empty"}},
		{name: "whitespace", in: " \n\t\n", code: 1, stderr: []string{"stdin is empty"}},
		{name: "only a comment", in: "# nothing here\n", code: 1, stderr: []string{notRL}},
		{name: "only a document marker", in: "---\n", code: 1, stderr: []string{notRL}},
		{name: "not yaml", in: "{{{ not: yaml", code: 1, stderr: []string{unreadable}},
		{name: "binary", in: "\x00\x01\x02\xff\xfe garbage", code: 1, stderr: []string{unreadable}},
		{name: "invalid utf-8", in: rlHead + "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: \"\xff\xfe\"}\n", code: 1, stderr: []string{unreadable}},
		{name: "tab indentation", in: rlHead + "items:\n\t- a\n", code: 1, stderr: []string{unreadable}},
		{name: "scalar", in: "hello\n", code: 1, stderr: []string{notRL}},
		{name: "list", in: "- a\n- b\n", code: 1, stderr: []string{notRL}},
		{name: "a loose object", in: configMap, code: 1, stderr: []string{notRL}},
		{name: "a List", in: "apiVersion: v1\nkind: List\nitems: []\n", code: 1, stderr: []string{notRL}},
		{name: "kind not a string", in: "apiVersion: config.kubernetes.io/v1\nkind: [ResourceList]\nitems: []\n", code: 1, stderr: []string{notRL}},
		{name: "two documents", in: rlHead + "items: []\n---\n" + rlHead + "items: []\n", code: 1, stderr: []string{"more than one YAML document"}},
		{name: "a ResourceList then an object", in: rlHead + "items: []\n---\n" + configMap, code: 1, stderr: []string{"more than one YAML document"}},
		{name: "empty documents before the ResourceList", in: "---\n---\n" + rlHead + "items:\n" + asItem(configMap), code: 0, out: generated, items: 1},
		{name: "a comment-only document before the ResourceList", in: "# rendered by CI\n---\n" + rlHead + "items:\n" + asItem(configMap), code: 0, out: generated, items: 1},
		{name: "an empty document between two ResourceLists", in: "---\n" + rlHead + "items: []\n---\n---\n" + rlHead + "items: []\n", code: 1, stderr: []string{"more than one YAML document"}},
		{name: "a second document that is broken", in: rlHead + "items: []\n---\n{{{", code: 1, stderr: []string{unreadable}},

		// A ResourceList whose shape is wrong.
		{name: "no items and no functionConfig", in: rlHead, code: 1, stderr: []string{"neither items nor a functionConfig"}},
		{name: "items a mapping", in: rlHead + "items: {a: b}\n", code: 1, stderr: []string{badItems}},
		{name: "items a scalar", in: rlHead + "items: 3\n", code: 1, stderr: []string{badItems}},
		{name: "item a scalar", in: rlHead + "items: [3]\n", code: 1, stderr: []string{"items[0] is not a mapping"}},
		{name: "item a list", in: rlHead + "items:\n- " + "[a, b]\n", code: 1, stderr: []string{"items[0] is not a mapping"}},
		{name: "item null", in: rlHead + "items:\n- " + configMap[:0] + "null\n", code: 1, stderr: []string{"items[0] is not a mapping"}},
		{name: "second item a list", in: rlHead + "items:\n" + asItem(configMap) + "- [x]\n", code: 1, stderr: []string{"items[1] is not a mapping"}},
		{name: "item an alias of a scalar", in: rlHead + "x: &x 3\nitems: [*x]\n", code: 1, stderr: []string{"items[0] is not a mapping"}},
		{name: "functionConfig a scalar", in: rlHead + "functionConfig: 3\nitems: []\n", code: 1, stderr: []string{"functionConfig"}, out: inputBack},
		{name: "functionConfig a list", in: rlHead + "functionConfig: [a]\nitems: []\n", code: 1, stderr: []string{"functionConfig"}, out: inputBack},
		{name: "functionConfig of another kind", in: rlHead + asConfig(configMap) + "items: []\n", code: 1, stderr: []string{`ConfigMap shop/settings: data.kind: Invalid value: "": supported values: "NATSHeadlessEndpoint"`}, out: inputBack},
		{name: "functionConfig of our group, unknown kind", in: rlHead + asConfig(strings.Replace(expandConfig, "ExpandEventDrivenServices", "Frobnicate", 1)) + "items: []\n", code: 1, stderr: []string{"Frobnicate"}, out: inputBack},

		// Duplicate keys: YAML forbids them, and the one that wins is a guess.
		{name: "duplicate key in the ResourceList", in: rlHead + "items: []\nitems:\n" + asItem(configMap), code: 1, stderr: []string{`duplicate key "items"`}},
		{name: "duplicate key in an item", in: rlHead + asConfig(natsHeadlessConfig) + "items:\n" + asItem(configMap+"data: {}\n"), code: 1, stderr: []string{`duplicate key "data"`, "items[0]"}},
		{name: "duplicate key in a service", in: generatorInput(strings.Replace(hostileService, "  namespace: shop\n", "  namespace: shop\n  namespace: other\n", 1)), code: 1, stderr: []string{`duplicate key "namespace"`}},
		{name: "duplicate key in the functionConfig", in: rlHead + asConfig(natsHeadlessConfig+"spec: {}\n") + "items: []\n", code: 1, stderr: []string{`duplicate key "spec"`, "functionConfig"}},

		// kpt's and kustomize's file annotations in their two spellings
		// (kio refuses a mismatch without naming the item): every item
		// that disagrees, named.
		{name: "path annotations that disagree", in: rlHead + "items:\n" + asItem(configMap) +
			asItem(withValue(t, configMap, "metadata", "{name: settings, namespace: shop, annotations: {config.kubernetes.io/path: a.yaml, internal.config.kubernetes.io/path: b.yaml}}")) +
			asItem(withValue(t, configMap, "metadata", "{name: settings, namespace: shop, annotations: {config.kubernetes.io/index: '1', internal.config.kubernetes.io/index: '2'}}")),
			code: 1, stderr: []string{
				`error: items[1] (ConfigMap shop/settings): annotation config.kubernetes.io/path is "a.yaml" but internal.config.kubernetes.io/path is "b.yaml"`,
				`error: items[2] (ConfigMap shop/settings): annotation config.kubernetes.io/index is "1" but internal.config.kubernetes.io/index is "2"`,
				"must agree"}},

		// Sizes and shapes that could exhaust time or memory.
		{name: "deeply nested flow sequence", in: rlHead + "items:\n- x: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n", code: 1, stderr: []string{unreadable}},
		{name: "deeply nested flow mapping", in: rlHead + "items:\n- x: " + strings.Repeat("{a: ", 20000) + "b" + strings.Repeat("}", 20000) + "\n", code: 1, stderr: []string{unreadable}},
		{name: "alias bomb in an item", in: rlHead + asConfig(natsHeadlessConfig) + "items:\n" + asItem(configMap+"bomb:\n"+billionLaughs("  ")), code: 1, stderr: []string{"alias"}},
		{name: "alias bomb in the functionConfig", in: rlHead + asConfig(hostileService+"bomb:\n"+billionLaughs("  ")) + "items: []\n", code: 1, stderr: []string{"alias"}},
		{name: "alias bomb at the top", in: rlHead + billionLaughs("") + "items: []\n", code: 1, stderr: []string{"alias"}},
		{name: "alias bomb in a service's customDeployment", in: generatorInput(withValue(t, hostileService, "spec", "{image: 'ghcr.io/a/b:v1', nats: {stream: S, consumer: C}, customDeployment: {metadata: {annotations: {}}}}") + "x:\n" + billionLaughs("  ")), code: 1, stderr: []string{"alias"}},
		{name: "10 MB string as the image", in: generatorInput(withValue(t, hostileService, "spec.image", big)), code: 1, stderr: []string{"spec.image"}, out: inputBack},
		{name: "10 MB string as a label value", in: generatorInput(withValue(t, fullService, "metadata.labels.team", big)), code: 1, stderr: []string{"metadata.labels"}, out: inputBack},
		{name: "10 MB annotation", in: generatorInput(withValue(t, fullService, "metadata.annotations.owner", big)), code: 1, stderr: []string{"metadata.annotations"}, out: inputBack},
		{name: "10 MB key", in: generatorInput(withValue(t, fullService, "metadata.annotations", "{? "+big+" : x}")), code: 1, stderr: []string{"metadata.annotations"}, out: inputBack},
		{name: "10 MB unknown field", in: generatorInput(hostileService + "? " + big + "\n: 1\n"), code: 1, stderr: []string{"unknown field"}, out: inputBack},
		{name: "10 MB string in an item passes through the transformer", in: rlHead + asConfig(natsHeadlessConfig) + "items:\n" + asItem(withValue(t, configMap, "data.region", big)), code: 0, out: generated, items: 1},
		{name: "10 MB comment", in: rlHead + "# " + big + "\nitems: []\n", code: 0, out: generated, items: 0},

		// Aliases that point out of their item are written out, so that
		// every item stands on its own (a dropped or moved item would
		// otherwise leave an alias to nothing: output that does not parse).
		{name: "an alias to an anchor outside the items", in: rlHead + "x: &region eu-west-1\n" + asConfig(natsHeadlessConfig) + "items:\n" + asItem(strings.Replace(configMap, "eu-west-1", "*region", 1)), code: 0, out: generated, items: 1},
		{name: "an alias into a service that bulk mode replaces", in: rlHead + asConfig(expandConfig) + "items:\n" + asItem(strings.Replace(hostileService, "image: ghcr.io/acme/orders:v1", "image: &img ghcr.io/acme/orders:v1", 1)) + asItem(strings.Replace(configMap, "eu-west-1", "*img", 1)), code: 0, out: generated, items: 5},

		// What a generator may legally receive: no items, the service only as
		// functionConfig (the KRM spec allows items to be omitted). It is
		// generated, as it would be from the item.
		{name: "no items, a service as functionConfig", in: rlHead + asConfig(hostileService), code: 0, out: generated, items: 4},
		{name: "items null, a service as functionConfig", in: rlHead + asConfig(hostileService) + "items: null\n", code: 0, out: generated, items: 4},
		{name: "no items, the transformer's config", in: rlHead + asConfig(natsHeadlessConfig), code: 0, out: generated, items: 0},
		{name: "no items, a functionConfig with a duplicate key", in: rlHead + asConfig(hostileService+"kind: EventDrivenService\n"), code: 1, stderr: []string{`duplicate key "kind"`}},
		{name: "no items, an alias bomb in the functionConfig", in: rlHead + asConfig(hostileService+"bomb:\n"+billionLaughs("  ")), code: 1, stderr: []string{"alias bomb"}},

		// strategicpatch panics on a merge key of the wrong type (found by
		// FuzzGenerator): an error like any other bad patch.
		{name: "customDeployment with a container name that is a mapping", in: generatorInput(withValue(t, fullService, "spec.customDeployment",
			"{spec: {template: {spec: {containers: [{name: {a: b}, image: x}]}}}}")), code: 1,
			stderr: []string{"spec.customDeployment", "must be strings"}, out: inputBack},

		// Services that would overwrite each other, or a hand-written object.
		{name: "two services with the same name", in: rlHead + "items:\n" + asItem(hostileService) + asItem(strings.Replace(hostileService, "ORDERS", "OTHER", 1)),
			code: 1, stderr: []string{"Deployment shop/orders", `which EventDrivenService "orders" also generates`}, out: inputBack},
		{name: "a service and a hand-written Deployment", in: rlHead + asConfig(expandConfig) + "items:\n" + asItem(hostileService) +
			asItem("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: orders, namespace: shop}\nspec: {}\n"),
			code: 1, stderr: []string{"Deployment shop/orders", "eds-fn did not generate"}, out: inputBack},
		{name: "a service whose ScaledObject name is taken", in: rlHead + "items:\n" + asItem(hostileService) +
			asItem("apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: orders-scaler, namespace: shop}\nspec: {}\n"),
			code: 1, stderr: []string{"ScaledObject shop/orders-scaler", "eds-fn did not generate"}, out: inputBack},
	}

	// Every field of the API with a value of the wrong type. Each one is
	// reported with its path; nothing is generated.
	wrong := map[string]string{
		"a string":  "'text'",
		"a list":    "[a, b]",
		"a mapping": "{a: b}",
		"a number":  "5",
		"a float":   "1.5",
		"a boolean": "true",
		"null":      "null",
	}
	fields := []struct {
		path string
		ok   []string // the kinds of value that are fine there
	}{
		{"metadata", []string{"null"}},
		{"metadata.name", []string{"a string"}},
		{"metadata.namespace", []string{"a string", "null"}},
		{"metadata.labels", []string{"a mapping", "null"}},
		{"metadata.labels.team", []string{"a string", "null"}}, // null: an empty value, as Kubernetes reads it
		{"metadata.annotations", []string{"a mapping", "null"}},
		{"metadata.annotations.owner", []string{"a string", "null"}},
		{"spec", nil},
		{"spec.image", []string{"a string"}},
		{"spec.imagePullPolicy", []string{"null"}},
		{"spec.size", []string{"null"}},
		{"spec.nats", nil},
		{"spec.nats.url", []string{"null"}},
		{"spec.nats.stream", []string{"a string"}},
		{"spec.nats.consumer", []string{"a string"}},
		{"spec.nats.account", []string{"a string", "null"}},
		{"spec.nats.monitoringEndpoint", []string{"null"}},
		{"spec.secretRefs", []string{"null"}},
		{"spec.secretRefs.0", nil},
		{"spec.secretRefs.0.name", []string{"a string"}},
		{"spec.secretRefs.0.env", nil},
		{"spec.secretRefs.0.env.0", nil},
		{"spec.secretRefs.0.env.0.secretKey", []string{"a string"}},
		{"spec.secretRefs.0.env.0.envName", []string{"a string"}},
		{"spec.secretRefs.1.envFrom", []string{"a boolean"}},
		{"spec.imagePullSecrets", []string{"null"}},
		{"spec.imagePullSecrets.0", nil},
		{"spec.imagePullSecrets.0.name", []string{"a string"}},
		{"spec.initContainer", []string{"null"}},
		{"spec.initContainer.command", []string{"a list"}},
		{"spec.initContainer.args", []string{"a list", "null"}},
		{"spec.scaling", []string{"null"}},
		{"spec.scaling.minReplicas", []string{"a number", "null"}},
		{"spec.scaling.maxReplicas", []string{"a number", "null"}},
		{"spec.scaling.lagThreshold", []string{"a number", "null"}},
		{"spec.customDeployment", []string{"a mapping", "null"}},
	}
	for _, f := range fields {
		for what, v := range wrong {
			if contains(f.ok, what) {
				continue
			}
			// The field is named, or for a null, the object that misses it:
			// null is "not set", as everywhere in Kubernetes.
			named := reportedPath(f.path)
			if what == "null" {
				named = reportedPath(parentPath(f.path))
			}
			cases = append(cases, hostileCase{
				name: fmt.Sprintf("%s is %s", f.path, what), in: generatorInput(withValue(t, fullService, f.path, v)), code: 1,
				stderr: []string{"error: ", named}, out: inputBack,
			})
		}
	}

	// The configs of the transformer and of bulk mode, likewise.
	for _, f := range []struct {
		config, path string
		ok           []string
	}{
		{natsHeadlessConfig, "spec", []string{"a mapping", "null"}},
		{natsHeadlessConfig, "spec.endpoint", []string{"null"}},
		{natsHeadlessConfig, "spec.strict", []string{"a boolean", "null"}},
		{natsHeadlessConfig, "metadata", []string{"a mapping", "null"}},
		{expandConfig + "spec: {}\n", "spec", []string{"a mapping", "null"}},
	} {
		for what, v := range wrong {
			if contains(f.ok, what) {
				continue
			}
			in := rlHead + asConfig(withValue(t, f.config, f.path, v)) + "items:\n" + asItem(configMap)
			cases = append(cases, hostileCase{
				name: fmt.Sprintf("%s %s is %s", yaml.MustParse(f.config).GetKind(), f.path, what), in: in, code: 1,
				stderr: []string{"error: ", f.path}, out: inputBack,
			})
		}
	}
	return cases
}

// reportedPath writes list indices and map keys as field paths do:
// spec.secretRefs[0].name, metadata.labels[team].
func reportedPath(dotted string) string {
	var b strings.Builder
	parts := strings.Split(dotted, ".")
	for i, p := range parts {
		isMapKey := i == 2 && (parts[1] == "labels" || parts[1] == "annotations")
		switch {
		case isMapKey || p != "" && strings.Trim(p, "0123456789") == "":
			b.WriteString("[" + p + "]")
		case i > 0:
			b.WriteString("." + p)
		default:
			b.WriteString(p)
		}
	}
	return b.String()
}

func parentPath(dotted string) string {
	if i := strings.LastIndex(dotted, "."); i > 0 {
		return dotted[:i]
	}
	return dotted
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
