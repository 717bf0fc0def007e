//go:build e2e

package e2e

// The node suite's proofs (E2E_NODE=1; node_harness_test.go starts the
// node). Each prints a line "node: key=value ..." on stderr, the format the
// matrix's lines use, and fails when a value is not the one it must be.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func requireNode(t *testing.T) {
	t.Helper()
	if !nodeMode {
		t.Skip("the node suite runs with E2E_NODE=1 (make e2e-node)")
	}
}

// nodeLine prints one proof line and returns it.
func nodeLine(t *testing.T, kv ...string) string {
	t.Helper()
	line := "node: " + strings.Join(kv, " ")
	fmt.Fprintln(os.Stderr, line)
	t.Log(line)
	return line
}

// ---- what the workers report -------------------------------------------------

// workerStream keeps every record the workers publish (cmd/eds-worker).
const workerStream = "WORKERS"

var workerStreamOnce sync.Once

func ensureWorkerStream(t *testing.T) {
	t.Helper()
	js := jetStream(t)
	var err error
	workerStreamOnce.Do(func() {
		_, err = js.AddStream(&nats.StreamConfig{Name: workerStream, Subjects: []string{"worker.>"}, Storage: nats.MemoryStorage})
	})
	if err != nil {
		t.Fatalf("creating stream %s: %v", workerStream, err)
	}
}

type workerStatus struct {
	Pod       string            `json:"pod"`
	Mode      string            `json:"mode"`
	UID       int               `json:"uid"`
	Env       map[string]string `json:"env"`
	Marker    bool              `json:"marker"`
	Processed int               `json:"processed"`
}

type processedRecord struct {
	Pod       string `json:"pod"`
	Seq       uint64 `json:"seq"`
	MsgID     string `json:"msgId"`
	Delivered int    `json:"delivered"`
}

// lastStatus is the newest status record of a mode for a consumer, from
// any pod.
func lastStatus(t *testing.T, mode, consumer string) (workerStatus, error) {
	t.Helper()
	m, err := jetStream(t).GetLastMsg(workerStream, "worker.status."+mode+"."+consumer)
	if err != nil {
		return workerStatus{}, err
	}
	var s workerStatus
	return s, json.Unmarshal(m.Data, &s)
}

