package main

import (
	"fmt"
	"path/filepath"

	"github.com/bizmatters/eds-fn/bench"
)

// startup: one service in kustomize's generator position, and the version
// command (start-up alone), against cat, a Go program that does nothing
// (bench/noop, built with eds-fn's flags) and the base build.
func (r *runner) startup() error {
	noop := filepath.Join(r.dir, "noop")
	if err := goBuild("", noop, "github.com/bizmatters/eds-fn/bench/noop"); err != nil {
		return err
	}
	in := r.write("generator-position.yaml", bench.GeneratorList(0))
	g := group{Runs: r.runs(41), Commands: []command{
		{Name: "cat (baseline)", Args: []string{"cat"}, Stdin: in},
		{Name: "a Go program that does nothing (bench/noop)", Args: []string{noop}, Stdin: in},
		{Name: "eds-fn version", Args: []string{r.bin, "version"}},
		{Name: "eds-fn, one service (generator position)", Args: []string{r.bin}, Stdin: in},
	}}
	if r.base != "" {
		g.Commands = append(g.Commands, command{Name: r.baseName() + ", one service", Args: []string{r.base}, Stdin: in})
	}
	res, err := r.measure(g)
	if err != nil {
		return err
	}
	r.printf("### Start-up: one EventDrivenService through the binary\n\n")
	r.printf("A ResourceList on stdin (%d bytes) → the service and its four objects on stdout; %d runs each, interleaved.\n\n", size(in), g.Runs)
	r.table(g, res, 0)
	w, m := median(res[3], wall), mib(median(res[3], rss))
	nw := median(res[1], wall)
	r.row(row{Order: "z", What: "one service: wall time", Figure: ms(w), Against: fmt.Sprintf("a Go program that does nothing: %s", ms(nw)),
		Ratio: ratio(w / nw)})
	r.row(row{Order: "z", What: "one service: wall time", Figure: ms(w), Against: fmt.Sprintf("cat: %s", ms(median(res[0], wall))),
		Ratio: ratio(w / median(res[0], wall))})
	r.row(row{Order: "z", What: "one service: peak RSS", Figure: fmt.Sprintf("%.1f MiB", m), Against: "—", Ratio: "—",
		Target: "≤ 20 MiB", Met: m <= 20})
	if r.base != "" {
		bw, bm := median(res[4], wall), mib(median(res[4], rss))
		r.row(row{Order: "z", What: "one service: wall time and peak RSS", Figure: fmt.Sprintf("%s, %.1f MiB", ms(w), m),
			Against: fmt.Sprintf("%s: %s, %.1f MiB", r.baseName(), ms(bw), bm), Ratio: fmt.Sprintf("%s, %s", ratio(w/bw), ratio(m/bm))})
	}
	return nil
}
