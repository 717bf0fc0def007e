package main

import (
	"fmt"
	"path/filepath"

	"github.com/bizmatters/eds-fn/bench"
)

// transformer: NATSHeadlessEndpoint over 10,000 resources, 1,000 of them
// ScaledObjects, against cat and the base build.
func (r *runner) transformer() error {
	in := r.write("transformer.yaml", bench.TransformerList(10000, 1000))
	g := group{Runs: r.runs(11), Commands: []command{
		{Name: "cat (baseline)", Args: []string{"cat"}, Stdin: in},
		{Name: "eds-fn, NATSHeadlessEndpoint", Args: []string{r.bin}, Stdin: in, Out: filepath.Join(r.dir, "transformer.out")},
	}}
	if r.base != "" {
		g.Commands = append(g.Commands, command{Name: r.baseName() + ", NATSHeadlessEndpoint", Args: []string{r.base}, Stdin: in, Out: filepath.Join(r.dir, "transformer-base.out")})
	}
	res, err := r.measure(g)
	if err != nil {
		return err
	}
	r.printf("### The transformer over 10,000 resources, 1,000 of them ScaledObjects\n\n")
	r.printf("Input %s; every ScaledObject's nats-jetstream trigger is repaired; %d runs, interleaved.\n\n", human(size(in)), g.Runs)
	r.table(g, res, 0)
	w := median(res[1], wall)
	x := row{Order: "z", What: "transformer, 10,000 resources: wall time", Figure: ms(w), Against: "—", Ratio: "—", Target: "≤ 1 s", Met: w <= 1000}
	if r.base != "" {
		bw := median(res[2], wall)
		x.Against, x.Ratio = fmt.Sprintf("%s: %s", r.baseName(), ms(bw)), ratio(w/bw)
		same := hashFile(g.Commands[1].Out) == hashFile(g.Commands[2].Out)
		r.printf("eds-fn and %s print the same bytes: %v.\n\n", r.baseName(), same)
	}
	r.row(x)
	return nil
}
