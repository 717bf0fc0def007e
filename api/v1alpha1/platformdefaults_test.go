package v1alpha1

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const defaultsHead = "apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenServiceDefaults\nmetadata: {name: platform, namespace: infra}\n"

func mustDefaults(t *testing.T, spec string) *Defaults {
	t.Helper()
	d, errs := DecodeDefaults(yaml.MustParse(defaultsHead + "spec:\n" + spec))
	if len(errs) > 0 {
		t.Fatalf("DecodeDefaults: %v", errs)
	}
	return d
}

func specOf(t *testing.T, n *yaml.RNode) map[string]any {
	t.Helper()
	m, err := asMap(n)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDefaultsMerge: the service wins, mappings merge key by key, lists are
// replaced whole, null removes a default, a union's members exclude each
// other, and the service as written is never changed.
func TestDefaultsMerge(t *testing.T) {
	for _, tc := range []struct {
		name, defaults, service string
		want                    string // the merged object, as JSON
		inherited, overridden   []string
	}{
		{name: "nothing set by the service: everything inherited",
			defaults:  "  size: small\n  nats: {url: 'nats://n:4222'}\n  imagePullSecrets: [{name: regcred}]\n",
			service:   "spec: {image: i, nats: {stream: S, consumer: c}}",
			want:      `{"metadata":{"name":"w"},"spec":{"image":"i","imagePullSecrets":[{"name":"regcred"}],"nats":{"consumer":"c","stream":"S","url":"nats://n:4222"},"size":"small"}}`,
			inherited: []string{"spec.imagePullSecrets", "spec.nats.url", "spec.size"}},
		{name: "the service wins, also with false and 0",
			defaults:   "  nats: {useHttps: true}\n  scaling: {minReplicas: 2, maxReplicas: 20}\n  size: small\n",
			service:    "spec: {image: i, size: large, nats: {stream: S, consumer: c, useHttps: false}, scaling: {minReplicas: 0}}",
			want:       `{"metadata":{"name":"w"},"spec":{"image":"i","nats":{"consumer":"c","stream":"S","useHttps":false},"scaling":{"maxReplicas":20,"minReplicas":0},"size":"large"}}`,
			inherited:  []string{"spec.scaling.maxReplicas"},
			overridden: []string{"spec.nats.useHttps=true->false", "spec.scaling.minReplicas=2->0", "spec.size=small->large"}},
		{name: "lists are replaced whole",
			defaults:   "  imagePullSecrets: [{name: a}, {name: b}]\n  scheduling: {tolerations: [{key: k, operator: Exists}], nodeSelector: {pool: workers}}\n",
			service:    "spec: {image: i, nats: {stream: S, consumer: c}, imagePullSecrets: [{name: c}], scheduling: {tolerations: []}}",
			want:       `{"metadata":{"name":"w"},"spec":{"image":"i","imagePullSecrets":[{"name":"c"}],"nats":{"consumer":"c","stream":"S"},"scheduling":{"nodeSelector":{"pool":"workers"},"tolerations":[]}}}`,
			inherited:  []string{"spec.scheduling.nodeSelector"},
			overridden: []string{`spec.imagePullSecrets=[{"name":"a"},{"name":"b"}]->[{"name":"c"}]`, `spec.scheduling.tolerations=[{"key":"k","operator":"Exists"}]->[]`}},
		{name: "maps merge key by key; null removes a default",
			defaults:   "  podAnnotations: {a: '1', b: '2'}\n  security: {runAsUser: 1000, fsGroup: 2000}\n",
			service:    "spec: {image: i, nats: {stream: S, consumer: c}, podAnnotations: {b: '3', c: '4'}, security: null}",
			want:       `{"metadata":{"name":"w"},"spec":{"image":"i","nats":{"consumer":"c","stream":"S"},"podAnnotations":{"a":"1","b":"3","c":"4"}}}`,
			inherited:  []string{"spec.podAnnotations.a"},
			overridden: []string{"spec.podAnnotations.b=2->3", `spec.security={"fsGroup":2000,"runAsUser":1000}->null`}},
		{name: "account and accountID exclude each other",
			defaults:   "  nats: {account: $G, url: 'nats://n:4222'}\n",
			service:    "spec: {image: i, nats: {stream: S, consumer: c, accountID: ACC}}",
			want:       `{"metadata":{"name":"w"},"spec":{"image":"i","nats":{"accountID":"ACC","consumer":"c","stream":"S","url":"nats://n:4222"}}}`,
			inherited:  []string{"spec.nats.url"},
			overridden: []string{"spec.nats.account=$G (accountID)"}},
		{name: "a probe handler of the service keeps the default timings",
			defaults:   "  probes:\n    readiness: {httpGet: {path: /ready, port: 8080}, periodSeconds: 5}\n",
			service:    "spec: {image: i, nats: {stream: S, consumer: c}, probes: {readiness: {exec: {command: [ok]}}}}",
			want:       `{"metadata":{"name":"w"},"spec":{"image":"i","nats":{"consumer":"c","stream":"S"},"probes":{"readiness":{"exec":{"command":["ok"]},"periodSeconds":5}}}}`,
			inherited:  []string{"spec.probes.readiness.periodSeconds"},
			overridden: []string{`spec.probes.readiness.httpGet={"path":"/ready","port":8080} (exec)`}},
		{name: "strategy type Recreate drops the default rollingUpdate",
			defaults:   "  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n",
			service:    "spec: {image: i, nats: {stream: S, consumer: c}, strategy: {type: Recreate}}",
			want:       `{"metadata":{"name":"w"},"spec":{"image":"i","nats":{"consumer":"c","stream":"S"},"strategy":{"type":"Recreate"}}}`,
			overridden: []string{`spec.strategy.rollingUpdate={"maxSurge":1,"maxUnavailable":0} (type)`}},
		{name: "labels and annotations go to the metadata, the service's win",
			defaults:   "  labels: {team: platform, tier: workers}\n  annotations: {owner: platform@acme.io}\n",
			service:    "metadata: {name: w, labels: {team: payments}}\nspec: {image: i, nats: {stream: S, consumer: c}}",
			want:       `{"metadata":{"annotations":{"owner":"platform@acme.io"},"labels":{"team":"payments","tier":"workers"},"name":"w"},"spec":{"image":"i","nats":{"consumer":"c","stream":"S"}}}`,
			inherited:  []string{"metadata.labels.tier<-spec.labels.tier", "metadata.annotations.owner<-spec.annotations.owner"},
			overridden: []string{"metadata.labels.team=platform->payments"}},
		{name: "numbers stay as written",
			defaults:  "  terminationGracePeriodSeconds: 9007199254740993\n  security: {runAsUser: 0x10}\n",
			service:   "spec: {image: i, nats: {stream: S, consumer: c}}",
			want:      `{"metadata":{"name":"w"},"spec":{"image":"i","nats":{"consumer":"c","stream":"S"},"security":{"runAsUser":16},"terminationGracePeriodSeconds":9007199254740993}}`,
			inherited: []string{"spec.security", "spec.terminationGracePeriodSeconds"}},
		{name: "a spec that is not a mapping is left to the decoding",
			defaults: "  size: small\n",
			service:  "spec: [1, 2]",
			want:     `{"metadata":{"name":"w"},"spec":[1,2]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustDefaults(t, tc.defaults)
			src := "apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\n" + tc.service + "\n"
			if !strings.Contains(tc.service, "metadata:") {
				src = strings.Replace(src, "spec:", "metadata: {name: w}\nspec:", 1)
			}
			service := yaml.MustParse(src)
			before := service.MustString()
			merged, m := d.Apply(service)
			if service.MustString() != before {
				t.Errorf("Apply changed the service:\n%s", service.MustString())
			}
			got := specOf(t, merged)
			delete(got, "apiVersion")
			delete(got, "kind")
			data, _ := json.Marshal(got)
			if diff := cmp.Diff(tc.want, string(data)); diff != "" {
				t.Errorf("merged (-want +got):\n%s", diff)
			}
			var inherited, overridden []string
			for _, in := range m.Inherited {
				s := strings.Join(in.Path, ".")
				if f := strings.Join(in.From, "."); f != s {
					s += "<-" + f
				}
				inherited = append(inherited, s)
			}
			for _, o := range m.Overridden {
				def, _ := json.Marshal(o.Default)
				s := strings.Join(o.Path, ".") + "=" + strings.Trim(string(def), `"`)
				switch {
				case o.By != "":
					s += " (" + o.By + ")"
				default:
					v, _ := json.Marshal(o.Value)
					s += "->" + strings.Trim(string(v), `"`)
				}
				overridden = append(overridden, s)
			}
			if diff := cmp.Diff(tc.inherited, inherited); diff != "" {
				t.Errorf("inherited (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.overridden, overridden); diff != "" {
				t.Errorf("overridden (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDefaultsDecode: a defaults object is read as strictly as a service,
// and the fields that name one worker are refused with the reason.
func TestDefaultsDecode(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{name: "empty", doc: defaultsHead},
		{name: "every per-service field",
			doc: defaultsHead + "spec:\n  image: i\n  command: [a]\n  args: [b]\n  initContainer: {command: [m]}\n  initContainers: []\n" +
				"  nats: {stream: S, consumer: c}\n  scaling: {hpaName: h}\n  customDeployment: {}\n  customService: {}\n  customScaledObject: {}\n",
			want: []string{
				"spec.args: Forbidden: " + msgPerService,
				"spec.command: Forbidden: " + msgPerService,
				"spec.customDeployment: Forbidden: " + msgHatch,
				"spec.customScaledObject: Forbidden: " + msgHatch,
				"spec.customService: Forbidden: " + msgHatch,
				"spec.image: Forbidden: " + msgPerService,
				"spec.initContainer: Forbidden: " + msgPerService,
				"spec.initContainers: Forbidden: " + msgPerService,
				"spec.nats.consumer: Forbidden: " + msgPerService,
				"spec.nats.stream: Forbidden: " + msgPerService,
				"spec.scaling.hpaName: Forbidden: " + msgPerService,
			}},
		{name: "misspelt and mistyped fields",
			doc: defaultsHead + "spec:\n  natz: {}\n  size: [small]\n  scaling: {maxReplicas: many}\n",
			want: []string{
				`spec.natz: Invalid value: "natz": unknown field (did you mean "nats"?); the allowed fields here are ` + allowedDefaults,
				`spec.scaling.maxReplicas: Invalid value: "many": must be an integer`,
				`spec.size: Invalid value: "(a list)": must be a string`,
			}},
		{name: "another version",
			doc:  strings.Replace(defaultsHead, "v1alpha1", "v1", 1),
			want: []string{`apiVersion: Unsupported value: "platform.bizmatters.io/v1": supported values: "platform.bizmatters.io/v1alpha1"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := DecodeDefaults(yaml.MustParse(tc.doc))
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

const allowedDefaults = "annotations, configMapRefs, disruptionBudget, env, hostAliases, http, imagePullPolicy, imagePullSecrets, labels, " +
	"lifecycle, nats, objectMetadata, podAnnotations, podSecurity, ports, probes, resources, scaling, scheduling, secretRefs, security, " +
	"serviceAccount, sidecars, size, strategy, terminationGracePeriodSeconds, volumeMounts, volumes"

// TestDefaultsAtEverySize: lists and maps of the defaults at 0, 1, 100 and
// 10,000 entries merge into every service whole, and quickly enough to be
// linear.
func TestDefaultsAtEverySize(t *testing.T) {
	for _, n := range []int{0, 1, 100, 10000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var b strings.Builder
			b.WriteString("  podAnnotations:")
			if n == 0 {
				b.WriteString(" {}")
			}
			b.WriteString("\n")
			for i := range n {
				fmt.Fprintf(&b, "    a%d: v%d\n", i, i)
			}
			b.WriteString("  imagePullSecrets:")
			if n == 0 {
				b.WriteString(" []")
			}
			b.WriteString("\n")
			for i := range n {
				fmt.Fprintf(&b, "  - name: s%d\n", i)
			}
			d := mustDefaults(t, b.String())
			merged, m := d.Apply(yaml.MustParse("apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata: {name: w}\nspec:\n  image: i\n  nats: {stream: S, consumer: c}\n  podAnnotations: {own: x}\n"))
			spec := specOf(t, merged)["spec"].(map[string]any)
			if got := len(spec["podAnnotations"].(map[string]any)); got != n+1 {
				t.Errorf("podAnnotations: %d, want %d", got, n+1)
			}
			if got := len(spec["imagePullSecrets"].([]any)); got != n {
				t.Errorf("imagePullSecrets: %d, want %d", got, n)
			}
			if len(m.Inherited) != n+1 {
				t.Errorf("%d inherited, want %d (one per annotation and the list)", len(m.Inherited), n+1)
			}
		})
	}
}
