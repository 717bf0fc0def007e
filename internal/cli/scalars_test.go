package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fragileScalars are block scalars as they are written in a file, which
// yaml.v3 (alone) does not write back with the same value.
var fragileScalars = map[string]string{
	"folded, a more-indented line":     ">\n  a\n    more indented\n  b\n",
	"folded, more-indented then blank": ">-\n  a\n\n    b\n  c\n",
	"folded, kept trailing blank":      ">+\n  x\n\n\n",
	"folded, leading blank lines":      ">\n\n\n  after blanks\n",
	"folded, trailing spaces":          ">\n  trailing   \n  next\n",
	"folded, indented first line":      ">2\n    indented first\n  b\n",
	"folded, a tab-indented line":      ">\n  a\n  \tb\n",
	"double-quoted, starts with a tab": "\"\\tx\\n  y\\n\"",
	"literal, kept blank":              "|+\n  a\n\n",
	"literal, leading spaces":          "|2\n    lead\n  x\n",
	"plain folded over lines":          "a\n    b",
	"folded, plain text":               ">\n  just one\n  paragraph\n",
	"double-quoted, tab and newline":   "\"\\tx\\ny\"",
}

// fragileData is a data mapping (indented by two) of every fragile scalar,
// and the values it holds.
func fragileData(t testing.TB, indent string) (string, map[string]string) {
	t.Helper()
	names := make([]string, 0, len(fragileScalars))
	for name := range fragileScalars {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, name := range names {
		fmt.Fprintf(&b, "k%02d: %s\n", i, fragileScalars[name])
	}
	var want map[string]string
	if err := yaml.Unmarshal([]byte(b.String()), &want); err != nil {
		t.Fatal(err)
	}
	return indentDoc(b.String(), indent), want
}

func indentDoc(doc, indent string) string {
	lines := strings.SplitAfter(doc, "\n")
	for i, l := range lines {
		if l != "" && l != "\n" {
			lines[i] = indent + l
		}
	}
	return strings.Join(lines, "")
}

// dataOf decodes the data of the ConfigMap named keep in a ResourceList or
// a stream.
func dataOf(t *testing.T, out string) map[string]string {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("no ConfigMap keep in the output (%v):\n%s", err, out)
		}
		objs := []any{doc}
		if items, ok := doc["items"].([]any); ok {
			objs = items
		}
		for _, o := range objs {
			m, _ := o.(map[string]any)
			md, _ := m["metadata"].(map[string]any)
			if m["kind"] == "ConfigMap" && md["name"] == "keep" {
				data := map[string]string{}
				for k, v := range m["data"].(map[string]any) {
					data[k], _ = v.(string)
				}
				return data
			}
		}
	}
}

// TestValuesSurvive: a ConfigMap eds-fn does not change comes out with the
// same values however often it goes through, as kpt renders a package
// again and again: in function mode (the transformer, and bulk mode) and
// as the exec plugin.
func TestValuesSurvive(t *testing.T) {
	data, want := fragileData(t, "    ")
	cm := "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: keep\n  data:\n" + data
	for _, config := range []string{
		"functionConfig: {apiVersion: platform.bizmatters.io/v1alpha1, kind: NATSHeadlessEndpoint, metadata: {name: n}, spec: {endpoint: 'nats-headless.nats.svc:8222'}}\n",
		"functionConfig: {apiVersion: platform.bizmatters.io/v1alpha1, kind: ExpandEventDrivenServices, metadata: {name: x}}\n",
	} {
		in := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n" + config + "items:\n" + cm
		for pass := 1; pass <= 3; pass++ {
			var out, errOut bytes.Buffer
			if code := RunFunction(strings.NewReader(in), &out, &errOut, DefaultProcessors); code != 0 {
				t.Fatalf("pass %d: exit %d: %s", pass, code, errOut.String())
			}
			if diff := cmp.Diff(want, dataOf(t, out.String())); diff != "" {
				t.Fatalf("function mode, %s pass %d changed values (-in +out):\n%s\n%s", config, pass, diff, out.String())
			}
			in = out.String()
		}
	}

	cfg := filepath.Join(t.TempDir(), "expand.yaml")
	if err := os.WriteFile(cfg, []byte("apiVersion: platform.bizmatters.io/v1alpha1\nkind: ExpandEventDrivenServices\nmetadata:\n  name: expand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, _ = fragileData(t, "  ")
	in := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\ndata:\n" + data
	for pass := 1; pass <= 3; pass++ {
		var out, errOut bytes.Buffer
		if code := RunPlugin("ExpandEventDrivenServices", []string{cfg}, strings.NewReader(in), &out, &errOut, DefaultProcessors); code != 0 {
			t.Fatalf("plugin pass %d: exit %d: %s", pass, code, errOut.String())
		}
		if diff := cmp.Diff(want, dataOf(t, out.String())); diff != "" {
			t.Fatalf("exec plugin, pass %d changed values (-in +out):\n%s\n%s", pass, diff, out.String())
		}
		in = out.String()
	}
}

// TestKeepValues: after keepValues, yaml.v3 writes and reads every fragile
// scalar back as it was, three times over, whatever style it came with;
// scalars that survive anyway keep their style.
func TestKeepValues(t *testing.T) {
	_, want := fragileData(t, "")
	for _, v := range want {
		for _, style := range []yaml.Style{0, yaml.FoldedStyle, yaml.LiteralStyle, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle} {
			for _, key := range []bool{false, true} {
				n := &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: v, Style: style}
				checkPasses(t, n, key)
			}
		}
	}
	plain := &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.FoldedStyle, Value: "one\ntwo\n"}
	if keepValues(plain) != 0 || plain.Style != yaml.FoldedStyle {
		t.Errorf("a folded scalar that survives was restyled to %v", plain.Style)
	}
}

