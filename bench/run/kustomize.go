package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/bench"
	"github.com/bizmatters/eds-fn/internal/cli"
)

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
	r.printf("### kustomize build of 50 services\n\n")
	r.printf("The same %d objects eight ways (`kustomize build --enable-alpha-plugins --enable-exec`, kustomize %s); %d runs each, interleaved. ", 4*n, r.kustomizeVersion, g.Runs)
	r.printf("Bulk mode runs as a KRM function (the config has a function annotation) or as kustomize's exec plugin (no annotation; eds-fn linked under KUSTOMIZE_PLUGIN_HOME). A zero-work function or plugin is a shell script in eds-fn's place that prints, without computing anything, the objects eds-fn gives for that input: what kustomize's plumbing costs by itself. The bulk ones print what eds-fn printed for the same input the first time; the generator one has a config that holds only its name and prints the %d objects: the least any KRM function in the generator position costs for this output, whatever its API.\n\n", 4*n)
	r.table(g, res, 0)
	same := true
	first := hashFile(g.Commands[0].Out)
	for _, c := range g.Commands[1:] {
		same = same && hashFile(c.Out) == first
	}
	r.printf("The eight builds print the same bytes: %v.\n\n", same)
	r.progress("kustomize: %d runs of eight builds done", g.Runs)
	w := func(i int) float64 { return median(res[i], wall) }
	vs := func(i, against int, order, what, target string, limit float64) {
		x := row{Order: order, What: what, Figure: ms(w(i)), Against: fmt.Sprintf("%s: %s", strings.TrimSuffix(g.Commands[against].Name, " (baseline)"), ms(w(against))), Ratio: ratio(w(i) / w(against))}
		if target != "" {
			x.Target, x.Met = target, w(i) <= limit*w(against)
		}
		r.row(x)
	}
	vs(2, 5, "a1", "kustomize build, 50 services, bulk mode as a KRM function", "≤ 1.25×", 1.25)
	vs(1, 4, "a2", "kustomize build, 50 services, bulk mode as an exec plugin", "≤ 1.1×", 1.1)
	vs(1, 0, "z", "kustomize build, 50 services, bulk mode as an exec plugin", "", 0)
	vs(2, 0, "z", "kustomize build, 50 services, bulk mode as a KRM function", "", 0)
	vs(3, 0, "z", "kustomize build, 50 services, one generator file per service", "", 0)
	if !same {
		return errors.New("the kustomize builds differ")
	}
	return nil
}
