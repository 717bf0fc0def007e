package generator_test

import (
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/generator"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestCustomScaledObjectShapes: patches of every shape at the places the
// guardrails walk are errors naming a path under spec.customScaledObject (or
// harmless, and then the object is generated), never a crash.
func TestCustomScaledObjectShapes(t *testing.T) {
	for _, c := range []struct {
		patch string
		want  string // the path of the first error; "" for success
	}{
		{`{metadata: null}`, "spec.customScaledObject.metadata"},
		{`{metadata: "x"}`, "spec.customScaledObject"},
		{`{metadata: {labels: null}}`, "spec.customScaledObject.metadata.labels"},
		{`{metadata: {labels: {app.kubernetes.io/name: null}}}`, "spec.customScaledObject.metadata.labels[app.kubernetes.io/name]"},
		{`{metadata: {labels: {team: a}}}`, ""},
		{`{spec: []}`, "spec.customScaledObject"},
		{`{spec: null}`, "spec.customScaledObject.spec"},
		{`{spec: {triggers: null}}`, "spec.customScaledObject.spec.triggers"},
		{`{spec: {triggers: "x"}}`, "spec.customScaledObject"},
		{`{spec: {triggers: [null]}}`, "spec.customScaledObject.spec.triggers"},
		{`{spec: {scaleTargetRef: null}}`, "spec.customScaledObject.spec.scaleTargetRef"},
		{`{spec: {scaleTargetRef: {envSourceContainerName: sidecar}}}`, "spec.customScaledObject.spec.scaleTargetRef"},
		{`{spec: {minReplicaCount: null, idleReplicaCount: 0}}`, "spec.customScaledObject.spec.idleReplicaCount"},
		{`{spec: {maxReplicaCount: null}}`, ""},
		{`{spec: {advanced: {horizontalPodAutoscalerConfig: {name: ` + strings.Repeat("h", 64) + `}}}}`,
			"spec.customScaledObject.spec.advanced.horizontalPodAutoscalerConfig.name"},
		{`{spec: {fallback: {failureThreshold: 1, replicas: -1}}}`, "spec.customScaledObject.spec.fallback"},
		{`{spec: {fallback: {failureThreshold: 1, replicas: 1, behavior: sometimes}}}`, "spec.customScaledObject.spec.fallback.behavior"},
		{`{spec: {cooldownPeriod: -1}}`, "spec.customScaledObject.spec.cooldownPeriod"},
	} {
		t.Run(c.patch, func(t *testing.T) {
			node := yaml.MustParse(`apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata: {name: orders-worker}
spec:
  image: ghcr.io/acme/orders-worker:v1.0.0
  nats: {stream: ORDERS, consumer: orders-worker}
  customScaledObject: ` + c.patch + "\n")
			objs, errs := generator.Expand(node)
			switch {
			case c.want == "" && len(errs) > 0:
				t.Fatalf("want success, got %v", errs)
			case c.want == "" && len(objs) != 4:
				t.Fatalf("got %d objects", len(objs))
			case c.want != "" && len(errs) == 0:
				t.Fatalf("want an error at %s, got success", c.want)
			case c.want != "" && errs[0].Field != c.want:
				t.Errorf("first error at %s, want %s: %v", errs[0].Field, c.want, errs)
			}
		})
	}
}