// checkPasses writes n (restyled) in a mapping, reads it back, and again,
// three times, and fails when the value changes.
func checkPasses(t testing.TB, n *yaml.Node, key bool) {
	t.Helper()
	want := n.Value
	cur := n
	for pass := 1; pass <= 3; pass++ {
		pair := []*yaml.Node{{Kind: yaml.ScalarNode, Value: "k"}, cur}
		if key {
			pair = []*yaml.Node{cur, {Kind: yaml.ScalarNode, Value: "v"}}
		}
		m := &yaml.Node{Kind: yaml.MappingNode, Content: pair}
		keepValues(m)
		var b bytes.Buffer
		if err := encode(&b, pair); err != nil {
			t.Fatalf("%q: %v", want, err)
		}
		var doc yaml.Node
		if err := yaml.NewDecoder(bytes.NewReader(b.Bytes())).Decode(&doc); err != nil {
			t.Fatalf("%q (style %v, key %v) pass %d: not YAML (%v):\n%s", want, n.Style, key, pass, err, b.String())
		}
		cur = doc.Content[0].Content[1]
		if key {
			cur = doc.Content[0].Content[0]
		}
		if cur.Value != want {
			t.Fatalf("%q (style %v, key %v) pass %d: became %q:\n%s", want, n.Style, key, pass, cur.Value, b.String())
		}
	}
}

// FuzzKeepValues: any string, in any style, survives three passes.
func FuzzKeepValues(f *testing.F) {
	_, want := fragileData(f, "")
	for _, v := range want {
		f.Add(v, uint8(yaml.FoldedStyle), false)
	}
	f.Add("\tx", uint8(yaml.LiteralStyle), true)
	f.Fuzz(func(t *testing.T, v string, style uint8, key bool) {
		if len(v) > 4096 {
			return
		}
		styles := []yaml.Style{0, yaml.FoldedStyle, yaml.LiteralStyle, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle}
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: v, Style: styles[int(style)%len(styles)]}
		var b bytes.Buffer
		if encode(&b, []*yaml.Node{{Kind: yaml.ScalarNode, Value: "k"}, n}) != nil {
			return // not a string yaml.v3 writes at all (invalid UTF-8)
		}
		checkPasses(t, n, key)
	})
}

// TestGeneratedValuesSurvive: values a service hands to the objects it
// generates (here pod annotations, through customDeployment) arrive as they
// were written, in function mode over three renders and from "eds-fn
// generate": the generator's decoding writes and reads the service once
// more, which alone changed them.
func TestGeneratedValuesSurvive(t *testing.T) {
	data, want := fragileData(t, "            ")
	svc := "apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata:\n  name: orders\nspec:\n  image: ghcr.io/acme/orders:v1\n  nats: {stream: ORDERS, consumer: orders}\n" +
		"  customDeployment:\n    spec:\n      template:\n        metadata:\n          annotations:\n" + data
	podAnnotations := func(out string) map[string]string {
		t.Helper()
		got := map[string]string{}
		dec := yaml.NewDecoder(strings.NewReader(out))
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("no Deployment in the output (%v):\n%s", err, out)
			}
			objs := []any{doc}
			if items, ok := doc["items"].([]any); ok {
				objs = items
			}
			for _, o := range objs {
				m, _ := o.(map[string]any)
				if m["kind"] != "Deployment" {
					continue
				}
				tmpl := m["spec"].(map[string]any)["template"].(map[string]any)
				for k, v := range tmpl["metadata"].(map[string]any)["annotations"].(map[string]any) {
					if _, ok := want[k]; ok {
						got[k], _ = v.(string)
					}
				}
				return got
			}
		}
	}

	in := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + indentDoc("- "+strings.ReplaceAll(svc, "\n", "\n  "), "")
	in = strings.TrimSuffix(in, "  ")
	for pass := 1; pass <= 3; pass++ {
		var out, errOut bytes.Buffer
		if code := RunFunction(strings.NewReader(in), &out, &errOut, DefaultProcessors); code != 0 {
			t.Fatalf("pass %d: exit %d: %s\n%s", pass, code, errOut.String(), in)
		}
		if diff := cmp.Diff(want, podAnnotations(out.String())); diff != "" {
			t.Fatalf("function mode, pass %d changed values (-in +out):\n%s", pass, diff)
		}
		in = out.String()
	}

	file := filepath.Join(t.TempDir(), "svc.yaml")
	if err := os.WriteFile(file, []byte(svc), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Main([]string{"generate", file}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errOut.String())
	}
	if diff := cmp.Diff(want, podAnnotations(out.String())); diff != "" {
		t.Fatalf("generate changed values (-in +out):\n%s", diff)
	}
}

// restyles reports whether data holds a scalar keepValues restyles.
func restyles(data []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if dec.Decode(&doc) != nil {
			return false
		}
		if keepValues(&doc) > 0 {
			return true
		}
	}
}
