package flux

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/kustomize"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// The error kustomize gives for a generator it may not run; Flux shows it
// in the Kustomization's Ready condition.
const pluginsDisabled = "external plugins disabled; unable to load external plugin '"

// TestFluxAppliesRendered builds examples/flux as kustomize-controller
// does for its Kustomization (examples/flux/flux/eds-workers.yaml): the
// repository's files as the source artifact, Flux's generator writing the
// kustomization.yaml that rendered/ does not have, then SecureBuild with
// plugins disabled. What Flux would apply is every object of the rendered
// files, and byte for byte what the kustomize CLI builds from the same
// directory (in the order of the files).
func TestFluxAppliesRendered(t *testing.T) {
	root := repoRoot(t)
	ks := fluxKustomization(t, root, "")
	path, _, _ := unstructured.NestedString(ks.Object, "spec", "path")
	if filepath.Clean(path) != "examples/flux/rendered" {
		t.Fatalf("the Kustomization's spec.path is %q", path)
	}

	artifact := t.TempDir()
	copyTree(t, filepath.Join(root, "examples/flux"), filepath.Join(artifact, "examples/flux"))
	dir := filepath.Join(artifact, path)
	out := fluxBuild(t, artifact, dir, ks)
	if out.err != nil {
		t.Fatalf("Flux's build of %s: %v", path, out.err)
	}
	if out.action != kustomize.CreatedAction {
		t.Errorf("Flux found a kustomization.yaml in rendered/ (its generator: %s): rendered/ must have none, so that every file eds-fn writes is applied", out.action)
	}

	// Every object of the rendered files, and nothing else.
	want := map[string]map[string]any{}
	files, err := filepath.Glob(filepath.Join(root, path, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rendered files in %s: %v", path, err)
	}
	for _, f := range files {
		for _, o := range parseYAMLStream(t, readFile(t, f)) {
			want[key(o)] = o
		}
	}
	got := map[string]map[string]any{}
	for _, o := range parseYAMLStream(t, out.yaml) {
		got[key(o)] = o
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Flux would apply other objects than the rendered files hold (-rendered +flux):\n%s", diff)
	}

	// The kustomize CLI pinned in eds-fn's go.mod, on the same directory
	// with the kustomization.yaml Flux wrote. Flux's build keeps the
	// resources in the order of the files (its Options leave Reorder
	// empty, which is no reordering), as the CLI does with --reorder none.
	cli := exec.Command(kustomizeCLI(t, root), "build", "--reorder", "none", dir)
	b, err := cli.Output()
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	if diff := cmp.Diff(string(b), out.yaml); diff != "" {
		t.Errorf("Flux's build differs from the kustomize CLI's (-cli +flux):\n%s", diff)
	}
}

// TestFluxRefusesGenerators: pointed at a directory that generates with
// eds-fn instead of its rendered output, Flux fails with kustomize's
// error naming the kind it may not run (plugins are disabled in
// kustomize-controller, and no option turns them on). Every example
// directory with an expected output is such a directory, and none of them
// builds under Flux.
func TestFluxRefusesGenerators(t *testing.T) {
	root := repoRoot(t)
	var dirs []string
	err := filepath.WalkDir(filepath.Join(root, "examples"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "expected-output.yaml" {
			rel, _ := filepath.Rel(root, filepath.Dir(p))
			dirs = append(dirs, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(dirs, "examples/agent-executor") {
		t.Fatalf("examples/agent-executor has no expected output: %v", dirs)
	}
	for _, d := range dirs {
		t.Run(d, func(t *testing.T) {
			artifact := t.TempDir()
			copyTree(t, filepath.Join(root, "examples"), filepath.Join(artifact, "examples"))
			ks := fluxKustomization(t, root, "./"+d)
			out := fluxBuild(t, artifact, filepath.Join(artifact, d), ks)
			if out.err == nil {
				t.Fatalf("Flux built %s:\n%s", d, out.yaml)
			}
			t.Logf("Flux: %v", out.err)
			want := pluginsDisabled
			if d == "examples/agent-executor" {
				want += "EventDrivenService'"
			}
			if !strings.Contains(out.err.Error(), want) {
				t.Errorf("Flux's error is not kustomize's %q:\n%v", want, out.err)
			}
		})
	}
}

// TestFluxAppliesServicesAsIs: pointed at services/ (no kustomization.yaml)
// Flux builds, and would apply the EventDrivenServices themselves, which
// no cluster has a CRD for: why docs/flux.md says to keep services/ out of
// the Flux path.
func TestFluxAppliesServicesAsIs(t *testing.T) {
	root := repoRoot(t)
	artifact := t.TempDir()
	copyTree(t, filepath.Join(root, "examples/flux"), filepath.Join(artifact, "examples/flux"))
	out := fluxBuild(t, artifact, filepath.Join(artifact, "examples/flux/services"), fluxKustomization(t, root, "./examples/flux/services"))
	if out.err != nil {
		t.Fatal(out.err)
	}
	objs := parseYAMLStream(t, out.yaml)
	for _, o := range objs {
		if o["kind"] != "EventDrivenService" {
			t.Errorf("Flux built a %v from services/", o["kind"])
		}
	}
	if len(objs) != 2 {
		t.Errorf("Flux built %d objects from services/, want its 2 EventDrivenServices", len(objs))
	}
}

type fluxResult struct {
	action kustomize.Action
	yaml   string
	err    error
}

// fluxBuild is kustomize-controller's build of a Kustomization: its
// generator writes or amends dir's kustomization.yaml, then SecureBuild
// (confined to the artifact, no remote bases, plugins disabled).
func fluxBuild(t *testing.T, artifact, dir string, ks unstructured.Unstructured) fluxResult {
	t.Helper()
	action, err := kustomize.NewGenerator(artifact, ks).WriteFile(dir)
	if err != nil {
		return fluxResult{action: action, err: err}
	}
	m, err := kustomize.SecureBuild(artifact, dir, false)
	if err != nil {
		return fluxResult{action: action, err: err}
	}
	b, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	return fluxResult{action: action, yaml: string(b)}
}

// fluxKustomization is examples/flux/flux/eds-workers.yaml, with spec.path
// replaced when path is not empty.
func fluxKustomization(t *testing.T, root, path string) unstructured.Unstructured {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(readFile(t, filepath.Join(root, "examples/flux/flux/eds-workers.yaml"))), &obj); err != nil {
		t.Fatal(err)
	}
	ks := unstructured.Unstructured{Object: obj}
	if ks.GetAPIVersion() != "kustomize.toolkit.fluxcd.io/v1" || ks.GetKind() != "Kustomization" {
		t.Fatalf("eds-workers.yaml is a %s %s", ks.GetAPIVersion(), ks.GetKind())
	}
	if path != "" {
		if err := unstructured.SetNestedField(ks.Object, path, "spec", "path"); err != nil {
			t.Fatal(err)
		}
	}
	return ks
}

// kustomizeCLI builds the kustomize CLI of eds-fn's go.mod.
func kustomizeCLI(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kustomize")
	cmd := exec.Command("go", "build", "-o", bin, "sigs.k8s.io/kustomize/kustomize/v5")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the kustomize CLI: %v\n%s", err, out)
	}
	return bin
}

// repoRoot is the eds-fn checkout this module is in.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readFile(t, filepath.Join(root, "go.mod")), "module github.com/bizmatters/eds-fn\n") {
		t.Fatalf("%s is not the eds-fn checkout", root)
	}
	return root
}

func key(o map[string]any) string {
	meta, _ := o["metadata"].(map[string]any)
	return fmt.Sprintf("%v %v/%v", o["kind"], meta["namespace"], meta["name"])
}

func parseYAMLStream(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, doc := range strings.Split(s, "\n---\n") {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatal(err)
		}
		if obj != nil {
			out = append(out, obj)
		}
	}
	return out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}
