//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The EventDrivenService of TestKEDAUsesAPIFields: the KEDA fields of the
// API at once. Its own monitoringEndpoint is a name that resolves nowhere
// here (KEDA's /etc/hosts knows only the headless service), so the trigger
// can only read the lag through the TriggerAuthentication, which KEDA reads
// before the metadata.
const kedaAPIService = `apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata:
  name: keda-api-worker
  namespace: keda-api
spec:
  image: ghcr.io/acme/keda-api-worker:v1.0.0
  nats:
    stream: KEDA_API
    consumer: keda-api-workers
    monitoringEndpoint: nats-unresolvable.nats.svc.cluster.local:8222
    authenticationRef:
      name: nats-monitor-auth
  scaling:
    minReplicas: 0
    maxReplicas: 4
    lagThreshold: 5
    activationLagThreshold: 2
    pollingInterval: 5
    cooldownPeriod: 30
    fallback:
      failureThreshold: 3
      replicas: 2
    behavior:
      scaleDown:
        stabilizationWindowSeconds: 120
        policies:
          - type: Pods
            value: 1
            periodSeconds: 30
      scaleUp:
        stabilizationWindowSeconds: 0
        selectPolicy: Max
        policies:
          - type: Percent
            value: 100
            periodSeconds: 15
`

// TestKEDAUsesAPIFields: a ScaledObject that eds-fn generates with
// fallback, behavior, activationLagThreshold, pollingInterval, cooldownPeriod
// and an authenticationRef to a real TriggerAuthentication becomes Ready and
// Active under KEDA, with the endpoint taken from the authentication, and
// the HPA KEDA creates carries the behavior.
func TestKEDAUsesAPIFields(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := filepath.Join(dir, "service.yaml")
	if err := os.WriteFile(in, []byte(kedaAPIService), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := runProgram("", nil, nil, edsFnBin, "generate", in)
	if err != nil {
		t.Fatalf("eds-fn generate: %v", err)
	}
	if res.stderr != "" {
		t.Errorf("eds-fn generate printed on stderr (a warning?):\n%s", res.stderr)
	}
	objs, err := parseObjects([]byte(res.stdout))
	if err != nil {
		t.Fatal(err)
	}
	so := findKind(t, objs, "ScaledObject")
	ns := str(so, "metadata", "namespace")
	trs := list(so, "spec", "triggers")
	if len(trs) != 1 {
		t.Fatalf("%s has %d triggers, want 1", ref(so), len(trs))
	}
	tr := trs[0]
	md := get(tr, "metadata")
	for k, want := range map[string]string{"activationLagThreshold": "2", "lagThreshold": "5", "account": "$G"} {
		if got := str(md, k); got != want {
			t.Errorf("trigger metadata %s = %q, want %q", k, got, want)
		}
	}
	if got := str(tr, "authenticationRef", "name"); got != "nats-monitor-auth" {
		t.Fatalf("trigger authenticationRef.name = %q, want nats-monitor-auth", got)
	}
	for _, f := range []string{"fallback", "pollingInterval", "cooldownPeriod"} {
		if get(so, "spec", f) == nil {
			t.Errorf("%s has no spec.%s", ref(so), f)
		}
	}
	behavior := get(so, "spec", "advanced", "horizontalPodAutoscalerConfig", "behavior")
	if behavior == nil {
		t.Fatalf("%s has no spec.advanced.horizontalPodAutoscalerConfig.behavior", ref(so))
	}

	stream, consumer := str(md, "stream"), str(md, "consumer")
	ensureConsumer(t, stream, consumer)
	ensureNamespace(t, ns)
	ensureReferencedSecrets(t, objs)
	// The endpoint KEDA can reach, given only by the TriggerAuthentication.
	endpoint := fmt.Sprintf("%s:%d", natsHeadlessHost, natsMonitorPort)
	auth := []object{
		{
			"apiVersion": "v1", "kind": "Secret",
			"metadata":   map[string]any{"name": "nats-monitor", "namespace": ns},
			"stringData": map[string]any{"endpoint": endpoint},
		},
		{
			"apiVersion": "keda.sh/v1alpha1", "kind": "TriggerAuthentication",
			"metadata": map[string]any{"name": "nats-monitor-auth", "namespace": ns},
			"spec": map[string]any{"secretTargetRef": []any{
				map[string]any{"parameter": "natsServerMonitoringEndpoint", "name": "nats-monitor", "key": "endpoint"},
			}},
		},
	}
	apply(t, "keda-api-auth", auth)

	// More than activationLagThreshold: KEDA activates the worker from zero.
	publish(t, stream, 7)
	apply(t, "keda-api", objs)

	live := waitCondition(t, so, kedaWait, "Ready and Active", func(o object) bool {
		return isCond("Ready", "True")(o) && isCond("Active", "True")(o) && natsTriggerActive(o)
	})
	t.Logf("%d messages pending: Ready and Active through TriggerAuthentication %s/nats-monitor-auth; status: %s",
		lag(t, stream, consumer), ns, kedaState(live))
	if got := str(live, "status", "authenticationsTypes"); !strings.Contains(got, "nats-monitor-auth") {
		t.Errorf("status.authenticationsTypes = %q, want it to name nats-monitor-auth", got)
	}
	if s, _, _ := condition(live, "Fallback"); s == "True" {
		t.Errorf("%s is in fallback although every poll succeeds:\n%s", ref(so), kedaState(live))
	}

	hpaName := "keda-hpa-" + nameOf(so)
	hpa, err := getObject("horizontalpodautoscalers.autoscaling", ns, hpaName)
	if err != nil {
		t.Fatalf("KEDA's HPA: %v", err)
	}
	got := get(hpa, "spec", "behavior")
	if missing := missingFields(behavior, got, "spec.behavior"); len(missing) > 0 {
		t.Errorf("HPA %s does not carry the behavior of the ScaledObject:\n%s\nwant:\n%s\ngot:\n%s",
			hpaName, strings.Join(missing, "\n"), toYAML(behavior), toYAML(got))
	} else {
		t.Logf("HPA %s carries the behavior:\n%s", hpaName, toYAML(got))
	}
	// KEDA's HPA never goes below 1; maxReplicas is the spec's.
	if fmt.Sprint(get(hpa, "spec", "maxReplicas")) != fmt.Sprint(get(so, "spec", "maxReplicaCount")) {
		t.Errorf("HPA %s maxReplicas %v, the ScaledObject's maxReplicaCount %v", hpaName, get(hpa, "spec", "maxReplicas"), get(so, "spec", "maxReplicaCount"))
	}
	drain(t, stream, consumer)
}

func toYAML(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
