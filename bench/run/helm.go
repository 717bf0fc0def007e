package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bizmatters/eds-fn/bench"
)

// helmTemplate: "eds-fn generate" of 50 service files against "helm
// template" of a chart that makes the same objects from a values file of
// the same 50 services (bench/chart). helm is built from its own module,
// bench/tools/helm, by bench/tools/build.sh (cached), unless -helm names one.
func (r *runner) helmTemplate() error {
	const n = 50
	helm := r.helm
	if helm == "" {
		out, err := exec.Command("bench/tools/build.sh", "helm").Output()
		if err != nil {
			return fmt.Errorf("bench/tools/build.sh helm (run from the repository's root): %v", err)
		}
		helm = strings.TrimSpace(string(out))
	}
	hv, _ := exec.Command(helm, "version", "--short").Output()
	h, err := bench.WriteHelm(filepath.Join(r.dir, "helm"), n)
	if err != nil {
		return err
	}
	home := filepath.Join(r.dir, "helm-home")
	env := []string{"HELM_CACHE_HOME=" + home, "HELM_CONFIG_HOME=" + home, "HELM_DATA_HOME=" + home}
	g := group{Runs: r.runs(21), Commands: []command{
		{Name: "helm template (baseline)", Args: []string{helm, "template", "workers", h.Chart, "-f", h.Values}, Env: env, Out: filepath.Join(r.dir, "helm.out")},
		{Name: "eds-fn generate", Args: []string{r.bin, "generate", h.Services}, Out: filepath.Join(r.dir, "generate.out")},
	}}
	res, err := r.measure(g)
	if err != nil {
		return err
	}
	same, err := sameObjects(g.Commands[0].Out, g.Commands[1].Out)
	if err != nil {
		return err
	}
	r.printf("### eds-fn generate against helm template, 50 services\n\n")
	r.printf("`eds-fn generate DIR` of 50 service files against `helm template` (helm %s, built from bench/tools/helm) of a chart that makes the same %d objects from a values file of the same services (bench/chart); %d runs each, interleaved.\n\n", strings.TrimSpace(string(hv)), 4*n, g.Runs)
	r.table(g, res, 0)
	r.printf("The two print the same objects (as JSON, key order and comments aside): %v.\n\n", same)
	w, hw := median(res[1], wall), median(res[0], wall)
	r.row(row{Order: "d", What: "eds-fn generate of 50 services", Figure: ms(w), Against: fmt.Sprintf("helm template of the same services: %s", ms(hw)),
		Ratio: ratio(w / hw), Target: "≤ 0.5×", Met: w <= 0.5*hw})
	if !same {
		return fmt.Errorf("helm template and eds-fn generate print different objects: compare %s and %s (-keep)", g.Commands[0].Out, g.Commands[1].Out)
	}
	return nil
}

func sameObjects(a, b string) (bool, error) {
	var objs [2][]string
	for i, f := range []string{a, b} {
		data, err := os.ReadFile(f)
		if err != nil {
			return false, err
		}
		if objs[i], err = bench.CanonicalObjects(data); err != nil {
			return false, fmt.Errorf("%s: %v", f, err)
		}
	}
	return slices.Equal(objs[0], objs[1]) && len(objs[0]) > 0, nil
}
