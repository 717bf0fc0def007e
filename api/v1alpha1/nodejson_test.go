package v1alpha1

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// checkNodeJSON: when nodeJSON takes its fast path, it writes exactly what
// MarshalJSON writes.
func checkNodeJSON(t *testing.T, doc []byte) {
	t.Helper()
	n, err := yaml.Parse(string(doc))
	if err != nil || n.YNode().Kind != yaml.MappingNode {
		return
	}
	v, ok := plainValue(n.YNode(), false)
	if !ok {
		return // MarshalJSON itself
	}
	if _, isMap := v.(map[string]any); !isMap {
		return
	}
	want, wantErr := n.MarshalJSON()
	got, gotErr := nodeJSON(n)
	if (wantErr != nil) != (gotErr != nil) {
		t.Fatalf("error %v, MarshalJSON's %v, for:\n%s", gotErr, wantErr, doc)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("nodeJSON:\n%s\nMarshalJSON:\n%s\nfor:\n%s", got, want, doc)
	}
}

var nodeJSONSeeds = []string{
	"a: b\n",
	"a: 1\nb: -0\nc: 1.0\nd: 1e3\ne: 0x1F\nf: 0o17\ng: 017\nh: 1_000\ni: +1\nj: .5\nk: -.inf\nl: .nan\n",
	"a: true\nb: True\nc: yes\nd: on\ne: null\nf: ~\ng:\nh: Null\n",
	"a: '1'\nb: \"true\"\nc: !!str 5\nd: !!int '5'\ne: !!float 1\nf: 2001-12-14\ng: !!binary aGVsbG8=\n",
	"a: &x {b: c}\nd: *x\ne: {<<: *x, f: g}\n",
	"? [a]\n: b\n1: x\ntrue: y\n",
	"a: [1, 2.5, x, null, [], {}]\nb: {c: {d: [e]}}\n",
	"a: \"<&>\\u00e9\\t\\n\"\nb: |\n  literal\n  text\nc: >\n  folded\n  text\n",
	"a: 9223372036854775807\nb: 9223372036854775808\nc: 18446744073709551616\nd: 1e400\ne: -1e-400\n",
}

func TestNodeJSONMatchesMarshalJSON(t *testing.T) {
	for _, s := range nodeJSONSeeds {
		checkNodeJSON(t, []byte(s))
	}
	// Untagged nodes, as kyaml's setters make them.
	for _, v := range []string{"word", "true", "yes", "1", "1.5", "", "a b", "null", "x: y", "-a", "ok/path.x_y-z",
		"a:b", "a:", "a@b", "a=b", "a+b", "nats:4222", "On", "y"} {
		n := yaml.MustParse("a: b\n")
		n.YNode().Content = append(n.YNode().Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "k"}, &yaml.Node{Kind: yaml.ScalarNode, Value: v},
			&yaml.Node{Kind: yaml.ScalarNode, Value: v + "key"}, &yaml.Node{Kind: yaml.MappingNode})
		want, wantErr := n.MarshalJSON()
		got, gotErr := nodeJSON(n)
		if (wantErr != nil) != (gotErr != nil) || !bytes.Equal(got, want) {
			t.Errorf("untagged %q: %s (%v), MarshalJSON %s (%v)", v, got, gotErr, want, wantErr)
		}
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "generator", "testdata", "*", "config.yaml"))
	more, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*", "*.yaml"))
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkNodeJSON(t, data)
	}
}

// FuzzNodeJSON: for any YAML mapping, the fast path agrees with MarshalJSON.
func FuzzNodeJSON(f *testing.F) {
	for _, s := range nodeJSONSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > 4096 {
			return
		}
		checkNodeJSON(t, doc)
	})
}
