package generator

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// trickyStrings are strings that YAML reads as something else, or that
// need quoting, in one version or the other.
var trickyStrings = []string{
	"", " ", "a b", " lead", "trail ", "yes", "No", "on", "OFF", "y", "n", "~", "null", "Null", "true", "FALSE",
	"0", "012", "0x1F", "0o17", "1e3", "1_000", "1:20", "1:20:30", "-1", "+1", ".5", ".inf", "-.inf", ".nan", "NaN",
	"2001-12-14", "2001-12-14t21:59:43.10-05:00", "<<", "=", "-", "--", "---", "...", "- a", "? a", ": a", "a:", "a: b",
	"a #b", "#a", "a#b", "&a", "*a", "!a", "!!str", "%a", "@a", "`a", "|", ">", "'a'", "\"a\"", "[a]", "{a}", "a,b",
	"a\nb", "a\n", "\na", "a\n\n", "a  \nb", "\t", "a\tb", "\ta\nb", "\t\n", "é", "日本", "\u2028", "a\u0085b", "\x7f", "\u0080",
	"\ufeffa", "\x00", "\x1b[0m", "$G", "$SYS", "500m", "1Gi", "/health", "cd /app && ./migrate up", "nats://a:4222,nats://b:4222",
	"v1.0", "1.0", "app.kubernetes.io/name", "a/b", "a:b", "a=b", "a+b", "a@b", strings.Repeat("long words ", 20), strings.Repeat("x", 200),
}

// shortStrings are every string of up to four characters from an
// alphabet of the characters YAML treats specially at the start, the end
// or between lines.
func shortStrings() []string {
	alphabet := []string{"a", " ", "\t", "\n", "\r", "#", ":", "-", "'", "\u0085", "\x7f"}
	out := []string{""}
	for prev := []string{""}; len(prev[0]) < 4; {
		var next []string
		for _, p := range prev {
			for _, c := range alphabet {
				next = append(next, p+c)
			}
		}
		out, prev = append(out, next...), next
	}
	return out
}

// readBack checks that the rendered node, written by yaml.v3, reads back
// as obj both to yaml.v3 (kyaml, kustomize, kpt) and to sigs.k8s.io/yaml,
// the YAML 1.1 reader of kubectl and client-go.
func readBack(t *testing.T, n *yaml.RNode, obj map[string]any) {
	t.Helper()
	text, err := n.String()
	if err != nil {
		t.Fatalf("yaml.v3 cannot write the node: %v", err)
	}
	var v3 map[string]any
	if err := yaml.Unmarshal([]byte(text), &v3); err != nil {
		t.Fatalf("yaml.v3 cannot read what it wrote: %v\n%s", err, text)
	}
	var v1 map[string]any
	if err := sigsyaml.Unmarshal([]byte(text), &v1); err != nil {
		t.Fatalf("sigs.k8s.io/yaml cannot read it: %v\n%s", err, text)
	}
	for k, want := range obj {
		if !reflect.DeepEqual(v3[k], want) {
			t.Errorf("yaml.v3 reads %q back as %#v, not %#v", k, v3[k], want)
		}
		if !reflect.DeepEqual(v1[k], want) {
			t.Errorf("sigs.k8s.io/yaml reads %q back as %#v, not %#v", k, v1[k], want)
		}
	}
}

// TestRenderKeepsEveryString: every string, as a value, a list element or
// a key, is written so that every YAML reader reads back the same string.
func TestRenderKeepsEveryString(t *testing.T) {
	all := append(shortStrings(), trickyStrings...)
	values, keys := map[string]any{}, map[string]any{}
	var elems []any
	for i, s := range all {
		values[fmt.Sprintf("k%06d", i)] = s
		elems = append(elems, s)
		if !riskyBlock(s, true) {
			keys[s] = "v"
		}
	}
	deep := func() map[string]any {
		return map[string]any{"a": map[string]any{"b": []any{map[string]any{"c": copyMap(values)}}}}
	}
	for name, obj := range map[string]func() map[string]any{
		"values": func() map[string]any { return copyMap(values) },
		"keys":   func() map[string]any { return copyMap(keys) },
		"deep":   deep,
	} {
		n, err := render(obj())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		readBack(t, n, obj())
	}
	n, err := render(map[string]any{"list": append([]any(nil), elems...)})
	if err != nil {
		t.Fatal(err)
	}
	text := n.MustString()
	var back struct{ List []string }
	if err := sigsyaml.Unmarshal([]byte(text), &back); err != nil || len(back.List) != len(elems) {
		t.Fatalf("list of %d strings read back as %d (%v)", len(elems), len(back.List), err)
	}
	for i, s := range back.List {
		if s != elems[i] {
			t.Errorf("list element %d: %q read back as %q", i, elems[i], s)
		}
	}
}

func copyMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// TestRenderCorrections: what render corrects, and that yaml.v3 alone
// still gets it wrong (when it no longer does, the correction can go).
func TestRenderCorrections(t *testing.T) {
	for _, tc := range []struct {
		name string
		obj  func() map[string]any
		path []string // to the corrected string; nil: the first key
	}{
		{"merge key as a value", func() map[string]any { return map[string]any{"k": "<<"} }, []string{"k"}},
		{"merge key as a key", func() map[string]any { return map[string]any{"<<": "v"} }, nil},
		{"tab-led lines", func() map[string]any { return map[string]any{"k": "\ta\nb"} }, []string{"k"}},
		{"line break first, in a list", func() map[string]any { return map[string]any{"k": []any{"\nset -e\n"}} }, []string{"k", "0"}},
		{"space first, in a list", func() map[string]any { return map[string]any{"k": []any{" a\n"}} }, []string{"k", "0"}},
		{"space first, in a list in a list", func() map[string]any { return map[string]any{"k": []any{[]any{" a\n"}}} }, []string{"k", "0", "0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if keptAlone(tc.obj(), tc.path) {
				t.Errorf("yaml.v3 alone now keeps %#v: drop its correction from render", tc.obj())
			}
			n, err := render(tc.obj())
			if err != nil {
				t.Fatal(err)
			}
			var s *yaml.Node
			if tc.path == nil {
				s = n.YNode().Content[0] // the key
			} else {
				f, err := n.Pipe(yaml.Lookup(tc.path...))
				if err != nil || f == nil {
					t.Fatalf("no %v: %v", tc.path, err)
				}
				s = f.YNode()
			}
			if s.Style != yaml.DoubleQuotedStyle || s.Tag != yaml.NodeTagString {
				t.Errorf("style %v tag %s, want a double-quoted !!str", s.Style, s.Tag)
			}
			var got map[string]any
			if err := yaml.Unmarshal([]byte(n.MustString()), &got); err != nil || fmt.Sprint(got) != fmt.Sprint(tc.obj()) {
				t.Errorf("read back as %#v (%v), want %#v", got, err, tc.obj())
			}
		})
	}
	if _, err := render(map[string]any{"\ta\nb": "v"}); err == nil || !strings.Contains(err.Error(), `"\ta\nb"`) {
		t.Errorf("a tab-led multi-line key: got %v, want an error naming it", err)
	}
	// Strings the correction need not touch keep yaml.v3's literal style.
	for _, obj := range []map[string]any{{"k": []any{"set -e\n  run\n"}}, {"k": "\nfirst blank\n"}, {"k": " lead\nx"}} {
		n, err := render(copyMap(obj))
		if err != nil {
			t.Fatal(err)
		}
		v := n.YNode().Content[1]
		if v.Kind == yaml.SequenceNode {
			v = v.Content[0]
		}
		if v.Style != yaml.LiteralStyle {
			t.Errorf("%#v: style %v, want a literal block", obj, v.Style)
		}
	}
}

// keptAlone reports whether yaml.v3 alone encodes obj into a node that it
// writes and reads back (through kyaml, as every function after eds-fn
// does) with the string at path still a string of the same value.
func keptAlone(obj map[string]any, path []string) bool {
	n := &yaml.Node{}
	if n.Encode(obj) != nil {
		return false
	}
	text, err := yaml.NewRNode(n).String()
	if err != nil {
		return false
	}
	back, err := yaml.Parse(text)
	if err != nil {
		return false
	}
	var s *yaml.Node
	if path == nil {
		s = back.YNode().Content[0]
	} else if f, err := back.Pipe(yaml.Lookup(path...)); err == nil && f != nil {
		s = f.YNode()
	}
	var want any = obj
	for _, p := range path {
		switch w := want.(type) {
		case map[string]any:
			want = w[p]
		case []any:
			want = w[0]
		}
	}
	if path == nil {
		for k := range obj {
			want = k
		}
	}
	return s != nil && s.Tag == yaml.NodeTagString && s.Value == want
}

// FuzzRender: any key and value render and read back as themselves.
func FuzzRender(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, k, v string) {
		if riskyBlock(k, true) || !utf8Valid(k) || !utf8Valid(v) {
			return // refused; invalid UTF-8 is not text JSON or YAML can carry
		}
		for _, obj := range []func() map[string]any{
			func() map[string]any { return map[string]any{k: v} },
			func() map[string]any { return map[string]any{"list": []any{k, v}} },
		} {
			n, err := render(obj())
			if err != nil {
				t.Fatal(err)
			}
			readBack(t, n, obj())
		}
	})
}

func utf8Valid(s string) bool { return utf8.ValidString(s) }
