package v1alpha1

import (
	"encoding/json"
	"regexp"
	"strconv"

	"github.com/bizmatters/eds-fn/internal/yaml11"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// nodeJSON is (*yaml.RNode).MarshalJSON without its detour: that writes the
// node as YAML text, decodes the text with yaml.v3 into Go maps and encodes
// those as JSON, about a third of the time of decoding a service. nodeJSON
// builds the same Go values from the node directly, for the nodes whose
// meaning is plain (string keys, strings, decimal numbers, true, false,
// null), and leaves everything else (aliases, merge keys, timestamps,
// binary, other tags, duplicate keys) to MarshalJSON itself.
// TestNodeJSONMatchesMarshalJSON and FuzzNodeJSON compare the two.
func nodeJSON(n *yaml.RNode) ([]byte, error) {
	if v, ok := plainValue(n.YNode(), false); ok {
		if _, isMap := v.(map[string]any); isMap {
			return json.Marshal(v)
		}
	}
	return n.MarshalJSON()
}

var (
	decimalInt   = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)
	decimalFloat = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
)

// plainValue is what yaml.v3 decodes n into as an interface{}, or ok=false
// when n holds anything but the plainest YAML.
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

// isString: a scalar tagged as a string, or untagged (as kyaml makes them)
// and a plain word that YAML reads as a string.
func isString(n *yaml.Node) bool {
	return n.Tag == yaml.NodeTagString || n.Tag == "" && n.Style == 0 && yaml11.Word(n.Value)
}
