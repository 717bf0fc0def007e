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

// serverFields are what an object read back from a cluster carries that a
// client may not send again.
var serverFields = []string{"resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink", "ownerReferences"}

// originals reads a corpus case's input files as a cluster would take them:
// Lists flattened, server-set fields removed.
func originals(t *testing.T, dir string) []object {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.y*ml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no input in %s: %v", dir, err)
	}
	var out []object
	var add func(o object)
	add = func(o object) {
		if kindOf(o) == "List" || strings.HasSuffix(kindOf(o), "List") {
			for _, it := range list(o, "items") {
				if m, ok := it.(map[string]any); ok {
					add(m)
				}
			}
			return
		}
		if groupOf(o) == "platform.bizmatters.io" {
			// A claim or composite of the earlier Crossplane composition:
			// Crossplane's API (its XRD is not installed here); what runs
			// is the objects it composed.
			return
		}
		delete(o, "status")
		if spec, ok := o["spec"].(map[string]any); ok && kindOf(o) == "Service" {
			// Allocated from the cluster's own range.
			delete(spec, "clusterIP")
			delete(spec, "clusterIPs")
		}
		if md, ok := o["metadata"].(map[string]any); ok {
			for _, f := range serverFields {
				delete(md, f)
			}
		}
		out = append(out, o)
	}
	for _, f := range files {
		objs, err := parseObjects(mustRead(t, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, o := range objs {
			add(o)
		}
	}
	return out
}

// TestAdoptImportCorpus: every worker of import's corpus (importer/testdata,
// shaped after public repositories' manifests) is applied as it runs, and
// then what eds-fn generates from its import is applied over it: no error,
// no refusal by the API server or KEDA's webhook, the Deployments keep
// their UIDs.
func TestAdoptImportCorpus(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join(repoRoot, "importer", "testdata", "*", "expected.yaml"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no import corpus: %v", err)
	}
	adopted := 0
	for _, expected := range cases {
		dir := filepath.Dir(expected)
		if !strings.Contains(string(mustRead(t, expected)), "kind: EventDrivenService") {
			continue // refused, as the golden report says
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			res, err := runProgram("", nil, nil, edsFnBin, "generate", expected)
			if err != nil {
				t.Fatalf("the imported services do not generate: %v", err)
			}
			generated, err := parseObjects([]byte(res.stdout))
			if err != nil {
				t.Fatal(err)
			}
			ns := namespaceName("adopt", filepath.Base(dir))
			running := inNamespace(originals(t, filepath.Join(dir, "input")), ns)
			if len(running) == 0 {
				// Claims alone: what they composed is not in the corpus.
				t.Logf("%s holds no running objects, only claims: nothing to adopt", filepath.Base(dir))
				return
			}
			ensureNamespace(t, ns)
			file := filepath.Join(workDir, "adopt", ns+"-running.yaml")
			writeObjects(t, file, running)
			if _, err := kubectl(nil, "apply", "-n", ns, "-f", file); err != nil {
				t.Fatalf("the running worker: %v", err)
			}
			uids := map[string]string{}
			for _, o := range running {
				if kindOf(o) == "Deployment" {
					// The documented hand-over of the replica count.
					c := deepCopy(o)
					if spec, ok := c["spec"].(map[string]any); ok {
						delete(spec, "replicas")
					}
					hf := filepath.Join(workDir, "adopt", ns+"-"+nameOf(o)+"-handover.yaml")
					writeObjects(t, hf, []object{c})
					if _, err := kubectl(nil, "apply", "set-last-applied", "-n", ns, "-f", hf); err != nil {
						t.Fatalf("handing the replica count of %s over: %v", nameOf(o), err)
					}
					live, err := getObject("deployments.apps", ns, nameOf(o))
					if err != nil {
						t.Fatal(err)
					}
					uids[nameOf(o)] = str(live, "metadata", "uid")
				}
			}
			gf := filepath.Join(workDir, "adopt", ns+"-generated.yaml")
			writeObjects(t, gf, inNamespace(generated, ns))
			if res, err := kubectl(nil, "apply", "--validate=strict", "-n", ns, "-f", gf); err != nil {
				t.Fatalf("applying the generated objects over the running worker: %v\n%s", err, res.stdout)
			}
			for _, o := range generated {
				if kindOf(o) != "Deployment" {
					continue
				}
				live, err := getObject("deployments.apps", ns, nameOf(o))
				if err != nil {
					t.Fatal(err)
				}
				if u := str(live, "metadata", "uid"); uids[nameOf(o)] == "" || u != uids[nameOf(o)] {
					t.Errorf("Deployment %s: uid %q before, %q after: not adopted in place", nameOf(o), uids[nameOf(o)], u)
				}
				adopted++
			}
		})
	}
	t.Logf("%d Deployments of the import corpus adopted in place", adopted)
	if adopted < 8 {
		t.Errorf("%d Deployments adopted, want the corpus's NATS workers (8 or more)", adopted)
	}
}
