package generator_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func platform(spec string) *yaml.RNode {
	return yaml.MustParse("apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenServiceDefaults\nmetadata:\n  name: platform\n" +
		"  annotations: {config.kubernetes.io/path: platform.yaml}\nspec:\n" + spec)
}

func services(n int, extra string) []*yaml.RNode {
	out := make([]*yaml.RNode, n)
	for i := range out {
		out[i] = eds(fmt.Sprintf("w%03d", i), extra)
	}
	return out
}

func described(rs krm.Results) []string {
	var out []string
	for _, r := range rs {
		out = append(out, krm.Describe(r))
	}
	return out
}

// TestDefaultsReachEveryService: one defaults object sets the NATS install,
// the size and the labels of every service; a service's own value wins.
func TestDefaultsReachEveryService(t *testing.T) {
	items := append(services(3, ""), eds("own", "  size: large\n"))
	items = append(items, platform("  size: small\n  labels: {tier: workers}\n  nats: {url: 'nats://nats.platform:4222', monitoringEndpoint: 'nats-headless.platform.svc.cluster.local:8222'}\n"))
	rl := &krm.ResourceList{Items: items}
	if err := (generator.Bulk{}).Process(rl); err != nil {
		t.Fatalf("%v\n%v", err, described(rl.Results))
	}
	var deployments int
	for _, it := range rl.Items {
		if it.GetKind() == "EventDrivenServiceDefaults" || it.GetKind() == "EventDrivenService" {
			t.Errorf("bulk mode left %s %s in the output", it.GetKind(), it.GetName())
		}
		if it.GetLabels()["tier"] != "workers" {
			t.Errorf("%s %s lacks the default label", it.GetKind(), it.GetName())
		}
		switch it.GetKind() {
		case "Deployment":
			deployments++
			s := it.MustString()
			want := "cpu: 250m" // small
			if it.GetName() == "own" {
				want = `cpu: "1"`
			}
			if !strings.Contains(s, "value: nats://nats.platform:4222") || !strings.Contains(s, want) {
				t.Errorf("Deployment %s has not the default NATS URL or its size (%s):\n%s", it.GetName(), want, s)
			}
		case "ScaledObject":
			if !strings.Contains(it.MustString(), "natsServerMonitoringEndpoint: nats-headless.platform.svc.cluster.local:8222") {
				t.Errorf("ScaledObject %s lacks the default monitoring endpoint", it.GetName())
			}
		}
	}
	if deployments != 4 {
		t.Errorf("%d Deployments, want 4", deployments)
	}
}

