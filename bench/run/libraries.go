package main

import (
	"fmt"
	"path/filepath"

	"github.com/bizmatters/eds-fn/bench"
)

// libraries times eds-fn against itself built with "-tags library_yaml",
// where generated objects are rendered by sigs.k8s.io/yaml and kyaml's
// parser and every item is written by yaml.v3's encoder: what the
// hand-written paths (generator/yamlnode.go, internal/cli/emit.go) buy. Both print the same bytes.
func (r *runner) libraries() error {
	lib := filepath.Join(r.dir, "eds-fn-library-yaml")
	if err := goBuild(lib, "github.com/bizmatters/eds-fn", "library_yaml"); err != nil {
		return err
	}
	r.printf("## What the hand-written YAML paths buy\n\n")
	r.printf("eds-fn against itself built with `-tags library_yaml`: objects rendered by sigs.k8s.io/yaml and kyaml's parser, every item written by yaml.v3's encoder. Each row is its own group, interleaved.\n\n")
	r.printf("| Input | Runs | eds-fn | library_yaml | Ratio | eds-fn peak RSS | library_yaml peak RSS | Same bytes |\n|---|---:|---:|---:|---:|---:|---:|---|\n")
	type input struct {
		name string
		data []byte
		runs int
	}
	inputs := []input{
		{"one service (generator position)", bench.GeneratorList(0), 41},
		{"100 services", bench.ItemsList(100), 11},
		{"1,000 services", bench.ItemsList(1000), 7},
	}
	if !r.quick {
		inputs = append(inputs, input{"10,000 services", bench.ItemsList(10000), 3})
	}
	for i, in := range inputs {
		file := r.write(fmt.Sprintf("libraries-%d.yaml", i), in.data)
		g := group{Runs: r.runs(in.runs), Commands: []command{
			{Name: "eds-fn", Args: []string{r.bin}, Stdin: file, Out: filepath.Join(r.dir, "fast.out")},
			{Name: "library_yaml", Args: []string{lib}, Stdin: file, Out: filepath.Join(r.dir, "library.out")},
		}}
		res, err := r.measure(g)
		if err != nil {
			return err
		}
		same := hashFile(g.Commands[0].Out) == hashFile(g.Commands[1].Out)
		f, l := median(res[0], wall), median(res[1], wall)
		r.printf("| %s | %d | %s | %s | %.2f× | %.1f MiB | %.1f MiB | %v |\n", in.name, g.Runs, ms(f), ms(l), l/f,
			mib(median(res[0], rss)), mib(median(res[1], rss)), same)
		if !same {
			return fmt.Errorf("%s: eds-fn and its library_yaml build print different bytes", in.name)
		}
	}
	r.printf("\n")
	return nil
}
