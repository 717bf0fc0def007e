package generator

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// FuzzCustomDeployment, FuzzCustomService and FuzzCustomScaledObject build
// patches from the fuzzer's bytes, out of fragments users write and values
// that break them, and assert what eds-fn promises of whatever it accepts:
// the objects it prints, read back from its output, are ones the API server
// validates, Pod Security admits at the service's level, the Service
// reaches the worker's pods by, and KEDA's webhook and scalers take; and
// the same input prints the same bytes. Whatever it refuses, it refuses
// with errors and prints nothing. Run each with
//
//	go test -run='^$' -fuzz=FuzzCustomDeployment -fuzztime=10m ./generator
func FuzzCustomDeployment(f *testing.F)   { fuzzHatch(f, "customDeployment") }
func FuzzCustomService(f *testing.F)      { fuzzHatch(f, "customService") }
func FuzzCustomScaledObject(f *testing.F) { fuzzHatch(f, "customScaledObject") }

// FuzzTypedFields does the same with the typed pod and scaling fields
// (spec.security, spec.probes, spec.volumes, spec.sidecars, ...): whatever
// eds-fn accepts of them, clusters take.
func FuzzTypedFields(f *testing.F) { fuzzHatch(f, "") }

func fuzzHatch(f *testing.F, hatch string) {
	for _, seed := range [][]byte{
		{}, {0, 0}, {1, 1, 2, 2, 3, 3}, {4, 9, 17, 30, 200, 7}, []byte("customDeployment"),
		{255, 254, 253, 252, 251, 250, 249, 248}, {12, 3, 40, 5, 60, 7, 80, 9, 100, 11},
	} {
		f.Add(seed)
	}
	fragments := slices.DeleteFunc(slices.Clone(hatchFragments), func(fr fragment) bool { return fr.hatch != hatch })
	if hatch == "" {
		fragments = typedFragments
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 64 {
			in = in[:64]
		}
		node := hatchService(in, fragments)
		first := checkHatches(t, node)
		if again := checkHatches(t, node); again != first {
			t.Fatalf("the same input printed other output:\n%s\n---\n%s", first, again)
		}
	})
}

// TestEscapeHatchCorpus runs the fuzz targets' property over a fixed
// corpus of 3,000 inputs over all three escape hatches in every test run:
// what a fuzzing run found stays found.
func TestEscapeHatchCorpus(t *testing.T) {
	accepted := 0
	for i := range 3000 {
		in := make([]byte, 2+2*(i%4))
		x := uint32(i)*2654435761 + 12345
		for j := range in {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			in[j] = byte(x)
		}
		if checkHatches(t, hatchService(in, hatchFragments)) != "" {
			accepted++
		}
	}
	// Both verdicts must be common, or the corpus tests little.
	if accepted < 150 || accepted > 2850 {
		t.Errorf("%d of 3000 inputs accepted: the corpus no longer exercises both outcomes", accepted)
	}
	t.Logf("%d of 3000 accepted", accepted)
}

// TestTypedFieldCorpus is TestEscapeHatchCorpus for the typed fields.
func TestTypedFieldCorpus(t *testing.T) {
	accepted := 0
	for i := range 2000 {
		in := make([]byte, 2+2*(i%4))
		x := uint32(i)*2246822519 + 977
		for j := range in {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			in[j] = byte(x)
		}
		if checkHatches(t, hatchService(in, typedFragments)) != "" {
			accepted++
		}
	}
	if accepted < 100 || accepted > 1900 {
		t.Errorf("%d of 2000 inputs accepted: the corpus no longer exercises both outcomes", accepted)
	}
	t.Logf("%d of 2000 accepted", accepted)
}

// A fragment is one change a user might write: where it goes (which escape
// hatch, the path, a list entry's merge key) and a value from hatchValues.
type fragment struct {
	hatch string // customDeployment, customService, customScaledObject
	path  string // dotted; "[name=x]" is a list entry with that merge key; "[]" a new entry
	key   string // the entry's field the value goes to ("" for the path itself)
	// values users write there, good and bad; an odd value byte picks
	// from hatchValues instead, which are mostly of the wrong type
	values []any
}

