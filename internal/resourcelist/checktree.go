package resourcelist

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// What YAML parses but nothing should act on, found in one walk of the
// parsed input before any processor runs.

// localizeAliases replaces every alias in root whose anchor is not inside
// root by a copy of the value it stands for, aliases expanded (their number
// is bounded by checkTree).
func localizeAliases(root *yaml.Node) {
	inside := map[*yaml.Node]bool{}
	var mark func(*yaml.Node)
	mark = func(n *yaml.Node) {
		inside[n] = true
		for _, c := range n.Content {
			mark(c)
		}
	}
	mark(root)
	var fix func(*yaml.Node)
	fix = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode && n.Alias != nil && !inside[n.Alias] {
			*n = *expandedCopy(n.Alias)
			return
		}
		for _, c := range n.Content {
			fix(c)
		}
	}
	fix(root)
}

// expandedCopy copies n with every alias replaced by a copy of its value
// and no anchors.
func expandedCopy(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	c := *n
	c.Anchor = ""
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, child := range n.Content {
			c.Content[i] = expandedCopy(child)
		}
	}
	return &c
}

// checkTree refuses what YAML parses but nothing should act on: a key
// written twice (which value wins is a guess), aliases that expand
// exponentially (a "billion laughs"), and objects whose metadata, labels or
// annotations are not mappings (kyaml would overwrite or trip over them).
func checkTree(root *yaml.Node, in *List, whole ReadsWhole) (aliases int, err error) {
	var sections []*yaml.Node
	if in.FunctionConfig != nil {
		sections = append(sections, in.FunctionConfig.YNode())
	}
	for _, it := range in.Items {
		sections = append(sections, it.YNode())
	}
	where := func(n *yaml.Node) string {
		if in.FunctionConfig != nil && n == in.FunctionConfig.YNode() {
			return fmt.Sprintf("functionConfig (%s)", describeItem(in.FunctionConfig))
		}
		for i, it := range in.Items {
			if n == it.YNode() {
				return fmt.Sprintf("items[%d] (%s)", i, describeItem(it))
			}
		}
		return "the ResourceList"
	}
	for _, n := range sections {
		if err := checkMeta(n, whole(yaml.NewRNode(n))); err != nil {
			return 0, fmt.Errorf("%s: %v", where(n), err)
		}
	}
	c := &treeChecker{anchors: map[*yaml.Node]treeSize{}, sections: map[*yaml.Node]treeSize{}}
	for _, n := range sections {
		c.sections[n] = treeSize{}
	}
	total, err := c.walk(root, 0, false, false)
	if err != nil {
		return 0, fmt.Errorf("%s: %v", where(c.sectionOf(root, sections)), err)
	}
	if msg := total.aliasBomb(); msg != "" {
		for _, n := range sections {
			if s := c.sections[n]; s.aliasBomb() != "" {
				return 0, fmt.Errorf("%s: %s", where(n), s.aliasBomb())
			}
		}
		return 0, fmt.Errorf("%s: %s", where(root), msg)
	}
	return c.aliases, nil
}

// Aliases may multiply what is written: refused beyond aliasFactor times
// over, counted both in values (nodes, which cost memory as they are read)
// and in the bytes of their scalars (which cost memory and time as they
// are written out: 1,000 aliases of a 1 MiB string are a gigabyte of
// output). Below the floors, anything goes: anchors for an env list or a
// resources block never come near them. maxAliasBytes bounds the bytes
// aliases add to any input, however large (EDS_FN_MAX_INPUT_BYTES).
const (
	maxExpandedNodes = 1_000_000
	aliasByteFloor   = 1 << 20
	maxAliasBytes    = 256 << 20
	aliasFactor      = 10
	errAliasBomb     = "YAML aliases (*name) expand it to more than %d values from %d written: refused as an alias bomb (\"billion laughs\"); write the values out instead"
	errAliasBytes    = "YAML aliases (*name) expand it to %d bytes of values from %d written (%s): refused as an alias bomb, eds-fn allows aliases to add at most %d times what is written, up to %s; write the values out instead, or anchor less"
	errDuplicateKey  = "duplicate key %q (lines %d and %d): YAML forbids it, and which value would win is a guess"
)

// treeSize is what a tree holds as written and with its aliases expanded:
// values, and bytes of scalars.
type treeSize struct {
	nodes, expanded int
	bytes, expBytes int
}

// aliasBomb is the reason to refuse s, or "".
func (s treeSize) aliasBomb() string {
	if s.expanded > maxExpandedNodes && s.expanded > aliasFactor*s.nodes {
		return fmt.Sprintf(errAliasBomb, maxExpandedNodes, s.nodes)
	}
	added := s.expBytes - s.bytes
	if added > maxAliasBytes || added > aliasByteFloor && s.expBytes > aliasFactor*s.bytes {
		why := fmt.Sprintf("more than %d times", aliasFactor)
		if added > maxAliasBytes {
			why = "more than " + fmt.Sprintf("%d MiB", maxAliasBytes>>20) + " added"
		}
		return fmt.Sprintf(errAliasBytes, s.expBytes, s.bytes, why, aliasFactor, fmt.Sprintf("%d MiB", maxAliasBytes>>20))
	}
	return ""
}

