package generator

import (
	"encoding/json"
	"fmt"
	"strings"

	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// render turns an object into the YAML node kubectl would print: its JSON
// (encoding/json with the API types' tags and their own marshalling of
// quantities, int-or-strings and times), read back as unstructured data by
// sigs.k8s.io/json with integers kept as integers (the API machinery's
// decoding), then encoded by yaml.v3 with its sorted keys and its quoting,
// which also writes for YAML 1.1 readers ("yes", "on", "1:20" are quoted).
// This is sigs.k8s.io/yaml.Marshal's way with yaml.v3 in place of go-yaml
// v2, which cannot write some strings at all (DEL, C1 controls) and writes
// NEL as a space. apimachinery's converter to unstructured gives the same
// data, but copies its whole field cache for each field it meets first: a
// third of a one-service run.
//
// yaml.v3 writes two kinds of string that do not read back as themselves,
// corrected here; TestRenderCorrections holds the list to the library:
//   - "<<" is a merge key to every YAML reader: it is double-quoted;
//   - some multi-line strings are written as block scalars that yaml.v3
//     itself cannot read: one whose first line starts with a tab, and, as
//     an element of a list, one that starts with a space or a line break.
//     They are double-quoted before encoding (a key of that shape is
//     refused: no Kubernetes key has one).
func render(obj any) (*yaml.RNode, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var data any
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(b, &data); err != nil {
		return nil, err
	}
	if err := quoteRiskyBlocks(data); err != nil {
		return nil, err
	}
	n := &yaml.Node{}
	if err := n.Encode(data); err != nil {
		return nil, err
	}
	quoteMergeKeys(n)
	return yaml.NewRNode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}), nil
}

// riskyBlock: yaml.v3 would write s (an element of a list when inList) as
// a block scalar it cannot read back. The test errs on the safe side: a
// few such strings would be double-quoted by yaml.v3 anyway.
func riskyBlock(s string, inList bool) bool {
	if s == "" || !strings.ContainsAny(s, "\r\n") {
		return false
	}
	lead := "\t"
	if inList {
		lead = " \t\r\n"
	}
	return strings.ContainsAny(s[:1], lead)
}

// quoteRiskyBlocks replaces, in place, every riskyBlock string value in v
// by a double-quoted node, which yaml.v3 encodes as it stands.
func quoteRiskyBlocks(v any) error {
	fix := func(s string) any {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: s, Style: yaml.DoubleQuotedStyle}
	}
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if riskyBlock(k, true) {
				return fmt.Errorf("the key %q spans lines and starts with white space: it cannot be written as YAML", k)
			}
			if s, ok := e.(string); ok && riskyBlock(s, false) {
				v[k] = fix(s)
			} else if err := quoteRiskyBlocks(e); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range v {
			if s, ok := e.(string); ok && riskyBlock(s, true) {
				v[i] = fix(s)
			} else if err := quoteRiskyBlocks(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// quoteMergeKeys makes every "<<" under n, which yaml.v3 tags as a merge
// key, the string it was.
func quoteMergeKeys(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!merge" {
		n.Tag, n.Style = yaml.NodeTagString, yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		quoteMergeKeys(c)
	}
}
