package main

import (
	"fmt"
	"path/filepath"

	"github.com/bizmatters/eds-fn/bench"
)

// point is one size of the curve: medians in ms and MiB; the base's are 0
// without a base build.
type point struct {
	N                 int
	Cat, Wall, RSS    float64
	BaseWall, BaseRSS float64
}

// curve: 1 to 10,000 services as the items of one ResourceList, against
// cat and the base build, and 1,000 in bulk mode.
func (r *runner) curve() error {
	ns := []int{1, 10, 100, 1000, 10000}
	runs := map[int]int{1: 21, 10: 21, 100: 11, 1000: 7, 10000: 3}
	if r.quick {
		ns = ns[:4]
	}
	base := r.baseName()
	r.printf("### Many services in one ResourceList\n\n")
	r.printf("N services as items, no functionConfig (kpt's way: the function generates each in place). Each size is its own group: `cat` of the same input, eds-fn")
	if base != "" {
		r.printf(" and %s", base)
	}
	r.printf(", interleaved. Outputs go to files, which are compared.\n\n")
	r.printf("| Services | Input | Runs | cat | eds-fn | per service | eds-fn peak RSS |")
	if base != "" {
		r.printf(" %[1]s | %[1]s peak RSS | time vs base | memory vs base | same bytes |", base)
	}
	r.printf("\n|---:|---:|---:|---:|---:|---:|---:|")
	if base != "" {
		r.printf("---:|---:|---:|---:|---|")
	}
	r.printf("\n")
	byN := map[int]point{}
	for _, n := range ns {
		in := r.write(fmt.Sprintf("items-%d.yaml", n), bench.ItemsList(n))
		g := group{Runs: r.runs(runs[n]), Commands: []command{
			{Name: "cat", Args: []string{"cat"}, Stdin: in, Out: filepath.Join(r.dir, "cat.out")},
			{Name: "eds-fn", Args: []string{r.bin}, Stdin: in, Out: filepath.Join(r.dir, "eds-fn.out")},
		}}
		if base != "" {
			g.Commands = append(g.Commands, command{Name: base, Args: []string{r.base}, Stdin: in, Out: filepath.Join(r.dir, "base.out")})
		}
		r.progress("curve: %s services, %d runs", count(n), g.Runs)
		res, err := r.measure(g)
		if err != nil {
			return err
		}
		p := point{N: n, Cat: median(res[0], wall), Wall: median(res[1], wall), RSS: mib(median(res[1], rss))}
		r.printf("| %s | %s | %d | %s | %s | %.0f µs | %.1f MiB |", count(n), human(size(in)), g.Runs, ms(p.Cat), ms(p.Wall), 1000*p.Wall/float64(n), p.RSS)
		if base != "" {
			p.BaseWall, p.BaseRSS = median(res[2], wall), mib(median(res[2], rss))
			same := hashFile(g.Commands[1].Out) == hashFile(g.Commands[2].Out)
			r.printf(" %s | %.1f MiB | %.2f× | %.2f× | %v |", ms(p.BaseWall), p.BaseRSS, p.Wall/p.BaseWall, p.RSS/p.BaseRSS, same)
		}
		r.printf("\n")
		byN[n] = p
		r.points = append(r.points, p)
	}
	r.printf("\n")
	r.curveRows(byN)
	if r.quick {
		r.printf("The 10,000-service case is left out of a smoke run (`-quick`).\n\n")
	}

	in := r.write("bulk-1000.yaml", bench.BulkList(1000))
	g := group{Runs: r.runs(7), Commands: []command{
		{Name: "cat (baseline)", Args: []string{"cat"}, Stdin: in},
		{Name: "eds-fn, bulk mode, 1,000 services", Args: []string{r.bin}, Stdin: in},
	}}
	if base != "" {
		g.Commands = append(g.Commands, command{Name: base + ", bulk mode, 1,000 services", Args: []string{r.base}, Stdin: in})
	}
	r.progress("curve: bulk mode, 1,000 services, %d runs", g.Runs)
	res, err := r.measure(g)
	if err != nil {
		return err
	}
	r.printf("Bulk mode (an ExpandEventDrivenServices functionConfig, as kustomize sends it), 1,000 services, %d runs:\n\n", g.Runs)
	r.table(g, res, 0)
	return nil
}

// curveRows adds the targets b (1,000 services against the base
// build) and c (linear to 10,000) to the summary.
func (r *runner) curveRows(byN map[int]point) {
	k, ok := byN[1000]
	if !ok {
		return
	}
	if r.base == "" {
		r.row(row{Order: "b1", What: "1,000 services in one ResourceList: wall time", Figure: ms(k.Wall), Against: "the base build", Target: "≤ 2×", Missing: r.baseNote})
		r.row(row{Order: "b2", What: "1,000 services in one ResourceList: peak RSS", Figure: fmt.Sprintf("%.1f MiB", k.RSS), Against: "the base build", Target: "≤ 1.6×", Missing: r.baseNote})
	} else {
		base := r.baseName()
		r.row(row{Order: "b1", What: "1,000 services in one ResourceList: wall time", Figure: ms(k.Wall),
			Against: fmt.Sprintf("%s: %s", base, ms(k.BaseWall)), Ratio: ratio(k.Wall / k.BaseWall),
			Target: "≤ 2×", Met: k.Wall <= 2*k.BaseWall})
		r.row(row{Order: "b2", What: "1,000 services in one ResourceList: peak RSS", Figure: fmt.Sprintf("%.1f MiB", k.RSS),
			Against: fmt.Sprintf("%s: %.1f MiB", base, k.BaseRSS), Ratio: ratio(k.RSS / k.BaseRSS),
			Target: "≤ 1.6×", Met: k.RSS <= 1.6*k.BaseRSS})
	}
	t, ok := byN[10000]
	if !ok {
		r.row(row{Order: "c", What: "10,000 services in one ResourceList: wall time (linear growth)", Against: fmt.Sprintf("1,000 services: %s", ms(k.Wall)),
			Target: "≤ 12× (10× the services)", Missing: "left out of a smoke run (`-quick`)"})
		return
	}
	r.row(row{Order: "c", What: "10,000 services in one ResourceList: wall time (linear growth)", Figure: ms(t.Wall),
		Against: fmt.Sprintf("1,000 services: %s", ms(k.Wall)), Ratio: ratio(t.Wall / k.Wall),
		Target: "≤ 12× (10× the services)", Met: t.Wall <= 12*k.Wall})
	r.row(row{Order: "z", What: "10,000 services: peak RSS", Figure: fmt.Sprintf("%.1f MiB", t.RSS),
		Against: fmt.Sprintf("1,000 services: %.1f MiB", k.RSS), Ratio: ratio(t.RSS / k.RSS)})
	if r.base != "" {
		r.row(row{Order: "z", What: "10,000 services: wall time", Figure: ms(t.Wall),
			Against: fmt.Sprintf("%s: %s", r.baseName(), ms(t.BaseWall)), Ratio: ratio(t.Wall / t.BaseWall)})
	}
}