// describeItem names an item for a message, whatever its shape (kyaml's
// getters assume the shape of a Kubernetes object).
func describeItem(it *yaml.RNode) string {
	str := func(n *yaml.Node) string {
		if n == nil || n.Kind != yaml.ScalarNode {
			return ""
		}
		return clipped(n.Value)
	}
	s := str(mapValue(it.YNode(), "kind"))
	if s == "" {
		s = "an object"
	}
	var name, ns string
	if md := mapValue(it.YNode(), "metadata"); md != nil {
		name, ns = str(mapValue(md, "name")), str(mapValue(md, "namespace"))
	}
	switch {
	case ns != "":
		return s + " " + ns + "/" + name
	case name != "":
		return s + " " + name
	}
	return s
}

func clipped(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// checkMeta: metadata, and its labels and annotations, are mappings when
// they are set.
func checkMeta(n *yaml.Node, readWhole bool) error {
	md := mapValue(n, "metadata")
	if md == nil {
		return nil
	}
	if md.Kind != yaml.MappingNode {
		return fmt.Errorf("metadata must be a mapping (name, namespace, labels, annotations)")
	}
	fields := []string{"annotations", "labels"}
	if readWhole {
		// Its decoding reports wrong labels, with every other problem;
		// nothing reads them before. The annotations are written to
		// before it runs (kyaml's bookkeeping).
		fields = fields[:1]
	}
	for _, f := range fields {
		if v := mapValue(md, f); v != nil && v.Kind != yaml.MappingNode {
			return fmt.Errorf("metadata.%s must be a mapping of strings", f)
		}
	}
	return nil
}

// mapValue is the value of key in mapping n, nil when it is absent or null.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			v := n.Content[i+1]
			if v.Kind == yaml.ScalarNode && v.ShortTag() == yaml.NodeTagNull {
				return nil
			}
			return v
		}
	}
	return nil
}

// treeChecker walks a tree once, finding duplicate keys and measuring what
// each part stands for once its aliases are expanded.
type treeChecker struct {
	anchors  map[*yaml.Node]treeSize // size of each anchored node
	sections map[*yaml.Node]treeSize // size of each section
	dupAt    *yaml.Node              // the mapping with a duplicate key
	aliases  int
}

const saturated = 1 << 40

func (c *treeChecker) walk(n *yaml.Node, depth int, inFlow, isKey bool) (treeSize, error) {
	size := treeSize{nodes: 1, expanded: 1}
	switch n.Kind {
	case yaml.AliasNode:
		c.aliases++
		if n.Alias != nil {
			a := c.anchors[n.Alias]
			size.expanded, size.expBytes = a.expanded, a.expBytes
		}
		return size, nil
	case yaml.MappingNode:
		if err := duplicateKey(n); err != nil {
			c.dupAt = n
			return treeSize{}, err
		}
	case yaml.ScalarNode:
		if n.Value == "" && n.Style == 0 && (inFlow || isKey) && n.ShortTag() == yaml.NodeTagNull {
			// An empty null ("{a: }", or an empty key) would be written
			// back as '', an empty string: yaml.v3 allows no empty plain
			// scalar there. Spelled out, it stays a null.
			n.Value = "null"
		}
		if atRisk(n) {
			// Before any processor reads it: the generator's decoding
			// writes and reads it once more (KeepValues).
			restyle(n, isKey)
		}
		size.bytes, size.expBytes = len(n.Value), len(n.Value)
	}
	inFlow = inFlow || n.Style&yaml.FlowStyle != 0
	for i, child := range n.Content {
		cs, err := c.walk(child, depth+1, inFlow, n.Kind == yaml.MappingNode && i%2 == 0)
		if err != nil {
			return treeSize{}, err
		}
		size.nodes += cs.nodes
		size.bytes += cs.bytes
		size.expanded = min(size.expanded+cs.expanded, saturated)
		size.expBytes = min(size.expBytes+cs.expBytes, saturated)
	}
	if n.Anchor != "" {
		c.anchors[n] = size
	}
	if depth <= 2 {
		if _, ok := c.sections[n]; ok {
			c.sections[n] = size
		}
	}
	return size, nil
}

// sectionOf finds which of sections holds the mapping with a duplicate key.
func (c *treeChecker) sectionOf(root *yaml.Node, sections []*yaml.Node) *yaml.Node {
	for _, s := range sections {
		if holds(s, c.dupAt) {
			return s
		}
	}
	return root
}

func holds(tree, n *yaml.Node) bool {
	if tree == n {
		return true
	}
	for _, c := range tree.Content {
		if holds(c, n) {
			return true
		}
	}
	return false
}

func duplicateKey(n *yaml.Node) error {
	keys := n.Content
	if len(keys) <= 32 {
		for i := 0; i+1 < len(keys); i += 2 {
			for j := i + 2; j+1 < len(keys); j += 2 {
				if sameKey(keys[i], keys[j]) {
					return fmt.Errorf(errDuplicateKey, clipped(keys[j].Value), keys[i].Line, keys[j].Line)
				}
			}
		}
		return nil
	}
	type key struct{ tag, value string }
	seen := make(map[key]*yaml.Node, len(keys)/2)
	for i := 0; i+1 < len(keys); i += 2 {
		k := keys[i]
		if k.Kind != yaml.ScalarNode {
			continue
		}
		id := key{k.ShortTag(), k.Value}
		if prev, ok := seen[id]; ok {
			return fmt.Errorf(errDuplicateKey, clipped(k.Value), prev.Line, k.Line)
		}
		seen[id] = k
	}
	return nil
}

func sameKey(a, b *yaml.Node) bool {
	return a.Kind == yaml.ScalarNode && b.Kind == yaml.ScalarNode && a.Value == b.Value && a.ShortTag() == b.ShortTag()
}
