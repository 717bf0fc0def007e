package transformers_test

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// The files of one kustomize case under testdata/kustomize/<case>/, besides
// the kustomization tree whose root is the case directory.
const (
	buildOutputFile = "expected.yaml" // what kustomize build prints, when it succeeds
	buildStderrFile = "stderr.txt"    // what eds-fn printed on stderr (warnings), when there is any
	buildErrorsFile = "errors.txt"    // what eds-fn printed on stderr; its presence marks a build that must fail
)

// TestMain builds the eds-fn binary once and puts it on PATH, so that the
// kustomizations find "exec: {path: eds-fn}" exactly as they do for users.
func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "eds-fn-transformers-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "eds-fn"), "github.com/bizmatters/eds-fn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building eds-fn: %v\n%s", err, out)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	_ = os.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// kustomizeBuild runs "kustomize build --enable-alpha-plugins --enable-exec
// dir" in process. It returns the YAML kustomize prints and what the
// functions wrote on stderr: kustomize hands its own stderr to exec
// functions, so it is swapped for a file during the build (which is why
// these tests never run in parallel).
func kustomizeBuild(t *testing.T, dir string) (out, stderr string, err error) {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	opts := krusty.MakeDefaultOptions()
	// As the kustomize CLI (and so ArgoCD) does without --reorder: the
	// legacy order, unless the kustomization sets sortOptions.
	opts.Reorder = krusty.ReorderOptionUnspecified
	opts.PluginConfig = types.EnabledPluginConfig(types.BploUseStaticallyLinked)
	opts.PluginConfig.FnpLoadingOptions.EnableExec = true

	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = f
	m, buildErr := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), abs)
	os.Stderr = saved
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	errOut, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if buildErr != nil {
		return "", string(errOut), buildErr
	}
	yml, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	return string(yml), string(errOut), nil
}

// TestKustomizeBuilds builds every kustomization under testdata/kustomize
// with the real eds-fn binary and compares with the golden files: the
// output, and the warnings a user sees; or, for a failing build, the errors.
func TestKustomizeBuilds(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "kustomize", "*", "kustomization.yaml"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no kustomize cases found: %v", err)
	}
	for _, k := range cases {
		dir := filepath.Dir(k)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			out, stderr, err := kustomizeBuild(t, dir)
			if exists(filepath.Join(dir, buildErrorsFile)) {
				if err == nil {
					t.Fatalf("the build succeeded, but %s expects it to fail", buildErrorsFile)
				}
				if stderr == "" {
					t.Errorf("the build failed (%v) without explaining why on stderr", err)
				}
				testutil.Golden(t, filepath.Join(dir, buildErrorsFile), stderr)
				return
			}
			if err != nil {
				t.Fatalf("kustomize build %s: %v\nstderr:\n%s", dir, err, stderr)
			}
			testutil.Golden(t, filepath.Join(dir, buildOutputFile), out)
			if stderr != "" || exists(filepath.Join(dir, buildStderrFile)) {
				testutil.Golden(t, filepath.Join(dir, buildStderrFile), stderr)
			}
			checkNoBadEndpoint(t, out)
		})
	}
}

// TestExamples builds the transformer's examples: examples/nats-headless,
// an existing application repaired by the transformer, and
// examples/nats-three-namespaces, one build that mixes three NATS installs.
// Each prints its expected-output.yaml, and on stderr exactly the warnings
// of its expected-stderr.txt.
func TestExamples(t *testing.T) {
	for _, name := range []string{"nats-headless", "nats-three-namespaces"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "examples", name)
			out, stderr, err := kustomizeBuild(t, dir)
			if err != nil {
				t.Fatalf("kustomize build %s: %v\nstderr:\n%s", dir, err, stderr)
			}
			testutil.Golden(t, filepath.Join(dir, "expected-output.yaml"), out)
			testutil.Golden(t, filepath.Join(dir, "expected-stderr.txt"), stderr)
			checkNoBadEndpoint(t, out)
		})
	}
}

// checkNoBadEndpoint checks, independently of the golden files, that every
// natsServerMonitoringEndpoint kustomize printed is host:8222 without a
// scheme, and that its host's first label ends in -headless or is a headless
// Service of the build; or that the build holds a TriggerAuthentication
// (whose endpoint KEDA reads first, so the metadata is left alone).
func checkNoBadEndpoint(t *testing.T, out string) {
	t.Helper()
	items, err := kio.FromBytes([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	headless := map[string]bool{}
	for _, it := range items {
		if it.GetKind() == "Service" {
			if ip, _ := it.GetString("spec.clusterIP"); ip == "None" {
				headless[it.GetName()] = true
			}
		}
	}
	n := 0
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || k != "natsServerMonitoringEndpoint" {
			continue
		}
		n++
		v, _, _ = strings.Cut(strings.TrimSpace(v), " #")
		host, port, err := net.SplitHostPort(strings.Trim(v, `"'`))
		svc, _, _ := strings.Cut(host, ".")
		if err != nil || port != "8222" || !(strings.HasSuffix(svc, "-headless") || headless[svc]) {
			t.Errorf("natsServerMonitoringEndpoint %s was not repaired", v)
		}
	}
	if n == 0 {
		t.Error("the output has no natsServerMonitoringEndpoint at all")
	}
}
