package examples

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// kptRender runs the real "kpt fn render --allow-exec" over a copy of the
// package files, with the eds-fn under test first on PATH (the Kptfile says
// "exec: eds-fn"), and returns the package as kpt left it, kpt's output and
// whether it succeeded.
func kptRender(t *testing.T, files map[string]string) (map[string]string, string, bool) {
	t.Helper()
	return kptRun(t, files, []string{"fn", "render", "--allow-exec"})
}

// kptRun runs "kpt ARGS... DIR AFTER..." the way kptRender does.
func kptRun(t *testing.T, files map[string]string, args []string, after ...string) (map[string]string, string, bool) {
	t.Helper()
	kpt := testutil.KptBinary(t)
	dir := t.TempDir()
	testutil.WriteTree(t, dir, files)
	cmd := exec.Command(kpt, append(append(slices.Clone(args), dir), after...)...)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(testutil.Binary(t))+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil && !errors.As(err, new(*exec.ExitError)) {
		t.Fatalf("kpt: %v", err)
	}
	return testutil.ReadTree(t, dir), out.String(), err == nil
}

// TestKptPackage renders examples/kpt/package with the real kpt CLI and
// compares every file with examples/kpt/expected; rendering the expected
// package again changes nothing (kpt's own test runner renders twice).
func TestKptPackage(t *testing.T) {
	got, out, ok := kptRender(t, testutil.ReadTree(t, "kpt/package"))
	if !ok {
		t.Fatalf("kpt fn render failed:\n%s", out)
	}
	if *testutil.Update {
		_ = os.RemoveAll("kpt/expected")
		testutil.WriteTree(t, "kpt/expected", got)
	}
	want := testutil.ReadTree(t, "kpt/expected")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rendered package differs from kpt/expected (-want +got):\n%s", diff)
	}
	if yaml.MustParse(got["orders-worker.yaml"]).GetAnnotations()["config.kubernetes.io/local-config"] != "true" {
		t.Error("the EventDrivenService is not marked local-config: kpt live apply would send it")
	}
	again, out, ok := kptRender(t, want)
	if !ok {
		t.Fatalf("second kpt fn render failed:\n%s", out)
	}
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("rendering twice changed the package (-first +second):\n%s", diff)
	}
}

const kptfile = `
apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: workers
  annotations:
    config.kubernetes.io/local-config: "true"
pipeline:
  mutators:
    - exec: eds-fn
`

func kptService(name, namespace string) string {
	ns := ""
	if namespace != "" {
		ns = "\n  namespace: " + namespace
	}
	return `apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata:
  name: ` + name + ns + `
spec:
  image: ghcr.io/acme/` + name + `:v1.0.0
  nats:
    stream: ORDERS
    consumer: ` + name + `
`
}

// handWritten are objects a user keeps in a package next to the services,
// several carrying eds-fn's labels as people copy them from generated
// objects: none is eds-fn's, none may be changed or removed.
const handWritten = `
# A Knative Service, same name and labels as a generated core Service.
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: orders-worker
  namespace: orders
  labels:
    app.kubernetes.io/name: orders-worker
    app.kubernetes.io/managed-by: eds-fn
spec:
  template:
    spec:
      containers:
        - image: ghcr.io/acme/orders-web:v1.0.0
---
# A Deployment of another namespace, with eds-fn's labels.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy-worker
  namespace: legacy
  labels:
    app.kubernetes.io/name: legacy-worker
    app.kubernetes.io/managed-by: eds-fn
spec:
  selector:
    matchLabels: {app: legacy-worker}
  template:
    metadata:
      labels: {app: legacy-worker}
    spec:
      containers:
        - name: worker
          image: ghcr.io/acme/legacy:v1
---
# The metrics Service of orders-worker, written by hand.
apiVersion: v1
kind: Service
metadata:
  name: orders-worker-metrics
  namespace: orders
  labels:
    app.kubernetes.io/name: orders-worker
    app.kubernetes.io/managed-by: eds-fn
spec:
  selector:
    app.kubernetes.io/name: orders-worker
  ports:
    - name: metrics
      port: 9090
`

