package generator_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The properties of platform defaults, over pairs of the golden services:
// one service's platform-wide fields become the defaults of another,
// which may leave some of its own fields out to inherit them.
//
//   - Merging moves problems, never loses or invents them: a service
//     expanded with the defaults has as many errors, and the same objects,
//     as the merged service written out by hand and expanded alone.
//   - A problem reported on the defaults names a field the defaults have.
//   - Merging the defaults under a merged service changes nothing.
//   - The same input gives the same results and bytes.
//
// Run the fuzz target with
//
//	go test -run='^$' -fuzz=FuzzDefaults -fuzztime=10m ./generator

// perServiceFields are what a defaults object may not set.
var perServiceFields = [][]string{
	{"image"}, {"command"}, {"args"}, {"nats", "stream"}, {"nats", "consumer"}, {"scaling", "hpaName"},
	{"initContainer"}, {"initContainers"}, {"adoption"}, {"customDeployment"}, {"customService"}, {"customScaledObject"},
}

type goldenCorpus struct{ services []*yaml.RNode }

func loadGoldens(tb testing.TB) goldenCorpus {
	tb.Helper()
	paths, err := filepath.Glob("testdata/*/config.yaml")
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no golden configs: %v", err)
	}
	slices.Sort(paths)
	var c goldenCorpus
	for _, p := range paths {
		n, err := yaml.ReadFile(p)
		if err != nil || !generator.IsEventDrivenService(n) {
			continue
		}
		if s := n.Field("spec"); s == nil || s.Value.YNode().Kind != yaml.MappingNode {
			continue
		}
		c.services = append(c.services, n)
	}
	return c
}

// defaultsOf makes a defaults object of a service's platform-wide fields.
func defaultsOf(svc *yaml.RNode) *yaml.RNode {
	spec := svc.Field("spec").Value.Copy()
	for _, f := range perServiceFields {
		parent, err := spec.Pipe(yaml.Lookup(f[:len(f)-1]...))
		if err == nil && parent != nil && parent.YNode().Kind == yaml.MappingNode {
			_ = parent.PipeE(yaml.Clear(f[len(f)-1]))
		}
	}
	if l, _ := svc.Pipe(yaml.Lookup("metadata", "labels")); l != nil && l.YNode().Kind == yaml.MappingNode {
		_ = spec.PipeE(yaml.SetField("labels", l.Copy()))
	}
	d := yaml.MustParse("apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenServiceDefaults\nmetadata: {name: platform}\n")
	_ = d.PipeE(yaml.SetField("spec", spec))
	return d
}

// withoutSome is svc without the spec fields the bits of pick choose (bit i:
// the i-th field of the spec, in order), but image and nats.
func withoutSome(svc *yaml.RNode, pick uint64) *yaml.RNode {
	out := svc.Copy()
	spec := out.Field("spec").Value
	fields, _ := spec.Fields()
	for i, f := range fields {
		if f != "image" && f != "nats" && i < 64 && pick&(1<<i) != 0 {
			_ = spec.PipeE(yaml.Clear(f))
		}
	}
	return out
}

func expandWith(t *testing.T, services []*yaml.RNode, defaults *yaml.RNode) (string, krm.Results) {
	t.Helper()
	expanded, results := generator.ExpandAll(services, defaults)
	var b strings.Builder
	if !krm.HasErrors(results) {
		for _, e := range expanded {
			for _, o := range e.Objects {
				b.WriteString(o.MustString())
				b.WriteString("---\n")
			}
		}
	}
	return b.String(), results
}

func countErrors(rs krm.Results) int {
	n := 0
	for _, r := range rs {
		if r.Severity == krm.Error {
			n++
		}
	}
	return n
}

// checkDefaults asserts the properties for one service and one defaults
// object and reports whether the service was accepted.
func checkDefaults(t *testing.T, svc, defaults *yaml.RNode) bool {
	t.Helper()
	d, errs := v1alpha1.DecodeDefaults(defaults)
	if len(errs) > 0 {
		// An error case's values of the wrong type: refused before any
		// service is expanded, on the defaults alone.
		if _, results := expandWith(t, []*yaml.RNode{svc}, defaults); countErrors(results) != len(errs) {
			t.Fatalf("defaults that do not decode gave %v, want exactly their %d errors", results, len(errs))
		}
		return false
	}
	out, results := expandWith(t, []*yaml.RNode{svc}, defaults)
	again, resultsAgain := expandWith(t, []*yaml.RNode{svc}, defaults)
	if out != again || len(results) != len(resultsAgain) {
		t.Fatalf("the same input gave other output")
	}

	merged, _ := d.Apply(svc)
	byHand, handResults := expandWith(t, []*yaml.RNode{merged}, nil)
	if byHand != out {
		t.Fatalf("the service with defaults differs from the merged service written out:\n%s\n---\n%s", out, byHand)
	}
	if got, want := countErrors(results), countErrors(handResults); got > want || got == 0 && want > 0 {
		t.Fatalf("%d errors with defaults, %d for the merged service written out:\n%v\n---\n%v", got, want, results, handResults)
	}

	for _, r := range results {
		if r.ResourceRef == nil || r.ResourceRef.Kind != v1alpha1.KindEventDrivenServiceDefaults || r.Field == nil {
			continue
		}
		p := strings.FieldsFunc(r.Field.Path, func(c rune) bool { return c == '.' || c == '[' })
		if len(p) < 2 {
			continue
		}
		if f, _ := defaults.Pipe(yaml.Lookup(p[0], p[1])); f == nil {
			t.Fatalf("a result on the defaults names %s, which they do not have: %s", r.Field.Path, krm.Describe(r))
		}
	}

	if !strings.Contains(svc.MustString(), "null") {
		twice, _ := d.Apply(merged)
		if twice.MustString() != merged.MustString() {
			t.Fatalf("merging the defaults under a merged service changed it:\n%s\n---\n%s", merged.MustString(), twice.MustString())
		}
	}
	return out != ""
}

func FuzzDefaults(f *testing.F) {
	for _, seed := range [][]byte{{}, {0, 1, 0}, {3, 7, 255}, {40, 2, 1, 2, 3, 4, 5, 6, 7, 8}} {
		f.Add(seed)
	}
	c := loadGoldens(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 2 {
			return
		}
		var pick uint64
		for i, b := range in[2:min(len(in), 10)] {
			pick |= uint64(b) << (8 * i)
		}
		from, to := c.services[int(in[0])%len(c.services)], c.services[int(in[1])%len(c.services)]
		checkDefaults(t, withoutSome(to, pick), defaultsOf(from))
	})
}

// TestDefaultsCorpus runs FuzzDefaults' properties over 2,000 fixed pairs in
// every test run.
func TestDefaultsCorpus(t *testing.T) {
	c := loadGoldens(t)
	accepted, total := 0, 0
	x := uint64(88172645463325252)
	for range 2000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		from, to := c.services[x%uint64(len(c.services))], c.services[(x>>20)%uint64(len(c.services))]
		pick := x >> 8
		if x%3 == 0 {
			pick = 0
		}
		total++
		if checkDefaults(t, withoutSome(to, pick), defaultsOf(from)) {
			accepted++
		}
	}
	if accepted < total/20 || accepted > total-total/20 {
		t.Errorf("%d of %d pairs accepted: the corpus no longer exercises both outcomes", accepted, total)
	}
	t.Logf("%d of %d pairs accepted", accepted, total)
}
