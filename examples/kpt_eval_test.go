package examples

import (
	"github.com/bizmatters/eds-fn/internal/testutil"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// kptEval runs the real "kpt fn eval --exec eds-fn DIR [-- ARGS...]" over a
// copy of files, eds-fn under test first on PATH. With no ARGS kpt passes an
// empty ConfigMap as functionConfig; with ARGS, a ConfigMap of them.
func kptEval(t *testing.T, files map[string]string, fnArgs ...string) (map[string]string, string, bool) {
	t.Helper()
	var after []string
	if len(fnArgs) > 0 {
		after = append([]string{"--"}, fnArgs...)
	}
	return kptRun(t, files, []string{"fn", "eval", "--exec", "eds-fn"}, after...)
}

// TestKptEvalIsRender: "kpt fn eval --exec eds-fn" without a config leaves
// a package exactly as "kpt fn render" does (same files, same bytes), on the
// example package and on one full of look-alike hand-written objects, and
// running it again changes nothing; edits (a rename, a typo) behave as they
// do under render.
func TestKptEvalIsRender(t *testing.T) {
	handPkg := map[string]string{
		"Kptfile":            kptfile,
		"orders-worker.yaml": kptService("orders-worker", "orders"),
		"billing.yaml":       kptService("billing-worker", "billing"),
		"hand-written.yaml":  handWritten,
	}
	for name, pkg := range map[string]map[string]string{
		"examples/kpt/package": testutil.ReadTree(t, "kpt/package"),
		"hand-written objects": handPkg,
	} {
		t.Run(name, func(t *testing.T) {
			rendered, out, ok := kptRender(t, pkg)
			if !ok {
				t.Fatalf("render failed:\n%s", out)
			}
			evaled, out, ok := kptEval(t, pkg)
			if !ok {
				t.Fatalf("eval failed:\n%s", out)
			}
			if diff := cmp.Diff(rendered, evaled); diff != "" {
				t.Errorf("eval left the package otherwise than render (-render +eval):\n%s", diff)
			}
			again, out, ok := kptEval(t, evaled)
			if !ok {
				t.Fatalf("second eval failed:\n%s", out)
			}
			if diff := cmp.Diff(evaled, again); diff != "" {
				t.Errorf("a second eval changed the package (-first +second):\n%s", diff)
			}
		})
	}

	first, out, ok := kptEval(t, handPkg)
	if !ok {
		t.Fatalf("eval failed:\n%s", out)
	}
	t.Run("service renamed", func(t *testing.T) {
		pkg := copyTree(first)
		replace(pkg, "billing.yaml", "name: billing-worker", "name: invoicing-worker")
		rendered, out, ok := kptRender(t, pkg)
		if !ok {
			t.Fatalf("render failed:\n%s", out)
		}
		evaled, out, ok := kptEval(t, pkg)
		if !ok {
			t.Fatalf("eval failed:\n%s", out)
		}
		if _, kept := evaled["billing-worker.generated.yaml"]; kept {
			t.Errorf("eval kept the renamed service's objects")
		}
		if diff := cmp.Diff(rendered, evaled); diff != "" {
			t.Errorf("eval after a rename differs from render (-render +eval):\n%s", diff)
		}
	})
	t.Run("kind misspelt", func(t *testing.T) {
		pkg := copyTree(first)
		replace(pkg, "billing.yaml", "kind: EventDrivenService", "kind: EventDrivenSevice")
		after, out, ok := kptEval(t, pkg)
		if ok || !strings.Contains(out, `kind "EventDrivenSevice" is not a kind of platform.bizmatters.io`) {
			t.Errorf("eval with a misspelt service: ok=%v, want a failure naming it:\n%s", ok, out)
		}
		if diff := cmp.Diff(pkg, after); diff != "" {
			t.Errorf("a failed eval changed the package (-before +after):\n%s", diff)
		}
	})
}

// TestKptEvalNATSHeadless: "kpt fn eval --exec eds-fn DIR --
// kind=NATSHeadlessEndpoint key=value..." runs the transformer with the
// ConfigMap's values converted to its fields' types; it changes only the
// endpoint, a second run changes nothing, and a bad key or value fails
// naming data.<key> with nothing changed.
func TestKptEvalNATSHeadless(t *testing.T) {
	pkg := testutil.ReadTree(t, "kpt/expected")
	const old, new = "natsServerMonitoringEndpoint: nats-headless.nats.svc.cluster.local:8222", "natsServerMonitoringEndpoint: nats-headless.streaming.svc:8222"
	want := copyTree(pkg)
	replace(want, "orders-worker.generated.yaml", old, new)

	args := []string{"kind=NATSHeadlessEndpoint", "endpoint=nats-headless.streaming.svc:8222"}
	got, out, ok := kptEval(t, pkg, args...)
	if !ok {
		t.Fatalf("eval failed:\n%s", out)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("eval changed more or less than the endpoint (-want +got):\n%s", diff)
	}
	if !strings.Contains(out, `which pointed at namespace "nats"`) {
		t.Errorf("no warning about the move to another namespace:\n%s", out)
	}
	again, out, ok := kptEval(t, got, args...)
	if !ok {
		t.Fatalf("second eval failed:\n%s", out)
	}
	if diff := cmp.Diff(got, again); diff != "" {
		t.Errorf("a second eval changed the package (-first +second):\n%s", diff)
	}
	// Repair in place with strict=false (a boolean) keeps the endpoint,
	// which already is the headless Service.
	if got, out, ok := kptEval(t, pkg, "kind=NATSHeadlessEndpoint", "strict=false", "namespace=nats"); !ok || cmp.Diff(pkg, got) != "" {
		t.Errorf("repair in place of a right endpoint: ok=%v, diff:\n%s\n%s", ok, cmp.Diff(pkg, got), out)
	}

	for _, tc := range []struct {
		args []string
		want []string
	}{
		// strict=true turns the warning about the move into an error.
		{append(args, "strict=true"), []string{`which pointed at namespace "nats"`, "[error]"}},
		{[]string{"kind=NATSHeadlessEndpoint", "strict=yes"}, []string{`data.strict: Unsupported value: "yes": supported values: "true", "false"`}},
		{[]string{"kind=NATSHeadlessEndpoint", "endpont=x:8222", "strict=1"}, []string{
			`data.endpont: Invalid value: "x:8222": unknown key; the keys of a kind=NATSHeadlessEndpoint ConfigMap are kind and its spec fields: endpoint, namespace, serviceName, strict`,
			`data.strict: Unsupported value: "1"`,
		}},
		{[]string{"kind=NATSHeadlessEndpoint", "endpoint=http://nats:8222"}, []string{`data.endpoint: Invalid value: "http://nats:8222": must be host:port without a scheme`}},
		{[]string{"kind=EventDrivenService"}, []string{`data.kind: Invalid value: "EventDrivenService": supported values: "NATSHeadlessEndpoint"`}},
		{[]string{"endpoint=nats-headless.nats:8222"}, []string{`data.kind: Invalid value: ""`}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			after, out, ok := kptEval(t, pkg, tc.args...)
			if ok {
				t.Fatalf("eval succeeded, want a failure:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("kpt's output does not say %q:\n%s", w, out)
				}
			}
			if diff := cmp.Diff(pkg, after); diff != "" {
				t.Errorf("a failed eval changed the package (-before +after):\n%s", diff)
			}
		})
	}
}