var hatchFragments = []fragment{
	{"customDeployment", "spec.template.spec.containers[name=w]", "image", []any{"ghcr.io/acme/w:v2", "x:1", nil, ""}},
	{"customDeployment", "spec.template.spec.containers[name=w]", "imagePullPolicy", []any{"Always", "IfNotPresent", "Sometimes"}},
	{"customDeployment", "spec.template.spec.containers[name=w].ports[containerPort=9090]", "name", []any{"metrics", "http", "Bad_Name", "admin"}},
	{"customDeployment", "spec.template.spec.containers[name=w].ports[containerPort=8080]", "protocol", []any{"TCP", "UDP", "SCTP", "tcp"}},
	{"customDeployment", "spec.template.spec.containers[name=w].ports[containerPort=70000]", "name", []any{"metrics", "http", "Bad_Name", "admin"}},
	{"customDeployment", "spec.template.spec.containers[name=w].env[name=LOG]", "value", []any{"debug", "", nil}},
	{"customDeployment", "spec.template.spec.containers[name=w].env[name=POD]", "valueFrom", []any{map[string]any{"fieldRef": map[string]any{"fieldPath": "metadata.name"}}, map[string]any{}}},
	{"customDeployment", "spec.template.spec.containers[name=w].resources.limits", "cpu", []any{"2", "10m", "1x", -1}},
	{"customDeployment", "spec.template.spec.containers[name=w].resources.requests", "memory", []any{"64Mi", "100Gi", "-1"}},
	{"customDeployment", "spec.template.spec.containers[name=w].livenessProbe", "periodSeconds", []any{10, 0, -1}},
	{"customDeployment", "spec.template.spec.containers[name=w].readinessProbe.tcpSocket", "port", []any{8080, "http", 0, 70000}},
	{"customDeployment", "spec.template.spec.containers[name=w].startupProbe", "successThreshold", []any{1, 2, 0}},
	{"customDeployment", "spec.template.spec.containers[name=w].securityContext", "privileged", []any{true, false}},
	{"customDeployment", "spec.template.spec.containers[name=w].securityContext", "runAsUser", []any{1000, 0, -1}},
	{"customDeployment", "spec.template.spec.containers[name=w].volumeMounts[mountPath=/data]", "name", []any{"metrics", "http", "Bad_Name", "admin"}},
	{"customDeployment", "spec.template.spec.containers[name=w].volumeMounts[mountPath=/data]", "subPath", []any{"cache", "../x", "/abs"}},
	{"customDeployment", "spec.template.spec.containers[name=side]", "image", []any{"ghcr.io/acme/w:v2", "x:1", nil, ""}},
	{"customDeployment", "spec.template.spec.containers[name=side]", "restartPolicy", []any{"Always", "Never", "OnFailure"}},
	{"customDeployment", "spec.template.spec.initContainers[name=init]", "image", []any{"ghcr.io/acme/w:v2", "x:1", nil, ""}},
	{"customDeployment", "spec.template.spec.initContainers[name=init]", "restartPolicy", []any{"Always", "Never", "OnFailure"}},
	{"customDeployment", "spec.template.spec.volumes[name=data]", "emptyDir", []any{map[string]any{}, map[string]any{"medium": "Memory"}, map[string]any{"medium": "Disk"}}},
	{"customDeployment", "spec.template.spec.volumes[name=data]", "configMap", []any{map[string]any{"name": "c"}, map[string]any{}}},
	{"customDeployment", "spec.template.spec", "restartPolicy", []any{"Always", "Never", "OnFailure"}},
	{"customDeployment", "spec.template.spec", "dnsPolicy", []any{"ClusterFirst", "Default", "Bogus"}},
	{"customDeployment", "spec.template.spec", "terminationGracePeriodSeconds", []any{30, 0, -1, int64(9007199254740993)}},
	{"customDeployment", "spec.template.spec", "activeDeadlineSeconds", []any{60, 0}},
	{"customDeployment", "spec.template.spec", "nodeSelector", []any{map[string]any{"kubernetes.io/os": "linux"}, map[string]any{"a/b/c": "x"}}},
	{"customDeployment", "spec.template.spec", "tolerations", []any{[]any{map[string]any{"key": "k", "operator": "Exists", "effect": "NoSchedule"}}, []any{map[string]any{"key": "k", "operator": "Exists", "value": "v"}}}},
	{"customDeployment", "spec.template.spec", "hostNetwork", []any{false, true}},
	{"customDeployment", "spec.template.spec", "priorityClassName", []any{"high", "Bad_Name"}},
	{"customDeployment", "spec.template.metadata", "labels", []any{map[string]any{"team": "x"}, map[string]any{"a/b/c": "x"}, map[string]any{"app.kubernetes.io/name": "other"}}},
	{"customDeployment", "spec.template.metadata", "annotations", []any{map[string]any{"note": "x"}, map[string]any{"a/b/c": "x"}}},
	{"customDeployment", "spec", "strategy", []any{map[string]any{"type": "Recreate"}, map[string]any{"type": "RollingUpdate", "rollingUpdate": map[string]any{"maxSurge": 0, "maxUnavailable": 0}}, map[string]any{"type": "RollingUpdate", "rollingUpdate": map[string]any{"maxSurge": "25%", "maxUnavailable": 0}}}},
	{"customDeployment", "spec", "minReadySeconds", []any{10, -1, 700}},
	{"customDeployment", "spec", "progressDeadlineSeconds", []any{600, 5}},
	{"customDeployment", "spec", "revisionHistoryLimit", []any{3, -1}},
	{"customDeployment", "metadata", "labels", []any{map[string]any{"team": "x"}, map[string]any{"a/b/c": "x"}, map[string]any{"app.kubernetes.io/name": "other"}}},
	{"customDeployment", "metadata", "ownerReferences", []any{[]any{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "name": "c", "uid": "u"}}}},
	{"customDeployment", "", "status", []any{map[string]any{}}},
	{"customService", "spec", "type", []any{"ClusterIP", "NodePort", "LoadBalancer", "ExternalName", "cpu", "memory", ""}},
	{"customService", "spec", "ports", []any{[]any{map[string]any{"port": 80, "targetPort": "http", "name": "http"}}, []any{map[string]any{"port": 9090, "targetPort": "metrics"}}, nil}},
	{"customService", "spec", "clusterIP", []any{"None", "10.0.0.1", "x"}},
	{"customService", "spec", "sessionAffinity", []any{"ClientIP", "None", "Sticky"}},
	{"customService", "spec", "externalTrafficPolicy", []any{"Local", "Cluster", "Bogus"}},
	{"customService", "spec", "externalName", []any{"orders.example.com"}},
	{"customService", "spec.ports[port=80]", "targetPort", []any{"http", 8080, "metrics", 0}},
	{"customService", "spec.ports[port=80]", "name", []any{"metrics", "http", "Bad_Name", "admin"}},
	{"customService", "spec.ports[port=70000]", "name", []any{"metrics", "http", "Bad_Name", "admin"}},
	{"customService", "spec.ports[port=9090]", "protocol", []any{"TCP", "UDP", "SCTP", "tcp"}},
	{"customService", "metadata", "annotations", []any{map[string]any{"note": "x"}, map[string]any{"a/b/c": "x"}}},
	{"customService", "metadata", "generateName", []any{"w-"}},
	{"customService", "", "status", []any{map[string]any{}}},
	{"customScaledObject", "spec", "pollingInterval", []any{30, 0}},
	{"customScaledObject", "spec", "minReplicaCount", []any{0, 1, 20}},
	{"customScaledObject", "spec", "maxReplicaCount", []any{5, 0}},
	{"customScaledObject", "spec", "idleReplicaCount", []any{0, 5}},
	{"customScaledObject", "spec.advanced.horizontalPodAutoscalerConfig", "name", []any{"metrics", "http", "Bad_Name", "admin"}},
	{"customScaledObject", "spec.fallback", "replicas", []any{2, -1}},
	{"customScaledObject", "spec.fallback", "failureThreshold", []any{3, -1}},
	{"customScaledObject", "spec.triggers[nats]", "metricType", []any{"AverageValue", "Value", "Utilization", "Bogus"}},
	{"customScaledObject", "spec.triggers[extra]", "type", []any{"ClusterIP", "NodePort", "LoadBalancer", "ExternalName", "cpu", "memory", ""}},
	{"customScaledObject", "spec.triggers[extra]", "metricType", []any{"AverageValue", "Value", "Utilization", "Bogus"}},
	{"customScaledObject", "spec.triggers[extra]", "authenticationRef", []any{map[string]any{"name": "auth"}, map[string]any{"name": ""}, map[string]any{"name": "a", "kind": "Secret"}}},
	{"customScaledObject", "metadata", "labels", []any{map[string]any{"team": "x"}, map[string]any{"a/b/c": "x"}, map[string]any{"app.kubernetes.io/name": "other"}}},
	{"customScaledObject", "metadata", "resourceVersion", []any{"5"}},
}

