package transformers_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The files of one kustomize case under testdata/kustomize/<case>/, besides
// the kustomization tree whose root is the case directory.
const (
	buildOutputFile = "expected.yaml" // what kustomize build prints, when it succeeds
	buildStderrFile = "stderr.txt"    // what eds-fn printed on stderr (warnings), when there is any
	buildErrorsFile = "errors.txt"    // what eds-fn printed on stderr; its presence marks a build that must fail
)

// TestMain builds the eds-fn binary once and puts it on PATH, so that the
// kustomizations find "exec: {path: eds-fn}" exactly as they do for users,
// and so that kpt finds the Kptfiles' "exec: eds-fn".
func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "eds-fn-transformers-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
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

// binDir holds the binaries the tests build: eds-fn, and the kustomize CLI
// once a test asks for it.
var binDir string

var (
	kustomizeOnce sync.Once
	kustomizePath string
	kustomizeErr  error
)

// kustomizeCLI builds the kustomize CLI pinned in go.mod (its "tool" line,
// the one make example and make check-examples run), once.
func kustomizeCLI(t *testing.T) string {
	t.Helper()
	kustomizeOnce.Do(func() {
		kustomizePath = filepath.Join(binDir, "kustomize")
		cmd := exec.Command("go", "build", "-o", kustomizePath, "sigs.k8s.io/kustomize/kustomize/v5")
		if out, err := cmd.CombinedOutput(); err != nil {
			kustomizeErr = fmt.Errorf("building the kustomize CLI: %w\n%s", err, out)
		}
	})
	if kustomizeErr != nil {
		t.Fatal(kustomizeErr)
	}
	return kustomizePath
}

