package generator_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEscapeHatchesRefuseWhatClustersRefuse: a customService or
// customScaledObject whose result the API server, KEDA's CRD or KEDA itself
// refuses, or whose Service no longer reaches the worker, is an error at its
// place in the patch; the shapes clusters take are not.
func TestEscapeHatchesRefuseWhatClustersRefuse(t *testing.T) {
	const svc, so = "spec.customService", "spec.customScaledObject"
	natsTrigger := `{type: nats-jetstream, metadata: {account: $G, consumer: C, lagThreshold: "5", natsServerMonitoringEndpoint: "nats-headless.nats.svc.cluster.local:8222", stream: S}`
	cases := []struct {
		name, spec string
		want       []string
		says       string
	}{
		{name: "ExternalName", spec: "customService: {spec: {type: ExternalName, externalName: orders.example.com}}",
			want: []string{svc + ".spec.type"}, says: "no longer reaches the worker's pods"},
		{name: "ports null", spec: "customService: {spec: {ports: null}}",
			want: []string{svc + ".spec.ports"}, says: "Required value: the API server refuses this Service without it"},
		{name: "ports replaced by nothing", spec: "customService: {spec: {ports: [{$patch: replace}]}}",
			want: []string{svc + ".spec.ports"}, says: "Required value"},
		{name: "port out of range", spec: "customService: {spec: {ports: [{name: admin, port: 70000, targetPort: 8080}]}}",
			want: []string{svc + ".spec.ports[0].port"}, says: "must be between 1 and 65535"},
		{name: "target port name the pod lacks", spec: "customService: {spec: {ports: [{name: m, port: 9090, targetPort: metrics}]}}",
			want: []string{svc + ".spec.ports[0].targetPort"}, says: `"metrics": names no TCP port of the worker's pod`},
		{name: "target port of another protocol", spec: "customService: {spec: {ports: [{name: h, port: 8081, targetPort: http, protocol: UDP}]}}",
			want: []string{svc + ".spec.ports[0].targetPort"}, says: "names no UDP port"},
		{name: "session affinity bogus", spec: "customService: {spec: {sessionAffinity: Sticky}}",
			want: []string{svc + ".spec.sessionAffinity"}, says: `Unsupported value: "Sticky"`},
		{name: "server-set metadata", spec: "customService: {metadata: {generateName: w-, uid: 0b5c, ownerReferences: [{apiVersion: v1, kind: Pod, name: p, uid: a}]}, status: {}}",
			want: []string{svc + ".metadata.generateName", svc + ".metadata.uid", svc + ".metadata.ownerReferences", svc + ".status"}, says: "remove"},
		{name: "headless, NodePort and numbered targets are fine", spec: "customService: {spec: {clusterIP: None, ports: [{name: raw, port: 7000, targetPort: 7000}]}}"},
		{name: "NodePort is fine", spec: "customService: {spec: {type: NodePort}}"},

		{name: "Utilization on the NATS trigger", spec: "customScaledObject: {spec: {triggers: [" + natsTrigger + ", metricType: Utilization}]}}",
			want: []string{so + ".spec.triggers[0].metricType"}, says: "KEDA refuses Utilization for every scaler but cpu and memory"},
		{name: "trigger without a type", spec: "customScaledObject: {spec: {triggers: [" + natsTrigger + `}, {type: "", metadata: {}}]}}`,
			want: []string{so + ".spec.triggers[1].type"}, says: "Required value"},
		{name: "metric type bogus", spec: "customScaledObject: {spec: {triggers: [" + natsTrigger + `}, {type: cpu, metricType: Bogus, metadata: {value: "80"}}]}}`,
			want: []string{so + ".spec.triggers[1].metricType"}, says: `Unsupported value: "Bogus"`},
		{name: "authenticationRef without a name", spec: "customScaledObject: {spec: {triggers: [" + natsTrigger + `}, {type: prometheus, metadata: {query: up}, authenticationRef: {name: ""}}]}}`,
			want: []string{so + ".spec.triggers[1].authenticationRef.name"}, says: "name the TriggerAuthentication"},
		{name: "authenticationRef of a bogus kind", spec: "customScaledObject: {spec: {triggers: [" + natsTrigger + `}, {type: prometheus, metadata: {query: up}, authenticationRef: {name: a, kind: Secret}}]}}`,
			want: []string{so + ".spec.triggers[1].authenticationRef.kind"}, says: `Unsupported value: "Secret"`},
		{name: "HPA name", spec: "customScaledObject: {spec: {advanced: {horizontalPodAutoscalerConfig: {name: Bad_Name}}}}",
			want: []string{so + ".spec.advanced.horizontalPodAutoscalerConfig.name"}, says: "the API server refuses to create it"},
		{name: "server-set metadata of the ScaledObject", spec: "customScaledObject: {metadata: {resourceVersion: \"9\", labels: {\"a/b/c\": x}}}",
			want: []string{so + ".metadata.resourceVersion", so + ".metadata.labels"}, says: "ScaledObject"},
		{name: "Utilization on cpu and a valid HPA name are fine", spec: "customScaledObject: {spec: {advanced: {horizontalPodAutoscalerConfig: {name: orders.hpa}}, triggers: [" + natsTrigger + `}, {type: cpu, metricType: Utilization, metadata: {value: "80"}}]}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, items := patched(t, "  "+c.spec+"\n", "")
			var paths []string
			for _, g := range got {
				if strings.HasPrefix(g, "error ") {
					paths = append(paths, strings.TrimPrefix(g[:strings.Index(g, ": ")], "error "))
				}
			}
			if diff := cmp.Diff(c.want, paths); diff != "" {
				t.Errorf("errors (-want +got):\n%s\nall results:\n%s", diff, strings.Join(got, "\n"))
			}
			for _, g := range got {
				if strings.HasPrefix(g, "error ") && !strings.Contains(g, c.says) {
					t.Errorf("error does not say %q:\n%s", c.says, g)
				}
			}
			if len(c.want) == 0 && items != 5 {
				t.Errorf("got %d items, want the service and its four objects", items)
			}
		})
	}
}
