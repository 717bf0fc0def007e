package bench

import (
	"bytes"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

// TestTransformerListNamesAreDistinct: a template verb that fmt cannot
// parse once gave all 1,000 ScaledObjects one name, and the benchmark
// measured something else than it said.
func TestTransformerListNamesAreDistinct(t *testing.T) {
	rw := &kio.ByteReadWriter{Reader: bytes.NewReader(TransformerList(300, 30))}
	items, err := rw.Read()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, it := range items {
		id := it.GetKind() + "/" + it.GetNamespace() + "/" + it.GetName()
		if seen[id] || bytes.Contains([]byte(id), []byte("%!")) {
			t.Fatalf("%s appears twice or is misformatted", id)
		}
		seen[id] = true
	}
	if len(seen) != 300 {
		t.Fatalf("%d distinct objects, want 300", len(seen))
	}
}
