package v1alpha1

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// directSeeds are services in the YAML the direct decoding must leave to
// JSON (or get right): flow nulls, folded text, anchors, merge keys, other
// spellings of booleans and integers, big maps, the types that decode
// themselves, empty lists and maps.
var directSeeds = []string{
	edsHead + "  nats: {stream: S, consumer: c, account: }\n",
	edsHead + "  nats: {stream: S, consumer: c}\n  http: {port: }\n",
	edsHead + "  nats: {stream: S, consumer: >\n      folded\n      text\n    }\n",
	edsHead + "  nats: &n {stream: S, consumer: c}\n  http: {<<: {port: 1}}\n",
	edsHead + "  nats: {stream: S, consumer: c, useHttps: True}\n  scaling: {minReplicas: 0x10, maxReplicas: +3, lagThreshold: 1_000}\n",
	edsHead + "  nats: {stream: S, consumer: c}\n  command: []\n  args: [a, '', \"\\u2028<&>\"]\n  env: []\n  podAnnotations: {}\n  secretRefs: [{name: a, env: []}]\n",
	edsHead + "  nats: {stream: S, consumer: c}\n  resources: {requests: {cpu: 0.5, memory: 128Mi, ephemeral-storage: null}, limits: {cpu: 2}}\n  disruptionBudget: {minAvailable: 1, maxUnavailable: \"25%\"}\n",
	edsHead + "  nats: {stream: S, consumer: c}\n  customDeployment: {spec: {template: {spec: {containers: [{name: w, image: x}]}}}}\n  customService: null\n  customScaledObject: {spec: {triggers: [{type: cron, metadata: {a: 1.5}}]}}\n",
	edsHead + "  nats: {stream: S, consumer: c}\n  customDeployment: {a: &x 1, b: *x}\n",
	edsHead + "  nats: {stream: S, consumer: c, x: {a: 1, a: 2}}\n",
	edsHead + "  nats: {stream: S, consumer: c}\n  scaling: {behavior: {scaleUp: {policies: [{type: Pods, value: 4, periodSeconds: 60}], selectPolicy: Max, stabilizationWindowSeconds: 0}}}\n",
	"apiVersion: v\nkind: K\nmetadata: {name: w, creationTimestamp: null, labels: {a: b}, annotations: {\"x/y\": |\n    literal\n    text\n  }, ownerReferences: [{apiVersion: v, kind: K, name: o, uid: u, controller: false}]}\nspec: {image: i, nats: {stream: S, consumer: c}}\n",
	"metadata: {name: w, creationTimestamp: \"2024-01-02T03:04:05Z\"}\nspec: null\n",
	"metadata: {annotations: {" + strings.Repeat("k: v, ", 0) + bigMap(70) + "}}\nspec: {image: i}\n",
}

func bigMap(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("k" + strconv.Itoa(i) + ": v, ")
	}
	return b.String()
}

// directInputs are the seeds and every service of the golden cases, the
// examples and the fuzz corpora.
func directInputs(t *testing.T) []*yaml.RNode {
	docs := append([]string(nil), directSeeds...)
	for _, g := range []string{"../../generator/testdata/*/config.yaml", "../../examples/*/*.yaml", "../../examples/*/*/*.yaml"} {
		files, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, strings.Split(string(b), "\n---\n")...)
		}
	}
	corpus, _ := filepath.Glob("../../generator/testdata/fuzz/FuzzGenerator/*")
	for _, f := range corpus {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, v, _ := strings.Cut(string(b), "\n")
		if s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(v), "[]byte("), ")")); err == nil {
			docs = append(docs, s)
		}
	}
	var nodes []*yaml.RNode
	for _, d := range docs {
		n, err := yaml.Parse(d)
		if err != nil || n.YNode().Kind != yaml.MappingNode {
			continue
		}
		nodes = append(nodes, n)
		if items := n.Field("items"); items != nil && items.Value.YNode().Kind == yaml.SequenceNode {
			for _, it := range items.Value.YNode().Content {
				if it.Kind == yaml.MappingNode {
					nodes = append(nodes, yaml.NewRNode(it))
				}
			}
		}
	}
	if len(nodes) < 150 {
		t.Fatalf("only %d inputs", len(nodes))
	}
	return nodes
}

// TestDecodeDirectMatchesJSON: decoding straight from the YAML gives what
// the decoding through JSON gives, errors and values, for every service
// the tests know.
func TestDecodeDirectMatchesJSON(t *testing.T) {
	direct := 0
	for _, n := range directInputs(t) {
		if compareDirect(t, n) {
			direct++
		}
	}
	if direct < 100 {
		t.Errorf("only %d inputs decoded directly: the direct decoding must be the common path", direct)
	}
}

// FuzzDecodeDirectMatchesJSON is TestDecodeDirectMatchesJSON on any YAML.
func FuzzDecodeDirectMatchesJSON(f *testing.F) {
	for _, s := range append(directSeeds, nodeJSONSeeds...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		n, err := yaml.Parse(doc)
		if err != nil || len(doc) > 1<<16 || n.YNode().Kind != yaml.MappingNode {
			return
		}
		compareDirect(t, n)
	})
}

// compareDirect decodes n both ways and reports whether it went directly.
func compareDirect(t *testing.T, n *yaml.RNode) bool {
	t.Helper()
	viaJSON, viaDirect := &EventDrivenService{}, &EventDrivenService{}
	decodeDirect = false
	jErrs, jOK := decodeStrict(n, viaJSON)
	decodeDirect = true
	dErrs, dOK := decodeStrict(n, viaDirect)
	if diff := cmp.Diff(jErrs.ToAggregate(), dErrs.ToAggregate()); diff != "" || jOK != dOK {
		t.Errorf("%s: ok %v, %v; errors (-JSON +direct):\n%s", n.MustString(), jOK, dOK, diff)
		return false
	}
	if diff := cmp.Diff(viaJSON, viaDirect); diff != "" {
		t.Errorf("%s: (-JSON +direct):\n%s", n.MustString(), diff)
	}
	return len(jErrs) == 0 && setPlain(n.YNode(), reflectValue(&EventDrivenService{}), false)
}

func reflectValue(v any) reflect.Value { return reflect.ValueOf(v).Elem() }
