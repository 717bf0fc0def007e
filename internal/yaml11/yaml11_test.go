package yaml11

import (
	"strings"
	"testing"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestWord(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"worker", true},
		{"app.kubernetes.io/name", true},
		{"STREAM_3", true},
		{"a-b", true},
		{"a@b", true},
		{"a=b", true},
		{"a+b", true},
		{"a:b", true},
		{"nats:4222", true},
		{"v1.0", true},
		{"x", true},
		{"yess", true},
		{"Nope", true},
		{"", false},
		{"a:", false},     // a mapping key
		{"a: b", false},   // a pair
		{"a b", false},    // spaces are left to the libraries
		{"a#b", false},    // a comment in some positions
		{"1a", false},     // starts with a digit: maybe a number
		{"-a", false},     // a sequence entry or a negative number
		{"_a", false},     // starts with something else than a letter
		{".inf", false},   // a float
		{"~", false},      // null
		{"é", false},      // not ASCII
		{"a\tb", false},   // a tab
		{"a,b", false},    // a separator in flow collections
		{"a[0]", false},   // flow indicators
		{"a'b", false},    // quotes
		{"a\"b", false},   // quotes
		{"a!b", false},    // a tag indicator
		{"a&b", false},    // an anchor indicator
		{"a*b", false},    // an alias indicator
		{"a%b", false},    // a directive indicator
		{"a|b", false},    // a block indicator
		{"a\nb", false},   // a line break
		{"a\x7fb", false}, // DEL
	} {
		if got := Word(tc.s); got != tc.want {
			t.Errorf("Word(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
	for _, w := range []string{"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
		"false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL"} {
		if Word(w) || !BoolOrNull(w) {
			t.Errorf("%q: Word %v, BoolOrNull %v; YAML 1.1 reads it as a boolean or null", w, Word(w), BoolOrNull(w))
		}
	}
}

// TestWordAgainstTheLibraries: every word Word accepts (among all short
// strings of its characters and a few others, and a long one) is written
// unquoted by go-yaml v2 and yaml.v3, as a key and as a value (in flow
// collections too when it has no colon), and read back as the same string by
// both; every word BoolOrNull names is read by
// go-yaml v2 as something else than a string.
func TestWordAgainstTheLibraries(t *testing.T) {
	const alphabet = "aZ09-_./@=+: #'"
	words := []string{strings.Repeat("k", MaxKeyLength), "yes", "No", "on", "OFF", "y", "n", "Null", "true", "False"}
	var grow func(prefix string, n int)
	grow = func(prefix string, n int) {
		words = append(words, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			grow(prefix+string(c), n-1)
		}
	}
	grow("", 4)
	checked := 0
	for _, s := range words {
		if BoolOrNull(s) {
			var v map[string]any
			if err := yamlv2.Unmarshal([]byte("k: "+s), &v); err != nil {
				t.Fatal(err)
			}
			if _, isString := v["k"].(string); isString {
				t.Errorf("BoolOrNull(%q), but go-yaml v2 reads it as a string", s)
			}
		}
		if !Word(s) {
			continue
		}
		checked++
		want := s + ": " + s + "\n"
		b, err := yamlv2.Marshal(map[string]string{s: s})
		if err != nil || string(b) != want {
			t.Errorf("go-yaml v2 writes %q as %q (%v), want %q", s, b, err, want)
		}
		word := func() *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: s} }
		v3, err := yaml.NewRNode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{word(), word()}}).String()
		if err != nil || v3 != want {
			t.Errorf("yaml.v3 writes %q as %q (%v), want %q", s, v3, err, want)
		}
		if !strings.Contains(s, ":") {
			// In flow collections too (where a colon is an indicator).
			flow := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
				{Kind: yaml.ScalarNode, Value: "k"},
				{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{word(),
					{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Content: []*yaml.Node{word(), word()}}}},
			}}
			got, err := yaml.NewRNode(flow).String()
			if want := "k: [" + s + ", {" + s + ": " + s + "}]\n"; err != nil || got != want {
				t.Errorf("yaml.v3 writes %q in flow collections as %q (%v), want %q", s, got, err, want)
			}
		}
		var v2 map[string]any
		if err := yamlv2.Unmarshal([]byte(want), &v2); err != nil || v2[s] != s {
			t.Errorf("go-yaml v2 reads %q as %#v (%v)", want, v2, err)
		}
		n, err := yaml.Parse(want)
		if err != nil || len(n.YNode().Content) != 2 || n.YNode().Content[0].Value != s ||
			n.YNode().Content[1].Tag != yaml.NodeTagString || n.YNode().Content[1].Value != s {
			t.Errorf("yaml.v3 reads %q as %v (%v)", want, n, err)
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d words checked", checked)
	}
}
