package main

import (
	"fmt"

	"github.com/bizmatters/eds-fn/bench"
)

func (r *runner) transformer() error {
	in := r.write("transformer.yaml", bench.TransformerList(10000, 1000))
	g := group{Runs: r.runs(11), Commands: []command{
		{Name: "cat (baseline)", Args: []string{"cat"}, Stdin: in},
		{Name: "eds-fn, NATSHeadlessEndpoint", Args: []string{r.bin}, Stdin: in},
	}}
	res, err := r.measure(g)
	if err != nil {
		return err
	}
	r.printf("## The transformer over 10,000 resources, 1,000 of them ScaledObjects\n\n")
	r.printf("Input %s; every ScaledObject's nats-jetstream trigger is repaired; %d runs.\n\n", human(size(in)), g.Runs)
	r.table(g, res, 0)
	w := median(res[1], wall)
	r.verdict("transformer, 10,000 resources: ≤ 1 s", w <= 1000, fmt.Sprintf("%.0f ms", w))
	return nil
}
