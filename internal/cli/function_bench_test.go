package cli_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/bizmatters/eds-fn/bench"
	"github.com/bizmatters/eds-fn/internal/cli"
)

// BenchmarkRunFunction is the whole stdin→stdout path of the binary, minus
// process start-up: N services as items of one ResourceList (kpt's way), one
// service in kustomize's generator position, and bulk mode.
func BenchmarkRunFunction(b *testing.B) {
	b.Run("generator-position", func(b *testing.B) { benchRun(b, bench.GeneratorList(0)) })
	for _, n := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) { benchRun(b, bench.ItemsList(n)) })
	}
	for _, n := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("bulk=%d", n), func(b *testing.B) { benchRun(b, bench.BulkList(n)) })
	}
}

// BenchmarkRunFunctionNATSHeadless is the transformer over 10,000 resources
// of which 1,000 are ScaledObjects, through the same path.
func BenchmarkRunFunctionNATSHeadless(b *testing.B) {
	benchRun(b, bench.TransformerList(10000, 1000))
}

func benchRun(b *testing.B, in []byte) {
	b.Helper()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var errOut bytes.Buffer
	for b.Loop() {
		errOut.Reset()
		if code := cli.RunFunction(bytes.NewReader(in), io.Discard, &errOut, cli.DefaultProcessors); code != 0 {
			b.Fatalf("exit %d: %s", code, errOut.String())
		}
	}
}

// BenchmarkGenerateCommand is "eds-fn generate DIR" of 50 service files,
// the command bench/run times against helm template, minus process
// start-up.
func BenchmarkGenerateCommand(b *testing.B) {
	h, err := bench.WriteHelm(b.TempDir(), 50)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var out, errOut bytes.Buffer
	for b.Loop() {
		out.Reset()
		errOut.Reset()
		if code := cli.Main([]string{"generate", h.Services}, nil, &out, &errOut); code != 0 {
			b.Fatalf("exit %d: %s", code, errOut.String())
		}
	}
}
