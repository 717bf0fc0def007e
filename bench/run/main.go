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
//     reads stdin and writes stdout, nothing more);
//   - 1 to 10,000 services: cat of the same input, and the curve itself;
//   - kustomize: "kustomize build" of the same 200 objects written by hand,
//     and zero-work functions and plugin that print those objects without
//     computing anything: in bulk mode's transformer position (as a KRM
//     function and as an exec plugin) and as a generator (the floors that
//     kustomize's plumbing sets);
//   - the transformer: cat of the same input;
//   - libraries: eds-fn against itself built with -tags library_yaml (the
//     libraries' YAML path instead of the hand-written one).
//
// Peak RSS comes from wait4's rusage. A child started by vfork (as Go does)
// inherits its parent's peak in that figure, so every command is started by
// a small helper, bench/spawn (built into the temporary directory), whose
// own peak is the floor of every RSS reported; the report prints that floor.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/bench"
	"github.com/bizmatters/eds-fn/internal/cli"
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

func main() {
	bin := flag.String("bin", "bin/eds-fn", "the eds-fn binary")
	kustomize := flag.String("kustomize", "bin/kustomize", "the kustomize CLI")
	quick := flag.Bool("quick", false, "fewer runs and no 10,000-service case (a smoke test)")
	keep := flag.Bool("keep", false, "keep the temporary directory with the inputs")
	only := flag.String("only", "", "run only these sections, comma-separated: startup, curve, transformer, kustomize, libraries, size")
	flag.Parse()

	r, err := newRunner(*bin, *kustomize, *quick)
	if err != nil {
		fail(err)
	}
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
	}{{"startup", r.startup}, {"curve", r.curve}, {"transformer", r.transformer}, {"kustomize", r.kustomizeBuilds}, {"libraries", r.libraries}, {"size", r.size}}
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
			r.verdict("1,000 services: ≤ 1 s", w <= 1000, fmt.Sprintf("%.0f ms", w))
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

// kustomizeBuilds: 50 services, one generator file each and in bulk mode
// (as a KRM function and as an exec plugin), against the same 200 objects
// written by hand, and zero-work functions and plugin.
func (r *runner) kustomizeBuilds() error {
	const n = 50
	k, err := bench.WriteKustomizations(filepath.Join(r.dir, "kustomize"), n)
	if err != nil {
		return err
	}
	// kustomize finds "exec: {path: eds-fn}" on PATH, under that name.
	binDir := filepath.Join(r.dir, "path")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return err
	}
	if err := os.Symlink(r.bin, filepath.Join(binDir, "eds-fn")); err != nil {
		return err
	}
	path := "PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH")
	// The exec plugin: eds-fn linked under its kinds, and a zero-work
	// plugin that replays what eds-fn printed the first time.
	home := filepath.Join(r.dir, "plugins")
	if _, err := cli.LinkPlugins(home, r.bin); err != nil {
		return err
	}
	floorHome := filepath.Join(r.dir, "plugins-zero-work")
	kind := v1alpha1.KindExpandEventDrivenServices
	floorDir := cli.PluginDir(floorHome, kind)
	if err := os.MkdirAll(floorDir, 0o755); err != nil {
		return err
	}
	cache := filepath.Join(floorHome, "output.yaml")
	script := fmt.Sprintf("#!/bin/sh\nif [ ! -s %[1]s ]; then\n  %[2]s \"$@\" > %[3]s || exit 1\n  mv %[3]s %[1]s\n  exec cat %[1]s\nfi\ncat > /dev/null\nexec cat %[1]s\n",
		shellQuote(cache), shellQuote(filepath.Join(cli.PluginDir(home, kind), kind)), shellQuote(cache+".tmp"))
	if err := os.WriteFile(filepath.Join(floorDir, kind), []byte(script), 0o755); err != nil {
		return err
	}
	build := func(name, dir string, env ...string) command {
		return command{Name: name, Args: []string{r.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir},
			Env: append([]string{path}, env...), Out: filepath.Join(r.dir, strings.ReplaceAll(name, " ", "-")+".out")}
	}
	// The first build of each zero-work transformer runs eds-fn and keeps
	// its output.
	for _, c := range []command{build("warm", k.BulkZeroWork), build("warm", k.BulkPlugin, "KUSTOMIZE_PLUGIN_HOME="+floorHome)} {
		warm := exec.Command(c.Args[0], c.Args[1:]...)
		warm.Env = append(os.Environ(), c.Env...)
		if out, err := warm.CombinedOutput(); err != nil {
			return fmt.Errorf("the first build of %s: %v\n%s", c.Args[len(c.Args)-1], err, out)
		}
	}
	g := group{Runs: r.runs(11), Commands: []command{
		build("hand-written (baseline)", k.HandWritten),
		build("bulk mode, exec plugin", k.BulkPlugin, "KUSTOMIZE_PLUGIN_HOME="+home),
		build("bulk mode, KRM function", k.Bulk),
		build("one generator file per service", k.PerFile),
		build("bulk mode, zero-work exec plugin", k.BulkPlugin, "KUSTOMIZE_PLUGIN_HOME="+floorHome),
		build("bulk mode, zero-work KRM function", k.BulkZeroWork),
		build("one generator printing all objects, zero-work KRM function", k.GeneratorZeroWork),
		build("one generator file per service, exec plugin", k.PerFilePlugin, "KUSTOMIZE_PLUGIN_HOME="+home),
	}}
	res, err := r.measure(g)
	if err != nil {
		return err
	}
	r.printf("## kustomize build of 50 services\n\n")
	r.printf("The same %d objects eight ways (`kustomize build --enable-alpha-plugins --enable-exec`, kustomize %s); %d runs each, interleaved. ", 4*n, r.kustomizeVersion, g.Runs)
	r.printf("Bulk mode runs as a KRM function (the config has a function annotation) or as kustomize's exec plugin (no annotation; eds-fn linked under KUSTOMIZE_PLUGIN_HOME). A zero-work function or plugin is a shell script in eds-fn's place that prints, without computing anything, the objects eds-fn gives for that input: what kustomize's plumbing costs by itself. The bulk ones print what eds-fn printed for the same input the first time; the generator one has a config that holds only its name and prints the %d objects: the least any KRM function in the generator position costs for this output, whatever its API.\n\n", 4*n)
	r.table(g, res, 0)
	same := true
	first := hashFile(g.Commands[0].Out)
	for _, c := range g.Commands[1:] {
		same = same && hashFile(c.Out) == first
	}
	r.printf("The eight builds print the same bytes: %v.\n\n", same)
	ratio := func(i int) float64 { return median(res[i], wall) / median(res[0], wall) }
	r.verdict("kustomize, 50 services, bulk mode within 1.5× of hand-written (exec plugin)", ratio(1) <= 1.5,
		fmt.Sprintf("%.2f× (a zero-work exec plugin: %.2f×)", ratio(1), ratio(4)))
	r.verdict("kustomize, 50 services, bulk mode as a KRM function (report only)", true,
		fmt.Sprintf("%.2f× (zero-work KRM functions: %.2f× as a transformer, %.2f× as the only generator)", ratio(2), ratio(5), ratio(6)))
	r.verdict("kustomize, 50 services, one generator file per service (report only)", true,
		fmt.Sprintf("%.2f× (as exec plugins: %.2f×)", ratio(3), ratio(7)))
	if !same {
		return errors.New("the kustomize builds differ")
	}
	return nil
}

