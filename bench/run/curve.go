package main

import (
	"fmt"

	"github.com/bizmatters/eds-fn/bench"
)

// curve: 1 to 10,000 services as the items of one ResourceList, and 1,000
// in bulk mode.
func (r *runner) curve() error {
	ns := []int{1, 10, 100, 1000, 10000}
	runs := map[int]int{1: 21, 10: 21, 100: 11, 1000: 7, 10000: 3}
	if r.quick {
		ns = ns[:4]
	}
	r.printf("## Many services in one ResourceList\n\n")
	r.printf("N services as items (kpt's way: the function generates each in place). Each row is its own group with `cat` of the same input as baseline.\n\n")
	r.printf("| Services | Input | Runs | cat | eds-fn wall | per service | eds-fn peak RSS | vs cat |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	walls := map[int]float64{}
	for _, n := range ns {
		in := r.write(fmt.Sprintf("items-%d.yaml", n), bench.ItemsList(n))
		g := group{Runs: r.runs(runs[n]), Commands: []command{
			{Name: "cat", Args: []string{"cat"}, Stdin: in},
			{Name: "eds-fn", Args: []string{r.bin}, Stdin: in},
		}}
		res, err := r.measure(g)
		if err != nil {
			return err
		}
		c, w, m := median(res[0], wall), median(res[1], wall), median(res[1], rss)
		walls[n] = w
		r.printf("| %d | %s | %d | %.1f ms | %.1f ms | %.0f µs | %.1f MiB | %.1f× |\n", n, human(size(in)), g.Runs, c, w, 1000*w/float64(n), mib(m), w/c)
		switch n {
		case 1000:
			r.verdict("1,000 services: ≤ 0.4 s", w <= 400, fmt.Sprintf("%.0f ms", w))
			r.verdict("1,000 services: ≤ 150 MiB", mib(m) <= 150, fmt.Sprintf("%.1f MiB", mib(m)))
		case 10000:
			r.verdict("10,000 services: ≤ 10 s", w <= 10000, fmt.Sprintf("%.2f s", w/1000))
		}
	}
	r.printf("\n")
	if w1k, w10k := walls[1000], walls[10000]; w1k > 0 && w10k > 0 {
		per1k, per10k := w1k/1000, w10k/10000
		r.printf("Linearity: 10,000 services take %.1f× the time of 1,000 (per service %.0f µs against %.0f µs).\n\n", w10k/w1k, 1000*per10k, 1000*per1k)
		r.verdict("growing linearly (10,000 vs 1,000)", w10k/w1k <= 12, fmt.Sprintf("%.1f× for 10× the services", w10k/w1k))
	}

	in := r.write("bulk-1000.yaml", bench.BulkList(1000))
	g := group{Runs: r.runs(7), Commands: []command{
		{Name: "cat (baseline)", Args: []string{"cat"}, Stdin: in},
		{Name: "eds-fn, bulk mode, 1,000 services", Args: []string{r.bin}, Stdin: in},
	}}
	res, err := r.measure(g)
	if err != nil {
		return err
	}
	r.printf("Bulk mode (ExpandEventDrivenServices), 1,000 services, %d runs:\n\n", g.Runs)
	r.table(g, res, 0)
	return nil
}
