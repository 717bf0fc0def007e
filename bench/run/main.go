// Command run times whole eds-fn commands, as kustomize, kpt and ArgoCD run
// them, and prints a Markdown report: the figures of BENCHMARKS.md.
//
//	go run ./bench/run -bin bin/eds-fn -kustomize bin/kustomize
//	go run ./bench/run ... -write BENCHMARKS.md -svg bench/curve.svg
//
// With -write it replaces what stands between the markers
// "<!-- bench:start -->" and "<!-- bench:end -->" of that file with the
// report, so the page shows what this program measured and nothing else;
// with -svg it draws the curve (time and peak memory against the number of
// services) into that file. "make bench" does both.
//
// It writes every input into a temporary directory (bench.Service and
// friends), then runs each group of commands several times, interleaved
// round by round so that a busy machine slows every command of a group alike,
// and reports the median wall time and the median peak RSS of each, and its
// ratio to what it is compared with, measured in the same group:
//
//   - start-up and one service: "cat" of the same input (a process that
//     reads stdin and writes stdout, nothing more), and a Go program that
//     does nothing (bench/noop);
//   - 1 to 10,000 services: cat of the same input, and eds-fn built from
//     an earlier commit (-base-ref, by default the last one with the
//     hand-written YAML paths), from this repository, in this run;
//   - kustomize: "kustomize build" of the same 200 objects written by hand,
//     and zero-work functions and plugin that print those objects without
//     computing anything: in bulk mode's transformer position (as a KRM
//     function and as an exec plugin) and as a generator (the floors that
//     kustomize's plumbing sets);
//   - the transformer: cat of the same input, and the earlier commit;
//   - eds-fn generate of 50 services: helm template of a chart that makes
//     the same objects (bench/chart; helm from bench/tools/helm).
//
// Peak RSS comes from wait4's rusage. A child started by vfork (as Go does)
// inherits its parent's peak in that figure, so every command is started by
// a small helper, bench/spawn (built into the temporary directory), whose
// own peak is the floor of every RSS reported; the report prints that floor.
package main

import (
	"bytes"
	"debug/buildinfo"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// defaultBaseRef is the last commit with the hand-written YAML paths
// (generator/typednode.go, yamlnode.go, internal/resourcelist/emit.go):
// what rendering with the libraries is compared with.
const defaultBaseRef = "559d873"

func main() {
	bin := flag.String("bin", "bin/eds-fn", "the eds-fn binary")
	kustomize := flag.String("kustomize", "bin/kustomize", "the kustomize CLI")
	quick := flag.Bool("quick", false, "fewer runs and no 10,000-service case (a smoke test)")
	keep := flag.Bool("keep", false, "keep the temporary directory with the inputs")
	only := flag.String("only", "", "run only these sections, comma-separated: "+strings.Join(sectionNames, ", "))
	helm := flag.String("helm", "", "the helm CLI (default: built by bench/tools/build.sh helm)")
	baseRef := flag.String("base-ref", defaultBaseRef, "compare with eds-fn built from this commit of -repo (\"\": no comparison)")
	repo := flag.String("repo", ".", "the git repository -base-ref is taken from")
	write := flag.String("write", "", "replace the section between <!-- bench:start --> and <!-- bench:end --> of this file with the report")
	svg := flag.String("svg", "", "write the curve (time and peak RSS against services) to this SVG file")
	flag.Parse()

	if *only != "" && (*write != "" || *svg != "") {
		fail(errors.New("-write and -svg need every section: leave out -only"))
	}
	if *write != "" {
		// Fail now, not after the run, when the file has no markers.
		doc, err := os.ReadFile(*write)
		if err == nil {
			_, err = replaceSection(doc, nil)
		}
		if err != nil {
			fail(err)
		}
	}
	r, err := newRunner(*bin, *kustomize, *quick)
	if err != nil {
		fail(err)
	}
	r.helm = *helm
	if *keep {
		fmt.Fprintf(os.Stderr, "inputs in %s\n", r.dir)
	} else {
		defer os.RemoveAll(r.dir)
	}
	if err := r.buildBase(*repo, *baseRef); err != nil {
		fail(err)
	}
	if *write != "" && *svg != "" {
		// The page shows the curve under its table, by a path relative to it.
		rel, err := filepath.Rel(filepath.Dir(*write), *svg)
		if err != nil {
			fail(err)
		}
		r.svgLink = filepath.ToSlash(rel)
	}
	if err := r.all(*only); err != nil {
		fail(err)
	}
	report := r.report()
	os.Stdout.Write(append(report, '\n'))
	if *write != "" {
		doc, err := os.ReadFile(*write)
		if err == nil {
			doc, err = replaceSection(doc, report)
		}
		if err == nil {
			err = os.WriteFile(*write, doc, 0o644)
		}
		if err != nil {
			fail(err)
		}
		r.progress("wrote the report into %s", *write)
	}
	if *svg != "" {
		if err := os.WriteFile(*svg, curveSVG(r.points, r.baseName(), r.quick), 0o644); err != nil {
			fail(err)
		}
		r.progress("wrote the curve to %s", *svg)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "bench: %v\n", err)
	os.Exit(1)
}

type runner struct {
	bin, kustomize, dir, spawn string
	helm                       string
	kustomizeVersion           string
	quick                      bool
	// base is eds-fn built from -base-ref, or "" (baseNote says why).
	base, baseDesc, baseNote string
	// header is the machine and the programs; out the sections' details.
	header, out bytes.Buffer
	rows        []row
	points      []point
	svgLink     string // the curve's SVG, relative to the page written, or ""
}

func newRunner(bin, kustomize string, quick bool) (*runner, error) {
	var err error
	r := &runner{quick: quick}
	if r.bin, err = filepath.Abs(bin); err != nil {
		return nil, err
	}
	if r.kustomize, err = filepath.Abs(kustomize); err != nil {
		return nil, err
	}
	for _, f := range []string{r.bin, r.kustomize} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%v (make build, and bin/kustomize: go build -o bin/kustomize sigs.k8s.io/kustomize/kustomize/v5)", err)
		}
	}
	if r.dir, err = os.MkdirTemp("", "eds-fn-bench-"); err != nil {
		return nil, err
	}
	r.spawn = filepath.Join(r.dir, "spawn")
	build := exec.Command("go", "build", "-o", r.spawn, "github.com/bizmatters/eds-fn/bench/spawn")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building bench/spawn: %v\n%s", err, out)
	}
	return r, nil
}

