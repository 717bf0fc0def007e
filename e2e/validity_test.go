//go:build e2e

package e2e

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rendered is one set of objects eds-fn produced: the kustomize output of an
// example, or the expected.yaml of a golden success case.
type rendered struct {
	name string // example/<dir> or golden/<case>
	from string // where it came from
	objs []object
	// kedaWarns are the warnings eds-fn said KEDA's admission webhook
	// gives this output (a golden case's warnings.txt quotes them): the
	// webhook must give exactly these, and nothing else may be printed.
	kedaWarns []string
}

// example is one example whose output the suite applies: a kustomization
// (rendered with the kustomize CLI) or a kpt package that holds its rendered
// output (kpt is not installed here; its objects are read as they are).
type example struct {
	name string // path under examples/
	dir  string
	kpt  bool
}

// examples finds every directory under examples/ with a kustomization, or a
// Kptfile beside rendered objects (a Deployment that is not local config).
// Kustomizations that fetch remote resources (examples/argocd/install pulls
// ArgoCD's install.yaml from the internet) cannot be built here and are
// logged, not applied.
func examples(t *testing.T) []example {
	t.Helper()
	root := filepath.Join(repoRoot, "examples")
	var out []example
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if kz := filepath.Join(path, "kustomization.yaml"); fileExists(kz) {
			objs, err := parseObjects(mustRead(t, kz))
			if err != nil || len(objs) != 1 {
				t.Fatalf("%s: %v", kz, err)
			}
			for _, r := range list(objs[0], "resources") {
				if s, _ := r.(string); strings.Contains(s, "://") {
					t.Logf("examples/%s: not applied: its kustomization fetches %s", rel, s)
					return nil
				}
			}
			out = append(out, example{name: rel, dir: path})
			return nil
		}
		if fileExists(filepath.Join(path, "Kptfile")) {
			if objs := kptObjects(t, path); hasKind(objs, "Deployment") {
				out = append(out, example{name: rel, dir: path, kpt: true})
			} else {
				t.Logf("examples/%s: not applied: a kpt package before kpt fn render (its rendered output is another example)", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no example under %s", root)
	}
	return out
}

// kptObjects are the objects of a kpt package that kpt live apply would
// apply: all but the Kptfile and local configuration.
func kptObjects(t *testing.T, dir string) []object {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	sort.Strings(files)
	var out []object
	for _, f := range files {
		objs, err := parseObjects(mustRead(t, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, o := range objs {
			if kindOf(o) == "Kptfile" || str(o, "metadata", "annotations", "config.kubernetes.io/local-config") == "true" {
				continue
			}
			out = append(out, o)
		}
	}
	return out
}

func hasKind(objs []object, kind string) bool {
	for _, o := range objs {
		if kindOf(o) == kind {
			return true
		}
	}
	return false
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// goldenCases finds the generator's golden cases: directories under
// generator/testdata holding config.yaml and either expected.yaml (success)
// or errors.txt (an invalid EventDrivenService).
func goldenCases(t *testing.T) (success, invalid []string) {
	t.Helper()
	root := filepath.Join(repoRoot, "generator", "testdata")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		has := func(name string) bool {
			_, err := os.Stat(filepath.Join(path, name))
			return err == nil
		}
		switch {
		case has("expected.yaml"):
			success = append(success, path)
		case has("errors.txt") && has("config.yaml"):
			invalid = append(invalid, path)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("looking for golden cases under %s: %v", root, err)
	}
	return success, invalid
}

func caseName(dir string) string {
	rel, err := filepath.Rel(filepath.Join(repoRoot, "generator", "testdata"), dir)
	if err != nil {
		return filepath.Base(dir)
	}
	return filepath.ToSlash(rel)
}

func renderedOutputs(t *testing.T) []rendered {
	t.Helper()
	var out []rendered
	for _, ex := range examples(t) {
		if ex.kpt {
			out = append(out, rendered{name: "example/" + ex.name, from: "the rendered kpt package " + ex.dir, objs: kptObjects(t, ex.dir)})
			continue
		}
		data, err := kustomizeBuild(ex.dir)
		if err != nil {
			t.Fatalf("kustomize build %s: %v", ex.dir, err)
		}
		objs, err := parseObjects(data)
		if err != nil || len(objs) == 0 {
			t.Fatalf("kustomize build %s printed no objects (%v):\n%s", ex.dir, err, data)
		}
		out = append(out, rendered{name: "example/" + ex.name, from: "kustomize build " + ex.dir, objs: objs})
	}
	success, _ := goldenCases(t)
	if len(success) == 0 {
		t.Errorf("no golden success case: no directory under %s/generator/testdata holds an expected.yaml", repoRoot)
	}
	for _, dir := range success {
		path := filepath.Join(dir, "expected.yaml")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := parseObjects(data)
		if err != nil || len(objs) == 0 {
			t.Fatalf("%s holds no objects (%v)", path, err)
		}
		warns, err := os.ReadFile(filepath.Join(dir, "warnings.txt"))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		var kedaWarns []string
		for _, m := range kedaWarnQuote.FindAllStringSubmatch(string(warns), -1) {
			kedaWarns = append(kedaWarns, m[1])
		}
		out = append(out, rendered{name: "golden/" + caseName(dir), from: path, objs: objs, kedaWarns: kedaWarns})
	}
	return out
}

// TestServerSideValidity applies, for real, every example's kustomize output
// and every golden success case's expected output, each in a namespace of its
// own (golden cases share names), with the secrets their pods reference:
//
//  1. kubectl apply --dry-run=server --validate=strict: no error, no warning
//     (strict field validation turns an unknown or duplicate field into an
//     error), and the same as a server-side apply;
//  2. kubectl apply creates every object;
//  3. a second kubectl apply changes nothing, and kubectl diff sees nothing;
//  4. every field of the manifest is in the live object with its value: no
//     field was dropped or rewritten by the API server.
func TestServerSideValidity(t *testing.T) {
	for _, in := range renderedOutputs(t) {
		t.Run(in.name, func(t *testing.T) {
			ns := namespaceName("sv", strings.ReplaceAll(in.name, "/", "-"))
			objs, namespaces := inNamespaces(in.objs, ns)
			for _, n := range namespaces {
				ensureNamespace(t, n)
			}
			ensureReferencedSecrets(t, objs)
			file := filepath.Join(workDir, "validity", ns+".yaml")
			writeObjects(t, file, objs)
			t.Logf("%d objects from %s, applied in namespace %s", len(objs), in.from, strings.Join(namespaces, ", "))

			res, err := kubectl(nil, "apply", "--dry-run=server", "--validate=strict", "-f", file)
			if err != nil {
				t.Fatalf("the API server rejects the output:\n%v", err)
			}
			expectWarnings(t, "apply --dry-run=server --validate=strict", res, in.kedaWarns, true)
			expectVerbs(t, res, len(objs), "created")

			res, err = kubectl(nil, "apply", "--server-side", "--field-manager=eds-fn-e2e", "--dry-run=server", "--validate=strict", "-f", file)
			if err != nil {
				t.Fatalf("a server-side apply of the output is rejected:\n%v", err)
			}
			expectWarnings(t, "apply --server-side --dry-run=server --validate=strict", res, in.kedaWarns, true)

			res, err = kubectl(nil, "apply", "--validate=strict", "-f", file)
			if err != nil {
				t.Fatalf("creating the objects:\n%v", err)
			}
			expectWarnings(t, "apply --validate=strict", res, in.kedaWarns, true)
			expectVerbs(t, res, len(objs), "created")

			before := snapshots(t, objs)
			res, err = kubectl(nil, "apply", "--validate=strict", "-f", file)
			if err != nil {
				t.Fatalf("applying a second time:\n%v", err)
			}
			// An unchanged object is not sent again, so the webhook may
			// not be asked: its warnings may be missing, nothing else may
			// appear.
			expectWarnings(t, "second apply", res, in.kedaWarns, false)
			expectUnchanged(t, file, objs, res)
			after := snapshots(t, objs)
			for _, o := range objs {
				if before[ref(o)] == after[ref(o)] {
					continue
				}
				if fromEDSFn(o) {
					t.Errorf("%s: the second apply changed it:\nbefore: %s\nafter:  %s", ref(o), before[ref(o)], after[ref(o)])
				} else {
					// KEDA rewrites a ScaledJob written by hand with
					// the empty fields of its Go types (resources: {},
					// rollout: {}), which a client-side apply then
					// removes again: KEDA's business, not eds-fn's.
					t.Logf("%s (not eds-fn output) changed on the second apply:\nbefore: %s\nafter:  %s", ref(o), before[ref(o)], after[ref(o)])
				}
			}

			// kubectl diff exits 1 on a difference. KEDA writes a label, a
			// finalizer and the status of each ScaledObject concurrently, so
			// a difference is looked at twice before it counts.
			if res, err := kubectl(nil, "diff", "-f", file); err != nil {
				time.Sleep(3 * time.Second)
				if res2, err2 := kubectl(nil, "diff", "-f", file); err2 != nil {
					t.Errorf("kubectl diff after the second apply is not empty:\n%s%v\n(first try: %s)", res2.stdout, err2, res.stdout)
				}
			}

			for _, o := range objs {
				live, err := getObject(resourceName(o), str(o, "metadata", "namespace"), nameOf(o))
				if err != nil {
					t.Errorf("%s: %v", ref(o), err)
					continue
				}
				for _, m := range missingFields(o, live, "") {
					t.Errorf("%s: %s", ref(o), m)
				}
			}
		})
	}
}

// expectQuiet fails on anything kubectl printed to stderr: warnings about
// unknown, duplicate or deprecated fields land there.
// kedaWarnQuote finds, in eds-fn's warnings, the words it quotes from KEDA's
// admission webhook (generator/keda_webhook.go).
var kedaWarnQuote = regexp.MustCompile(`KEDA's admission webhook warns: "([^"]+)"`)

// expectWarnings is expectQuiet for an output about which eds-fn warned
// that KEDA's webhook would warn: each "Warning:" line kubectl printed must
// be one of want, and with all, each of want must have been printed, which
// proves eds-fn's mirror of the webhook says what the real one says.
func expectWarnings(t *testing.T, what string, res result, want []string, all bool) {
	t.Helper()
	if len(want) == 0 {
		expectQuiet(t, what, res)
		return
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(res.stderr), "\n") {
		if line == "" {
			continue
		}
		msg, ok := strings.CutPrefix(line, "Warning: ")
		if !ok || !slices.Contains(want, msg) {
			t.Errorf("kubectl %s printed on stderr what eds-fn did not warn about:\n%s", what, line)
			continue
		}
		seen[msg] = true
	}
	if all {
		for _, w := range want {
			if !seen[w] {
				t.Errorf("kubectl %s: eds-fn warned that KEDA's webhook says %q, but it did not:\n%s", what, w, res.stderr)
			}
		}
	}
}

func expectQuiet(t *testing.T, what string, res result) {
	t.Helper()
	if s := strings.TrimSpace(res.stderr); s != "" {
		t.Errorf("kubectl %s printed on stderr:\n%s", what, s)
	}
}

// snapshots records what an apply could change of each live object: its
// generation, spec, labels and annotations.
func snapshots(t *testing.T, objs []object) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, o := range objs {
		live, err := getObject(resourceName(o), str(o, "metadata", "namespace"), nameOf(o))
		if err != nil {
			t.Fatalf("%s: %v", ref(o), err)
		}
		snap := map[string]any{
			"generation":  get(live, "metadata", "generation"),
			"labels":      withoutKEDAKeys(get(live, "metadata", "labels")),
			"annotations": withoutKEDAKeys(get(live, "metadata", "annotations")),
			"spec":        get(live, "spec"),
			"data":        get(live, "data"),
		}
		// KEDA owns a scale target's replica count (and scales a target
		// with minReplicaCount 0 to zero meanwhile).
		if spec, ok := snap["spec"].(map[string]any); ok && kindOf(o) == "Deployment" {
			delete(spec, "replicas")
			delete(snap, "generation")
		}
		out[ref(o)] = show(snap)
	}
	return out
}

// withoutKEDAKeys drops the labels and annotations KEDA writes itself
// (scaledobject.keda.sh/name, ...).
func withoutKEDAKeys(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, val := range m {
		if !strings.Contains(k, "keda.sh/") {
			out[k] = val
		}
	}
	return out
}

// expectUnchanged reads the second kubectl apply's report. kubectl says
// "configured" whenever it sends a non-empty patch, even one that changes
// nothing, as when a manifest writes a quantity in a form the API server
// canonicalises ("2000m" is stored as "2"): every later apply, and every
// GitOps sync that applies client-side, sends it again. eds-fn's own output
// (labelled app.kubernetes.io/managed-by: eds-fn) must be "unchanged"; for
// objects written by hand (and passed through a transformer) the patch is
// logged, and only a real change fails (see the snapshots).
func expectUnchanged(t *testing.T, file string, objs []object, res result) {
	t.Helper()
	byResource := map[string]object{}
	for _, o := range objs {
		byResource[resourceName(o)+"/"+nameOf(o)] = o
	}
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if len(lines) != len(objs) {
		t.Errorf("kubectl apply reported %d objects, want %d:\n%s", len(lines), len(objs), res.stdout)
	}
	var patches string
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) >= 2 && f[1] == "unchanged" {
			continue
		}
		if patches == "" {
			patches = requestBodies(file)
		}
		o := byResource[f[0]]
		if o == nil {
			t.Errorf("kubectl apply: %q, want unchanged", l)
			continue
		}
		if fromEDSFn(o) && kindOf(o) == "PodDisruptionBudget" && onlySelectorPatch(patches, o) {
			// policy/v1's selector has patchStrategy "replace", and
			// kubectl's client-side apply sends such a field in every
			// patch: any PodDisruptionBudget with a selector is
			// "configured" on every apply. The snapshots prove nothing
			// changed.
			t.Logf("%s: a second kubectl apply reports %q: kubectl resends the selector of every PodDisruptionBudget (patchStrategy replace)", ref(o), l)
			continue
		}
		if fromEDSFn(o) {
			t.Errorf("%s: a second kubectl apply of eds-fn's output reports %q, want unchanged: kubectl sends a patch every time (a value the API server stores in another form?):\n%s", ref(o), l, patches)
		} else {
			t.Logf("%s (not eds-fn output): a second kubectl apply reports %q; the patch it sends:\n%s", ref(o), l, patches)
		}
	}
}

// onlySelectorPatch reports whether the patch kubectl sent for o is exactly
// its own selector, as kubectl's logged request body.
func onlySelectorPatch(patches string, o object) bool {
	body, err := json.Marshal(map[string]any{"spec": map[string]any{"selector": get(o, "spec", "selector")}})
	return err == nil && strings.Contains(patches, "body="+strconv.Quote(string(body)))
}

// fromEDSFn tells eds-fn's output from objects written by hand.
func fromEDSFn(o object) bool {
	return str(o, "metadata", "labels", "app.kubernetes.io/managed-by") == "eds-fn"
}

// requestBodies shows the patches kubectl apply sends (logged at -v=8).
func requestBodies(file string) string {
	res, _ := kubectl(nil, "apply", "--dry-run=server", "--validate=strict", "-v=8", "-f", file)
	var out []string
	for _, l := range strings.Split(res.stderr, "\n") {
		if strings.Contains(strings.ToLower(l), "request body") && !strings.Contains(l, `body=""`) {
			if len(l) > 3000 {
				l = l[:3000] + "..."
			}
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// expectVerbs checks that kubectl apply reported n objects, each with verb
// ("serviceaccount/x created", "deployment.apps/y unchanged", ...).
func expectVerbs(t *testing.T, res result, n int, verb string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if len(lines) != n {
		t.Errorf("kubectl apply reported %d objects, want %d:\n%s", len(lines), n, res.stdout)
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 2 || f[1] != verb {
			t.Errorf("kubectl apply: %q, want every object %s", l, verb)
		}
	}
}
