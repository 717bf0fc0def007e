package krm_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func about(name string, sev krm.Severity, msg string) *krm.Result {
	r := &krm.Result{Message: msg, Severity: sev}
	if name != "" {
		r.ResourceRef = &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, NameMeta: yaml.NameMeta{Name: name}}
	}
	return r
}

// describe is one line per result: its severity, resource and message.
func describe(rs krm.Results) []string {
	var out []string
	for _, r := range rs {
		out = append(out, krm.Describe(r))
	}
	return out
}

func TestCapped(t *testing.T) {
	many := func(name string, n int, sev krm.Severity) krm.Results {
		var rs krm.Results
		for i := range n {
			rs = append(rs, about(name, sev, fmt.Sprintf("%s %d", sev, i)))
		}
		return rs
	}
	join := func(parts ...krm.Results) krm.Results {
		var rs krm.Results
		for _, p := range parts {
			rs = append(rs, p...)
		}
		return rs
	}
	for _, tc := range []struct {
		name string
		in   krm.Results
		want []string // the results kept, then the summary
	}{
		{name: "within the limits", in: join(many("a", 10, krm.Warning), many("b", 10, krm.Info))},
		{name: "none", in: nil},
		{
			name: "one resource over the limit, errors first",
			in:   join(many("a", 12, krm.Warning), many("a", 2, krm.Error), many("b", 1, krm.Info)),
			want: append(append(describe(many("a", 8, krm.Warning)), describe(many("a", 2, krm.Error))...),
				"info: ConfigMap b: info 0",
				"warning: and 4 more results not shown (4 warnings), 4 of them about v1 ConfigMap a; eds-fn reports at most 10 results per resource and 1000 in all: fix the ones shown and run it again"),
		},
		{
			name: "an error among the dropped keeps the summary an error",
			in:   join(many("", 3, krm.Info), many("", 15, krm.Error)),
			want: append(describe(many("", 10, krm.Error)),
				"error: and 8 more results not shown (5 errors, 3 infos), 8 of them about no resource; eds-fn reports at most 10 results per resource and 1000 in all: fix the ones shown and run it again"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := krm.Capped(tc.in)
			want := tc.want
			if want == nil {
				want = describe(tc.in)
			}
			if diff := cmp.Diff(want, describe(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestCappedTotal: 2,000 resources with a result each are cut to 1,000
// and one summary, whatever their severity; the errors are the ones shown.
func TestCappedTotal(t *testing.T) {
	var rs krm.Results
	for i := range 2000 {
		sev := krm.Info
		if i%2 == 1 {
			sev = krm.Error
		}
		rs = append(rs, about(fmt.Sprintf("cm-%04d", i), sev, "x"))
	}
	got := krm.Capped(rs)
	if len(got) != krm.MaxResults+1 {
		t.Fatalf("%d results, want %d", len(got), krm.MaxResults+1)
	}
	for _, r := range got[:krm.MaxResults] {
		if r.Severity != krm.Error {
			t.Fatalf("kept %s before the errors", krm.Describe(r))
		}
	}
	last := got[len(got)-1]
	if last.Severity != krm.Info || !strings.HasPrefix(last.Message, "and 1000 more results not shown (1000 infos), 1 of them about v1 ConfigMap cm-0000 (1000 resources)") {
		t.Errorf("summary: %s", krm.Describe(last))
	}
	if krm.HasErrors(got) != krm.HasErrors(rs) {
		t.Error("capping changed the exit code")
	}
}

// TestPrintGroupsRepeatedWarnings: the same warning of the same field of
// many resources of one kind is one line, where the first stood; errors,
// other messages, other fields and other kinds are lines of their own.
func TestPrintGroupsRepeatedWarnings(t *testing.T) {
	svc := func(name, msg, path string, sev krm.Severity) *krm.Result {
		return &krm.Result{Message: msg, Severity: sev, Field: &krm.Field{Path: path},
			ResourceRef: &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{Kind: "EventDrivenService"}, NameMeta: yaml.NameMeta{Name: name, Namespace: "shop"}}}
	}
	var rs krm.Results
	for i := range 1000 {
		rs = append(rs, svc(fmt.Sprintf("w%04d", i), "names no tag", "spec.image", krm.Warning))
		if i == 1 {
			rs = append(rs, svc("w0001", "bad size", "spec.size", krm.Error), svc("w0001", "bad size", "spec.size", krm.Error))
			rs = append(rs, svc("w0001", "names no tag", "spec.initContainer.image", krm.Warning))
		}
	}
	rs = append(rs, svc("only", "other", "spec.image", krm.Warning), &krm.Result{Message: "no resource", Severity: krm.Warning})
	var b strings.Builder
	krm.Print(&b, rs, krm.Warning)
	want := `warning: EventDrivenService shop/w0000, shop/w0001, shop/w0002 and 997 more (1000 in all): spec.image: names no tag
error: EventDrivenService shop/w0001: spec.size: bad size
error: EventDrivenService shop/w0001: spec.size: bad size
warning: EventDrivenService shop/w0001: spec.initContainer.image: names no tag
warning: EventDrivenService shop/only: spec.image: other
warning: no resource
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("Print (-want +got):\n%s", diff)
	}
	b.Reset()
	krm.Print(&b, rs[:2], krm.Warning)
	if want := "warning: EventDrivenService shop/w0000, shop/w0001 (2 in all): spec.image: names no tag\n"; b.String() != want {
		t.Errorf("two: got %q, want %q", b.String(), want)
	}
}