// kustomizeCLIBuild runs the real "kustomize build --enable-alpha-plugins
// --enable-exec dir", eds-fn first on PATH, and returns its stdout and its
// stderr (eds-fn's lines, then kustomize's own "Error: ..." when the build
// fails).
func kustomizeCLIBuild(t *testing.T, dir string) (out, stderr string, err error) {
	t.Helper()
	var stdout, errOut bytes.Buffer
	cmd := exec.Command(kustomizeCLI(t), "build", "--enable-alpha-plugins", "--enable-exec", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &errOut
	err = cmd.Run()
	if err != nil && !errors.As(err, new(*exec.ExitError)) {
		t.Fatalf("kustomize: %v", err)
	}
	return stdout.String(), errOut.String(), err
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

// builders are the two ways the tests run kustomize build: in process
// (krusty, as kustomize's Go API users and the other tests do) and the real
// CLI pinned in go.mod, which users and ArgoCD run. Each must give the same
// output and the same lines on stderr.
var builders = []struct {
	name  string
	build func(t *testing.T, dir string) (out, stderr string, err error)
}{
	{"in-process", kustomizeBuild},
	{"cli", kustomizeCLIBuild},
}

// cliError is the line the kustomize CLI adds after eds-fn's own when the
// function fails.
const cliError = "Error: couldn't execute function: exit status 1 \n"

// TestKustomizeBuilds builds every kustomization under testdata/kustomize
// with the real eds-fn binary, in process and with the kustomize CLI, and
// compares with the golden files: the output, and the warnings a user sees;
// or, for a failing build, the errors.
func TestKustomizeBuilds(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "kustomize", "*", "kustomization.yaml"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no kustomize cases found: %v", err)
	}
	for _, k := range cases {
		dir := filepath.Dir(k)
		for _, b := range builders {
			t.Run(filepath.Base(dir)+"/"+b.name, func(t *testing.T) {
				out, stderr, err := b.build(t, dir)
				if exists(filepath.Join(dir, buildErrorsFile)) {
					if err == nil {
						t.Fatalf("the build succeeded, but %s expects it to fail", buildErrorsFile)
					}
					if b.name == "cli" {
						var ok bool
						if stderr, ok = strings.CutSuffix(stderr, cliError); !ok {
							t.Errorf("the kustomize CLI's stderr does not end in %q:\n%s", cliError, stderr)
						}
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
				checkNoBadEndpoint(t, out, stderr)
			})
		}
	}
}

// TestExamples builds the transformer's examples: examples/nats-headless,
// an existing application repaired by the transformer, and
// examples/nats-three-namespaces, one build that mixes three NATS installs.
// Each prints its expected-output.yaml, and on stderr exactly the warnings
// of its expected-stderr.txt, in process and through the kustomize CLI.
func TestExamples(t *testing.T) {
	for _, name := range []string{"nats-headless", "nats-three-namespaces"} {
		for _, b := range builders {
			t.Run(name+"/"+b.name, func(t *testing.T) {
				dir := filepath.Join("..", "examples", name)
				out, stderr, err := b.build(t, dir)
				if err != nil {
					t.Fatalf("kustomize build %s: %v\nstderr:\n%s", dir, err, stderr)
				}
				testutil.Golden(t, filepath.Join(dir, "expected-output.yaml"), out)
				testutil.Golden(t, filepath.Join(dir, "expected-stderr.txt"), stderr)
				checkNoBadEndpoint(t, out, stderr)
			})
		}
	}
}

// checkNoBadEndpoint checks, independently of the golden files, the
// natsServerMonitoringEndpoint of every nats-jetstream trigger that
// kustomize printed; see badEndpoints.
func checkNoBadEndpoint(t *testing.T, out, stderr string) {
	t.Helper()
	problems, err := badEndpoints(out, stderr)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// leftAlonePhrases are what the transformer says when it leaves an
// endpoint as it is on purpose: a value that is not one host:port, an
// anchored value, and (on the authenticationRef) a TriggerAuthentication of
// the build that supplies the endpoint.
var leftAlonePhrases = []string{
	"this transformer leaves the value as it is",
	"this transformer leaves it as it is",
	"this transformer leaves the metadata as it is",
}

// badEndpoints is what is wrong with the endpoints of a build's output: each
// must be host:8222 without a scheme whose host's first label ends in
// -headless or is a headless Service of the build, unless stderr holds a
// warning that the transformer left that very value of that very trigger
// as it is. A value the transformer garbled, or left alone without saying
// so, is a problem, whatever else stderr says.
func badEndpoints(out, stderr string) ([]string, error) {
	items, err := kio.FromBytes([]byte(out))
	if err != nil {
		return nil, err
	}
	headless := map[string]bool{}
	for _, it := range items {
		if it.GetKind() == "Service" {
			if ip, _ := it.GetString("spec.clusterIP"); ip == "None" {
				headless[it.GetName()] = true
			}
		}
	}
	var problems []string
	n := 0
	for _, it := range items {
		kind := it.GetKind()
		if it.GetApiVersion() != "keda.sh/v1alpha1" || (kind != "ScaledObject" && kind != "ScaledJob") {
			continue
		}
		id := it.GetName()
		if ns := it.GetNamespace(); ns != "" {
			id = ns + "/" + id
		}
		triggers, err := it.Pipe(yaml.Lookup("spec", "triggers"))
		if err != nil || triggers == nil {
			continue
		}
		elements, err := triggers.Elements()
		if err != nil {
			return nil, err
		}
		for i, tr := range elements {
			if typ, _ := tr.GetString("type"); typ != "nats-jetstream" {
				continue
			}
			v, err := tr.GetString("metadata.natsServerMonitoringEndpoint")
			if err != nil {
				continue
			}
			n++
			host, port, err := net.SplitHostPort(v)
			svc, _, _ := strings.Cut(host, ".")
			if err == nil && port == "8222" && (strings.HasSuffix(svc, "-headless") || headless[svc]) {
				continue
			}
			trigger := fmt.Sprintf("spec.triggers[%d]", i)
			if !leftAlone(stderr, kind, id, trigger+".metadata.natsServerMonitoringEndpoint", strconv.Quote(v)+" ") &&
				!leftAlone(stderr, kind, id, trigger+".authenticationRef", "") {
				problems = append(problems, fmt.Sprintf("%s %s: %s.metadata.natsServerMonitoringEndpoint %q was neither repaired nor left alone with a warning saying so", kind, id, trigger, v))
			}
		}
	}
	if n == 0 {
		problems = append(problems, "the output has no natsServerMonitoringEndpoint at all")
	}
	return problems, nil
}

// leftAlone reports whether stderr holds a warning about field of the kind
// resource id whose message starts with quoted (the value, quoted) and says
// the transformer leaves it as it is. A warning repeated for several
// resources is one line naming the first few ("shop/a, shop/b (2 in all)").
func leftAlone(stderr, kind, id, field, quoted string) bool {
	names := regexp.MustCompile(`(^|, )` + regexp.QuoteMeta(id) + `( \(|,|$)`)
	for _, line := range strings.Split(stderr, "\n") {
		rest, ok := strings.CutPrefix(line, "warning: "+kind+" ")
		if !ok {
			continue
		}
		who, msg, ok := strings.Cut(rest, ": "+field+": ")
		if !ok || !names.MatchString(who) || !strings.HasPrefix(msg, quoted) {
			continue
		}
		for _, phrase := range leftAlonePhrases {
			if strings.Contains(msg, phrase) {
				return true
			}
		}
	}
	return false
}

// TestBadEndpoints checks the checker: endpoints left alone on purpose pass
// only with the transformer's warning about that value of that trigger, and
// garbage fails whatever stderr says.
func TestBadEndpoints(t *testing.T) {
	const notOne = `warning: ScaledObject shop/orders: spec.triggers[0].metadata.natsServerMonitoringEndpoint: "nats.nats:8222:8222" ` +
		`is not one host with one port (it has more than one colon); KEDA polls exactly one host:port, so this transformer leaves the value as it is: ` +
		`write the headless Service of the NATS install, such as "nats-headless.nats.svc.cluster.local:8222"` + "\n"
	so := func(endpoint string) string {
		return "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: orders\n  namespace: shop\nspec:\n  triggers:\n" +
			"  - type: nats-jetstream\n    metadata:\n      natsServerMonitoringEndpoint: " + strconv.Quote(endpoint) + "\n"
	}
	for _, tc := range []struct {
		name, out, stderr string
		bad               bool
	}{
		{"repaired", so("nats-headless.nats:8222"), "", false},
		{"left whole, with its warning", so("nats.nats:8222:8222"), notOne, false},
		{"grouped warning naming it", so("nats.nats:8222:8222"), strings.Replace(notOne, "shop/orders:", "shop/billing, shop/orders (2 in all):", 1), false},
		{"left whole, silently", so("nats.nats:8222:8222"), "", true},
		{"garbled, with a false warning", so("[nats.nats:8222:8222]:8222"),
			`warning: ScaledObject shop/orders: spec.triggers[0].metadata.natsServerMonitoringEndpoint: "nats.nats:8222:8222" has no port, so KEDA would poll port 80` + "\n", true},
		{"garbled, beside a left-alone warning for the old value", so("[nats.nats:8222:8222]:8222"), notOne, true},
		{"the warning is about another resource", so("nats.nats:8222:8222"), strings.Replace(notOne, "shop/orders:", "shop/orders-v2:", 1), true},
		{"the warning is about another trigger", so("nats.nats:8222:8222"), strings.Replace(notOne, "triggers[0]", "triggers[1]", 1), true},
		{"the warning does not say it was left alone", so("nats.nats:4222"),
			`warning: ScaledObject shop/orders: spec.triggers[0].metadata.natsServerMonitoringEndpoint: "nats.nats:4222" uses port 4222` + "\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problems, err := badEndpoints(tc.out, tc.stderr)
			if err != nil {
				t.Fatal(err)
			}
			if bad := len(problems) > 0; bad != tc.bad {
				t.Errorf("flagged %v, want %v: %q", bad, tc.bad, problems)
			}
		})
	}
}
