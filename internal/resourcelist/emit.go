package resourcelist

import (
	"bytes"
	"strings"
	"sync"

	"github.com/bizmatters/eds-fn/internal/yaml11"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// A fast writer for the items the generator makes, which are plain block
// YAML: mappings and sequences in block style, single-line scalars, no
// comments, anchors or tags of their own. For such a node the structure is
// simple (two spaces per level, a sequence under a key at the key's column,
// kyaml's compact style), and the text of each scalar is taken from yaml.v3
// itself, once per distinct scalar, so every byte is what yaml.v3's encoder
// would write. Anything else is left to yaml.v3 (emitItem returns false).
// yaml.v3's emitter allocates about 300 bytes per event and keeps them all;
// this writes a 4,000-line list in a fraction of the time and memory.
// TestEquivalentToKyamlExecute and FuzzEquivalentToKyamlExecute (internal/cli) compare the
// two on every kind of input.

// emitItem appends n, a mapping, as an element of a block sequence at
// column 0 ("- key: value"). On false, buf is as it was.
func emitItem(buf *bytes.Buffer, n *yaml.Node) bool {
	mark := buf.Len()
	buf.WriteString("- ")
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 || !emitMapping(buf, n, 2, true) {
		buf.Truncate(mark)
		return false
	}
	return true
}

// plainBlock reports whether n is a collection this writer handles: block
// style, no comments, anchor or tag of its own.
func plainBlock(n *yaml.Node, tag string) bool {
	return n.Style == 0 && n.Anchor == "" && (n.Tag == "" || n.Tag == tag) &&
		n.HeadComment == "" && n.LineComment == "" && n.FootComment == ""
}

// emitMapping writes the pairs of a non-empty block mapping at indent; the
// first key goes on the current line when inline.
func emitMapping(buf *bytes.Buffer, n *yaml.Node, indent int, inline bool) bool {
	if !plainBlock(n, yaml.NodeTagMap) || len(n.Content)%2 != 0 {
		return false
	}
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if i > 0 || !inline {
			writeIndent(buf, indent)
		}
		key, ok := scalarText(k, true)
		if !ok {
			return false
		}
		buf.WriteString(key)
		buf.WriteByte(':')
		if !emitValue(buf, v, indent, false) {
			return false
		}
	}
	return true
}

// emitValue writes what follows "key:" (or "- " in a sequence, seqItem).
func emitValue(buf *bytes.Buffer, v *yaml.Node, indent int, seqItem bool) bool {
	switch {
	case v.Kind == yaml.ScalarNode || (v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode) && len(v.Content) == 0:
		text, ok := scalarText(v, false)
		if !ok {
			return false
		}
		if !seqItem {
			buf.WriteByte(' ')
		}
		buf.WriteString(text)
		buf.WriteByte('\n')
		return true
	case (v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode) && v.Style == yaml.FlowStyle:
		// Written on one line, as yaml.v3 writes flow collections.
		var flow bytes.Buffer
		if !emitFlow(&flow, v) {
			return false
		}
		if !seqItem {
			buf.WriteByte(' ')
		}
		buf.Write(flow.Bytes())
		buf.WriteByte('\n')
		return true
	case v.Kind == yaml.MappingNode:
		if seqItem {
			return emitMapping(buf, v, indent+2, true)
		}
		buf.WriteByte('\n')
		return emitMapping(buf, v, indent+2, false)
	case v.Kind == yaml.SequenceNode && !seqItem:
		// kyaml's compact style: the items of a sequence under a key start
		// at the key's column.
		buf.WriteByte('\n')
		return emitSequence(buf, v, indent)
	}
	return false
}

// emitFlow writes a non-empty collection in flow style: "{a: b, c: d}",
// "[a, b]"; collections inside it are flow too, whatever their style.
func emitFlow(buf *bytes.Buffer, n *yaml.Node) bool {
	if n.Anchor != "" || n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" || n.Style&^yaml.FlowStyle != 0 {
		return false
	}
	switch n.Kind {
	case yaml.MappingNode:
		if (n.Tag != "" && n.Tag != yaml.NodeTagMap) || len(n.Content)%2 != 0 {
			return false
		}
		buf.WriteByte('{')
		for i := 0; i < len(n.Content); i += 2 {
			if i > 0 {
				buf.WriteString(", ")
			}
			k, ok := flowScalarText(n.Content[i], true)
			if !ok {
				return false
			}
			buf.WriteString(k)
			buf.WriteString(": ")
			if !emitFlowValue(buf, n.Content[i+1]) {
				return false
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		if n.Tag != "" && n.Tag != yaml.NodeTagSeq {
			return false
		}
		buf.WriteByte('[')
		for i, el := range n.Content {
			if i > 0 {
				buf.WriteString(", ")
			}
			if !emitFlowValue(buf, el) {
				return false
			}
		}
		buf.WriteByte(']')
	default:
		return false
	}
	return true
}

func emitFlowValue(buf *bytes.Buffer, v *yaml.Node) bool {
	if (v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode) && len(v.Content) > 0 {
		return emitFlow(buf, v)
	}
	t, ok := flowScalarText(v, false)
	buf.WriteString(t)
	return ok
}

// flowScalarText is scalarText inside a flow collection, where ",[]{}:"
// matter too.
func flowScalarText(n *yaml.Node, key bool) (string, bool) {
	if n.Kind == yaml.ScalarNode && n.Style == 0 && simpleScalar(n.Tag, n.Value) && !strings.Contains(n.Value, ":") &&
		n.Anchor == "" && n.HeadComment == "" && n.LineComment == "" && n.FootComment == "" {
		return n.Value, true
	}
	return cachedText(n, key, true)
}

func emitSequence(buf *bytes.Buffer, n *yaml.Node, indent int) bool {
	if !plainBlock(n, yaml.NodeTagSeq) {
		return false
	}
	for _, el := range n.Content {
		writeIndent(buf, indent)
		buf.WriteString("- ")
		if !emitValue(buf, el, indent, true) {
			return false
		}
	}
	return true
}

func writeIndent(buf *bytes.Buffer, n int) {
	const spaces = "                                                                "
	for n > len(spaces) {
		buf.WriteString(spaces)
		n -= len(spaces)
	}
	buf.WriteString(spaces[:n])
}

// scalarText is the text yaml.v3 writes for a scalar (or an empty
// collection) as a mapping key or a block value; ok is false when that is
// not a single line.
func scalarText(n *yaml.Node, key bool) (string, bool) {
	if n.Anchor != "" || n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" || n.Kind == yaml.AliasNode {
		return "", false
	}
	if n.Kind == yaml.ScalarNode && n.Style == 0 && simpleScalar(n.Tag, n.Value) && !(key && strings.Contains(n.Value, ":")) {
		return n.Value, true
	}
	if t, ok := quotedText(n, key); ok {
		return t, true
	}
	return cachedText(n, key, false)
}

