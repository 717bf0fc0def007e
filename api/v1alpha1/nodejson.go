package v1alpha1

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bizmatters/eds-fn/internal/yaml11"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// nodeJSON is (*yaml.RNode).MarshalJSON without its detour: that writes the
// node as YAML text, decodes the text with yaml.v3 into Go maps and encodes
// those as JSON, about a third of the time of decoding a service. nodeJSON
// writes the same JSON from the node directly (json.Marshal's bytes for the
// values yaml.v3 would decode: keys sorted, HTML escaped), for the nodes
// whose meaning is plain (string keys, strings, decimal numbers, true,
// false, null), and leaves everything else (aliases, merge keys,
// timestamps, binary, other tags, duplicate keys) to MarshalJSON itself.
// TestNodeJSONMatchesMarshalJSON and FuzzNodeJSON compare the two, and
// TestAppendPlainMatchesMaps holds it to the Go values it once built.
func nodeJSON(n *yaml.RNode) ([]byte, error) {
	if b, ok := appendPlain(make([]byte, 0, 1024), n.YNode(), false); ok && b[0] == '{' {
		return b, nil
	}
	return n.MarshalJSON()
}

var (
	decimalInt   = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)
	decimalFloat = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
)

// appendPlain appends to b the JSON of what yaml.v3 decodes n into as an
// interface{}, as json.Marshal writes it, or returns ok=false when n holds
// anything but the plainest YAML.
func appendPlain(b []byte, n *yaml.Node, inFlow bool) ([]byte, bool) {
	if n.Anchor != "" || n.Style&(yaml.TaggedStyle|yaml.FoldedStyle) != 0 {
		// Folded scalars too: MarshalJSON's round trip through yaml.v3
		// changes some of them (more-indented lines gain a line break).
		return b, false
	}
	inFlow = inFlow || n.Style&yaml.FlowStyle != 0
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return b, false
		}
		return appendPlain(b, n.Content[0], inFlow)
	case yaml.MappingNode:
		if (n.Tag != yaml.NodeTagMap && n.Tag != "") || len(n.Content)%2 != 0 {
			return b, false
		}
		// json.Marshal writes a map's keys in order; a repeated key is
		// left to MarshalJSON.
		order := make([]int, 0, len(n.Content)/2)
		for i := 0; i < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || !isString(k) || k.Anchor != "" || k.Style&yaml.TaggedStyle != 0 {
				return b, false
			}
			order = append(order, i)
		}
		slices.SortFunc(order, func(x, y int) int { return strings.Compare(n.Content[x].Value, n.Content[y].Value) })
		b = append(b, '{')
		for j, i := range order {
			if j > 0 {
				if n.Content[order[j-1]].Value == n.Content[i].Value {
					return b, false
				}
				b = append(b, ',')
			}
			b = appendString(b, n.Content[i].Value)
			b = append(b, ':')
			var ok bool
			if b, ok = appendPlain(b, n.Content[i+1], inFlow); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	case yaml.SequenceNode:
		if n.Tag != yaml.NodeTagSeq && n.Tag != "" {
			return b, false
		}
		b = append(b, '[')
		for i, c := range n.Content {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendPlain(b, c, inFlow); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case yaml.ScalarNode:
		if isString(n) {
			return appendString(b, n.Value), true
		}
		switch n.Tag {
		case yaml.NodeTagNull:
			if inFlow && n.Value == "" {
				// MarshalJSON writes this one as '' (yaml.v3 allows no
				// empty plain scalar in a flow collection): an empty string.
				return b, false
			}
			return append(b, "null"...), true
		case yaml.NodeTagBool:
			switch n.Value {
			case "true", "false":
				return append(b, n.Value...), true
			}
		case yaml.NodeTagInt:
			if decimalInt.MatchString(n.Value) {
				if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
					return strconv.AppendInt(b, i, 10), true
				}
			}
		case yaml.NodeTagFloat:
			if decimalFloat.MatchString(n.Value) {
				if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
					j, err := json.Marshal(f) // its own rules for exponents
					return append(b, j...), err == nil
				}
			}
		}
	}
	return b, false
}

// appendString appends s as json.Marshal writes a string: printable ASCII
// without a quote, backslash or HTML character as it is, anything else by
// json.Marshal itself.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			j, _ := json.Marshal(s) // a string always encodes
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// isString: a scalar tagged as a string, or untagged (as kyaml makes them)
// and a plain word that YAML reads as a string.
func isString(n *yaml.Node) bool {
	return n.Tag == yaml.NodeTagString || n.Tag == "" && n.Style == 0 && yaml11.Word(n.Value)
}
