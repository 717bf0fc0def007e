package v1alpha1

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestDecodeQuantitiesAndIntOrString: values that decode themselves are
// checked with their path, and every form the API server takes is accepted.
func TestDecodeQuantitiesAndIntOrString(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		want       []string // "path: detail" of each error
	}{
		{name: "quantities as strings, integers and decimals", spec: "resources: {requests: {cpu: 0.5, memory: 128Mi}, limits: {cpu: 2, memory: 1e9}}"},
		{name: "int and percent", spec: "disruptionBudget: {minAvailable: 1, maxUnavailable: \"25%\"}"},
		{name: "quantity not parsed", spec: "resources: {limits: {memory: 1 GB}}",
			want: []string{`spec.resources.limits[memory]: Invalid value: "1 GB": must be a quantity such as "500m", "2" or "1Gi"`}},
		{name: "quantity of the wrong type", spec: "resources: {requests: {cpu: true, memory: {a: 1}}}",
			want: []string{
				`spec.resources.requests[cpu]: Invalid value: true: must be a quantity such as "500m", "2" or "1Gi"`,
				`spec.resources.requests[memory]: Invalid value: "(a mapping)": must be a quantity such as "500m", "2" or "1Gi"`,
			}},
		{name: "int-or-string of the wrong type", spec: "disruptionBudget: {minAvailable: 1.5}",
			want: []string{`spec.disruptionBudget.minAvailable: Invalid value: 1.5: must be an integer or a percentage such as "50%"`}},
		{name: "int-or-string beyond int32", spec: "disruptionBudget: {maxUnavailable: 4294967296}",
			want: []string{`spec.disruptionBudget.maxUnavailable: Invalid value: 4294967296: must be an integer or a percentage such as "50%"`}},
		{name: "unknown field inside the new fields", spec: "http: {prot: 3003}\n  configMapRefs: [{name: c, envFrom: true, optional: true}]",
			want: []string{
				`spec.configMapRefs[0].optional: Invalid value: "optional": unknown field; the allowed fields here are env, envFrom, name`,
				`spec.http.prot: Invalid value: "prot": unknown field (did you mean "port"?); the allowed fields here are enabled, healthPath, port, readyPath`,
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			node := yaml.MustParse("apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata: {name: w}\nspec:\n  image: i:v1\n  nats: {stream: S, consumer: c}\n  " + tc.spec + "\n")
			eds, errs := DecodeEventDrivenService(node)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if eds == nil {
				t.Fatal("nothing decoded: one bad value must not hide the rest of the service")
			}
			if eds.Spec.Image != "i:v1" {
				t.Errorf("image %q: the rest of the service was lost", eds.Spec.Image)
			}
		})
	}
}