// processedRecords reads every processed record of a consumer.
func processedRecords(t *testing.T, consumer string) []processedRecord {
	t.Helper()
	js := jetStream(t)
	sub, err := js.SubscribeSync("worker.processed."+consumer, nats.OrderedConsumer(), nats.DeliverAll())
	if err != nil {
		t.Fatalf("reading the processed records: %v", err)
	}
	defer sub.Unsubscribe()
	var out []processedRecord
	for {
		m, err := sub.NextMsg(2 * time.Second)
		if errors.Is(err, nats.ErrTimeout) {
			return out
		}
		if err != nil {
			t.Fatalf("reading the processed records: %v", err)
		}
		var r processedRecord
		if err := json.Unmarshal(m.Data, &r); err != nil {
			t.Fatalf("a processed record: %v: %s", err, m.Data)
		}
		out = append(out, r)
	}
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// ---- images ------------------------------------------------------------------

// ---- secrets with values of their own ---------------------------------------

// nodeSecrets creates every Secret and ConfigMap the objects' pod templates
// read, each key with a value of its own, and returns them by
// "namespace/name".
func nodeSecrets(t *testing.T, objs []object) map[string]map[string]string {
	t.Helper()
	want := referencedData(objs)
	values := map[string]map[string]string{}
	var docs []object
	for id, keys := range want {
		data := map[string]string{}
		// envFrom takes every key: one more that no env entry names.
		keys["FROM_"+strings.ToUpper(strings.ReplaceAll(id.name, "-", "_"))] = true
		for k := range keys {
			data[k] = fmt.Sprintf("%s %s/%s %s", id.kind, id.name, k, time.Now().Format(time.RFC3339Nano))
		}
		values[id.ns+"/"+id.name] = data
		o := object{"apiVersion": "v1", "kind": id.kind, "metadata": map[string]any{"name": id.name, "namespace": id.ns}}
		if id.kind == "Secret" {
			o["stringData"] = data
		} else {
			o["data"] = data
		}
		docs = append(docs, o)
	}
	if len(docs) == 0 {
		return values
	}
	sort.Slice(docs, func(i, j int) bool { return ref(docs[i]) < ref(docs[j]) })
	path := filepath.Join(workDir, "node", fmt.Sprintf("secrets-%d.yaml", time.Now().UnixNano()))
	writeObjects(t, path, docs)
	if _, err := kubectl(nil, "apply", "-f", path); err != nil {
		t.Fatalf("creating the referenced secrets: %v", err)
	}
	return values
}

// expectedEnv is what a container's environment must hold, hashed as the
// worker reports it, for the entries that come from a Secret's key
// (secret), a ConfigMap's key (config) and envFrom (from), read from the
// Secrets and ConfigMaps nodeSecrets made.
func expectedEnv(c map[string]any, ns string, values map[string]map[string]string) (secret, config, from map[string]string) {
	secret, config, from = map[string]string{}, map[string]string{}, map[string]string{}
	for _, e := range list(c, "env") {
		if r := get(e, "valueFrom", "secretKeyRef"); r != nil {
			secret[str(e, "name")] = sha(values[ns+"/"+str(r, "name")][str(r, "key")])
		}
		if r := get(e, "valueFrom", "configMapKeyRef"); r != nil {
			config[str(e, "name")] = sha(values[ns+"/"+str(r, "name")][str(r, "key")])
		}
	}
	for _, ef := range list(c, "envFrom") {
		name := str(ef, "secretRef", "name")
		if name == "" {
			name = str(ef, "configMapRef", "name")
		}
		for k, v := range values[ns+"/"+name] {
			from[str(ef, "prefix")+k] = sha(v)
		}
	}
	// An env entry wins over envFrom's key of the same name.
	for _, m := range []map[string]string{secret, config} {
		for k := range m {
			delete(from, k)
		}
	}
	return secret, config, from
}

func envMatches(got, want map[string]string) error {
	var bad []string
	for k, v := range want {
		if got[k] != v {
			bad = append(bad, k)
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		return fmt.Errorf("wrong or missing: %s", strings.Join(bad, ", "))
	}
	return nil
}

// ---- pods ---------------------------------------------------------------------

// restrictedNamespace creates a namespace that enforces Pod Security
// "restricted".
func restrictedNamespace(t *testing.T, ns string) {
	t.Helper()
	doc := fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n    pod-security.kubernetes.io/enforce-version: latest\n", ns)
	if _, err := kubectl([]byte(doc), "apply", "-f", "-"); err != nil {
		t.Fatalf("namespace %s: %v", ns, err)
	}
}

// podDiagnostics describes the namespace's pods, their events and logs for a
// failure message.
func podDiagnostics(ns string) string {
	var b strings.Builder
	for _, args := range [][]string{
		{"-n", ns, "get", "deploy,rs,pods,hpa,pdb", "-o", "wide"},
		{"-n", ns, "get", "events", "--sort-by=.lastTimestamp"},
		{"-n", ns, "logs", "--all-containers", "--prefix", "--tail=20", "-l", "app.kubernetes.io/managed-by=eds-fn"},
	} {
		res, err := kubectl(nil, args...)
		fmt.Fprintf(&b, "\n$ kubectl %s\n%s%s", strings.Join(args, " "), res.stdout, res.stderr)
		if err != nil {
			fmt.Fprintf(&b, "(%v)\n", err)
		}
	}
	fmt.Fprintf(&b, "\n--- end of kubelet.log:\n%s", logTail(filepath.Join(workDir, "logs", "kubelet.log"), 20))
	return b.String()
}

func rolloutStatus(t *testing.T, ns, deploy string, timeout time.Duration) {
	t.Helper()
	if _, err := kubectl(nil, "-n", ns, "rollout", "status", "deployment/"+deploy, "--timeout="+timeout.String()); err != nil {
		t.Fatalf("deployment %s/%s did not roll out: %v%s", ns, deploy, err, podDiagnostics(ns))
	}
}

// replicas is the Deployment's spec.replicas and its ready replicas.
func replicas(t *testing.T, ns, deploy string) (spec, ready int) {
	t.Helper()
	d, err := getObject("deployments.apps", ns, deploy)
	if err != nil {
		t.Fatalf("deployment %s/%s: %v", ns, deploy, err)
	}
	s, _ := get(d, "spec", "replicas").(float64)
	r, _ := get(d, "status", "readyReplicas").(float64)
	return int(s), int(r)
}

// withImage sets every container's image of the objects' Deployments.
func withImage(objs []object, image string) {
	for _, o := range objs {
		if kindOf(o) != "Deployment" {
			continue
		}
		for _, k := range []string{"containers", "initContainers"} {
			for _, c := range list(o, "spec", "template", "spec", k) {
				c.(map[string]any)["image"] = image
			}
		}
	}
}

// ---- the examples, unchanged but for the image ------------------------------

// A stand-in for the services the examples' init containers wait for: the
// headless worker's init container asks the schema registry for /subjects.
var (
	schemaRegistryOnce sync.Once
	schemaRegistryHits atomic.Int64
	schemaRegistryErr  error
)

func serveSchemaRegistry(t *testing.T) {
	t.Helper()
	schemaRegistryOnce.Do(func() {
		l, err := net.Listen("tcp", nodeGateway+":8081")
		if err != nil {
			schemaRegistryErr = err
			return
		}
		go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/subjects" {
				schemaRegistryHits.Add(1)
				w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
				fmt.Fprintln(w, `["events-value"]`)
				return
			}
			http.NotFound(w, r)
		}))
		doc := fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: schema-registry, namespace: connectors}
