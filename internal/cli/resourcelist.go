package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bizmatters/eds-fn/generator"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The ResourceList is read and written here rather than by
// framework.Execute and kio.ByteReadWriter, which parse the input twice (once
// to check it) and deep-copy every item before writing it. The behaviour is
// theirs: the same unwrapping, the same annotation bookkeeping, the same
// encoder, byte for byte the same output.

const errManyDocs = "stdin holds more than one YAML document; a ResourceList is exactly one document, with every object under items"

// inputList is a parsed ResourceList.
type inputList struct {
	apiVersion, kind string
	fnConfig         *yaml.RNode
	items            []*yaml.RNode
	results          *yaml.RNode // results that came in, echoed when no new ones are added
}

// readResourceList parses data once and refuses everything that is not a
// single ResourceList whose items are mappings, instead of reading it
// leniently as a stream of loose objects.
func readResourceList(data []byte) (*inputList, error) {
	// As kio.ByteReader does: Windows line endings would otherwise end up in
	// the values of block scalars.
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc *yaml.Node
	for {
		// Empty documents ("---" alone, or only a comment) are skipped, as
		// kio.ByteReader skips them: the ResourceList is the one that is
		// not empty.
		next := &yaml.Node{}
		switch err := dec.Decode(next); {
		case errors.Is(err, io.EOF):
			if doc == nil {
				return nil, errors.New(errNotRL)
			}
			return listFromNode(doc)
		case err != nil:
			return nil, fmt.Errorf("%s: %v", errReadRL, err)
		case yaml.IsYNodeEmptyDoc(next):
		case doc != nil:
			return nil, errors.New(errManyDocs)
		default:
			doc = next
		}
	}
}

