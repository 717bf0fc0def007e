package bench

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

// TestCanonicalObjects: the helm row's "same objects" check ignores what
// two renderers may differ in (key order, comments, document order) and
// nothing else.
func TestCanonicalObjects(t *testing.T) {
	base := "a: 1\nb: {c: x, d: \"1\"}\n---\nkind: K\n"
	for _, tc := range []struct {
		name, other string
		same        bool
	}{
		{"key order, comments, document order", "# Source: x\nkind: K\n---\nb:\n  d: \"1\"\n  c: x\na: 1\n", true},
		{"a string for a number", "a: 1\nb: {c: x, d: 1}\n---\nkind: K\n", false},
		{"a value", "a: 1\nb: {c: y, d: \"1\"}\n---\nkind: K\n", false},
		{"an object fewer", "a: 1\nb: {c: x, d: \"1\"}\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := CanonicalObjects([]byte(base))
			if err != nil {
				t.Fatal(err)
			}
			b, err := CanonicalObjects([]byte(tc.other))
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Equal(a, b); got != tc.same {
				t.Errorf("same = %v, want %v:\n%q\n%q", got, tc.same, a, b)
			}
		})
	}
}

// TestWriteHelm: the chart, a values file of n services and the same n
// services as files.
func TestWriteHelm(t *testing.T) {
	h, err := WriteHelm(t.TempDir(), 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"Chart.yaml", "values.yaml", "templates/_helpers.tpl", "templates/deployment.yaml"} {
		if _, err := os.Stat(filepath.Join(h.Chart, f)); err != nil {
			t.Error(err)
		}
	}
	nodes, err := kio.LocalPackageReader{PackagePath: h.Services}.Read()
	if err != nil || len(nodes) != 3 {
		t.Fatalf("%d services, %v; want 3", len(nodes), err)
	}
	values, err := CanonicalObjects([]byte(HelmValues(3)))
	if err != nil || len(values) != 1 {
		t.Fatalf("values: %v, %v", values, err)
	}
}
