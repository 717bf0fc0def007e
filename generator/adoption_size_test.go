package generator_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// selector is an adoption.selector of n entries, each key of keyLen
// characters (a DNS prefix and a name) and a short value.
func selector(n, keyLen int) string {
	var b strings.Builder
	b.WriteString("  adoption:\n    selector: {")
	prefix := strings.Repeat("p", max(1, keyLen-len("/key-00000")-len(".io"))) + ".io"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s/key-%05d: value-%05d", prefix, i, i)
	}
	b.WriteString("}\n")
	return b.String()
}

// TestAdoptionSelectorSizes: a selector of 0 entries is refused, one of 1,
// 100 and 10,000 short labels generates (every label on the Deployment's
// selector, its pods and the Service's selector), and one whose keys and
// values pass v1alpha1.MaxSelectorBytes (10,000 labels with long prefixes)
// is refused at once, naming the field, because no Deployment holding it
// twice can be stored.
func TestAdoptionSelectorSizes(t *testing.T) {
	for _, tc := range []struct {
		n, keyLen int
		want      string // an error's text; empty for none
	}{
		{0, 0, "spec.adoption.selector: Invalid value: \"{}\": must select something"},
		{1, 20, ""},
		{100, 20, ""},
		{10000, 20, ""},
		{10000, 100, "spec.adoption.selector: Invalid value: \"(10000 entries)\": has 1110000 bytes of keys and values"},
	} {
		t.Run(fmt.Sprintf("%d entries of %d", tc.n, tc.keyLen), func(t *testing.T) {
			start := time.Now()
			expanded, results := generator.ExpandAll([]*yaml.RNode{eds("w", selector(tc.n, tc.keyLen))}, nil)
			took := time.Since(start)
			if tc.want != "" {
				if !krm.HasErrors(results) || !strings.Contains(text(results), tc.want) {
					t.Fatalf("want an error %q, got:\n%s", tc.want, text(results))
				}
				if len(results) > 2 {
					t.Errorf("want one error for the selector's size, got %d results:\n%s", len(results), text(results))
				}
				return
			}
			if krm.HasErrors(results) {
				t.Fatalf("does not generate:\n%s", text(results))
			}
			for _, o := range expanded[0].Objects {
				data, err := o.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				if len(data) > generator.MaxPatchBytes {
					t.Errorf("%s is %d bytes: more than the API server stores", o.GetKind(), len(data))
				}
				var paths [][]string
				switch o.GetKind() {
				case "Deployment":
					paths = [][]string{{"spec", "selector", "matchLabels"}, {"spec", "template", "metadata", "labels"}}
				case "Service":
					paths = [][]string{{"spec", "selector"}}
				}
				for _, p := range paths {
					m, err := o.Pipe(yaml.Lookup(p...))
					if err != nil || m == nil {
						t.Fatalf("%s has no %v", o.GetKind(), p)
					}
					fields, _ := m.Fields()
					if got := len(fields); got < tc.n {
						t.Errorf("%s %v has %d labels, want the selector's %d", o.GetKind(), p, got, tc.n)
					}
				}
			}
			// 10,000 labels generate in a few seconds on a loaded machine.
			if took > 30*time.Second {
				t.Errorf("took %v", took)
			}
			t.Logf("%d entries: %v", tc.n, took)
		})
	}
	if v1alpha1.MaxSelectorBytes*2 > generator.MaxPatchBytes {
		t.Errorf("MaxSelectorBytes %d: twice it is more than the API server stores", v1alpha1.MaxSelectorBytes)
	}
}

func text(results krm.Results) string {
	var b strings.Builder
	for _, r := range results {
		if r.Field != nil {
			b.WriteString(r.Field.Path + ": ")
		}
		b.WriteString(r.Message + "\n")
	}
	return b.String()
}