spec:
  clusterIP: None
  ports: [{name: http, port: 8081}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: schema-registry-e2e
  namespace: connectors
  labels: {kubernetes.io/service-name: schema-registry, endpointslice.kubernetes.io/managed-by: e2e.eds-fn}
addressType: IPv4
endpoints:
- addresses: [%s]
  conditions: {ready: true}
ports:
- {name: http, port: 8081, protocol: TCP}
`, nodeGateway)
		_, schemaRegistryErr = kubectl([]byte(doc), "apply", "-f", "-")
	})
	if schemaRegistryErr != nil {
		t.Fatalf("the schema registry stand-in: %v", schemaRegistryErr)
	}
}

// TestNodeExamples runs the examples' generated objects on the node in
// namespaces that enforce Pod Security "restricted", with every container's
// image replaced by the worker image (whose program answers the examples'
// commands), and checks what the pods saw: the init container ran with its
// Secrets, the worker became ready and got each Secret's and ConfigMap's
// values under the names the objects give them.
func TestNodeExamples(t *testing.T) {
	requireNode(t)
	ensureWorkerStream(t)
	kustomized := func(dir string) func() (string, error) {
		return func() (string, error) {
			out, err := kustomizeBuild(filepath.Join(repoRoot, "examples", dir))
			return string(out), err
		}
	}
	generated := func(path string) func() (string, error) {
		return func() (string, error) {
			res, err := runProgram("", nil, nil, edsFnBin, "generate", filepath.Join(repoRoot, path))
			return res.stdout, err
		}
	}
	for _, ex := range []struct {
		dir    string
		render func() (string, error)
		env    []string // the image's defaults: the port and paths the probes use
	}{
		{"agent-executor", kustomized("agent-executor"), nil},
		{"http-worker", kustomized("http-worker"), []string{"WORKER_LISTEN=:3003", "WORKER_READY_PATH=/healthz"}},
		{"headless-worker", kustomized("headless-worker"), nil},
		// A worker of the import corpus: the Crossplane claim, as eds-fn
		// import converted it (port 8000 from PORT, runAsUser 1000).
		{"crossplane-claim-composed", generated("importer/testdata/crossplane-claim-composed/expected.yaml"),
			[]string{"WORKER_HEALTH_PATH=/healthz", "WORKER_READY_PATH=/readyz"}},
	} {
		t.Run(ex.dir, func(t *testing.T) {
			out, err := ex.render()
			if err != nil {
				t.Fatalf("rendering %s: %v", ex.dir, err)
			}
			objs, err := parseObjects([]byte(out))
			if err != nil {
				t.Fatal(err)
			}
			deploy := findKind(t, objs, "Deployment")
			ns, name := str(deploy, "metadata", "namespace"), nameOf(deploy)
			withImage(objs, workerImage(t, ex.dir, ex.env...))
			restrictedNamespace(t, ns)
			if ex.dir == "headless-worker" {
				serveSchemaRegistry(t)
			}
			values := nodeSecrets(t, objs)
			so := findKind(t, objs, "ScaledObject")
			tr := natsTriggers(so)[0]
			ensureConsumer(t, tr.stream, tr.consumer)
			apply(t, "node-"+ex.dir, objs)
			rolloutStatus(t, ns, name, 3*time.Minute)

			fields := []string{"example=" + ex.dir, "pss=restricted", "ready=true"}
			podSpec := get(deploy, "spec", "template", "spec")
			main := list(podSpec, "containers")[0].(map[string]any)
			wantSecret, wantConfig, wantFrom := expectedEnv(main, ns, values)
			var st workerStatus
			if err := eventually(60*time.Second, func() error {
				var err error
				st, err = lastStatus(t, "run", tr.consumer)
				return err
			}); err != nil {
				t.Fatalf("no status record from the worker: %v%s", err, podDiagnostics(ns))
			}
			if st.UID == 0 {
				t.Errorf("the worker runs as root")
			}
			if inits := list(podSpec, "initContainers"); len(inits) > 0 {
				// Every init container of the ready pod exited 0, and
				// what it did is visible: the migration's marker, or the
				// schema registry's request log.
				if err := initContainersSucceeded(ns, name); err != nil {
					t.Fatalf("init containers: %v%s", err, podDiagnostics(ns))
				}
				switch ex.dir {
				case "agent-executor":
					mig, err := lastStatus(t, "migrate", tr.consumer)
					if err != nil {
						t.Fatalf("no status record from the migration: %v", err)
					}
					if !st.Marker {
						t.Errorf("the worker did not find the migration's marker")
					}
					initSecret, _, initFrom := expectedEnv(list(podSpec, "initContainers")[0].(map[string]any), ns, values)
					if err := envMatches(mig.Env, initSecret); err != nil {
						t.Errorf("the migration's secret env: %v", err)
					}
					if err := envMatches(mig.Env, initFrom); err != nil {
						t.Errorf("the migration's envFrom: %v", err)
					}
				case "headless-worker":
					if schemaRegistryHits.Load() == 0 {
						t.Errorf("the init container never reached schema-registry.connectors.svc:8081/subjects")
					}
				}
				fields = append(fields, "init=true")
			}
			if len(wantSecret) > 0 {
				if err := envMatches(st.Env, wantSecret); err != nil {
					t.Errorf("secretKeyRef env: %v", err)
				}
				fields = append(fields, "secretenv=true")
			}
			if len(wantConfig) > 0 {
				if err := envMatches(st.Env, wantConfig); err != nil {
					t.Errorf("configMapKeyRef env: %v", err)
				}
				fields = append(fields, "configenv=true")
			}
			if len(wantFrom) > 0 {
				if err := envMatches(st.Env, wantFrom); err != nil {
					t.Errorf("envFrom: %v", err)
				}
				fields = append(fields, "envfrom=true")
			}
			if t.Failed() {
				t.Fatalf("%s%s", strings.Join(fields, " "), podDiagnostics(ns))
			}
			nodeLine(t, fields...)
			if _, err := kubectl(nil, "delete", "-f", filepath.Join(workDir, "keda", "node-"+ex.dir+".yaml"), "--wait=true", "--timeout=120s"); err != nil {
				t.Fatalf("deleting examples/%s: %v", ex.dir, err)
			}
		})
	}
}

// initContainersSucceeded checks that the Deployment's pods ran every init
// container to exit code 0.
func initContainersSucceeded(ns, deploy string) error {
	res, err := kubectl(nil, "-n", ns, "get", "pods", "-o", "json")
	if err != nil {
		return err
	}
	var pods struct {
		Items []object `json:"items"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &pods); err != nil {
		return err
	}
	n := 0
	for _, p := range pods.Items {
		if !strings.HasPrefix(nameOf(p), deploy+"-") {
			continue
		}
		n++
		for _, s := range list(p, "status", "initContainerStatuses") {
			if code, ok := get(s, "state", "terminated", "exitCode").(float64); !ok || code != 0 {
				return fmt.Errorf("pod %s: init container %s: %s", nameOf(p), str(s, "name"), show(get(s, "state")))
			}
		}
	}
	if n == 0 {
		return fmt.Errorf("no pod of %s/%s", ns, deploy)
	}
	return nil
}

