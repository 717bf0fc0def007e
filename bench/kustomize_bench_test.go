package bench_test

import (
	"os"
	"testing"

	"github.com/bizmatters/eds-fn/bench"
	"github.com/bizmatters/eds-fn/internal/cli"
	"github.com/bizmatters/eds-fn/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}

// BenchmarkKustomizeBuild is kustomize build of 50 services, in process, in
// every form of bench.Kustomizations. The zero-work forms are what to
// profile to see kustomize's function plumbing alone:
//
//	go test -run '^$' -bench 'KustomizeBuild/bulk-zero-work' -cpuprofile cpu.out ./bench
func BenchmarkKustomizeBuild(b *testing.B) {
	k, err := bench.WriteKustomizations(b.TempDir(), 50)
	if err != nil {
		b.Fatal(err)
	}
	testutil.OnPath(b)
	pluginHome(b)
	want := build(b, k.HandWritten)
	for _, c := range []struct{ name, dir string }{
		{"hand-written", k.HandWritten},
		{"bulk", k.Bulk},
		{"bulk-zero-work", k.BulkZeroWork},
		{"generator-zero-work", k.GeneratorZeroWork},
		{"bulk-exec-plugin", k.BulkPlugin},
		{"per-file", k.PerFile},
		{"per-file-exec-plugin", k.PerFilePlugin},
	} {
		b.Run(c.name, func(b *testing.B) {
			// The first build also fills the zero-work script's cache.
			if got := build(b, c.dir); got != want {
				b.Fatalf("%s prints other objects than the hand-written build", c.name)
			}
			for b.Loop() {
				build(b, c.dir)
			}
		})
	}
}

// TestKustomizations checks that every form of the 50-service build prints
// the same objects, so that the benchmarks compare the same work.
func TestKustomizations(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 50 services seven ways")
	}
	k, err := bench.WriteKustomizations(t.TempDir(), 50)
	if err != nil {
		t.Fatal(err)
	}
	testutil.OnPath(t)
	pluginHome(t)
	want := build(t, k.HandWritten)
	for name, dir := range map[string]string{"bulk": k.Bulk, "bulk-zero-work": k.BulkZeroWork,
		"generator-zero-work": k.GeneratorZeroWork, "bulk-exec-plugin": k.BulkPlugin, "per-file": k.PerFile, "per-file-exec-plugin": k.PerFilePlugin} {
		for range 2 { // the zero-work script runs eds-fn the first time only
			if got := build(t, dir); got != want {
				t.Errorf("%s prints other objects than the hand-written build", name)
			}
		}
	}
}

// pluginHome links eds-fn into a kustomize exec plugin home and points
// KUSTOMIZE_PLUGIN_HOME at it.
func pluginHome(tb testing.TB) {
	tb.Helper()
	home := tb.TempDir()
	if _, err := cli.LinkPlugins(home, testutil.Binary(tb)); err != nil {
		tb.Fatal(err)
	}
	tb.Setenv("KUSTOMIZE_PLUGIN_HOME", home)
}

// build is kustomize build --enable-alpha-plugins --enable-exec dir.
func build(tb testing.TB, dir string) string {
	tb.Helper()
	out, err := testutil.Build(tb, dir)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
