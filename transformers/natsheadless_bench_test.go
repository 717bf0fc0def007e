package transformers_test

import (
	"bytes"
	"testing"

	"github.com/bizmatters/eds-fn/bench"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/bizmatters/eds-fn/transformers"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// BenchmarkNATSHeadless is the transformer alone over 10,000 resources of
// which 1,000 are ScaledObjects to repair, without parsing and writing the
// ResourceList (internal/cli's BenchmarkRunFunctionNATSHeadless has those).
func BenchmarkNATSHeadless(b *testing.B) {
	rw := &kio.ByteReadWriter{Reader: bytes.NewReader(bench.TransformerList(10000, 1000))}
	items, err := rw.Read()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		rl := &krm.ResourceList{FunctionConfig: rw.FunctionConfig.Copy()}
		for _, it := range items {
			rl.Items = append(rl.Items, it.Copy())
		}
		b.StartTimer()
		if err := (transformers.NATSHeadless{}).Process(rl); err != nil {
			b.Fatal(err)
		}
	}
}