// ---- scaling from lag, with the workers consuming ----------------------------

// nodePublish publishes n messages with IDs prefix-0..n-1 and returns the IDs.
func nodePublish(t *testing.T, stream, prefix string, n int) []string {
	t.Helper()
	js := jetStream(t)
	ids := make([]string, 0, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%d", prefix, i)
		if _, err := js.Publish(subjectOf(stream), []byte("work "+id), nats.MsgId(id)); err != nil {
			t.Fatalf("publishing to %s: %v", stream, err)
		}
		ids = append(ids, id)
	}
	return ids
}

// accountFor checks that every published message was processed at least once
// and that nothing else was; it returns how many were processed more than
// once (redelivered after a worker stopped before its ack).
func accountFor(t *testing.T, consumer string, published []string) (processed, redelivered int) {
	t.Helper()
	seen := map[string]int{}
	for _, r := range processedRecords(t, consumer) {
		seen[r.MsgID]++
	}
	var lost []string
	for _, id := range published {
		switch n := seen[id]; {
		case n == 0:
			lost = append(lost, id)
		default:
			processed++
			redelivered += n - 1
		}
		delete(seen, id)
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d messages were never processed, e.g. %s", len(lost), len(published), strings.Join(lost[:min(5, len(lost))], ", "))
	}
	if len(seen) > 0 {
		t.Errorf("%d processed records name no published message", len(seen))
	}
	return processed, redelivered
}

