package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/internal/krm"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// eds-fn is also a kustomize exec plugin, the API kustomize had before KRM
// functions and still runs with --enable-alpha-plugins: a config whose
// apiVersion/kind has no function annotation makes kustomize run
// $KUSTOMIZE_PLUGIN_HOME/<group>/<version>/<lower-case kind>/<Kind> with the
// config's file as its argument, the resources as a YAML stream on stdin
// (transformers) and the resources it prints on stdout. kustomize parses
// that output once, where a KRM function's output is parsed, written and
// parsed again: what bulk mode adds to a build is about halved this way
// (BENCHMARKS.md). The plugin is this binary under the kind's name
// ("eds-fn install --kustomize-plugin-home DIR" lays the links out), and does
// exactly what the KRM function does with the same config and resources.

// PluginKinds are the kinds eds-fn serves as an exec plugin, those of the
// KRM function: its file name in the plugin directory is the kind.
func PluginKinds() []string {
	kinds := []string{v1alpha1.KindEventDrivenService}
	for _, k := range registeredKinds {
		kinds = append(kinds, k.kind)
	}
	return kinds
}

// PluginKind reports whether argv0, the name the binary was started as, is
// one of PluginKinds: kustomize starting it as an exec plugin.
func PluginKind(argv0 string) (string, bool) {
	base := filepath.Base(argv0)
	for _, k := range PluginKinds() {
		if base == k {
			return k, true
		}
	}
	return "", false
}

// PluginDir is where kustomize looks for the exec plugin of kind under its
// plugin home.
func PluginDir(home, kind string) string {
	group, version, _ := strings.Cut(v1alpha1.APIVersion, "/")
	return filepath.Join(home, group, version, strings.ToLower(kind))
}

const (
	errPluginArgs  = "eds-fn was started as the kustomize exec plugin %s (its file name) without a config file: kustomize passes the config's path as the first argument; to run eds-fn itself, start it as eds-fn"
	errPluginInput = "cannot read the resources on stdin"
)

// PluginMain is RunPlugin for the process: stdin is read whole first, and
// the garbage collector set for its size (readInput).
func PluginMain(kind string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if !pluginArgsOK(kind, args, stderr) {
		// Before reading stdin: started by hand, it would wait for it.
		return 2
	}
	in, err := readInput(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	return RunPlugin(kind, args, in, stdout, stderr, DefaultProcessors)
}

// RunPlugin runs eds-fn as the kustomize exec plugin of kind: args[0] is the
// config file, stdin the resources (empty for a generator). The resources
// out are written to out as a YAML stream only when there is no error;
// every error and warning is a line on errOut, which kustomize puts into
// its own error message. It returns the exit code.
func RunPlugin(kind string, args []string, in io.Reader, out, errOut io.Writer, pick ProcessorFor) (code int) {
	defer recoverInternal(errOut, &code)
	if !pluginArgsOK(kind, args, errOut) {
		return 2
	}
	config, err := readFileLimited(args[0], "the plugin config "+args[0])
	if err != nil {
		fmt.Fprintf(errOut, "error: %v\n", err)
		return 1
	}
	resources, err := readLimited(in, "stdin")
	if err != nil {
		fmt.Fprintf(errOut, "error: %v\n", err)
		return 1
	}
	list, err := pluginList(config, resources)
	if err != nil {
		fmt.Fprintf(errOut, "error: %v\n", err)
		return 1
	}
	rl := &framework.ResourceList{Items: list.items, FunctionConfig: list.fnConfig}
	pickErr, err := runProcessor(rl, pick)
	if pickErr != nil {
		fmt.Fprintf(errOut, "error: %s\n", krm.Clip(pickErr.Error(), 4096))
		return 1
	}
	krm.Print(errOut, rl.Results, framework.Warning)
	if err != nil {
		if !errors.As(err, new(framework.Results)) {
			fmt.Fprintf(errOut, "error: %v\n", err)
		}
		return 1
	}
	var buf bytes.Buffer
	if err := writeStream(&buf, rl.Items); err != nil {
		fmt.Fprintf(errOut, "error: cannot write the resources: %v\n", err)
		return 1
	}
	if _, err := out.Write(buf.Bytes()); err != nil {
		fmt.Fprintf(errOut, "error: cannot write the resources: %v\n", err)
		return 1
	}
	return 0
}

// pluginList parses the config (one document) and the resources (a YAML
// stream) into the ResourceList a KRM function would have been given, so
// that the same checks (duplicate keys, alias bombs, metadata shapes) and
// the same processors apply.
func pluginList(config, resources []byte) (*inputList, error) {
	cfgDocs, err := decodeStream(config)
	if err != nil {
		return nil, fmt.Errorf("the plugin config: %v", err)
	}
	if len(cfgDocs) != 1 || cfgDocs[0].Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the plugin config must be one YAML document holding one object")
	}
	docs, err := decodeStream(resources)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", errPluginInput, err)
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
	return listFromNode(root)
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

// writeStream writes items as a YAML stream, as kio.ByteWriter does:
// documents separated by "---". Plain block items are written by
// emitMapping (emit.go), the others by yaml.v3.
func writeStream(w *bytes.Buffer, items []*yaml.RNode) error {
	for i, it := range items {
		if err := yaml.ClearEmptyAnnotations(it); err != nil {
			return err
		}
		if i > 0 {
			w.WriteString("---\n")
		}
		n := it.YNode()
		mark := w.Len()
		if fastEmit && n.Kind == yaml.MappingNode && len(n.Content) > 0 && emitMapping(w, n, 0, false) {
			continue
		}
		w.Truncate(mark)
		keepValues(n)
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
