package v1alpha1

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
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
	if direct, directOK := appendPlain(nil, n.YNode(), false); directOK != ok {
		t.Fatalf("appendPlain ok=%v, plainValue ok=%v, for:\n%s", directOK, ok, doc)
	} else if ok {
		if want, err := json.Marshal(v); err != nil || !bytes.Equal(direct, want) {
			t.Fatalf("appendPlain:\n%s\njson.Marshal of the Go values:\n%s (%v)\nfor:\n%s", direct, want, err, doc)
		}
	}
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
	"a: 0.000001\nb: 1e-7\nc: 1e21\nd: 123456789012345678901\ne: -0.0\nf: 1.5e+300\n",
	"z: 1\nA: 2\nb: 3\n\"\": 4\n\"a b\": 5\né: 6\n\"<\": 7\nb: 8\n",
	"a: \"\\x01\\x7f\\u2028\\u2029\\ud7ff\\U0001F600\"\nb: \"a\\\\b\\\"c\"\nc: '&amp;'\nd: \"\\e\\0\"\n",
	"a: {}\nb: []\nc: [[], [{}], {d: []}]\ne: {f: {g: {h: null}}}\n",
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

// plainValue is what yaml.v3 decodes n into as an interface{}, or ok=false
// when n holds anything but the plainest YAML: what nodeJSON encoded with
// json.Marshal before it wrote the JSON itself (appendPlain), kept as the
// reference that appendPlain is held to.
func plainValue(n *yaml.Node, inFlow bool) (any, bool) {
	if n.Anchor != "" || n.Style&(yaml.TaggedStyle|yaml.FoldedStyle) != 0 {
		// Folded scalars too: MarshalJSON's round trip through yaml.v3
		// changes some of them (more-indented lines gain a line break).
		return nil, false
	}
	inFlow = inFlow || n.Style&yaml.FlowStyle != 0
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, false
		}
		return plainValue(n.Content[0], inFlow)
	case yaml.MappingNode:
		if (n.Tag != yaml.NodeTagMap && n.Tag != "") || len(n.Content)%2 != 0 {
			return nil, false
		}
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || !isString(k) || k.Anchor != "" || k.Style&yaml.TaggedStyle != 0 {
				return nil, false
			}
			if _, dup := m[k.Value]; dup {
				return nil, false
			}
			v, ok := plainValue(n.Content[i+1], inFlow)
			if !ok {
				return nil, false
			}
			m[k.Value] = v
		}
		return m, true
	case yaml.SequenceNode:
		if n.Tag != yaml.NodeTagSeq && n.Tag != "" {
			return nil, false
		}
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, ok := plainValue(c, inFlow)
			if !ok {
				return nil, false
			}
			s = append(s, v)
		}
		return s, true
	case yaml.ScalarNode:
		if isString(n) {
			return n.Value, true
		}
		switch n.Tag {
		case yaml.NodeTagNull:
			if inFlow && n.Value == "" {
				// MarshalJSON writes this one as '' (yaml.v3 allows no
				// empty plain scalar in a flow collection): an empty string.
				return nil, false
			}
			return nil, true
		case yaml.NodeTagBool:
			switch n.Value {
			case "true":
				return true, true
			case "false":
				return false, true
			}
		case yaml.NodeTagInt:
			if decimalInt.MatchString(n.Value) {
				if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
					return int(i), true
				}
			}
		case yaml.NodeTagFloat:
			if decimalFloat.MatchString(n.Value) {
				if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
					return f, true
				}
			}
		}
	}
	return nil, false
}