// replicaWatch records every spec.replicas the Deployment has, in order.
type replicaWatch struct {
	mu    sync.Mutex
	seen  []int
	times []time.Time
	stop  chan struct{}
	done  chan struct{}
}

func watchReplicas(t *testing.T, ns, deploy string) *replicaWatch {
	w := &replicaWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			res, err := kubectl(nil, "-n", ns, "get", "deployment", deploy, "-o", "jsonpath={.spec.replicas}")
			if err == nil {
				var n int
				if _, err := fmt.Sscan(res.stdout, &n); err == nil {
					w.mu.Lock()
					if len(w.seen) == 0 || w.seen[len(w.seen)-1] != n {
						w.seen = append(w.seen, n)
						w.times = append(w.times, time.Now())
					}
					w.mu.Unlock()
				}
			}
			select {
			case <-w.stop:
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	return w
}

func (w *replicaWatch) end() {
	close(w.stop)
	<-w.done
}

// first is when the Deployment first had n replicas, after since.
func (w *replicaWatch) first(n int, since time.Time) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, v := range w.seen {
		if v == n && !w.times[i].Before(since) {
			return w.times[i], true
		}
	}
	return time.Time{}, false
}

// index is where the Deployment first had n replicas after since, or -1.
func (w *replicaWatch) index(n int, since time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, v := range w.seen {
		if v == n && !w.times[i].Before(since) {
			return i
		}
	}
	return -1
}

func (w *replicaWatch) path(from, to int) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var s []string
	for i := max(from, 0); i < to && i < len(w.seen); i++ {
		s = append(s, fmt.Sprint(w.seen[i]))
	}
	return strings.Join(s, "->")
}

func (w *replicaWatch) len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.seen)
}