// typedFragments are the typed fields' fragments, under the pseudo-hatch
// "" (the spec itself).
var typedFragments = []fragment{
	{"", "security", "runAsUser", []any{10001, 0, -1}},
	{"", "security", "fsGroup", []any{2000, -5}},
	{"", "security", "readOnlyRootFilesystem", []any{true, false}},
	{"", "probes.liveness", "periodSeconds", []any{20, 0}},
	{"", "probes.liveness", "successThreshold", []any{1, 2}},
	{"", "probes.startup.httpGet", "port", []any{8080, "http", "metrics", 70000}},
	{"", "probes.startup.httpGet", "path", []any{"/health", "health"}},
	{"", "probes.readiness.exec", "command", []any{[]any{"/bin/ready"}, []any{}}},
	{"", "probes.readiness.tcpSocket", "port", []any{4222, "http"}},
	{"", "volumes[name=data]", "emptyDir", []any{map[string]any{}, map[string]any{"sizeLimit": "1Gi"}}},
	{"", "volumes[name=data]", "configMap", []any{map[string]any{"name": "settings"}, map[string]any{}}},
	{"", "volumes[name=host]", "hostPath", []any{map[string]any{"path": "/var/run"}}},
	{"", "volumeMounts[mountPath=/data]", "name", []any{"data", "missing"}},
	{"", "volumeMounts[mountPath=/data]", "subPath", []any{"x", "../x"}},
	{"", "scheduling", "priorityClassName", []any{"high", "Bad_Name"}},
	{"", "scheduling", "nodeSelector", []any{map[string]any{"kubernetes.io/os": "linux"}, map[string]any{"-bad": "x"}}},
	{"", "scheduling", "tolerations", []any{
		[]any{map[string]any{"key": "k", "operator": "Exists", "effect": "NoSchedule"}},
		[]any{map[string]any{"key": "k", "operator": "Exists", "value": "v"}}}},
	{"", "strategy", "type", []any{"Recreate", "RollingUpdate", "Bogus"}},
	{"", "strategy.rollingUpdate", "maxUnavailable", []any{0, "25%", "150%"}},
	{"", "ports[name=metrics]", "port", []any{9090, 8080, 70000}},
	{"", "ports[name=metrics]", "service", []any{true, false}},
	{"", "serviceAccount", "create", []any{false, true}},
	{"", "serviceAccount", "name", []any{"existing", "Bad_Name"}},
	{"", "serviceAccount.annotations", "iam.gke.io/gcp-service-account", []any{"w@p.iam.gserviceaccount.com"}},
	{"", "objectMetadata.service.labels", "team", []any{"x", "-bad"}},
	{"", "objectMetadata.scaledObject.annotations", "autoscaling.keda.sh/paused", []any{"true"}},
	{"", "sidecars[name=side]", "image", []any{"ghcr.io/acme/side:v1", "Bad Image"}},
	{"", "sidecars[name=side]", "resources", []any{map[string]any{"limits": map[string]any{"cpu": "1m"}}, map[string]any{"requests": map[string]any{"cpu": "10m"}}}},
	{"", "initContainers[name=wait]", "command", []any{[]any{"sh", "-c", "true"}}},
	{"", "initContainers[name=w]", "image", []any{"ghcr.io/acme/x:v1"}},
	{"", "env[name=POD]", "valueFrom", []any{
		map[string]any{"fieldRef": map[string]any{"fieldPath": "metadata.name"}},
		map[string]any{"fieldRef": map[string]any{"fieldPath": "metadata.nam"}}}},
	{"", "lifecycle.preStop.sleep", "seconds", []any{5, -1}},
	{"", "", "hostAliases", []any{
		[]any{map[string]any{"ip": "10.0.0.1", "hostnames": []any{"ledger.internal"}}},
		[]any{map[string]any{"ip": "10.0.0.999", "hostnames": []any{"ledger.internal"}}}}},
	{"", "http", "enabled", []any{true, false}},
	{"", "scaling", "metricType", []any{"AverageValue", "Value", "Utilization"}},
	{"", "scaling", "hpaName", []any{"w-hpa", "Bad_Name"}},
	{"", "scaling", "extraTriggers", []any{
		[]any{map[string]any{"type": "cpu", "metricType": "Utilization", "metadata": map[string]any{"value": "80"}}},
		[]any{map[string]any{"type": "prometheus", "metricType": "Utilization", "metadata": map[string]any{"query": "up"}}},
		[]any{map[string]any{"type": "", "metadata": map[string]any{}}}}},
}