// listFromNode is readResourceList after parsing: doc is the ResourceList's
// document node.
func listFromNode(doc *yaml.Node) (*inputList, error) {
	node := yaml.NewRNode(doc)
	if node.YNode().Kind != yaml.MappingNode || node.GetKind() != kio.ResourceListKind {
		return nil, errors.New(errNotRL)
	}
	in := &inputList{apiVersion: node.GetApiVersion(), kind: node.GetKind()}
	if f := node.Field("functionConfig"); f != nil {
		if !yaml.IsMissingOrNull(f.Value) && f.Value.YNode().Kind != yaml.MappingNode {
			return nil, errors.New(errBadConfig)
		}
		in.fnConfig = f.Value
	}
	if f := node.Field("results"); f != nil {
		in.results = f.Value
	}
	items := node.Field("items")
	if items == nil && (in.fnConfig == nil || yaml.IsMissingOrNull(in.fnConfig)) {
		return nil, errors.New(errNothingToDo)
	}
	// A generator's whole input can be its functionConfig: no items is the
	// same as an empty list.
	if items != nil && !yaml.IsMissingOrNull(items.Value) {
		if items.Value.YNode().Kind != yaml.SequenceNode {
			return nil, errors.New(errBadItems)
		}
		for i, it := range items.Value.Content() {
			if it.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("%s: items[%d] is not a mapping", errBadItems, i)
			}
			in.items = append(in.items, yaml.NewRNode(it))
		}
	}
	aliases, err := checkTree(node.YNode(), in)
	if err != nil {
		return nil, err
	}
	if aliases > 0 {
		// Each part is written on its own, and items can be dropped or
		// moved: an alias must not point out of its part.
		for _, it := range in.items {
			localizeAliases(it.YNode())
			if generator.IsEventDrivenService(it) {
				// The generator reads a service whole and annotates it:
				// through an alias, an annotation would reach its patch.
				*it.YNode() = *expandedCopy(it.YNode())
			}
		}
		for _, n := range []*yaml.RNode{in.fnConfig, in.results} {
			if n != nil {
				localizeAliases(n.YNode())
			}
		}
	}
	return in, nil
}

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
func checkTree(root *yaml.Node, in *inputList) (aliases int, err error) {
	var sections []*yaml.Node
	if in.fnConfig != nil {
		sections = append(sections, in.fnConfig.YNode())
	}
	for _, it := range in.items {
		sections = append(sections, it.YNode())
	}
	where := func(n *yaml.Node) string {
		if in.fnConfig != nil && n == in.fnConfig.YNode() {
			return fmt.Sprintf("functionConfig (%s)", describeItem(in.fnConfig))
		}
		for i, it := range in.items {
			if n == it.YNode() {
				return fmt.Sprintf("items[%d] (%s)", i, describeItem(it))
			}
		}
		return "the ResourceList"
	}
	for _, n := range sections {
		if err := checkMeta(n); err != nil {
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
			why = "more than " + mib(maxAliasBytes) + " added"
		}
		return fmt.Sprintf(errAliasBytes, s.expBytes, s.bytes, why, aliasFactor, mib(maxAliasBytes))
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
func checkMeta(n *yaml.Node) error {
	md := mapValue(n, "metadata")
	if md == nil {
		return nil
	}
	if md.Kind != yaml.MappingNode {
		return fmt.Errorf("metadata must be a mapping (name, namespace, labels, annotations)")
	}
	fields := []string{"annotations", "labels"}
	if generator.IsEventDrivenService(yaml.NewRNode(n)) {
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
			// writes and reads it once more (keepValues).
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

const errBadConfig = "the ResourceList's functionConfig must be a mapping: the function's config object, such as an EventDrivenService"

const errNothingToDo = "the ResourceList has neither items nor a functionConfig: there is nothing to generate or transform"

// execute runs proc over the list the way framework.Execute does, and
// encodes the resulting ResourceList into buf. The error is proc's (often
// framework.Results) or one of the bookkeeping's.
func execute(proc framework.ResourceListProcessor, in *inputList, buf *bytes.Buffer) error {
	rl := &framework.ResourceList{Items: in.items, FunctionConfig: in.fnConfig}
	// kyaml's bookkeeping of the path, index and id annotations (in their
	// two spellings) does nothing to an item that has none of them, except
	// add and remove a temporary annotation; it only runs on those that do.
	// Every item still counts when the spellings in use are decided.
	nodeAnnos, err := kio.PreprocessResourcesForInternalAnnotationMigration(withBookkeeping(rl.Items, false))
	if err != nil {
		return mismatchedBookkeeping(rl.Items, err)
	}
	for i := len(nodeAnnos); i < len(rl.Items); i++ {
		nodeAnnos[fmt.Sprintf("without-bookkeeping-%d", i)] = map[string]string{}
	}
	retErr := proc.Process(rl)
	if err := kio.ReconcileInternalAnnotations(withBookkeeping(rl.Items, true), nodeAnnos); err != nil {
		return err
	}
	results := in.results
	if len(rl.Results) > 0 {
		b, err := yaml.Marshal(rl.Results)
		if err != nil {
			return err
		}
		if results, err = yaml.Parse(string(b)); err != nil {
			return err
		}
	}
	if err := writeResourceList(buf, in, rl.Items, results); err != nil {
		return err
	}
	return retErr
}

// mismatchedBookkeeping names every item whose path, index or id
// annotation disagrees with its other spelling (kio's err names none).
func mismatchedBookkeeping(items []*yaml.RNode, err error) error {
	pairs := [][2]string{
		{kioutil.LegacyPathAnnotation, kioutil.PathAnnotation},
		{kioutil.LegacyIndexAnnotation, kioutil.IndexAnnotation},
		{kioutil.LegacyIdAnnotation, kioutil.IdAnnotation},
	}
	var msgs []string
	for i, it := range items {
		md := mapValue(it.YNode(), "metadata")
		if md == nil || md.Kind != yaml.MappingNode {
			continue
		}
		annos := mapValue(md, "annotations")
		if annos == nil || annos.Kind != yaml.MappingNode {
			continue
		}
		for _, p := range pairs {
			a, b := mapValue(annos, p[0]), mapValue(annos, p[1])
			if a != nil && b != nil && a.Value != "" && b.Value != "" && a.Value != b.Value {
				msgs = append(msgs, fmt.Sprintf(errMismatch, i, describeItem(it), p[0], clipped(a.Value), p[1], clipped(b.Value)))
			}
		}
	}
	if len(msgs) == 0 {
		return err
	}
	// One line each, as RunFunction prints errors.
	return errors.New(strings.Join(msgs, "\nerror: "))
}

const errMismatch = "items[%d] (%s): annotation %s is %q but %s is %q: they are two spellings of one annotation and must agree; remove one of them, or give both the same value"

// bookkeeping are the annotations kio's migration code reads and writes.
var bookkeeping = []string{
	kioutil.PathAnnotation, kioutil.IndexAnnotation, kioutil.IdAnnotation,
	kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation, kioutil.LegacyIdAnnotation,
}

// withBookkeeping are the items with a path, index or id annotation, or
// (after processing) kio's temporary resource id.
func withBookkeeping(items []*yaml.RNode, orID bool) []*yaml.RNode {
	var out []*yaml.RNode
	for _, it := range items {
		md := mapValue(it.YNode(), "metadata")
		if md == nil || md.Kind != yaml.MappingNode {
			continue
		}
		annos := mapValue(md, "annotations")
		if annos == nil || annos.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i < len(annos.Content); i += 2 {
			k := annos.Content[i].Value
			if slices.Contains(bookkeeping, k) || orID && k == kioutil.InternalAnnotationsMigrationResourceIDAnnotation {
				out = append(out, it)
				break
			}
		}
	}
	return out
}

// writeResourceList is kio.ByteWriter's wrapped output, without its copy of
// every node (the items are not used again). Items are written by emitItem
// when they are plain block YAML, as generated objects are, else by yaml.v3
// in batches: its emitter keeps every event of its lifetime, about 300 bytes
// per scalar, so one encoder for a list of 10,000 objects holds gigabytes. A
// batch is encoded as "items: [...]", the same nesting as in the whole list,
// so each item is written exactly as it would be there.
func writeResourceList(w *bytes.Buffer, in *inputList, items []*yaml.RNode, results *yaml.RNode) error {
	nodes := make([]*yaml.Node, 0, len(items))
	for _, it := range items {
		if err := yaml.ClearEmptyAnnotations(it); err != nil {
			return err
		}
		nodes = append(nodes, it.YNode())
	}
	scalar := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	head := []*yaml.Node{scalar("apiVersion"), scalar(in.apiVersion), scalar("kind"), scalar(in.kind)}
	var tail []*yaml.Node
	if in.fnConfig != nil {
		tail = append(tail, scalar("functionConfig"), in.fnConfig.YNode())
	}
	if results != nil {
		tail = append(tail, scalar("results"), results.YNode())
	}
	for _, n := range tail {
		keepValues(n)
	}
	if len(nodes) == 0 || itemComments(nodes) {
		for _, n := range nodes {
			keepValues(n)
		}
		// One encoder for everything: there are no items ("items: []"), or
		// an item's own comments could be placed differently at the end of
		// a batch.
		list := append(append(head, scalar("items"), &yaml.Node{Kind: yaml.SequenceNode, Content: nodes}), tail...)
		return encode(w, list)
	}
	if err := encode(w, head); err != nil {
		return err
	}
	w.WriteString("items:\n")
	var batch bytes.Buffer
	var pending []*yaml.Node
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		batch.Reset()
		for _, n := range pending {
			keepValues(n)
		}
		if err := encode(&batch, []*yaml.Node{scalar("items"), {Kind: yaml.SequenceNode, Content: pending}}); err != nil {
			return err
		}
		b := batch.Bytes()
		w.Write(b[bytes.IndexByte(b, '\n')+1:]) // without the "items:" line
		pending = pending[:0]
		return nil
	}
	for _, n := range nodes {
		if fastEmit && len(pending) == 0 && emitItem(w, n) {
			continue
		}
		if len(pending) > 0 && len(pending) < itemsPerEncoder {
			// Keep a batch together rather than trying each item.
			pending = append(pending, n)
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		if !fastEmit || !emitItem(w, n) {
			pending = append(pending, n)
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if len(tail) == 0 {
		return nil
	}
	return encode(w, tail)
}

// itemsPerEncoder bounds the events one yaml.v3 encoder accumulates.
const itemsPerEncoder = 64

// encode writes the mapping of the given keys and values as one document.
func encode(w io.Writer, content []*yaml.Node) error {
	enc := yaml.NewEncoder(w)
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Content: content}}}
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}

// itemComments reports whether any item carries a comment of its own (as
// opposed to comments on its fields).
func itemComments(items []*yaml.Node) bool {
	for _, n := range items {
		if n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" {
			return true
		}
	}
	return false
}
