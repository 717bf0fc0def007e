package main

import (
	"fmt"
	"path/filepath"

	"github.com/bizmatters/eds-fn/bench"
)

// startup: one service in kustomize's generator position, and the version
// command (start-up alone), against cat and a Go program that does nothing
// (bench/noop, built with eds-fn's flags).
func (r *runner) startup() error {
	noop := filepath.Join(r.dir, "noop")
	if err := goBuild(noop, "github.com/bizmatters/eds-fn/bench/noop"); err != nil {
		return err
	}
	in := r.write("generator-position.yaml", bench.GeneratorList(0))
	g := group{Runs: r.runs(41), Commands: []command{
		{Name: "cat (baseline)", Args: []string{"cat"}, Stdin: in},
		{Name: "a Go program that does nothing (bench/noop)", Args: []string{noop}, Stdin: in},
		{Name: "eds-fn version", Args: []string{r.bin, "version"}},
		{Name: "eds-fn, one service (generator position)", Args: []string{r.bin}, Stdin: in},
	}}
	res, err := r.measure(g)
	if err != nil {
		return err
	}
	r.printf("## Start-up: one EventDrivenService through the binary\n\n")
	r.printf("ResourceList on stdin (%d bytes) → the service and its four objects on stdout; %d runs each.\n\n", size(in), g.Runs)
	r.table(g, res, 0)
	w, m := median(res[3], wall), median(res[3], rss)
	nw := median(res[1], wall)
	r.verdict("one service: ≤ 5× a Go program that does nothing", w <= 5*nw, fmt.Sprintf("%.2f× (%.1f ms against %.1f ms)", w/nw, w, nw))
	r.verdict("one service: median wall ≤ 10 ms", w <= 10, fmt.Sprintf("%.1f ms (cat %.1f ms)", w, median(res[0], wall)))
	r.verdict("one service: peak RSS ≤ 20 MiB", mib(m) <= 20, fmt.Sprintf("%.1f MiB", mib(m)))
	return nil
}