var hatchValues = []any{
	nil, "", " x", "x", "ghcr.io/acme/w:v2", "Never", "Always", "OnFailure", "IfNotPresent", "TCP", "tcp", "UDP",
	"Utilization", "AverageValue", "Value", "cpu", "nats-jetstream", "ExternalName", "ClusterIP", "NodePort", "None",
	"Local", "ClientIP", "Bad_Name", "http", "metrics", "data", "a/b/c", "1.2.3.4", "100m", "1x", "-1", "10Gi", "0",
	"Recreate", "9007199254740993",
	-1, 0, 1, 2, 3, 80, 8080, 9090, 65535, 70000, 1 << 31, int64(9007199254740993), 1.5, true, false,
	map[string]any{}, []any{}, []any{map[string]any{"$patch": "replace"}},
	map[string]any{"app.kubernetes.io/name": "other"}, map[string]any{"team": "x"}, map[string]any{"a/b/c": "x"},
	map[string]any{"name": "data"}, map[string]any{"name": ""}, map[string]any{"name": "auth", "kind": "Secret"},
	map[string]any{"fieldRef": map[string]any{"fieldPath": "metadata.name"}},
	map[string]any{"fieldRef": map[string]any{"fieldPath": "metadata.name"}, "secretKeyRef": map[string]any{"name": "s", "key": "k"}},
	map[string]any{"type": "RollingUpdate", "rollingUpdate": map[string]any{"maxSurge": 0, "maxUnavailable": 0}},
	map[string]any{"type": "Recreate", "rollingUpdate": map[string]any{"maxSurge": 1}},
	[]any{map[string]any{"key": "k", "operator": "Exists", "value": "v"}},
	[]any{map[string]any{"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule"}},
	[]any{map[string]any{"port": 80, "targetPort": "http", "name": "http"}},
	[]any{map[string]any{"port": 9090, "targetPort": "metrics"}},
	[]any{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "name": "c", "uid": "u"}},
}

