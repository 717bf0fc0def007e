package generator

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// referenceNode is how the libraries render an object (render_library.go):
// YAML text from sigs.k8s.io/yaml (go-yaml v2), parsed again by kyaml. That fails for
// a few control characters that go-yaml v2 writes unescaped.
func referenceNode(t testing.TB, obj any) (*yaml.RNode, error) {
	t.Helper()
	b, err := sigsyaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	return yaml.Parse(string(b))
}

// sameNode compares two node trees on everything the encoder and kyaml
// read (not the source positions).
func sameNode(a, b *yaml.Node, path string) error {
	if a.Kind != b.Kind || a.Tag != b.Tag || a.Value != b.Value || a.Style != b.Style ||
		a.Anchor != b.Anchor || len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s: got {kind %v tag %q value %q style %v, %d children}, reference {kind %v tag %q value %q style %v, %d children}",
			path, a.Kind, a.Tag, a.Value, a.Style, len(a.Content), b.Kind, b.Tag, b.Value, b.Style, len(b.Content))
	}
	for i := range a.Content {
		if err := sameNode(a.Content[i], b.Content[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

func checkSameAsReference(t testing.TB, obj any) {
	t.Helper()
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	got, err := jsonNode(obj)
	if err != nil {
		t.Fatalf("jsonNode(%s): %v", data, err)
	}
	// Whatever the reference does, the output must read back as the object.
	text := got.MustString()
	again, err := yaml.Parse(text)
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, text)
	}
	if again.MustString() != text {
		t.Errorf("output is not stable:\n%s\nthen:\n%s", text, again.MustString())
	}
	if !sameJSON(t, again, data) {
		t.Fatalf("output does not read back as the object %s:\n%s", data, text)
	}
	want, err := referenceNode(t, obj)
	if err != nil || !sameJSON(t, want, data) || oddTag(want.Document()) {
		// The old rendering failed ("cannot render"), changed the value
		// (go-yaml v2 writes a few control characters unescaped) or wrote
		// "<<" as a merge key.
		return
	}
	if err := sameNode(got.Document(), want.Document(), "$"); err != nil {
		t.Errorf("%v\nJSON: %s", err, data)
	}
	if w := want.MustString(); text != w {
		t.Errorf("encoded differently:\n%s\nreference:\n%s", text, w)
	}
}

func oddTag(n *yaml.Node) bool {
	switch n.Tag {
	case "", yaml.NodeTagString, yaml.NodeTagInt, yaml.NodeTagFloat, yaml.NodeTagBool, yaml.NodeTagNull, yaml.NodeTagMap, yaml.NodeTagSeq:
	default:
		return true
	}
	for _, c := range n.Content {
		if oddTag(c) {
			return true
		}
	}
	return false
}

// sameJSON reports whether n holds the same data as the JSON document.
func sameJSON(t testing.TB, n *yaml.RNode, data []byte) bool {
	t.Helper()
	j, err := n.MarshalJSON()
	if err != nil {
		return false
	}
	var a, b any
	if json.Unmarshal(j, &a) != nil || json.Unmarshal(data, &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}

// TestJSONToNodeMatchesYAMLRoundTrip renders every object of every golden
// case, and of a service like the benchmarks', both ways.
func TestJSONToNodeMatchesYAMLRoundTrip(t *testing.T) {
	configs, _ := filepath.Glob("testdata/*/config.yaml")
	configs = append(configs, "") // the benchmarks' service
	n := 0
	for _, c := range configs {
		var node *yaml.RNode
		if c == "" {
			node = yaml.MustParse(benchLikeService)
		} else {
			var err error
			if node, err = yaml.ReadFile(c); err != nil {
				t.Fatal(err)
			}
		}
		eds, errs := v1alpha1.LoadEventDrivenService(node)
		if eds == nil || len(errs) > 0 {
			if c == "" {
				t.Fatalf("the benchmarks' service is invalid: %v", errs)
			}
			continue // an error case
		}
		objs := objectsOf(eds)
		if dep, errs := patchedDeployment(eds); len(errs) == 0 {
			objs = append(objs, dep) // a map[string]any when patched
		}
		for _, obj := range objs {
			checkSameAsReference(t, obj)
			n++
		}
	}
	if n < 4*5 {
		t.Fatalf("only %d objects: the golden cases have gone", n)
	}
}

// benchLikeService is a service like bench.Service's (which this package's
// tests cannot import: bench imports the generator).
const benchLikeService = `apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata: {name: worker-00003, namespace: bench, labels: {team: team-3}}
spec:
  image: ghcr.io/acme/worker-00003:v1.3.0
  size: small
  nats: {stream: STREAM_3, consumer: worker-00003}
  secretRefs:
    - {name: worker-00003-db, env: [{secretKey: endpoint, envName: POSTGRES_HOST}]}
    - {name: worker-00003-keys, envFrom: true}
  imagePullSecrets: [{name: ghcr-pull-secret}]
  initContainer: {command: ["/bin/sh", "-c"], args: ["./migrate up"]}
  scaling: {minReplicas: 1, maxReplicas: 20, lagThreshold: 50}
`

func objectsOf(eds *v1alpha1.EventDrivenService) []any {
	return []any{serviceAccount(eds), service(eds), deployment(eds), scaler(eds)}
}

// FuzzRenderService: for a service with any strings in it, the generated
// objects render as the libraries render them.
func FuzzRenderService(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s, s, s, int32(1))
	}
	f.Fuzz(func(t *testing.T, key, value, word string, n int32) {
		eds := &v1alpha1.EventDrivenService{}
		eds.Name, eds.Namespace = word, value
		eds.Labels = map[string]string{key: value, "team": word}
		eds.Annotations = map[string]string{key: word, value: key}
		eds.Spec.Image = value
		eds.Spec.ImagePullPolicy = corev1.PullPolicy(word)
		eds.Spec.NATS = v1alpha1.NATS{URL: value, Stream: word, Consumer: key, Account: value, MonitoringEndpoint: word}
		eds.Spec.SecretRefs = []v1alpha1.SecretRef{{Name: key, Env: []v1alpha1.SecretEnv{{SecretKey: value, EnvName: word}}, EnvFrom: n%2 == 0}}
		eds.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: word}}
		eds.Spec.InitContainer = &v1alpha1.InitContainer{Command: []string{key, value}, Args: []string{word}}
		eds.Default()
		eds.Spec.Scaling.MinReplicas = &n
		for _, obj := range objectsOf(eds) {
			checkSameAsReference(t, obj)
		}
	})
}

