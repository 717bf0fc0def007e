package cli

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/bizmatters/eds-fn/bench"
	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/bizmatters/eds-fn/internal/resourcelist"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestWriteObjectsMatchesByteWriter: generate writes its objects with the
// exec plugin's writer instead of kio.ByteWriter, byte for byte the same
// stream, for the objects of every valid golden case and example, all of
// them at once, and the bench's 50 services.
func TestWriteObjectsMatchesByteWriter(t *testing.T) {
	var paths []string
	for _, glob := range []string{"../../generator/testdata/*/config.yaml", "../../examples/*", "testdata/kpt/*"} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	h, err := bench.WriteHelm(t.TempDir(), 50)
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, h.Services)
	var all []*yaml.RNode
	cases := 0
	check := func(name string, objs []*yaml.RNode) {
		t.Helper()
		var want, got bytes.Buffer
		if err := (kio.ByteWriter{Writer: &want}).Write(copies(objs)); err != nil {
			t.Fatal(err)
		}
		if err := writeObjects(&got, copies(objs)); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.String(), got.String()); diff != "" {
			t.Errorf("%s: writeObjects differs from kio.ByteWriter (-ByteWriter +writeObjects):\n%s", name, diff)
		}
		cases++
	}
	for _, p := range paths {
		nodes, err := readPackage(p)
		if err != nil {
			t.Fatal(err)
		}
		var inputs []*yaml.RNode
		for _, n := range nodes {
			if generator.IsEventDrivenService(n) {
				resourcelist.KeepValues(n.YNode())
				inputs = append(inputs, n)
			}
		}
		expanded, results := generator.ExpandAll(inputs, nil)
		if len(inputs) == 0 || krm.HasErrors(results) {
			continue
		}
		var objs []*yaml.RNode
		for _, e := range expanded {
			for _, o := range e.Objects {
				resourcelist.KeepValues(o.YNode())
			}
			objs = append(objs, e.Objects...)
		}
		check(p, objs)
		all = append(all, objs...)
	}
	check("all at once", all)
	if cases < 12 {
		t.Fatalf("only %d cases: the globs found too little", cases)
	}
}

func copies(objs []*yaml.RNode) []*yaml.RNode {
	out := make([]*yaml.RNode, len(objs))
	for i, o := range objs {
		out[i] = o.Copy()
	}
	return out
}