// TestDefaultsErrorsOncePerCause: a bad default is one error on the
// defaults object, naming the services it breaks, not one per service; a
// service's own mistake stays the service's; a warning a default causes is
// given once.
func TestDefaultsErrorsOncePerCause(t *testing.T) {
	items := append(services(50, ""), eds("broken", "  size: jumbo\n"), platform("  nats: {url: 'http://nats:4222'}\n"))
	rl := &krm.ResourceList{Items: items}
	if err := (generator.Bulk{}).Process(rl); err == nil {
		t.Fatal("no error")
	}
	want := []string{
		`error: EventDrivenService broken: spec.size: Unsupported value: "jumbo": supported values: "micro", "small", "medium", "large"`,
		`error: EventDrivenServiceDefaults platform (platform.yaml): spec.nats.url: Invalid value: "http://nats:4222": scheme "http" is not supported: ` +
			`must be a NATS URL such as "nats://nats.nats.svc:4222" (schemes nats, tls, ws, wss; several URLs separated by commas) ` +
			`(merged into EventDrivenService w000, w001, w002 and 48 more)`,
	}
	if diff := cmp.Diff(want, described(rl.Results)); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if len(rl.Items) != len(items) {
		t.Errorf("%d items after a failed run, want the %d unchanged", len(rl.Items), len(items))
	}

	rl = &krm.ResourceList{Items: append(services(50, ""), platform("  podSecurity: baseline\n"))}
	if err := (generator.Bulk{}).Process(rl); err != nil {
		t.Fatal(err)
	}
	want = []string{`warning: EventDrivenServiceDefaults platform (platform.yaml): spec.podSecurity: Invalid value: "baseline": ` +
		`checks the pod against Pod Security "baseline" instead of "restricted", for this service only: customDeployment may now give it what "baseline" allows; ` +
		`the namespace's pod-security.kubernetes.io/enforce label must allow it too (merged into EventDrivenService w000, w001, w002 and 47 more)`}
	if diff := cmp.Diff(want, described(rl.Results)); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

// TestDefaultsTheWayIn: the defaults object in a kpt package is marked
// local-config and kept; as kpt's functionConfig it applies too; two of
// them, a misspelt one or a malformed one stop the run.
func TestDefaultsTheWayIn(t *testing.T) {
	t.Run("package", func(t *testing.T) {
		d := platform("  size: small\n")
		rl := &krm.ResourceList{Items: []*yaml.RNode{eds("a", ""), d}}
		if err := (generator.Processor{}).Process(rl); err != nil {
			t.Fatal(err)
		}
		if d.GetAnnotations()["config.kubernetes.io/local-config"] != "true" {
			t.Error("the defaults object is not marked local-config: kpt live apply would send it")
		}
		if !strings.Contains(dumpItems(rl.Items), "cpu: 250m") {
			t.Error("the default size did not apply")
		}
	})
	t.Run("functionConfig", func(t *testing.T) {
		rl := &krm.ResourceList{Items: []*yaml.RNode{eds("a", "")}, FunctionConfig: platform("  size: small\n")}
		if err := (generator.Processor{}).Process(rl); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(dumpItems(rl.Items), "cpu: 250m") {
			t.Error("the default size did not apply")
		}
	})
	for _, tc := range []struct {
		name  string
		items []*yaml.RNode
		want  string
	}{
		{"two", []*yaml.RNode{eds("a", ""), platform("  size: small\n"), yaml.MustParse(strings.Replace(platform("").MustString(), "name: platform", "name: other", 1))},
			`error: EventDrivenServiceDefaults other (platform.yaml): kind: is a second EventDrivenServiceDefaults beside EventDrivenServiceDefaults "platform" (platform.yaml): one set of platform defaults applies to all services; merge them into one`},
		{"misspelt", []*yaml.RNode{eds("a", ""), yaml.MustParse("apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenServiceDefault\nmetadata: {name: p}\nspec: {size: small}\n")},
			`error: EventDrivenServiceDefault p: kind: kind "EventDrivenServiceDefault" is not a kind of platform.bizmatters.io`},
		{"misspelt elsewhere", []*yaml.RNode{eds("a", ""), yaml.MustParse("apiVersion: acme.io/v1\nkind: EventDrivenServicesDefaults\nmetadata: {name: p}\nspec: {size: small}\n")},
			`error: EventDrivenServicesDefaults p: kind: acme.io/v1 EventDrivenServicesDefaults looks like a misspelt EventDrivenServiceDefaults`},
		{"malformed", []*yaml.RNode{eds("a", ""), platform("  sise: small\n")},
			`error: EventDrivenServiceDefaults platform (platform.yaml): spec.sise: Invalid value: "sise": unknown field (did you mean "size"?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rl := &krm.ResourceList{Items: tc.items}
			err := (generator.Bulk{}).Process(rl)
			got := strings.Join(described(rl.Results), "\n")
			if err == nil || !strings.Contains(got, tc.want) {
				t.Errorf("results:\n%s\nwant one starting %q", got, tc.want)
			}
			if len(rl.Items) != len(tc.items) {
				t.Errorf("%d items after a failed run, want the %d unchanged", len(rl.Items), len(tc.items))
			}
		})
	}
}

// TestNoDefaultsNoChange: without a defaults object the output is what it
// was, byte for byte, and an empty defaults object changes nothing either.
func TestNoDefaultsNoChange(t *testing.T) {
	run := func(items ...*yaml.RNode) string {
		rl := &krm.ResourceList{Items: items}
		if err := (generator.Bulk{}).Process(rl); err != nil {
			t.Fatal(err)
		}
		return dumpItems(rl.Items)
	}
	full := readNode(t, "testdata/full/config.yaml")
	without := run(full.Copy(), eds("b", ""))
	with := run(full.Copy(), eds("b", ""), platform("  {}\n"))
	if diff := cmp.Diff(without, with); diff != "" {
		t.Errorf("an empty defaults object changed the output (-without +with):\n%s", diff)
	}
}

func dumpItems(items []*yaml.RNode) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(it.MustString())
		b.WriteString("---\n")
	}
	return b.String()
}
