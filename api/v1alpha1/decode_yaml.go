package v1alpha1

import "sigs.k8s.io/kustomize/kyaml/yaml"

// The YAML the strict decoding walks as yaml.v3 decodes it (merge keys) and
// the copy it decodes when values had to be blanked.

// mappingPairs are the key and value nodes of mapping n, alternating, as
// yaml.v3 decodes them: its own keys, then those of the mappings it merges
// ("<<: *defaults", or a list of them) that are not set already, the first
// merged mapping winning. Without a merge key they are n.Content.
func mappingPairs(n *yaml.Node) []*yaml.Node {
	merges := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		merges = merges || isMerge(n.Content[i])
	}
	if !merges {
		return n.Content
	}
	var out []*yaml.Node
	seen := map[string]bool{}
	var add func(m *yaml.Node, depth int)
	add = func(m *yaml.Node, depth int) {
		var merge *yaml.Node
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			if isMerge(k) {
				merge = m.Content[i+1] // yaml.v3 uses the last
				continue
			}
			if rk := resolved(k); rk.Kind == yaml.ScalarNode {
				if seen[rk.Value] {
					continue
				}
				seen[rk.Value] = true
			}
			out = append(out, k, m.Content[i+1])
		}
		if merge == nil || depth > 100 {
			return
		}
		sources := []*yaml.Node{resolved(merge)}
		if sources[0].Kind == yaml.SequenceNode {
			sources = sources[0].Content
		}
		for _, s := range sources {
			if s = resolved(s); s.Kind == yaml.MappingNode {
				add(s, depth+1)
			}
			// Anything else is an error of the decoding ("map merge
			// requires map or sequence of maps").
		}
	}
	add(n, 0)
	return out
}

// isMerge is yaml.v3's test for a merge key.
func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" &&
		(k.Tag == "" || k.Tag == "!" || k.Tag == "!!merge" || k.Tag == "tag:yaml.org,2002:merge")
}

// nulledCopy copies n with the nodes of bad replaced by null (anchors
// kept), each node once: an alias of the copy stands for the copy of its
// anchor, as in n.
func nulledCopy(n *yaml.Node, bad map[*yaml.Node]bool, copies map[*yaml.Node]*yaml.Node) *yaml.Node {
	if c, ok := copies[n]; ok {
		return c
	}
	c := &yaml.Node{}
	copies[n] = c
	if bad[n] {
		*c = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagNull, Value: "null", Anchor: n.Anchor}
		return c
	}
	*c = *n
	if n.Alias != nil {
		c.Alias = nulledCopy(n.Alias, bad, copies)
	}
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, child := range n.Content {
			c.Content[i] = nulledCopy(child, bad, copies)
		}
	}
	return c
}