// generateOnNode writes an EventDrivenService, runs eds-fn generate on it and
// returns the objects.
func generateOnNode(t *testing.T, name, eds string) []object {
	t.Helper()
	in := filepath.Join(workDir, "node", name+".eds.yaml")
	if err := writeFile(in, eds); err != nil {
		t.Fatal(err)
	}
	res, err := runProgram("", nil, nil, edsFnBin, "generate", in)
	if err != nil {
		t.Fatalf("eds-fn generate %s: %v", in, err)
	}
	objs, err := parseObjects([]byte(res.stdout))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

const scaleMessages = 600

// TestNodeScale publishes messages to a worker's consumer and follows what
// KEDA and the HPA controller do with the Deployment while the workers
// consume: up from minReplicas to maxReplicas, the stream drained, back down;
// every message processed at least once. From one replica, and from zero
// with an activation threshold.
func TestNodeScale(t *testing.T) {
	requireNode(t)
	ensureWorkerStream(t)
	for _, c := range []struct {
		name string
		min  int
	}{
		{"scale-from-one", 1},
		{"scale-from-zero", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ns, stream := "node-"+c.name, strings.ToUpper(strings.ReplaceAll(c.name, "-", "_"))
			image := workerImage(t, "scale")
			activation := ""
			if c.min == 0 {
				activation = "\n    activationLagThreshold: 5"
			}
			objs := generateOnNode(t, c.name, fmt.Sprintf(`apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  image: %[3]s
  size: micro
  nats:
    stream: %[4]s
    consumer: %[1]s
  env:
    - {name: WORKER_WORK_TIME, value: 150ms}
  scaling:
    minReplicas: %[5]d
    maxReplicas: 3
    lagThreshold: 20%[6]s
    pollingInterval: 5
    cooldownPeriod: 20
    behavior:
      scaleDown:
        stabilizationWindowSeconds: 10
        policies: [{type: Percent, value: 100, periodSeconds: 5}]
`, c.name, ns, image, stream, c.min, activation))
			restrictedNamespace(t, ns)
			ensureConsumer(t, stream, c.name)
			apply(t, "node-"+c.name, objs)
			w := watchReplicas(t, ns, c.name)
			defer w.end()
			if c.min > 0 {
				rolloutStatus(t, ns, c.name, 3*time.Minute)
			} else if err := eventually(2*time.Minute, func() error {
				if s, _ := replicas(t, ns, c.name); s != 0 {
					return fmt.Errorf("%d replicas", s)
				}
				return nil
			}); err != nil {
				t.Fatalf("KEDA did not scale %s to zero: %v%s", c.name, err, podDiagnostics(ns))
			}
			startIdx := w.len() - 1

			published := time.Now()
			ids := nodePublish(t, stream, c.name, scaleMessages)
			var upAt, drainedAt time.Time
			if err := eventually(4*time.Minute, func() error {
				at, ok := w.first(3, published)
				if !ok {
					return fmt.Errorf("replicas %s", w.path(0, w.len()))
				}
				upAt = at
				return nil
			}); err != nil {
				t.Fatalf("never scaled up to 3: %v%s", err, podDiagnostics(ns))
			}
			up := w.path(startIdx, w.len())
			if err := eventually(5*time.Minute, func() error {
				if l := lag(t, stream, c.name); l > 0 {
					return fmt.Errorf("lag %d", l)
				}
				return nil
			}); err != nil {
				t.Fatalf("the workers did not drain the stream: %v%s", err, podDiagnostics(ns))
			}
			drainedAt = time.Now()
			if err := eventually(4*time.Minute, func() error {
				if s, _ := replicas(t, ns, c.name); s != c.min {
					return fmt.Errorf("%d replicas", s)
				}
				return nil
			}); err != nil {
				t.Fatalf("never scaled back down to %d: %v%s", c.min, err, podDiagnostics(ns))
			}
			time.Sleep(time.Second)
			// Down from the peak: it may begin before the last messages are
			// acknowledged (the lag falls under what two replicas need).
			peak := w.index(3, published)
			down := w.path(peak, w.len())
			backAt, _ := w.first(c.min, upAt)
			processed, redelivered := accountFor(t, c.name, ids)
			wantUp := "1->3"
			if c.min == 0 {
				wantUp = "0->1->3"
			}
			line := nodeLine(t, "test="+c.name, "scaleup="+up, "scaledown="+down,
				fmt.Sprintf("published=%d", len(ids)), fmt.Sprintf("processed=%d", processed), fmt.Sprintf("redelivered=%d", redelivered),
				"scaleup_s="+secs(upAt.Sub(published)), "drain_s="+secs(drainedAt.Sub(published)), "back_s="+secs(backAt.Sub(published)))
			if up != wantUp || !strings.HasSuffix(down, fmt.Sprintf("->%d", c.min)) || processed != len(ids) {
				t.Errorf("want scaleup=%s, scaledown=...->%d and every message processed: %s", wantUp, c.min, line)
			}
			if _, err := kubectl(nil, "delete", "namespace", ns, "--wait=true", "--timeout=120s"); err != nil {
				t.Logf("deleting %s: %v", ns, err)
			}
		})
	}
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f", d.Seconds()) }

// ---- a rolling update while messages flow, and the disruption budget ---------

// TestNodeRollout changes the worker's image while messages are published
// and consumed: the Deployment rolls its two pods over, each old worker
// stops on SIGTERM without losing what it held, and every message is
// processed. Then an eviction of one pod is refused: the generated
// PodDisruptionBudget allows none while both must stay up.
func TestNodeRollout(t *testing.T) {
	requireNode(t)
	ensureWorkerStream(t)
	const name, ns, stream = "rollout", "node-rollout", "ROLLOUT"
	eds := func(tag string) string {
		return fmt.Sprintf(`apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata:
  name: %s
  namespace: %s
spec:
  image: %s
  size: micro
  nats:
    stream: %s
    consumer: %s
  env:
    - {name: WORKER_WORK_TIME, value: 50ms}
  scaling:
    minReplicas: 2
    maxReplicas: 2
  disruptionBudget:
    minAvailable: 2
`, name, ns, workerImage(t, tag), stream, name)
	}
	restrictedNamespace(t, ns)
	ensureConsumer(t, stream, name)
	apply(t, "node-rollout-v1", generateOnNode(t, "rollout-v1", eds("rollout-v1")))
	rolloutStatus(t, ns, name, 3*time.Minute)
	if err := eventually(2*time.Minute, func() error {
		if s, r := replicas(t, ns, name); s != 2 || r != 2 {
			return fmt.Errorf("%d replicas, %d ready", s, r)
		}
		return nil
	}); err != nil {
		t.Fatalf("KEDA did not bring the Deployment to 2 replicas: %v%s", err, podDiagnostics(ns))
	}

	// Publish for the whole rollout, 20 messages a second.
	var (
		ids    []string
		pubErr error
	)
	js := jetStream(t)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			id := fmt.Sprintf("rollout-%d", i)
			if _, err := js.Publish(subjectOf(stream), []byte("work "+id), nats.MsgId(id)); err != nil {
				pubErr = err
				return
			}
			ids = append(ids, id)
		}
	}()
	time.Sleep(3 * time.Second)
	apply(t, "node-rollout-v2", generateOnNode(t, "rollout-v2", eds("rollout-v2")))
	rolloutStatus(t, ns, name, 3*time.Minute)
	time.Sleep(3 * time.Second)
	close(stop)
	<-stopped
	if pubErr != nil {
		t.Fatalf("publishing during the rollout: %v", pubErr)
	}
	if err := eventually(2*time.Minute, func() error {
		if l := lag(t, stream, name); l > 0 {
			return fmt.Errorf("lag %d", l)
		}
		return nil
	}); err != nil {
		t.Fatalf("the new workers did not drain the stream: %v%s", err, podDiagnostics(ns))
	}
	processed, redelivered := accountFor(t, name, ids)
	image := ""
	if d, err := getObject("deployments.apps", ns, name); err == nil {
		image = str(list(d, "spec", "template", "spec", "containers")[0], "image")
	}
	rolled := image == workerRepo+":rollout-v2" && processed == len(ids)

	// An eviction of one of the two pods is refused by the budget.
	res, err := kubectl(nil, "-n", ns, "get", "pods", "-l", "app.kubernetes.io/name="+name, "-o", "jsonpath={.items[0].metadata.name}")
	if err != nil || res.stdout == "" {
		t.Fatalf("no pod to evict: %v", err)
	}
	eviction := fmt.Sprintf(`{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":%q,"namespace":%q}}`, res.stdout, ns)
	_, err = kubectl([]byte(eviction), "create", "--raw", fmt.Sprintf("/api/v1/namespaces/%s/pods/%s/eviction", ns, res.stdout), "-f", "-")
	blocked := err != nil && strings.Contains(err.Error(), "disruption budget")
	line := nodeLine(t, "test=rollout", fmt.Sprintf("rollout=%t", rolled), fmt.Sprintf("evictionblocked=%t", blocked),
		fmt.Sprintf("published=%d", len(ids)), fmt.Sprintf("processed=%d", processed), fmt.Sprintf("redelivered=%d", redelivered))
	if !rolled || !blocked {
		t.Errorf("want rollout=true evictionblocked=true (image %s; eviction: %v): %s%s", image, err, line, podDiagnostics(ns))
	}
	if _, err := kubectl(nil, "delete", "namespace", ns, "--wait=true", "--timeout=120s"); err != nil {
		t.Logf("deleting %s: %v", ns, err)
	}
}

