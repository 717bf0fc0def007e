package krm_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func about(name string, sev framework.Severity, msg string) *framework.Result {
	r := &framework.Result{Message: msg, Severity: sev}
	if name != "" {
		r.ResourceRef = &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, NameMeta: yaml.NameMeta{Name: name}}
	}
	return r
}

// describe is one line per result: its severity, resource and message.
func describe(rs framework.Results) []string {
	var out []string
	for _, r := range rs {
		out = append(out, krm.Describe(r))
	}
	return out
}

func TestCapped(t *testing.T) {
	many := func(name string, n int, sev framework.Severity) framework.Results {
		var rs framework.Results
		for i := range n {
			rs = append(rs, about(name, sev, fmt.Sprintf("%s %d", sev, i)))
		}
		return rs
	}
	join := func(parts ...framework.Results) framework.Results {
		var rs framework.Results
		for _, p := range parts {
			rs = append(rs, p...)
		}
		return rs
	}
	for _, tc := range []struct {
		name string
		in   framework.Results
		want []string // the results kept, then the summary
	}{
		{name: "within the limits", in: join(many("a", 10, framework.Warning), many("b", 10, framework.Info))},
		{name: "none", in: nil},
		{
			name: "one resource over the limit, errors first",
			in:   join(many("a", 12, framework.Warning), many("a", 2, framework.Error), many("b", 1, framework.Info)),
			want: append(append(describe(many("a", 8, framework.Warning)), describe(many("a", 2, framework.Error))...),
				"info: ConfigMap b: info 0",
				"warning: and 4 more results not shown (4 warnings), 4 of them about v1 ConfigMap a; eds-fn reports at most 10 results per resource and 1000 in all: fix the ones shown and run it again"),
		},
		{
			name: "an error among the dropped keeps the summary an error",
			in:   join(many("", 3, framework.Info), many("", 15, framework.Error)),
			want: append(describe(many("", 10, framework.Error)),
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
	var rs framework.Results
	for i := range 2000 {
		sev := framework.Info
		if i%2 == 1 {
			sev = framework.Error
		}
		rs = append(rs, about(fmt.Sprintf("cm-%04d", i), sev, "x"))
	}
	got := krm.Capped(rs)
	if len(got) != krm.MaxResults+1 {
		t.Fatalf("%d results, want %d", len(got), krm.MaxResults+1)
	}
	for _, r := range got[:krm.MaxResults] {
		if r.Severity != framework.Error {
			t.Fatalf("kept %s before the errors", krm.Describe(r))
		}
	}
	last := got[len(got)-1]
	if last.Severity != framework.Info || !strings.HasPrefix(last.Message, "and 1000 more results not shown (1000 infos), 1 of them about v1 ConfigMap cm-0000 (1000 resources)") {
		t.Errorf("summary: %s", krm.Describe(last))
	}
	if krm.HasErrors(got) != krm.HasErrors(rs) {
		t.Error("capping changed the exit code")
	}
}