// TestKptNeverDestroysWhatIsNotItsOwn renders packages a user really has,
// and edits of them, with the real kpt CLI: hand-written objects are never
// changed or removed, a typo stops the render instead of deleting a
// workload, and every render, edited or not, is idempotent.
func TestKptNeverDestroysWhatIsNotItsOwn(t *testing.T) {
	base := map[string]string{
		"Kptfile":            kptfile,
		"orders-worker.yaml": kptService("orders-worker", "orders"),
		"hand-written.yaml":  handWritten,
	}
	first, out, ok := kptRender(t, base)
	if !ok {
		t.Fatalf("first render failed:\n%s", out)
	}
	if first["hand-written.yaml"] != strings.TrimLeft(handWritten, "\n") {
		t.Errorf("the first render changed hand-written.yaml:\n%s", cmp.Diff(strings.TrimLeft(handWritten, "\n"), first["hand-written.yaml"]))
	}
	gen := first["orders-worker.generated.yaml"]
	for _, want := range []string{"kind: ServiceAccount", "kind: Service\n", "kind: Deployment", "kind: ScaledObject"} {
		if !strings.Contains(gen, want) {
			t.Errorf("orders-worker.generated.yaml has no %q:\n%s", want, gen)
		}
	}
	idempotent(t, "first render", first)

	edits := []struct {
		name string
		edit func(map[string]string)
		// fails: the render must fail and change nothing, with this in
		// kpt's output.
		fails string
		check func(t *testing.T, after map[string]string)
	}{{
		name: "kind misspelt",
		edit: func(f map[string]string) {
			replace(f, "orders-worker.yaml", "kind: EventDrivenService", "kind: EventDrivenSevice")
		},
		fails: `kind "EventDrivenSevice" is not a kind of platform.bizmatters.io`,
	}, {
		name: "kind misspelt in another group",
		edit: func(f map[string]string) {
			replace(f, "orders-worker.yaml", "platform.bizmatters.io/v1alpha1\nkind: EventDrivenService", "acme.io/v1\nkind: EventDrivenServices")
		},
		fails: `did you mean "platform.bizmatters.io/v1alpha1 EventDrivenService"?`,
	}, {
		name: "spec of an EventDrivenService under another kind",
		edit: func(f map[string]string) {
			replace(f, "orders-worker.yaml", "platform.bizmatters.io/v1alpha1\nkind: EventDrivenService", "apps/v1\nkind: Deployment")
		},
		fails: `has spec.image and spec.nats like an EventDrivenService`,
	}, {
		name: "group misspelt",
		edit: func(f map[string]string) {
			replace(f, "orders-worker.yaml", "platform.bizmatters.io/", "platform.bizmatter.io/")
		},
		fails: `looks like a misspelt "platform.bizmatters.io/v1alpha1"`,
	}, {
		name: "unknown kind of our group",
		edit: func(f map[string]string) {
			replace(f, "orders-worker.yaml", "kind: EventDrivenService", "kind: EventService")
		},
		fails: `did you mean "EventDrivenService"?`,
	}, {
		name: "service renamed: its old objects go, the hand-written ones stay",
		edit: func(f map[string]string) {
			replace(f, "orders-worker.yaml", "name: orders-worker", "name: orders-processor")
		},
		check: func(t *testing.T, after map[string]string) {
			if _, ok := after["orders-worker.generated.yaml"]; ok {
				t.Errorf("the renamed service's old objects were kept:\n%s", after["orders-worker.generated.yaml"])
			}
			if !strings.Contains(after["orders-processor.generated.yaml"], "name: orders-processor") {
				t.Errorf("no objects for the new name: %v", slices.Sorted(maps.Keys(after)))
			}
			if after["hand-written.yaml"] != first["hand-written.yaml"] {
				t.Errorf("renaming the service changed hand-written.yaml")
			}
		},
	}, {
		name: "service deleted",
		edit: func(f map[string]string) { delete(f, "orders-worker.yaml") },
		check: func(t *testing.T, after map[string]string) {
			if _, ok := after["orders-worker.generated.yaml"]; ok {
				t.Errorf("the deleted service's objects were kept")
			}
			if after["hand-written.yaml"] != first["hand-written.yaml"] {
				t.Errorf("deleting the service changed hand-written.yaml")
			}
		},
	}, {
		name: "eds-fn's labels removed from a generated object",
		edit: func(f map[string]string) {
			replace(f, "orders-worker.generated.yaml", "    app.kubernetes.io/managed-by: eds-fn\n", "")
		},
		check: func(t *testing.T, after map[string]string) {
			// kpt keeps the field order of its input, so the label comes
			// back last; what matters is that it is back, on all four.
			if n := strings.Count(after["orders-worker.generated.yaml"], "app.kubernetes.io/managed-by: eds-fn"); n < 4 {
				t.Errorf("the generated objects were not restored (%d labels):\n%s", n, after["orders-worker.generated.yaml"])
			}
		},
	}, {
		name: "a hand-written core Service of the same name",
		edit: func(f map[string]string) {
			f["orders-svc.yaml"] = "apiVersion: v1\nkind: Service\nmetadata:\n  name: orders-worker\n  namespace: orders\n" +
				"  labels:\n    app.kubernetes.io/name: orders-worker\n    app.kubernetes.io/managed-by: eds-fn\nspec:\n  ports:\n    - port: 80\n"
			delete(f, "orders-worker.generated.yaml")
		},
		fails: `"orders-svc.yaml" already holds one that eds-fn did not generate`,
	}, {
		name: "a second service in the same namespace by default",
		edit: func(f map[string]string) {
			f["default-a.yaml"] = kptService("twin-worker", "")
			f["default-b.yaml"] = kptService("twin-worker", "default")
		},
		fails: "which EventDrivenService \"twin-worker\" (default-a.yaml) also generates",
	}, {
		name: "customDeployment moving the Deployment to another namespace",
		edit: func(f map[string]string) {
			f["orders-worker.yaml"] += "  customDeployment:\n    metadata:\n      namespace: kube-system\n"
		},
		fails: "spec.customDeployment.metadata.namespace",
	}, {
		name: "http disabled: the Service an earlier render wrote goes",
		edit: func(f map[string]string) { f["orders-worker.yaml"] += "  http: {enabled: false}\n" },
		check: func(t *testing.T, after map[string]string) {
			gen := after["orders-worker.generated.yaml"]
			if strings.Contains(gen, "kind: Service\n") || !strings.Contains(gen, "kind: Deployment") {
				t.Errorf("want the Deployment without its Service:\n%s", gen)
			}
			if after["hand-written.yaml"] != first["hand-written.yaml"] {
				t.Errorf("turning HTTP off changed hand-written.yaml")
			}
		},
	}, {
		name: "disruptionBudget added, then removed",
		edit: func(f map[string]string) { f["orders-worker.yaml"] += "  disruptionBudget: {maxUnavailable: 1}\n" },
		check: func(t *testing.T, after map[string]string) {
			if !strings.Contains(after["orders-worker.generated.yaml"], "kind: PodDisruptionBudget") {
				t.Fatalf("no PodDisruptionBudget in orders-worker.generated.yaml:\n%s", after["orders-worker.generated.yaml"])
			}
			idempotent(t, "with a PodDisruptionBudget", after)
			pkg := copyTree(after)
			replace(pkg, "orders-worker.yaml", "  disruptionBudget: {maxUnavailable: 1}\n", "")
			removed, out, ok := kptRender(t, pkg)
			if !ok {
				t.Fatalf("render without the budget failed:\n%s", out)
			}
			if diff := cmp.Diff(first, removed); diff != "" {
				t.Errorf("removing the budget did not give back the first render (-first +after):\n%s", diff)
			}
		},
	}, {
		name: "kpt's upstream identifier is not copied",
		edit: func(f map[string]string) {
			replace(f, "orders-worker.yaml", "  annotations:\n", "  annotations:\n    internal.kpt.dev/upstream-identifier: 'platform.bizmatters.io|EventDrivenService|orders|orders-worker'\n")
		},
		check: func(t *testing.T, after map[string]string) {
			if strings.Contains(after["orders-worker.generated.yaml"], "upstream-identifier") {
				t.Errorf("kpt's bookkeeping was copied onto generated objects:\n%s", after["orders-worker.generated.yaml"])
			}
		},
	}}
	for _, tc := range edits {
		t.Run(tc.name, func(t *testing.T) {
			pkg := copyTree(first)
			tc.edit(pkg)
			after, out, ok := kptRender(t, pkg)
			if tc.fails != "" {
				if ok {
					t.Fatalf("render succeeded, want a failure with %q:\n%s", tc.fails, out)
				}
				if !strings.Contains(out, tc.fails) {
					t.Errorf("kpt's output does not say %q:\n%s", tc.fails, out)
				}
				if diff := cmp.Diff(pkg, after); diff != "" {
					t.Errorf("a failed render changed the package (-before +after):\n%s", diff)
				}
				return
			}
			if !ok {
				t.Fatalf("render failed:\n%s", out)
			}
			tc.check(t, after)
			idempotent(t, tc.name, after)
		})
	}
}

// idempotent renders pkg, the output of a render, once more: nothing may
// change.
func idempotent(t *testing.T, what string, pkg map[string]string) {
	t.Helper()
	again, out, ok := kptRender(t, pkg)
	if !ok {
		t.Fatalf("%s: rendering again failed:\n%s", what, out)
	}
	if diff := cmp.Diff(pkg, again); diff != "" {
		t.Errorf("%s: rendering again changed the package (-first +second):\n%s", what, diff)
	}
}

func replace(files map[string]string, name, old, new string) {
	if !strings.Contains(files[name], old) {
		panic(name + " has no " + old)
	}
	files[name] = strings.Replace(files[name], old, new, 1)
}

func copyTree(files map[string]string) map[string]string { return maps.Clone(files) }
