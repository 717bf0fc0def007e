package krm_test

import (
	"testing"

	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestProtocolMatchesFramework: eds-fn's own copy of kyaml fn/framework's
// result types writes the same YAML, the same messages and the same exit
// code, so kpt and the tests see no difference.
func TestProtocolMatchesFramework(t *testing.T) {
	ref := &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, NameMeta: yaml.NameMeta{Name: "a", Namespace: "ns"}}
	for name, rs := range map[string]krm.Results{
		"empty":   {},
		"bare":    {{Message: "m"}},
		"info":    {{Message: "m", Severity: krm.Info, ResourceRef: &yaml.ResourceIdentifier{NameMeta: yaml.NameMeta{Name: "x"}}}},
		"warning": {{Message: "w", Severity: krm.Warning, Field: &krm.Field{Path: "spec.x"}}},
		"everything": {
			{Message: "e", Severity: krm.Error, ResourceRef: ref, File: &krm.File{Path: "a.yaml", Index: 2},
				Field: &krm.Field{Path: "spec.y", CurrentValue: "1", ProposedValue: map[string]any{"k": []any{1, "two"}}}, Tags: map[string]string{"t": "v"}},
			{Message: "second", Severity: krm.Warning, ResourceRef: ref, File: &krm.File{Path: "b.yaml"}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			fw := testutil.ToFramework(rs)
			if diff := cmp.Diff(fw.Error(), rs.Error()); diff != "" {
				t.Errorf("Error() (-framework +krm):\n%s", diff)
			}
			if a, b := fw.ExitCode(), rs.ExitCode(); a != b {
				t.Errorf("ExitCode() = %d, framework's %d", b, a)
			}
			want, err := yaml.Marshal(fw)
			if err != nil {
				t.Fatal(err)
			}
			got, err := yaml.Marshal(rs)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("YAML (-framework +krm):\n%s", diff)
			}
			if diff := cmp.Diff(rs, testutil.FromFramework(fw)); diff != "" {
				t.Errorf("round trip through framework's types:\n%s", diff)
			}
		})
	}
}
