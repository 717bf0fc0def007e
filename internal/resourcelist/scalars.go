package resourcelist

import (
	"bytes"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// yaml.v3 does not write every scalar back as it read it. A folded scalar
// (">") with a more-indented line, or with trailing blank lines, gains a
// line break each time it is written and read again; a block scalar whose
// first character is a tab is written as YAML that does not parse. An item
// eds-fn does not touch would change on every kpt render. Such scalars are
// given a style that keeps their value before yaml.v3 writes them: literal
// ("|") when that is enough, else double-quoted, which always is.
// TestValuesSurvive checks both over many passes.

// KeepValues restyles every scalar under n that yaml.v3 would not write
// back as it is; it returns how many it changed.
func KeepValues(n *yaml.Node) int {
	changed := 0
	var walk func(n *yaml.Node, key bool)
	walk = func(n *yaml.Node, key bool) {
		switch n.Kind {
		case yaml.AliasNode:
			return // the anchored node is walked where it stands
		case yaml.ScalarNode:
			if atRisk(n) && restyle(n, key) {
				changed++
			}
			return
		}
		for i, c := range n.Content {
			walk(c, n.Kind == yaml.MappingNode && i%2 == 0)
		}
	}
	walk(n, false)
	return changed
}

// atRisk is a cheap test for the scalars yaml.v3 may not write back:
// folded ones with a line break, and block or plain ones that start with a
// tab. Quoted scalars always survive.
func atRisk(n *yaml.Node) bool {
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 || n.Value == "" {
		return false
	}
	return n.Value[0] == '\t' || n.Style&yaml.FoldedStyle != 0 && strings.IndexByte(n.Value, '\n') >= 0
}

// restyle gives n a style that writes its value back; it reports whether
// the style changed.
func restyle(n *yaml.Node, key bool) bool {
	if survives(n, key) {
		return false
	}
	if n.Style&yaml.FoldedStyle != 0 {
		lit := *n
		lit.Style = n.Style&^yaml.FoldedStyle | yaml.LiteralStyle
		if survives(&lit, key) {
			n.Style = lit.Style
			return true
		}
	}
	n.Style = n.Style&^(yaml.FoldedStyle|yaml.LiteralStyle|yaml.FlowStyle) | yaml.DoubleQuotedStyle
	return true
}

// survives reports whether yaml.v3 writes n (as a mapping key when key)
// as text it reads back as the same value.
func survives(n *yaml.Node, key bool) bool {
	c := *n
	c.Content, c.Anchor, c.HeadComment, c.LineComment, c.FootComment = nil, "", "", "", ""
	pair := []*yaml.Node{{Kind: yaml.ScalarNode, Value: "k"}, &c}
	if key {
		pair = []*yaml.Node{&c, {Kind: yaml.ScalarNode, Value: "v"}}
	}
	var b bytes.Buffer
	if err := encode(&b, pair); err != nil {
		return false
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(&b).Decode(&doc); err != nil || len(doc.Content) != 1 || len(doc.Content[0].Content) != 2 {
		return false
	}
	back := doc.Content[0].Content[0]
	if !key {
		back = doc.Content[0].Content[1]
	}
	return back.Kind == yaml.ScalarNode && back.Value == n.Value && back.ShortTag() == n.ShortTag()
}
