// Package resourcelist reads, checks, runs and writes the KRM
// ResourceList eds-fn gets on stdin (and the exec plugin's config and YAML
// stream): Read or FromStream, then Execute or WriteStream.
//
// The ResourceList is read and written here rather than by
// kyaml's framework.Execute and kio.ByteReadWriter, which parse the input twice (once
// to check it) and deep-copy every item before writing it. The behaviour is
// theirs: the same unwrapping, the same annotation bookkeeping, the same
// encoder, byte for byte the same output.
package resourcelist

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bizmatters/eds-fn/internal/krm"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const (
	errNotRL    = "stdin is not a KRM ResourceList (apiVersion: config.kubernetes.io/v1, kind: ResourceList, items: [...]); to render EventDrivenService files run \"eds-fn generate FILE\""
	errReadRL   = "cannot read the ResourceList on stdin"
	errBadItems = "the ResourceList's items must be a list of Kubernetes objects (mappings with apiVersion, kind and metadata.name)"
)

const errManyDocs = "stdin holds more than one YAML document; a ResourceList is exactly one document, with every object under items"

// List is a parsed ResourceList.
type List struct {
	APIVersion, Kind string
	FunctionConfig   *yaml.RNode
	Items            []*yaml.RNode
	Results          *yaml.RNode // results that came in, echoed when no new ones are added
}

// ReadsWhole says which items the caller decodes strictly and whole, as
// eds-fn's generator does its EventDrivenServices (nil: none). Such an item
// is given its own copy of every aliased value, so that what is written
// into it (kyaml's annotations) cannot reach another part of the list
// through an alias; and its labels are left to the caller's decoder, which
// reports a bad shape with every other problem of the item.
type ReadsWhole func(item *yaml.RNode) bool

// Read parses data once and refuses everything that is not a
// single ResourceList whose items are mappings, instead of reading it
// leniently as a stream of loose objects.
func Read(data []byte, whole ReadsWhole) (*List, error) {
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
			return listFromNode(doc, whole)
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

// listFromNode is Read after parsing: doc is the ResourceList's
// document node.
func listFromNode(doc *yaml.Node, whole ReadsWhole) (*List, error) {
	node := yaml.NewRNode(doc)
	if node.YNode().Kind != yaml.MappingNode || node.GetKind() != kio.ResourceListKind {
		return nil, errors.New(errNotRL)
	}
	in := &List{APIVersion: node.GetApiVersion(), Kind: node.GetKind()}
	if f := node.Field("functionConfig"); f != nil {
		if !yaml.IsMissingOrNull(f.Value) && f.Value.YNode().Kind != yaml.MappingNode {
			return nil, errors.New(errBadConfig)
		}
		in.FunctionConfig = f.Value
	}
	if f := node.Field("results"); f != nil {
		in.Results = f.Value
	}
	items := node.Field("items")
	if items == nil && (in.FunctionConfig == nil || yaml.IsMissingOrNull(in.FunctionConfig)) {
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
			in.Items = append(in.Items, yaml.NewRNode(it))
		}
	}
	if whole == nil {
		whole = func(*yaml.RNode) bool { return false }
	}
	aliases, err := checkTree(node.YNode(), in, whole)
	if err != nil {
		return nil, err
	}
	if aliases > 0 {
		// Each part is written on its own, and items can be dropped or
		// moved: an alias must not point out of its part.
		for _, it := range in.Items {
			localizeAliases(it.YNode())
			if whole(it) {
				*it.YNode() = *expandedCopy(it.YNode())
			}
		}
		for _, n := range []*yaml.RNode{in.FunctionConfig, in.Results} {
			if n != nil {
				localizeAliases(n.YNode())
			}
		}
	}
	return in, nil
}

const errBadConfig = "the ResourceList's functionConfig must be a mapping: the function's config object, such as an EventDrivenService"

const errNothingToDo = "the ResourceList has neither items nor a functionConfig: there is nothing to generate or transform"

// Execute runs proc over the list the way kyaml's framework.Execute does, and
// encodes the resulting ResourceList into buf. The error is proc's (often
// krm.Results) or one of the bookkeeping's.
func Execute(proc krm.ResourceListProcessor, in *List, buf *bytes.Buffer) error {
	rl := &krm.ResourceList{Items: in.Items, FunctionConfig: in.FunctionConfig}
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
	results := in.Results
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
		annos := annotationsOf(it)
		if annos == nil {
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

// annotationsOf is an item's metadata.annotations mapping, nil when it has
// none (or, in input not yet checked, when either is not a mapping).
func annotationsOf(it *yaml.RNode) *yaml.Node {
	md := mapValue(it.YNode(), "metadata")
	if md == nil || md.Kind != yaml.MappingNode {
		return nil
	}
	annos := mapValue(md, "annotations")
	if annos == nil || annos.Kind != yaml.MappingNode {
		return nil
	}
	return annos
}

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
		annos := annotationsOf(it)
		if annos == nil {
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
// every node (the items are not used again). Items are written by yaml.v3 in
// batches: its emitter keeps every event of its lifetime, about 300 bytes
// per scalar, so one encoder for a list of 10,000 objects holds gigabytes. A
// batch is encoded as "items: [...]", the same nesting as in the whole list,
// so each item is written exactly as it would be there.
func writeResourceList(w *bytes.Buffer, in *List, items []*yaml.RNode, results *yaml.RNode) error {
	nodes := make([]*yaml.Node, 0, len(items))
	for _, it := range items {
		if err := yaml.ClearEmptyAnnotations(it); err != nil {
			return err
		}
		KeepValues(it.YNode())
		nodes = append(nodes, it.YNode())
	}
	scalar := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	head := []*yaml.Node{scalar("apiVersion"), scalar(in.APIVersion), scalar("kind"), scalar(in.Kind)}
	var tail []*yaml.Node
	if in.FunctionConfig != nil {
		tail = append(tail, scalar("functionConfig"), in.FunctionConfig.YNode())
	}
	if results != nil {
		tail = append(tail, scalar("results"), results.YNode())
	}
	for _, n := range tail {
		KeepValues(n)
	}
	if len(nodes) == 0 || itemComments(nodes) {
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
	for len(nodes) > 0 {
		n := min(len(nodes), ItemsPerEncoder)
		batch.Reset()
		if err := encode(&batch, []*yaml.Node{scalar("items"), {Kind: yaml.SequenceNode, Content: nodes[:n]}}); err != nil {
			return err
		}
		b := batch.Bytes()
		w.Write(b[bytes.IndexByte(b, '\n')+1:]) // without the "items:" line
		nodes = nodes[n:]
	}
	if len(tail) == 0 {
		return nil
	}
	return encode(w, tail)
}

// ItemsPerEncoder bounds the events one yaml.v3 encoder accumulates.
const ItemsPerEncoder = 64

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
