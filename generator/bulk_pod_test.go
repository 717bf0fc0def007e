package generator

import (
	"github.com/bizmatters/eds-fn/internal/krm"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestBulkWithoutServiceWithBudget: in bulk mode a service without HTTP and
// with a disruption budget is replaced, in place, by exactly its objects.
func TestBulkWithoutServiceWithBudget(t *testing.T) {
	rl := &krm.ResourceList{Items: []*yaml.RNode{
		yaml.MustParse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: before}\n"),
		yaml.MustParse(`apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata: {name: sink, namespace: connectors}
spec:
  image: ghcr.io/acme/sink:v1
  nats: {stream: S, consumer: c}
  http: {enabled: false}
  disruptionBudget: {maxUnavailable: 1}
`),
		yaml.MustParse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: after}\n"),
	}}
	if err := (Bulk{}).Process(rl); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range rl.Items {
		got = append(got, it.GetKind()+"/"+it.GetName())
	}
	want := []string{"ConfigMap/before", "ServiceAccount/sink", "Deployment/sink", "ScaledObject/sink-scaler", "PodDisruptionBudget/sink", "ConfigMap/after"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bulk output (-want +got):\n%s", diff)
	}
}