// cachedText asks yaml.v3, once per distinct scalar and context.
func cachedText(n *yaml.Node, key, flow bool) (string, bool) {
	if n.Anchor != "" || n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" {
		return "", false
	}
	switch n.Kind {
	case yaml.ScalarNode:
	case yaml.MappingNode, yaml.SequenceNode:
		if len(n.Content) > 0 {
			return "", false // a complex key
		}
	default:
		return "", false
	}
	k := scalarKey{kind: n.Kind, style: n.Style, tag: n.Tag, value: n.Value, key: key, flow: flow}
	scalarTexts.Lock()
	t, ok := scalarTexts.m[k]
	scalarTexts.Unlock()
	if ok {
		return t.text, t.ok
	}
	t.text, t.ok = encodeScalar(n, key, flow)
	scalarTexts.Lock()
	if len(scalarTexts.m) < maxScalarTexts {
		scalarTexts.m[k] = t
	}
	scalarTexts.Unlock()
	return t.text, t.ok
}

type scalarKey struct {
	kind  yaml.Kind
	style yaml.Style
	tag   string
	value string
	key   bool
	flow  bool
}

const maxScalarTexts = 8192

var scalarTexts = struct {
	sync.Mutex
	m map[scalarKey]struct {
		text string
		ok   bool
	}
}{m: map[scalarKey]struct {
	text string
	ok   bool
}{}}

// encodeScalar asks yaml.v3 how it writes n: as the value or the key of a
// one-pair mapping, or inside a flow sequence or mapping under a key.
func encodeScalar(n *yaml.Node, key, flow bool) (string, bool) {
	if len(n.Value) > 1024 {
		return "", false // long values are rare: not worth remembering
	}
	c := *n
	c.Content = nil
	word := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	var pairs []*yaml.Node
	var prefix, suffix string
	switch {
	case flow && key:
		pairs = []*yaml.Node{word("k"), {Kind: yaml.MappingNode, Style: yaml.FlowStyle, Content: []*yaml.Node{&c, word("v")}}}
		prefix, suffix = "k: {", ": v}"
	case flow:
		pairs = []*yaml.Node{word("k"), {Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{&c}}}
		prefix, suffix = "k: [", "]"
	case key:
		pairs = []*yaml.Node{&c, word("v")}
		suffix = ": v"
	default:
		pairs = []*yaml.Node{word("k"), &c}
		prefix = "k: "
	}
	var b bytes.Buffer
	if err := encode(&b, pairs); err != nil {
		return "", false
	}
	s := b.String()
	if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
		return "", false
	}
	text, ok := strings.CutPrefix(s[:len(s)-1], prefix)
	if !ok {
		return "", false
	}
	if text, ok = strings.CutSuffix(text, suffix); !ok || text == "" || strings.HasPrefix(text, "? ") {
		return "", false
	}
	return text, true
}

// quotedText: yaml.v3 writes a quoted string of printable ASCII that needs
// no escape between its quotes, as it is (its line width is unlimited). Keys
// are left to cachedText: a long key is written another way.
func quotedText(n *yaml.Node, key bool) (string, bool) {
	if key || n.Kind != yaml.ScalarNode || n.Tag != yaml.NodeTagString || len(n.Value) > 1024 {
		return "", false
	}
	var q byte
	switch n.Style {
	case yaml.DoubleQuotedStyle:
		q = '"'
	case yaml.SingleQuotedStyle:
		q = '\''
	default:
		return "", false
	}
	for i := 0; i < len(n.Value); i++ {
		if c := n.Value[i]; c < 0x20 || c > 0x7e || c == q || c == '\\' {
			return "", false
		}
	}
	return string(q) + n.Value + string(q), true
}

// simpleScalar: yaml.v3 writes these as they are. A conservative test:
// strings of letters, digits and a few punctuation marks that start with a
// letter and are not a word YAML reads as something else; decimal integers;
// booleans and null.
func simpleScalar(tag, v string) bool {
	switch tag {
	case yaml.NodeTagString:
		return plainWord(v)
	case yaml.NodeTagInt:
		if v == "" || len(v) > 18 {
			return false
		}
		i := 0
		if v[0] == '-' {
			i = 1
		}
		if i == len(v) || (v[i] == '0' && len(v) > i+1) {
			return false
		}
		for ; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				return false
			}
		}
		return true
	case yaml.NodeTagBool:
		return v == "true" || v == "false"
	case yaml.NodeTagNull:
		return v == "null"
	}
	return false
}

func plainWord(s string) bool {
	return len(s) <= yaml11.MaxKeyLength && yaml11.Word(s)
}
