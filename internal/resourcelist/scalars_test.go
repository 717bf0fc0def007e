package resourcelist

import (
	"bytes"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestKeepValues: after KeepValues, yaml.v3 writes and reads every fragile
// scalar back as it was, three times over, whatever style it came with;
// scalars that survive anyway keep their style.
func TestKeepValues(t *testing.T) {
	_, want := testutil.FragileData(t, "")
	for _, v := range want {
		for _, style := range []yaml.Style{0, yaml.FoldedStyle, yaml.LiteralStyle, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle} {
			for _, key := range []bool{false, true} {
				n := &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: v, Style: style}
				checkPasses(t, n, key)
			}
		}
	}
	plain := &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.FoldedStyle, Value: "one\ntwo\n"}
	if KeepValues(plain) != 0 || plain.Style != yaml.FoldedStyle {
		t.Errorf("a folded scalar that survives was restyled to %v", plain.Style)
	}
}

// checkPasses writes n (restyled) in a mapping, reads it back, and again,
// three times, and fails when the value changes.
func checkPasses(t testing.TB, n *yaml.Node, key bool) {
	t.Helper()
	want := n.Value
	cur := n
	for pass := 1; pass <= 3; pass++ {
		pair := []*yaml.Node{{Kind: yaml.ScalarNode, Value: "k"}, cur}
		if key {
			pair = []*yaml.Node{cur, {Kind: yaml.ScalarNode, Value: "v"}}
		}
		m := &yaml.Node{Kind: yaml.MappingNode, Content: pair}
		KeepValues(m)
		var b bytes.Buffer
		if err := encode(&b, pair); err != nil {
			t.Fatalf("%q: %v", want, err)
		}
		var doc yaml.Node
		if err := yaml.NewDecoder(bytes.NewReader(b.Bytes())).Decode(&doc); err != nil {
			t.Fatalf("%q (style %v, key %v) pass %d: not YAML (%v):\n%s", want, n.Style, key, pass, err, b.String())
		}
		cur = doc.Content[0].Content[1]
		if key {
			cur = doc.Content[0].Content[0]
		}
		if cur.Value != want {
			t.Fatalf("%q (style %v, key %v) pass %d: became %q:\n%s", want, n.Style, key, pass, cur.Value, b.String())
		}
	}
}

// FuzzKeepValues: any string, in any style, survives three passes.
func FuzzKeepValues(f *testing.F) {
	_, want := testutil.FragileData(f, "")
	for _, v := range want {
		f.Add(v, uint8(yaml.FoldedStyle), false)
	}
	f.Add("\tx", uint8(yaml.LiteralStyle), true)
	f.Fuzz(func(t *testing.T, v string, style uint8, key bool) {
		if len(v) > 4096 {
			return
		}
		styles := []yaml.Style{0, yaml.FoldedStyle, yaml.LiteralStyle, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle}
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: v, Style: styles[int(style)%len(styles)]}
		var b bytes.Buffer
		if encode(&b, []*yaml.Node{{Kind: yaml.ScalarNode, Value: "k"}, n}) != nil {
			return // not a string yaml.v3 writes at all (invalid UTF-8)
		}
		checkPasses(t, n, key)
	})
}
