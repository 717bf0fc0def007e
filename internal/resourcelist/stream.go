package resourcelist

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The exec plugin's input and output: a config file and a YAML stream of
// resources in, a YAML stream out.

const errStreamInput = "cannot read the resources on stdin"

// FromStream parses the config (one document) and the resources (a YAML
// stream) into the ResourceList a KRM function would have been given, so
// that the same checks (duplicate keys, alias bombs, metadata shapes) and
// the same processors apply.
func FromStream(config, resources []byte, whole ReadsWhole) (*List, error) {
	cfgDocs, err := decodeStream(config)
	if err != nil {
		return nil, fmt.Errorf("the plugin config: %v", err)
	}
	if len(cfgDocs) != 1 || cfgDocs[0].Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the plugin config must be one YAML document holding one object")
	}
	docs, err := decodeStream(resources)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", errStreamInput, err)
	}
	items := &yaml.Node{Kind: yaml.SequenceNode}
	for _, d := range docs {
		items.Content = append(items.Content, d.Content[0])
	}
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	root := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		str("apiVersion"), str(kio.ResourceListAPIVersion),
		str("kind"), str(kio.ResourceListKind),
		str("functionConfig"), cfgDocs[0].Content[0],
		str("items"), items,
	}}
	return listFromNode(root, whole)
}

// FromItems applies Read's checks to objects read some other way (eds-fn
// generate reads files with kyaml's package reader): duplicate keys, alias
// bombs and metadata shapes are refused before anything reads the objects,
// and the objects the caller reads whole get their aliases expanded.
func FromItems(objs []*yaml.RNode, whole ReadsWhole) (*List, error) {
	items := &yaml.Node{Kind: yaml.SequenceNode}
	for _, o := range objs {
		items.Content = append(items.Content, o.YNode())
	}
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	root := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		str("apiVersion"), str(kio.ResourceListAPIVersion),
		str("kind"), str(kio.ResourceListKind),
		str("items"), items,
	}}
	return listFromNode(root, whole)
}

// decodeStream parses every non-empty document of a YAML stream.
func decodeStream(data []byte) ([]*yaml.Node, error) {
	// As kio.ByteReader does: Windows line endings would otherwise end up in
	// the values of block scalars.
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		doc := &yaml.Node{}
		err := dec.Decode(doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if !yaml.IsYNodeEmptyDoc(doc) {
			docs = append(docs, doc)
		}
	}
}

// WriteStream writes items as a YAML stream, as kio.ByteWriter does:
// documents separated by "---".
func WriteStream(w *bytes.Buffer, items []*yaml.RNode) error {
	for i, it := range items {
		if err := yaml.ClearEmptyAnnotations(it); err != nil {
			return err
		}
		if i > 0 {
			w.WriteString("---\n")
		}
		n := it.YNode()
		KeepValues(n)
		enc := yaml.NewEncoder(w)
		if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}); err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
	}
	return nil
}
