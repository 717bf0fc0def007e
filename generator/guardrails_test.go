package generator_test

import (
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// patched runs the generator over the service "w" with the given
// customDeployment (YAML at the indentation of a spec field's value) and
// other spec fields, and returns its results as "severity path: message".
func patched(t *testing.T, extraSpec, patch string) ([]string, int) {
	t.Helper()
	extra := extraSpec
	if patch != "" {
		extra += "  customDeployment:\n" + indentBy(patch, "    ")
	}
	rl := &krm.ResourceList{Items: []*yaml.RNode{eds("w", extra)}}
	err := generator.Processor{}.Process(rl)
	if err != nil && !krm.HasErrors(rl.Results) {
		t.Fatalf("processor failed without error results: %v", err)
	}
	var got []string
	for _, r := range rl.Results {
		path := ""
		if r.Field != nil {
			path = r.Field.Path
		}
		got = append(got, string(r.Severity)+" "+path+": "+r.Message)
	}
	return got, len(rl.Items)
}

func indentBy(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestCustomDeploymentGuardrails: every way a patch can break what eds-fn
// relies on, make the pod weaker than its Pod Security level, or give the
// API server a Deployment it refuses is an error at the path in the patch
// that did it, all of them at once and with no output; the changes of
// identity that are allowed are warnings.
func TestCustomDeploymentGuardrails(t *testing.T) {
	for _, c := range guardCases {
		t.Run(c.name, func(t *testing.T) {
			got, items := patched(t, c.spec, c.patch)
			var paths []string
			for _, g := range got {
				paths = append(paths, g[:strings.Index(g, ": ")])
			}
			if diff := cmp.Diff(c.want, paths); diff != "" {
				t.Errorf("results (-want +got):\n%s\nall results:\n%s", diff, strings.Join(got, "\n"))
			}
			for _, g := range got {
				if !strings.Contains(g, c.says) {
					t.Errorf("result does not say %q:\n%s", c.says, g)
				}
			}
			wantItems := 5 // the service and its four objects
			for _, w := range c.want {
				if strings.HasPrefix(w, "error ") {
					wantItems = 1 // no output: only the input back
				}
			}
			if items != wantItems {
				t.Errorf("got %d items, want %d", items, wantItems)
			}
		})
	}
}

type guardCase struct {
	name, spec, patch string
	want              []string // "severity path" of every result, in order
	says              string   // what every result says
}

const (
	psa       = `violates Pod Security "restricted"`
	podSpec   = "spec.customDeployment.spec.template.spec"
	worker    = podSpec + ".containers[0]"
	apiServer = "the API server refuses the Deployment"
)

// pod is a patch of the pod spec of the service "w".
func pod(spec string) string {
	return "spec:\n  template:\n    spec:\n" + indentBy(spec, "      ")
}

// workerPatch is a patch of the worker container "w".
func workerPatch(fields string) string {
	return pod("containers:\n  - name: w\n" + indentBy(fields, "    "))
}

var guardCases = []guardCase{
	// Pod Security restricted, checked by the API server's own checks.
	{name: "privileged", patch: workerPatch("securityContext: {privileged: true}"),
		want: []string{"error " + worker + ".securityContext.privileged"}, says: psa + ": privileged"},
	{name: "host namespaces", patch: pod("hostNetwork: true\nhostPID: true\nhostIPC: true"),
		want: []string{"error " + podSpec + ".hostNetwork", "error " + podSpec + ".hostPID", "error " + podSpec + ".hostIPC"},
		says: psa + ": host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)"},
	{name: "hostPath", patch: pod("volumes:\n  - {name: tmp, emptyDir: {}}\n  - {name: host, hostPath: {path: /}}"),
		want: []string{"error " + podSpec + ".volumes[1]"}, says: psa + `: restricted volume types (volume "host" uses restricted volume type "hostPath")`},
	{name: "run as root", patch: pod("securityContext: {runAsNonRoot: false, runAsUser: 0}"),
		want: []string{"error " + podSpec + ".securityContext.runAsNonRoot", "error " + podSpec + ".securityContext.runAsUser"}, says: psa},
	{name: "worker runs as root", patch: workerPatch("securityContext: {runAsNonRoot: false}"),
		want: []string{"error " + worker + ".securityContext.runAsNonRoot"}, says: psa + `: runAsNonRoot != true (container "w" must not set securityContext.runAsNonRoot=false)`},
	{name: "capability added", patch: workerPatch("securityContext: {capabilities: {add: [NET_ADMIN]}}"),
		want: []string{"error " + worker + ".securityContext.capabilities"}, says: psa + `: unrestricted capabilities (container "w" must not include "NET_ADMIN"`},
	{name: "drop ALL deleted", patch: workerPatch("securityContext:\n  capabilities:\n    $deleteFromPrimitiveList/drop: [ALL]"),
		want: []string{"error " + worker + ".securityContext.capabilities"}, says: `must set securityContext.capabilities.drop=["ALL"]`},
	{name: "capabilities null", patch: workerPatch("securityContext: {capabilities: null}"),
		want: []string{"error " + worker + ".securityContext.capabilities"}, says: `must set securityContext.capabilities.drop=["ALL"]`},
	{name: "privilege escalation", patch: workerPatch("securityContext: {allowPrivilegeEscalation: true}"),
		want: []string{"error " + worker + ".securityContext.allowPrivilegeEscalation"}, says: psa + ": allowPrivilegeEscalation != false"},
	{name: "seccomp unconfined", patch: pod("securityContext: {seccompProfile: {type: Unconfined}}"),
		want: []string{"error " + podSpec + ".securityContext.seccompProfile"}, says: `pod must not set securityContext.seccompProfile.type to "Unconfined"`},
	{name: "privileged sidecar", patch: pod("containers:\n  - name: debug\n    image: busybox:1.37\n    securityContext: {privileged: true}"),
		want: []string{"error " + worker + ".securityContext.privileged", "error " + worker + ".securityContext", "error " + worker + ".securityContext"},
		says: `container "debug" must`},
	{name: "hostPort", patch: workerPatch("ports: [{name: admin, containerPort: 9000, hostPort: 9000}]"),
		want: []string{"error " + worker + ".ports"}, says: psa + ": hostPort"},
	{name: "baseline still checked", spec: "  podSecurity: baseline\n", patch: workerPatch("securityContext: {privileged: true}"),
		want: []string{"warning spec.podSecurity", "error " + worker + ".securityContext.privileged"}, says: `"baseline"`},

	// What eds-fn relies on.
	{name: "delete the worker", patch: workerPatch("$patch: delete"),
		want: []string{"error " + worker + ".$patch"}, says: `the worker container "w" is the service itself`},
	{name: "replace the containers", patch: pod("containers:\n  - $patch: replace\n  - name: other\n    image: x:1\n    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}"),
		want: []string{"error " + worker + ".$patch"}, says: `the worker container "w" is the service itself`},
	{name: "empty the containers", patch: pod("containers:\n  - $patch: replace"),
		want: []string{"error " + worker + ".$patch"}, says: `the worker container "w" is the service itself`},
	{name: "selector", patch: "spec:\n  selector: {matchLabels: {app: x}}",
		want: []string{"error spec.customDeployment.spec.selector"}, says: "remove spec.selector from the patch"},
	{name: "replicas", patch: "spec:\n  replicas: 3",
		want: []string{"error spec.customDeployment.spec.replicas"}, says: "KEDA owns the replica count"},
	{name: "selector label removed", patch: "spec:\n  template:\n    metadata:\n      labels: {app.kubernetes.io/name: null}",
		want: []string{"error spec.customDeployment.spec.template.metadata.labels[app.kubernetes.io/name]"}, says: "app.kubernetes.io/name=w is the Deployment's selector"},
	{name: "selector label changed", patch: "spec:\n  template:\n    metadata:\n      labels: {app.kubernetes.io/name: other}",
		want: []string{"error spec.customDeployment.spec.template.metadata.labels[app.kubernetes.io/name]"}, says: "app.kubernetes.io/name=w is the Deployment's selector"},
	{name: "template labels replaced", patch: "spec:\n  template:\n    metadata:\n      labels: {$patch: replace, app: w}",
		want: []string{"error spec.customDeployment.spec.template.metadata.labels.$patch"}, says: "is the Deployment's selector"},
	{name: "managed-by label", patch: "metadata:\n  labels: {app.kubernetes.io/managed-by: helm}",
		want: []string{"error spec.customDeployment.metadata.labels[app.kubernetes.io/managed-by]"}, says: "is how eds-fn recognises the objects it generated"},
	{name: "namespace", patch: "metadata: {namespace: kube-system}",
		want: []string{"error spec.customDeployment.metadata.namespace"}, says: "set metadata.namespace of the EventDrivenService"},
	{name: "name", patch: "metadata: {name: other}",
		want: []string{"error spec.customDeployment.metadata.name"}, says: "rename the EventDrivenService"},
	{name: "kind", patch: "kind: StatefulSet",
		want: []string{"error spec.customDeployment.kind"}, says: "remove kind from the patch"},
	{name: "apiVersion", patch: "apiVersion: apps/v1beta2",
		want: []string{"error spec.customDeployment.apiVersion"}, says: "remove apiVersion from the patch"},
	{name: "delete the Deployment", patch: "$patch: delete",
		want: []string{
			"error spec.customDeployment.$patch", "error spec.customDeployment.$patch", "error spec.customDeployment.$patch",
			"error spec.customDeployment.$patch", "error spec.customDeployment.$patch", "error spec.customDeployment.$patch",
			"error spec.customDeployment.$patch", "error spec.customDeployment.$patch",
		}, says: "Forbidden"},
	{name: "spec null", patch: "spec: null",
		want: []string{"error spec.customDeployment.spec", "error spec.customDeployment.spec", "error spec.customDeployment.spec"}, says: "Forbidden"},
	{name: "replace the spec", patch: "spec:\n  $patch: replace\n  template:\n    metadata: {labels: {app.kubernetes.io/name: w}}\n    spec:\n      containers: [{name: w, image: x:1}]",
		want: []string{
			"error spec.customDeployment.spec.$patch",
			"error " + worker, "error " + worker, "error " + worker, "error " + worker,
			"error spec.customDeployment.spec.template.metadata.labels",
		}, says: "error"},

	// What the API server refuses.
	{name: "port 3003 named http", patch: workerPatch("ports: [{name: http, containerPort: 3003}]"),
		want: []string{"error " + worker + ".ports[0].name"}, says: `"http": is the name of another port of container "w"`},
	{name: "port number twice", patch: workerPatch("ports: [{$patch: replace}, {name: http, containerPort: 8080}, {name: metrics, containerPort: 8080}]"),
		want: []string{"error " + worker + ".ports[2].containerPort"}, says: `container "w" already has port 8080/TCP`},
	{name: "port name invalid", patch: workerPatch("ports: [{name: Metrics_Port, containerPort: 9090}]"),
		want: []string{"error " + worker + ".ports[0].name"}, says: "Metrics_Port"},
	{name: "env twice", patch: workerPatch("env: [{$patch: replace}, {name: X, value: a}, {name: X, value: b}]"),
		want: []string{"error " + worker + ".env[2].name"}, says: `is set twice in container "w"`},
	{name: "container name taken by the init container", spec: "  initContainer: {command: [sh]}\n",
		patch: pod("containers:\n  - name: init\n    image: x:1\n    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}"),
		want:  []string{"error " + worker + ".name"}, says: "is the name of another container or init container"},
	{name: "container name twice", patch: pod("containers:\n  - $patch: replace\n  - {name: w, image: x:1}\n  - {name: w, image: y:1}"),
		want: []string{
			"error " + podSpec + ".containers[2].name",
			"error " + podSpec + ".containers[1]", "error " + podSpec + ".containers[1]",
		}, says: `"w"`},
	{name: "volume twice", patch: pod("volumes: [{$patch: replace}, {name: a, emptyDir: {}}, {name: a, emptyDir: {}}]"),
		want: []string{"error " + podSpec + ".volumes[2].name"}, says: "is the name of another volume"},
	{name: "mount of no volume", patch: workerPatch("volumeMounts: [{name: cache, mountPath: /cache}]"),
		want: []string{"error " + worker + ".volumeMounts[0].name"}, says: `"cache": names no volume of the pod`},
	{name: "path mounted twice", patch: pod("volumes: [{name: a, emptyDir: {}}]\ncontainers:\n  - name: w\n    volumeMounts: [{name: a, mountPath: /x}, {name: a, mountPath: /x}]"),
		want: []string{"error " + worker + ".volumeMounts[1].mountPath"}, says: `"/x": is mounted twice in container "w"`},
	{name: "ephemeral containers", patch: pod("ephemeralContainers:\n  - name: dbg\n    image: x:1\n    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}"),
		want: []string{"error " + podSpec + ".ephemeralContainers"}, says: "cannot have ephemeral containers"},
	{name: "every problem at once", patch: pod("hostNetwork: true\ncontainers:\n  - name: w\n    ports: [{name: http, containerPort: 3003}]\n    volumeMounts: [{name: cache, mountPath: /cache}]") + "  selector: {matchLabels: {app: x}}\n",
		want: []string{
			"error spec.customDeployment.spec.selector",
			"error " + worker + ".ports[0].name",
			"error " + worker + ".volumeMounts[0].name",
			"error " + podSpec + ".hostNetwork",
		}, says: "error"},

	// What the API server refuses, found by its own validation.
	{name: "worker without an image", patch: workerPatch("image: null"),
		want: []string{"error " + worker + ".image"}, says: "Required value: the API server refuses this Deployment without it"},
	{name: "restartPolicy Never", patch: pod("restartPolicy: Never"),
		want: []string{"error " + podSpec + ".restartPolicy"}, says: `"Never": the API server refuses this Deployment: supported values: "Always"`},
	{name: "port out of range", patch: workerPatch("ports: [{name: metrics, containerPort: 70000}]"),
		want: []string{"error " + worker + ".ports[0].containerPort"}, says: "must be between 1 and 65535, inclusive"},
	{name: "limit below the generated request", patch: workerPatch("resources: {limits: {cpu: 10m}}"),
		want: []string{"error " + worker + ".resources"}, says: "spec.template.spec.containers[0].resources.requests: Invalid value: \"500m\": must be less than or equal to cpu limit of 10m"},
	{name: "probe with two handlers", patch: workerPatch("livenessProbe: {exec: {command: [\"true\"]}}"),
		want: []string{"error " + worker + ".livenessProbe"}, says: "may not specify more than 1 handler type"},
	{name: "privileged without privilege escalation", spec: "  podSecurity: privileged\n", patch: workerPatch("securityContext: {privileged: true}"),
		want: []string{"warning spec.podSecurity", "error " + worker + ".securityContext"}, says: "privileged"},
	{name: "owner and server fields", patch: "metadata:\n  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: x, uid: \"1\"}]\n  resourceVersion: \"5\"\n  generateName: w-\nstatus: {replicas: 3}\n",
		want: []string{
			"error spec.customDeployment.metadata.generateName",
			"error spec.customDeployment.metadata.resourceVersion",
			"error spec.customDeployment.metadata.ownerReferences",
			"error spec.customDeployment.status",
		}, says: "remove"},

	// Allowed, with a warning.
	{name: "baseline", spec: "  podSecurity: baseline\n", patch: pod("securityContext: {runAsNonRoot: false}\ncontainers:\n  - name: w\n    securityContext: {allowPrivilegeEscalation: true}"),
		want: []string{"warning spec.podSecurity"}, says: `checks the pod against Pod Security "baseline" instead of "restricted"`},
	{name: "privileged level", spec: "  podSecurity: privileged\n", patch: pod("hostNetwork: true\ncontainers:\n  - name: w\n    securityContext: {privileged: true, allowPrivilegeEscalation: true}"),
		want: []string{"warning spec.podSecurity"}, says: `"privileged"`},
	{name: "service account", patch: pod("serviceAccountName: reader\nautomountServiceAccountToken: true"),
		want: []string{"warning " + podSpec + ".serviceAccountName", "warning " + podSpec + ".automountServiceAccountToken"}, says: "warning"},
	{name: "deprecated service account", patch: pod("serviceAccount: reader"),
		want: []string{"warning " + podSpec + ".serviceAccount"}, says: `is the deprecated alias of serviceAccountName, which eds-fn sets to "w" and which wins`},
	{name: "pod spec replaced", patch: pod("$patch: replace\ncontainers:\n  - name: w\n    image: x:1\n    ports: [{name: http, containerPort: 8080}]\n    securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}"),
		want: []string{"warning " + podSpec + ".$patch"}, says: "another ServiceAccount"},
	{name: "pod spec replaced without the Service's port", patch: pod("$patch: replace\ncontainers:\n  - name: w\n    image: x:1\n    securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}"),
		want: []string{"warning " + podSpec + ".$patch", "error " + worker + ".ports"}, says: "the worker"},
	{name: "worker's http port turned UDP", patch: workerPatch("ports: [{containerPort: 8080, protocol: UDP}]"),
		want: []string{"error " + worker + ".ports"}, says: `the Service targets the worker's TCP port named "http" (spec.http.port, 8080), which the patched worker no longer has`},
	{name: "image with a trailing space", patch: workerPatch(`image: "ghcr.io/acme/w:v2 "`),
		want: []string{"error " + worker + ".image"}, says: "must not have leading or trailing whitespace"},

	// Allowed, silently.
	{name: "same service account", patch: pod("serviceAccountName: w\nautomountServiceAccountToken: false")},
	{name: "restricted sidecar, volume, env, resources", patch: pod(`volumes: [{name: cache, emptyDir: {}}]
containers:
  - name: w
    env: [{name: LOG_LEVEL, value: debug}]
    resources: {limits: {memory: 8Gi}}
    volumeMounts: [{name: cache, mountPath: /cache}]
  - name: proxy
    image: ghcr.io/acme/proxy:v1
    ports: [{name: proxy, containerPort: 3003}]
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
    volumeMounts: [{name: cache, mountPath: /cache, readOnly: true}]`)},
	{name: "empty containers list is no change", patch: pod("containers: []")},
	{name: "extra port", patch: workerPatch("ports: [{name: metrics, containerPort: 9090}]")},
	{name: "extra template label", patch: "spec:\n  template:\n    metadata:\n      labels: {version: v2}"},
}