// hatchService is the service "w" with the patches that in describes:
// each pair of bytes picks a fragment and a value.
func hatchService(in []byte, fragments []fragment) *yaml.RNode {
	patches := map[string]map[string]any{}
	for i := 0; i+1 < len(in); i += 2 {
		fr := fragments[int(in[i])%len(fragments)]
		v := hatchValues[int(in[i+1]>>1)%len(hatchValues)]
		if in[i+1]%2 == 0 {
			v = fr.values[int(in[i+1]>>1)%len(fr.values)]
		}
		if patches[fr.hatch] == nil {
			patches[fr.hatch] = map[string]any{}
		}
		place(patches[fr.hatch], fr, v)
	}
	spec := map[string]any{
		"image": "ghcr.io/acme/w:v1",
		"nats":  map[string]any{"stream": "S", "consumer": "C"},
	}
	for h, p := range patches {
		dropSel(p)
		if h == "" {
			// The typed fields: straight into the spec.
			for k, v := range p {
				spec[k] = v
			}
			continue
		}
		spec[h] = p
	}
	if len(in) > 0 && in[0]%7 == 0 {
		spec["podSecurity"] = "privileged"
	}
	data, err := json.Marshal(map[string]any{
		"apiVersion": v1alpha1.APIVersion, "kind": v1alpha1.KindEventDrivenService,
		"metadata": map[string]any{"name": "w", "namespace": "team"}, "spec": spec,
	})
	if err != nil {
		panic(err)
	}
	return yaml.MustParse(string(data))
}

// place sets fr's field to v in patch, making the mappings and list entries
// on the way; the NATS trigger entry starts as the generated one, so that
// the fuzzer reaches the checks behind the trigger's contract.
func place(patch map[string]any, fr fragment, v any) {
	cur := patch
	if fr.path != "" {
		for seg := range strings.SplitSeq(fr.path, ".") {
			name, sel, isList := strings.Cut(seg, "[")
			if !isList {
				next, _ := cur[name].(map[string]any)
				if next == nil {
					next = map[string]any{}
					cur[name] = next
				}
				cur = next
				continue
			}
			sel = strings.TrimSuffix(sel, "]")
			list, _ := cur[name].([]any)
			entry := findEntry(list, sel)
			if entry == nil {
				entry = newEntry(sel)
				list = append(list, entry)
				cur[name] = list
			}
			cur = entry
		}
	}
	cur[fr.key] = v
}

func findEntry(list []any, sel string) map[string]any {
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && m["$sel"] == sel {
			return m
		}
	}
	return nil
}

