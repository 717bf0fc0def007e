package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"time"
)

// command is one command line to time.
type command struct {
	Name  string   // as reported
	Args  []string // argv; Args[0] is looked up on PATH
	Stdin string   // file, or "" for /dev/null
	Dir   string   // working directory, or ""
	Env   []string // added to the environment
	Out   string   // file for stdout, or "" for /dev/null
}

// sample is one run of a command.
type sample struct {
	Wall   time.Duration
	MaxRSS int64 // KiB
	Exit   int
}

type group struct {
	Commands []command
	Runs     int
}

// table prints a group's medians, with ratios against command base.
func (r *runner) table(g group, res [][]sample, base int) {
	r.printf("| Command | Median wall | Min–max | Peak RSS (median) | Wall vs %s |\n|---|---:|---:|---:|---:|\n", g.Commands[base].Name)
	bw := median(res[base], wall)
	for i, c := range g.Commands {
		ws := values(res[i], wall)
		r.printf("| %s | %.1f ms | %.1f–%.1f ms | %.1f MiB | %.2f× |\n", c.Name, median(res[i], wall), slices.Min(ws), slices.Max(ws), mib(median(res[i], rss)), median(res[i], wall)/bw)
	}
	r.printf("\n")
}

// measure runs a group in a helper process and checks every exit code.
func (r *runner) measure(g group) ([][]sample, error) {
	spec, err := json.Marshal(g)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(r.spawn)
	cmd.Stdin = bytes.NewReader(spec)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("helper: %v\n%s", err, errOut.String())
	}
	var res [][]sample
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return nil, err
	}
	for i, c := range g.Commands {
		for _, s := range res[i] {
			if s.Exit != 0 {
				return nil, fmt.Errorf("%s exited %d", c.Name, s.Exit)
			}
		}
	}
	return res, nil
}

func wall(s sample) float64 { return float64(s.Wall) / float64(time.Millisecond) }
func rss(s sample) float64  { return float64(s.MaxRSS) }
func mib(kib float64) float64 {
	return kib / 1024
}

func values(ss []sample, f func(sample) float64) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

func median(ss []sample, f func(sample) float64) float64 {
	v := values(ss, f)
	slices.Sort(v)
	if len(v) == 0 {
		return 0
	}
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