// strings that YAML reads as something else, or that need quoting, in one
// version or the other.
var trickyStrings = []string{
	"", " ", "a b", " lead", "trail ", "yes", "No", "on", "OFF", "y", "n", "~", "null", "Null", "true", "FALSE",
	"0", "012", "0x1F", "0o17", "1e3", "1_000", "1:20", "1:20:30", "-1", "+1", ".5", ".inf", "-.inf", ".nan", "NaN",
	"2001-12-14", "2001-12-14t21:59:43.10-05:00", "<<", "=", "-", "--", "---", "...", "- a", "? a", ": a", "a:", "a: b",
	"a #b", "#a", "a#b", "&a", "*a", "!a", "!!str", "%a", "@a", "`a", "|", ">", "'a'", "\"a\"", "[a]", "{a}", "a,b",
	"a\nb", "a\n", "\na", "a\n\n", "a  \nb", "\t", "a\tb", "é", "日本", "\u2028", "a\u0085b", "\x7f", "\ufeffa",
	"$G", "$SYS", "500m", "1Gi", "/health", "cd /app && ./migrate up", "nats://a:4222,nats://b:4222", "v1.0", "1.0",
	"app.kubernetes.io/name", "a/b", "a:b", "a=b", "a+b", "a@b", strings.Repeat("long words ", 20), strings.Repeat("x", 200),
}

func trickyObject(k, v string, f float64, i int64) any {
	return map[string]any{
		"metadata": map[string]any{"name": v, "labels": map[string]string{k: v, "k" + k: "v" + v}},
		"spec": map[string]any{
			"list": []any{v, k, f, i, nil, true, []any{}, map[string]any{}},
			k:      v,
			"num":  f,
			"int":  i,
		},
	}
}

func TestJSONToNodeTrickyStrings(t *testing.T) {
	for _, s := range trickyStrings {
		checkSameAsReference(t, trickyObject(s, s, 1.5, 7))
		checkSameAsReference(t, trickyObject("key", s, 0, -3))
	}
	for _, f := range []float64{0, 1, -1, 1.5, 1e21, 1e-7, 123456789012345678, math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1, 100000} {
		checkSameAsReference(t, trickyObject("a", "b", f, math.MaxInt64))
	}
	checkSameAsReference(t, map[string]any{"a10": 1, "a9": 2, "a09": 3, "b": 4, "B": 5, "_": 6, "1": 7, "01": 8, "é": 9, "a": 10, "": 11})
	checkSameAsReference(t, json.RawMessage(`{"big": 18446744073709551615, "bigger": 18446744073709551616, "neg": -0, "f": 1.0, "e": 1E300, "g": 2.50}`))
}

// TestJSONToNodeNumbersBeyondFloat64: go-yaml v2 reads them as strings,
// and so does the render (checkSameAsReference cannot say: the output
// does not read back as the numbers).
func TestJSONToNodeNumbersBeyondFloat64(t *testing.T) {
	obj := json.RawMessage(`{"huge": 1e400, "negative": -1E+999, "tiny": 1e-400}`)
	want, err := referenceNode(t, obj)
	if err != nil {
		t.Fatal(err)
	}
	got, err := jsonNode(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameNode(got.Document(), want.Document(), "$"); err != nil {
		t.Error(err)
	}
}

// FuzzJSONToNode: for any strings and numbers, the fast rendering equals
// the YAML round trip it replaces.
func FuzzJSONToNode(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s, s, 1.5, int64(3))
	}
	f.Fuzz(func(t *testing.T, k, v string, num float64, i int64) {
		if math.IsInf(num, 0) || math.IsNaN(num) {
			return // not JSON
		}
		checkSameAsReference(t, trickyObject(k, v, num, i))
	})
}

// TestV2KeyLessASCII: on ASCII keys, bytes with the ASCII classes order as
// runes with unicode's classes do.
func TestV2KeyLessASCII(t *testing.T) {
	keys := []string{"", "a", "b", "A", "Z", "a1", "a2", "a10", "a01", "a001", "a0", "a00", "0", "00", "1", "10", "9", "_", "-", ".", "/",
		"a_b", "a-b", "a.b", "ab", "a1b", "a10b", "a9b", "x01y", "x1y", "x0y", "0a", "1a", "app.kubernetes.io/name", "app.kubernetes.io/managed-by"}
	for _, a := range keys {
		for _, b := range keys {
			got := keyLess([]byte(a), []byte(b), asciiLetter, asciiDigit)
			if want := keyLess([]rune(a), []rune(b), unicode.IsLetter, unicode.IsDigit); got != want {
				t.Errorf("keyLess on bytes (%q, %q) = %v, on runes %v", a, b, got, want)
			}
		}
	}
}
