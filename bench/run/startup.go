package main

import (
	"fmt"

	"github.com/bizmatters/eds-fn/bench"
)

// startup: one service in kustomize's generator position, and the version
// command (start-up alone).
func (r *runner) startup() error {
	in := r.write("generator-position.yaml", bench.GeneratorList(0))
	g := group{Runs: r.runs(41), Commands: []command{
		{Name: "cat (baseline)", Args: []string{"cat"}, Stdin: in},
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
	w, m := median(res[2], wall), median(res[2], rss)
	r.verdict("one service: median wall ≤ 10 ms", w <= 10, fmt.Sprintf("%.1f ms (cat %.1f ms)", w, median(res[0], wall)))
	r.verdict("one service: peak RSS ≤ 20 MiB", mib(m) <= 20, fmt.Sprintf("%.1f MiB", mib(m)))
	return nil
}