// newEntry is a list entry for the selector sel ("name=w", "port=80",
// "nats", "extra"); $sel marks it and is removed before the patch is used.
func newEntry(sel string) map[string]any {
	switch sel {
	case "nats":
		return map[string]any{"$sel": sel, "type": "nats-jetstream", "metadata": map[string]any{
			"account": "$G", "consumer": "C", "lagThreshold": "5", "stream": "S",
			"natsServerMonitoringEndpoint": "nats-headless.nats.svc.cluster.local:8222"}}
	case "extra":
		return map[string]any{"$sel": sel, "type": "cpu", "metricType": "Utilization", "metadata": map[string]any{"value": "80"}}
	}
	k, v, _ := strings.Cut(sel, "=")
	e := map[string]any{"$sel": sel}
	var n int
	if _, err := fmt.Sscan(v, &n); err == nil && k != "name" && k != "mountPath" {
		e[k] = n
	} else {
		e[k] = v
	}
	return e
}

// checkHatches runs the generator over node and checks its verdict; it
// returns the output, "" when the input was refused.
func checkHatches(t *testing.T, node *yaml.RNode) string {
	t.Helper()
	s := node.MustString()
	clean := node
	objs, errs, _ := expand(clean)
	if len(errs) > 0 {
		if len(objs) > 0 {
			t.Fatalf("refused with %v, yet printed %d objects", errs, len(objs))
		}
		return ""
	}
	eds, lerrs := v1alpha1.LoadEventDrivenService(clean)
	if len(lerrs) > 0 {
		t.Fatalf("accepted an input that does not load: %v", lerrs)
	}
	var out strings.Builder
	var pod *corev1.PodSpec
	var svc *corev1.Service
	for _, o := range objs {
		text := o.MustString()
		out.WriteString(text + "---\n")
		switch o.GetKind() {
		case "Deployment":
			var d appsv1.Deployment
			if err := sigsyaml.UnmarshalStrict([]byte(text), &d); err != nil {
				t.Fatalf("printed a Deployment that does not decode: %v\n%s", err, text)
			}
			for _, e := range apiServerDeploymentErrors(&d) {
				t.Errorf("printed a Deployment the API server refuses: %v\ninput:\n%s\noutput:\n%s", e, s, text)
			}
			for _, e := range checkPodSecurity(eds.Spec.PodSecurity, &d.Spec.Template, nil) {
				t.Errorf("printed a pod below Pod Security %q: %v\ninput:\n%s", eds.Spec.PodSecurity, e, s)
			}
			pod = &d.Spec.Template.Spec
		case "Service":
			svc = &corev1.Service{}
			if err := sigsyaml.UnmarshalStrict([]byte(text), svc); err != nil {
				t.Fatalf("printed a Service that does not decode: %v\n%s", err, text)
			}
			for _, e := range apiServerServiceErrors(svc) {
				t.Errorf("printed a Service the API server refuses: %v\ninput:\n%s\noutput:\n%s", e, s, text)
			}
		case "ScaledObject":
			var so kedaScaledObject
			if err := sigsyaml.UnmarshalStrict([]byte(text), &so); err != nil {
				t.Fatalf("printed a ScaledObject that does not decode: %v\n%s", err, text)
			}
			werrs, _ := checkWebhook(eds, &so, nil)
			werrs = append(werrs, objectMetaErrors(&so.ObjectMeta, nil)...)
			werrs = append(werrs, checkServerSet("ScaledObject", &so.ObjectMeta, false, func(...string) *field.Path { return nil })...)
			for _, e := range werrs {
				t.Errorf("printed a ScaledObject KEDA refuses: %v\ninput:\n%s\noutput:\n%s", e, s, text)
			}
		}
	}
	if svc != nil {
		for _, e := range checkRoutes(svc, pod, nil) {
			t.Errorf("printed a Service that does not reach the worker: %v\ninput:\n%s", e, s)
		}
		if !maps.Equal(svc.Spec.Selector, map[string]string{v1alpha1.LabelName: "w"}) {
			t.Errorf("printed a Service with the selector %v", svc.Spec.Selector)
		}
	}
	if pod != nil && !slices.ContainsFunc(pod.Containers, func(c corev1.Container) bool { return c.Name == "w" }) {
		t.Errorf("printed a pod without the worker container")
	}
	return out.String()
}

// dropSel removes the builder's $sel markers.
func dropSel(v any) {
	switch v := v.(type) {
	case map[string]any:
		delete(v, "$sel")
		for _, e := range v {
			dropSel(e)
		}
	case []any:
		for _, e := range v {
			dropSel(e)
		}
	}
}