// ---- the transformer's reason to exist ---------------------------------------

// TestNodeTransformer: a worker written by hand, its ScaledObject pointing
// KEDA at the client Service of a three-node NATS cluster that does not
// advertise (the official chart's default). That name reaches one node, which
// does not lead the consumer and cannot see its lag: with messages waiting
// the Deployment never scales. The same kustomization with the
// NATSHeadlessEndpoint transformer points KEDA at the headless Service, and
// the HPA controller scales it up.
func TestNodeTransformer(t *testing.T) {
	requireNode(t)
	clusters, err := planMatrix()
	if err != nil {
		t.Fatal(err)
	}
	var c *natsCluster
	for _, cand := range clusters {
		if len(cand.nodes) == 3 && !cand.advertise && !cand.accounts && !cand.operator {
			c = cand
			break
		}
	}
	if c == nil {
		t.Fatal("the matrix has no three-node cluster that does not advertise")
	}
	if err := c.start(); err != nil {
		t.Fatal(err)
	}
	const name, ns, stream = "legacy-worker", "node-transformer", "LEGACY"
	if err := c.stream(stream, name); err != nil {
		t.Fatal(err)
	}
	if err := c.publish(stream, 100); err != nil {
		t.Fatal(err)
	}
	image := workerImage(t, "legacy")
	dir := filepath.Join(workDir, "node", "transformer")
	files := map[string]string{
		"deployment.yaml": fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: worker
          image: %[2]s
          args: [pause]
          resources:
            requests: {cpu: 50m, memory: 32Mi}
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
`, name, image),
		"scaledobject.yaml": fmt.Sprintf(`apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: %[1]s
spec:
  scaleTargetRef:
    name: %[1]s
  minReplicaCount: 1
  maxReplicaCount: 3
  pollingInterval: 5
  triggers:
    - type: nats-jetstream
      metadata:
        natsServerMonitoringEndpoint: %[2]s:8222 # the client Service
        account: $G
        stream: %[3]s
        consumer: %[1]s
        lagThreshold: "10"
`, name, c.clientHost(), stream),
		"nats-headless.yaml": `apiVersion: platform.bizmatters.io/v1alpha1
kind: NATSHeadlessEndpoint
metadata:
  name: nats-headless
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: eds-fn
`,
		"kustomization.yaml": "namespace: " + ns + "\nresources: [deployment.yaml, scaledobject.yaml]\n",
	}
	for f, content := range files {
		if err := writeFile(filepath.Join(dir, "before", f), content); err != nil {
			t.Fatal(err)
		}
		if f == "kustomization.yaml" {
			content += "transformers: [nats-headless.yaml]\n"
		}
		if err := writeFile(filepath.Join(dir, "after", f), content); err != nil {
			t.Fatal(err)
		}
	}
	before, after := kustomizeObjects(t, filepath.Join(dir, "before")), kustomizeObjects(t, filepath.Join(dir, "after"))
	restrictedNamespace(t, ns)
	apply(t, "node-transformer-before", before)
	rolloutStatus(t, ns, name, 3*time.Minute)
	w := watchReplicas(t, ns, name)
	defer w.end()
	// Long enough for KEDA to poll a dozen times and the HPA controller to
	// act on it several times.
	time.Sleep(60 * time.Second)
	stuck := w.path(0, w.len()) == "1"
	if l, _, err := c.lag(stream, name); err != nil || l < 100 {
		t.Fatalf("the consumer's lag is %d (%v), want 100 waiting messages", l, err)
	}
	beforeField := "before=stuck"
	if !stuck {
		beforeField = "before=" + w.path(0, w.len())
	}

	var endpoint string
	for _, tr := range natsTriggers(findKind(t, after, "ScaledObject")) {
		endpoint = tr.endpoint
	}
	if endpoint != c.headlessHost()+":8222" {
		t.Fatalf("the transformer wrote %q, want %s:8222", endpoint, c.headlessHost())
	}
	started := time.Now()
	apply(t, "node-transformer-after", after)
	afterField := "after=scaleup"
	if err := eventually(3*time.Minute, func() error {
		if _, ok := w.first(3, started); !ok {
			return fmt.Errorf("replicas %s", w.path(0, w.len()))
		}
		return nil
	}); err != nil {
		afterField = "after=" + w.path(0, w.len())
	}
	at, _ := w.first(3, started)
	line := nodeLine(t, "test=transformer", "nats="+c.id, beforeField, afterField, "scaleup_s="+secs(at.Sub(started)))
	if !stuck || afterField != "after=scaleup" {
		t.Errorf("want before=stuck after=scaleup: %s%s", line, podDiagnostics(ns))
	}
	if _, err := kubectl(nil, "delete", "namespace", ns, "--wait=true", "--timeout=120s"); err != nil {
		t.Logf("deleting %s: %v", ns, err)
	}
}