// libraries times eds-fn against itself built with "-tags library_yaml",
// where generated objects are rendered by sigs.k8s.io/yaml and kyaml's
// parser and every item is written by yaml.v3's encoder: what the
// hand-written paths (generator/yamlnode.go, internal/cli/emit.go) buy. Both print the same bytes.
func (r *runner) libraries() error {
	lib := filepath.Join(r.dir, "eds-fn-library-yaml")
	build := exec.Command("go", "build", "-trimpath", "-tags", "library_yaml", "-ldflags", "-s -w", "-o", lib, "github.com/bizmatters/eds-fn")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building eds-fn with -tags library_yaml: %v\n%s", err, out)
	}
	r.printf("## What the hand-written YAML paths buy\n\n")
	r.printf("eds-fn against itself built with `-tags library_yaml`: objects rendered by sigs.k8s.io/yaml and kyaml's parser, every item written by yaml.v3's encoder. Each row is its own group, interleaved.\n\n")
	r.printf("| Input | Runs | eds-fn | library_yaml | Ratio | eds-fn peak RSS | library_yaml peak RSS | Same bytes |\n|---|---:|---:|---:|---:|---:|---:|---|\n")
	type input struct {
		name string
		data []byte
		runs int
	}
	inputs := []input{
		{"one service (generator position)", bench.GeneratorList(0), 41},
		{"100 services", bench.ItemsList(100), 11},
		{"1,000 services", bench.ItemsList(1000), 7},
	}
	if !r.quick {
		inputs = append(inputs, input{"10,000 services", bench.ItemsList(10000), 3})
	}
	for i, in := range inputs {
		file := r.write(fmt.Sprintf("libraries-%d.yaml", i), in.data)
		g := group{Runs: r.runs(in.runs), Commands: []command{
			{Name: "eds-fn", Args: []string{r.bin}, Stdin: file, Out: filepath.Join(r.dir, "fast.out")},
			{Name: "library_yaml", Args: []string{lib}, Stdin: file, Out: filepath.Join(r.dir, "library.out")},
		}}
		res, err := r.measure(g)
		if err != nil {
			return err
		}
		same := hashFile(g.Commands[0].Out) == hashFile(g.Commands[1].Out)
		f, l := median(res[0], wall), median(res[1], wall)
		r.printf("| %s | %d | %s | %s | %.2f× | %.1f MiB | %.1f MiB | %v |\n", in.name, g.Runs, ms(f), ms(l), l/f,
			mib(median(res[0], rss)), mib(median(res[1], rss)), same)
		if !same {
			return fmt.Errorf("%s: eds-fn and its library_yaml build print different bytes", in.name)
		}
	}
	r.printf("\n")
	return nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ms formats milliseconds, as seconds from 10 s on.
func ms(v float64) string {
	if v >= 10000 {
		return fmt.Sprintf("%.2f s", v/1000)
	}
	return fmt.Sprintf("%.1f ms", v)
}

func (r *runner) size() error {
	fi, err := os.Stat(r.bin)
	if err != nil {
		return err
	}
	mb := float64(fi.Size()) / 1e6
	r.printf("## Binary size\n\n`%s`: %d bytes (%.1f MB).\n\n", filepath.Base(r.bin), fi.Size(), mb)
	r.verdict("static binary ≤ 20 MB", mb <= 20, fmt.Sprintf("%.1f MB", mb))
	return nil
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

func size(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func human(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func hashFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
