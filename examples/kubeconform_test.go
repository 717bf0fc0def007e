package examples

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"sigs.k8s.io/yaml"
)

// noSchema are the kinds in examples/ that have no schema under schema/:
// the configuration of the tools that run eds-fn, never sent to a cluster
// by these examples (or, for ArgoCD's and Flux's, defined by CRDs this
// project does not pin).
var noSchema = map[string]string{
	"kustomize.config.k8s.io/v1beta1/Kustomization": "kustomize's own configuration",
	"argoproj.io/v1alpha1/Application":              "ArgoCD's CRD",
	"argoproj.io/v1alpha1/ConfigManagementPlugin":   "an ArgoCD plugin's configuration file, not a cluster object",
	"kustomize.toolkit.fluxcd.io/v1/Kustomization":  "Flux's CRD",
	"source.toolkit.fluxcd.io/v1/GitRepository":     "Flux's CRD",
}

// TestExamplesValidateOffline validates every object of examples/ with
// kubeconform -strict, offline, against the schemas checked in under
// schema/: Kubernetes 1.37's own (Deployment, Service, ...), KEDA v2.21's
// CRDs (ScaledObject, ScaledJob, TriggerAuthentication) and eds-fn's
// (EventDrivenService and the transformers' configs). That covers what
// eds-fn prints (every expected-output.yaml, kpt's expected package,
// Flux's rendered files) and what users write (the services and the
// hand-written objects beside them). Patches and transformer configurations
// that kustomizations list are partial objects and are left out, as are the
// kinds in noSchema; every other object must be valid.
func TestExamplesValidateOffline(t *testing.T) {
	partial := kustomizationFragments(t)
	var files []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") || partial[p] {
			return err
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	skipped := map[string]bool{}
	perFile := map[string]int{}
	for _, r := range testutil.Kubeconform(t, slices.Sorted(maps.Keys(noSchema)), files...) {
		switch r.Status {
		case "statusValid":
			perFile[r.Filename]++
		case "statusSkipped":
			skipped[r.Version+"/"+r.Kind] = true
			perFile[r.Filename]++
		default:
			t.Errorf("%s: %s %s/%s: %s %s", r.Filename, r.Version, r.Kind, r.Name, r.Status, r.Msg)
		}
	}
	for _, f := range files {
		if perFile[f] == 0 {
			t.Errorf("%s: kubeconform validated no object in it", f)
		}
	}
	for gvk := range noSchema {
		if !skipped[gvk] {
			t.Errorf("noSchema lists %s, which no example holds any more", gvk)
		}
	}
	if n := len(files); n < 40 {
		t.Errorf("only %d files validated; the walk lost examples", n)
	}
	if !t.Failed() {
		t.Logf("%d files valid, %d of them outputs of eds-fn", len(files), countExpected(files))
	}
}

func countExpected(files []string) int {
	n := 0
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "expected") || strings.Contains(f, "/expected/") || strings.Contains(f, "/rendered/") {
			n++
		}
	}
	return n
}

// kustomizationFragments are the files that kustomizations use as patches
// or transformer configurations: partial objects, not manifests.
func kustomizationFragments(t *testing.T) map[string]bool {
	t.Helper()
	ks, err := filepath.Glob("*/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("*/*/kustomization.yaml")
	out := map[string]bool{}
	for _, k := range append(ks, more...) {
		b, err := os.ReadFile(k)
		if err != nil {
			t.Fatal(err)
		}
		var kust struct {
			Patches []struct {
				Path string `json:"path"`
			} `json:"patches"`
			PatchesStrategicMerge []string `json:"patchesStrategicMerge"`
			Configurations        []string `json:"configurations"`
		}
		if err := yaml.Unmarshal(b, &kust); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		paths := append(kust.PatchesStrategicMerge, kust.Configurations...)
		for _, p := range kust.Patches {
			paths = append(paths, p.Path)
		}
		for _, p := range paths {
			if p != "" {
				out[filepath.Join(filepath.Dir(k), p)] = true
			}
		}
	}
	return out
}

// TestKubeconformRejects proves the validation can fail: each case changes
// one thing in a real example, the way a hand edit or a generator bug
// would, and kubeconform must call that object invalid and name the field.
func TestKubeconformRejects(t *testing.T) {
	cases := []struct {
		name, file, old, new, kind, msg string
	}{
		{"KEDA metadata is strings: lagThreshold as a number", "agent-executor/expected-output.yaml",
			`lagThreshold: "5"`, `lagThreshold: 5`, "ScaledObject", "lagThreshold"},
		{"a misspelt ScaledObject field", "agent-executor/expected-output.yaml",
			"minReplicaCount:", "minReplicasCount:", "ScaledObject", "minReplicasCount"},
		{"an unknown top-level field of a ScaledObject", "agent-executor/expected-output.yaml",
			"kind: ScaledObject\n", "kind: ScaledObject\nspecs: {}\n", "ScaledObject", "specs"},
		{"a misspelt pod field", "agent-executor/expected-output.yaml",
			"imagePullSecrets:", "imagePullSecret:", "Deployment", "imagePullSecret"},
		{"a misspelt container field", "agent-executor/expected-output.yaml",
			"readinessProbe:", "readynessProbe:", "Deployment", "readynessProbe"},
		{"a Service port as a string", "agent-executor/expected-output.yaml",
			"port: 8080\n", "port: \"8080\"\n", "Service", "port"},
		{"a ServiceAccount field as a string", "agent-executor/expected-output.yaml",
			"automountServiceAccountToken: false", `automountServiceAccountToken: "false"`, "ServiceAccount", "automountServiceAccountToken"},
		{"a misspelt EventDrivenService field", "agent-executor/agent-executor.yaml",
			"consumer: agent-executor-workers", "consumr: agent-executor-workers", "EventDrivenService", "consumr"},
		{"a PodDisruptionBudget field as a string", "http-worker/expected-output.yaml",
			"maxUnavailable: 1", "maxUnavailable: true", "PodDisruptionBudget", "maxUnavailable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := os.ReadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), c.old) {
				t.Fatalf("%s no longer holds %q: update this case", c.file, c.old)
			}
			f := filepath.Join(t.TempDir(), filepath.Base(c.file))
			if err := os.WriteFile(f, []byte(strings.Replace(string(b), c.old, c.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			invalid := 0
			for _, r := range testutil.Kubeconform(t, nil, f) {
				switch {
				case r.Kind == c.kind && r.Status == "statusInvalid":
					invalid++
					if !strings.Contains(r.Msg, c.msg) {
						t.Errorf("%s is invalid, but the message does not name %q: %s", c.kind, c.msg, r.Msg)
					}
					t.Logf("%s %s: %s", r.Kind, r.Name, r.Msg)
				case r.Status != "statusValid":
					t.Errorf("%s %s: %s %s (only the %s should be)", r.Kind, r.Name, r.Status, r.Msg, c.kind)
				}
			}
			if invalid != 1 {
				t.Errorf("%d invalid %s objects, want 1", invalid, c.kind)
			}
		})
	}
}
