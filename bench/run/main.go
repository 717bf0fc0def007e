// Command run times whole eds-fn commands, as kustomize, kpt and ArgoCD run
// them, and prints a Markdown report (BENCHMARKS.md holds one):
//
//	go run ./bench/run -bin bin/eds-fn -kustomize bin/kustomize
//
// It writes every input into a temporary directory (bench.Service and
// friends), then runs each group of commands several times, interleaved
// round by round so that a busy machine slows every command of a group alike,
// and reports the median wall time and the median peak RSS of each, and its
// ratio to the group's baseline, which is measured in the same run:
//
//   - start-up and one service: "cat" of the same input (a process that
//     reads stdin and writes stdout, nothing more), and a Go program that
//     does nothing (bench/noop);
//   - 1 to 10,000 services: cat of the same input, and the curve itself;
//   - kustomize: "kustomize build" of the same 200 objects written by hand,
//     and zero-work functions and plugin that print those objects without
//     computing anything: in bulk mode's transformer position (as a KRM
//     function and as an exec plugin) and as a generator (the floors that
//     kustomize's plumbing sets);
//   - the transformer: cat of the same input;
//   - eds-fn generate of 50 services: helm template of a chart that makes
//     the same objects (bench/chart; helm from bench/tools/helm).
//
// Peak RSS comes from wait4's rusage. A child started by vfork (as Go does)
// inherits its parent's peak in that figure, so every command is started by
// a small helper, bench/spawn (built into the temporary directory), whose
// own peak is the floor of every RSS reported; the report prints that floor.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/eds-fn", "the eds-fn binary")
	kustomize := flag.String("kustomize", "bin/kustomize", "the kustomize CLI")
	quick := flag.Bool("quick", false, "fewer runs and no 10,000-service case (a smoke test)")
	keep := flag.Bool("keep", false, "keep the temporary directory with the inputs")
	only := flag.String("only", "", "run only these sections, comma-separated: startup, curve, transformer, kustomize, helm, size")
	helm := flag.String("helm", "", "the helm CLI (default: built by bench/tools/build.sh helm)")
	flag.Parse()

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
	if err := r.all(*only); err != nil {
		fail(err)
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
	out                        io.Writer
	verdicts                   []string
}

func newRunner(bin, kustomize string, quick bool) (*runner, error) {
	var err error
	r := &runner{quick: quick, out: os.Stdout}
	if r.bin, err = filepath.Abs(bin); err != nil {
		return nil, err
	}
	if r.kustomize, err = filepath.Abs(kustomize); err != nil {
		return nil, err
	}
	for _, f := range []string{r.bin, r.kustomize} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%v (make build bin/kustomize)", err)
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

// goBuild builds pkg to out as the Makefile builds eds-fn: static, without
// symbols.
func goBuild(out, pkg string) error {
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building %s: %v\n%s", pkg, err, b)
	}
	return nil
}

func (r *runner) printf(format string, args ...any) { fmt.Fprintf(r.out, format, args...) }

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

func (r *runner) all(only string) error {
	r.machine()
	floor, err := r.measure(group{Runs: r.runs(21), Commands: []command{{Name: "true", Args: []string{"true"}}}})
	if err != nil {
		return err
	}
	r.printf("Every RSS below includes the measuring helper's floor: %.1f MiB (`true` started the same way).\n\n", mib(median(floor[0], rss)))

	steps := []struct {
		name string
		run  func() error
	}{{"startup", r.startup}, {"curve", r.curve}, {"transformer", r.transformer}, {"kustomize", r.kustomizeBuilds}, {"helm", r.helmTemplate}, {"size", r.size}}
	for _, step := range steps {
		if only != "" && !slices.Contains(strings.Split(only, ","), step.name) {
			continue
		}
		if err := step.run(); err != nil {
			return err
		}
	}
	r.printf("## Targets\n\n| Target | Result |\n|---|---|\n")
	for _, v := range r.verdicts {
		r.printf("%s\n", v)
	}
	r.printf("\n")
	return nil
}

func (r *runner) verdict(target string, ok bool, got string) {
	mark := "met"
	if !ok {
		mark = "**NOT met**"
	}
	r.verdicts = append(r.verdicts, fmt.Sprintf("| %s | %s: %s |", target, mark, got))
}

func (r *runner) machine() {
	r.printf("## Machine\n\n")
	cpu := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		mem = strings.TrimSpace(strings.SplitN(strings.SplitN(string(b), "\n", 2)[0], ":", 2)[1])
	}
	uname, _ := exec.Command("uname", "-srm").Output()
	load, _ := os.ReadFile("/proc/loadavg")
	kv, _ := exec.Command(r.kustomize, "version").Output()
	r.kustomizeVersion = strings.TrimSpace(string(kv))
	r.printf("- %s, %d cores visible to Go, %s RAM; %s\n", cpu, runtime.NumCPU(), mem, strings.TrimSpace(string(uname)))
	r.printf("- %s (this program); kustomize %s\n", runtime.Version(), strings.TrimSpace(string(kv)))
	r.printf("- load average at the start: %s (the machine is shared: compare ratios, not absolute figures)\n", strings.TrimSpace(string(load)))
	r.printf("- %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
}
