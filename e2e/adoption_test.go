//go:build e2e

package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// runningBilling is a worker as a Helm chart installed it, before eds-fn:
// the chart's selector (name and instance), a ScaledObject named after the
// release, and an existing ServiceAccount that an IAM role trusts by name.
// generator/testdata/adoption is the EventDrivenService that adopts it.
const runningBilling = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: sqs-consumer-sa
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: billing-service
  labels: {app.kubernetes.io/name: billing, app.kubernetes.io/instance: billing-prod, helm.sh/chart: billing-1.4.2}
spec:
  replicas: 2
  selector:
    matchLabels: {app.kubernetes.io/name: billing, app.kubernetes.io/instance: billing-prod}
  template:
    metadata:
      labels: {app.kubernetes.io/name: billing, app.kubernetes.io/instance: billing-prod}
    spec:
      serviceAccountName: sqs-consumer-sa
      containers:
      - name: billing
        image: ghcr.io/acme/billing-service:v3.1.0
        ports: [{name: http, containerPort: 8080}]
        env:
        - {name: NATS_URL, value: "nats://nats.nats.svc:4222"}
---
apiVersion: v1
kind: Service
metadata:
  name: billing-service
spec:
  selector: {app.kubernetes.io/name: billing, app.kubernetes.io/instance: billing-prod}
  ports: [{name: http, port: 8080, targetPort: http}]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: billing-prod-jetstream
spec:
  scaleTargetRef: {name: billing-service}
  maxReplicaCount: 5
  triggers:
  - type: nats-jetstream
    metadata:
      natsServerMonitoringEndpoint: nats-headless.nats.svc.cluster.local:8222
      account: $G
      stream: BILLING
      consumer: billing-service
      lagThreshold: "10"
`

// TestAdoptInPlace: the generated objects of an EventDrivenService with
// spec.adoption apply over the running worker, with kubectl apply and with
// server-side apply, without an error and without recreating the
// Deployment; the same service without spec.adoption is refused by the API
// server (the selector is immutable) and by KEDA's webhook (a second
// ScaledObject for the Deployment), which is why spec.adoption exists.
func TestAdoptInPlace(t *testing.T) {
	running, err := parseObjects([]byte(runningBilling))
	if err != nil {
		t.Fatal(err)
	}
	generated, err := parseObjects(mustRead(t, filepath.Join(repoRoot, "generator", "testdata", "adoption", "expected.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	for _, how := range []struct {
		name string
		args []string
		// handOver makes the generated Deployment, which has no replicas
		// (KEDA owns them), leave the running replica count alone, as
		// docs/adoption.md says: kubectl apply would otherwise remove the
		// field it applied before, and the API server reset it to 1.
		handOver []string
	}{
		{"client-side", []string{"apply", "--validate=strict"}, []string{"apply", "set-last-applied"}},
		{"server-side", []string{"apply", "--server-side", "--validate=strict", "--field-manager=platform"},
			[]string{"apply", "--server-side", "--field-manager=handover-to-hpa"}},
	} {
		t.Run(how.name, func(t *testing.T) {
			ns := namespaceName("adopt", how.name)
			ensureNamespace(t, ns)
			apply := func(what string, objs []object, extra ...string) (result, error) {
				file := filepath.Join(workDir, "adopt", ns+"-"+what+".yaml")
				writeObjects(t, file, inNamespace(objs, ns))
				return kubectl(nil, append(append(append([]string{}, how.args...), extra...), "-n", ns, "-f", file)...)
			}
			if _, err := apply("running", running); err != nil {
				t.Fatalf("the running worker: %v", err)
			}
			before, err := getObject("deployments.apps", ns, "billing-service")
			if err != nil {
				t.Fatal(err)
			}

			// Without spec.adoption: eds-fn's own selector and ScaledObject name.
			var own []object
			for _, o := range generated {
				o = deepCopy(o)
				switch kindOf(o) {
				case "Deployment":
					setPath(o, map[string]any{"app.kubernetes.io/name": "billing-service"}, "spec", "selector", "matchLabels")
				case "ScaledObject":
					setPath(o, "billing-service-scaler", "metadata", "name")
				default:
					continue
				}
				own = append(own, o)
			}
			res, err := apply("without-adoption", own, "--dry-run=server")
			if err == nil {
				t.Fatalf("the API server and KEDA accept the service without spec.adoption over the running worker:\n%s", res.stdout)
			}
			for _, want := range []string{"field is immutable", "billing-prod-jetstream"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("refusal without spec.adoption lacks %q:\n%v", want, err)
				}
			}

			// The hand-over: client-side, the last-applied configuration
			// without replicas; server-side, replicas owned by another
			// field manager.
			handOver := deepCopy(deploymentOf(running))
			if how.name == "client-side" {
				delete(handOver["spec"].(map[string]any), "replicas")
			} else {
				handOver = object{"apiVersion": "apps/v1", "kind": "Deployment",
					"metadata": map[string]any{"name": "billing-service"}, "spec": map[string]any{"replicas": 2}}
			}
			file := filepath.Join(workDir, "adopt", ns+"-handover.yaml")
			writeObjects(t, file, inNamespace([]object{handOver}, ns))
			if _, err := kubectl(nil, append(how.handOver, "-n", ns, "-f", file)...); err != nil {
				t.Fatalf("handing the replica count over: %v", err)
			}

			if res, err := apply("generated", generated); err != nil {
				t.Fatalf("applying the generated objects over the running worker: %v\n%s", err, res.stdout)
			}
			after, err := getObject("deployments.apps", ns, "billing-service")
			if err != nil {
				t.Fatal(err)
			}
			if u, v := str(before, "metadata", "uid"), str(after, "metadata", "uid"); u == "" || u != v {
				t.Errorf("the Deployment was recreated: uid %s, then %s", u, v)
			}
			if r := get(after, "spec", "replicas"); r != float64(2) {
				t.Errorf("the running replica count changed to %v on adoption, want 2", r)
			}
			for _, o := range inNamespace(generated, ns) {
				live, err := getObject(resourceName(o), ns, nameOf(o))
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range missingFields(o, live, "") {
					t.Errorf("%s after adoption: %s", ref(o), m)
				}
			}
		})
	}
}

func deploymentOf(objs []object) object {
	for _, o := range objs {
		if kindOf(o) == "Deployment" {
			return o
		}
	}
	return nil
}