// goBuild builds pkg in dir ("" for here) to out as the Makefile builds
// eds-fn: static, without symbols.
func goBuild(dir, out, pkg string) error {
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building %s: %v\n%s", pkg, err, b)
	}
	return nil
}

func (r *runner) printf(format string, args ...any) { fmt.Fprintf(&r.out, format, args...) }

// progress tells the person waiting what is being measured (stderr; the
// report is printed at the end).
func (r *runner) progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func (r *runner) write(name string, data []byte) string {
	p := filepath.Join(r.dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		fail(err)
	}
	return p
}

func (r *runner) runs(n int) int {
	if r.quick {
		return max(3, n/5)
	}
	return n
}

var sectionNames = []string{"startup", "curve", "transformer", "kustomize", "helm", "size"}

func (r *runner) all(only string) error {
	r.machine()
	floor, err := r.measure(group{Runs: r.runs(21), Commands: []command{{Name: "true", Args: []string{"true"}}}})
	if err != nil {
		return err
	}
	fmt.Fprintf(&r.header, "Every peak RSS includes the measuring helper's floor: %.1f MiB (`true` started the same way).\n\n", mib(median(floor[0], rss)))

	steps := map[string]func() error{"startup": r.startup, "curve": r.curve, "transformer": r.transformer,
		"kustomize": r.kustomizeBuilds, "helm": r.helmTemplate, "size": r.size}
	for _, name := range sectionNames {
		if only != "" && !slices.Contains(strings.Split(only, ","), name) {
			continue
		}
		r.progress("%s", name)
		start := time.Now()
		if err := steps[name](); err != nil {
			return err
		}
		r.progress("%s took %s", name, time.Since(start).Round(time.Second))
	}
	return nil
}

func (r *runner) machine() {
	h := &r.header
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	mem := "? GiB"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kib int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kib); err == nil {
			mem = fmt.Sprintf("%.1f GiB", float64(kib)/(1<<20))
		}
	}
	uname, _ := exec.Command("uname", "-srm").Output()
	load, _ := os.ReadFile("/proc/loadavg")
	kv, _ := exec.Command(r.kustomize, "version").Output()
	r.kustomizeVersion = strings.TrimSpace(string(kv))
	ev, _ := exec.Command(r.bin, "version").Output()
	ev, _, _ = bytes.Cut(ev, []byte("\n"))
	goVersion := "?"
	if bi, err := buildinfo.ReadFile(r.bin); err == nil {
		goVersion = bi.GoVersion
	}
	fmt.Fprintf(h, "- Machine: %s, %d cores, %s RAM; %s; load average at the start %s (compare ratios, not absolute figures, across machines)\n",
		cpu, runtime.NumCPU(), mem, strings.TrimSpace(string(uname)), strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	fmt.Fprintf(h, "- eds-fn: `%s`, built with %s; kustomize %s\n", strings.TrimSpace(string(ev)), goVersion, r.kustomizeVersion)
	switch {
	case r.base != "":
		fmt.Fprintf(h, "- Base: eds-fn at %s, built in this run with the same flags\n", r.baseDesc)
	default:
		fmt.Fprintf(h, "- Base: none (%s)\n", r.baseNote)
	}
	fmt.Fprintf(h, "- Measured %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
}
