package v1alpha1

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const edsHead = "apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata: {name: w}\nspec:\n  image: i:v1\n"

func errorStrings(t *testing.T, node *yaml.RNode, obj any) []string {
	t.Helper()
	var got []string
	for _, e := range DecodeStrict(node, obj) {
		got = append(got, e.Error())
	}
	return got
}

// TestDecodeOneWalk: what the walk finds where the walks before it did not
// (integers out of range, with their list indices; unknown fields below
// maps and lists), together, in path order, and through YAML aliases and
// merge keys as yaml.v3 decodes them.
func TestDecodeOneWalk(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		want       []string
		check      func(t *testing.T, e *EventDrivenService)
	}{
		{name: "int32 out of range inside a list",
			spec: "  nats: {stream: S, consumer: c}\n  scaling:\n    behavior:\n      scaleUp:\n        policies: [{type: Pods, value: 4, periodSeconds: 60}, {type: Pods, value: 3000000000, periodSeconds: 60}]\n",
			want: []string{`spec.scaling.behavior.scaleUp.policies[1].value: Invalid value: 3000000000: must be an integer between -2147483648 and 2147483647`},
			check: func(t *testing.T, e *EventDrivenService) {
				if p := e.Spec.Scaling.Behavior.ScaleUp.Policies; len(p) != 2 || p[0].Value != 4 || p[1].PeriodSeconds != 60 {
					t.Errorf("policies %+v: the rest of the list was lost", p)
				}
			}},
		{name: "int32 and int64 out of range",
			spec: "  nats: {stream: S, consumer: c}\n  scaling: {pollingInterval: -2147483649, lagThreshold: 9223372036854775808, maxReplicas: 0x7fffffff}\n",
			want: []string{
				`spec.scaling.lagThreshold: Invalid value: "9223372036854775808": must be an integer between -9223372036854775808 and 9223372036854775807`,
				`spec.scaling.pollingInterval: Invalid value: -2147483649: must be an integer between -2147483648 and 2147483647`,
			},
			check: func(t *testing.T, e *EventDrivenService) {
				if m := e.Spec.Scaling.MaxReplicas; m == nil || *m != 1<<31-1 {
					t.Errorf("maxReplicas %v, want 2147483647", m)
				}
			}},
		{name: "unknown field inside lists",
			spec: "  nats: {stream: S, consumer: c}\n  secretRefs: [{name: a, envFrom: true}, {name: b, env: [{secretKey: k, envName: E, optional: true}]}]\n",
			want: []string{`spec.secretRefs[1].env[0].optional: Invalid value: "optional": unknown field; the allowed fields here are envName, secretKey`}},
		{name: "unknown keys with a dot or empty, at the path sigs.k8s.io/json gave them",
			spec: "  nats: {stream: S, consumer: c, prometheus.io/port: 1, '': 2}\n",
			want: []string{
				`spec.nats.: Invalid value: "": unknown field; the allowed fields here are account, accountID, authenticationRef, consumer, monitoringEndpoint, stream, url, useHttps`,
				`spec.nats.prometheus.io/port: Invalid value: "prometheus.io/port": unknown field; the allowed fields here are account, accountID, authenticationRef, consumer, monitoringEndpoint, stream, url, useHttps`,
			}},
		{name: "a bad value next to an unknown field, and an overflow",
			spec: "  nats: {stream: S, consumer: c, acount: A}\n  scaling: {minReplicas: \"1\", maxReplica: 3, idleReplicas: 3000000000}\n",
			want: []string{
				`spec.nats.acount: Invalid value: "acount": unknown field (did you mean "account"?); the allowed fields here are account, accountID, authenticationRef, consumer, monitoringEndpoint, stream, url, useHttps`,
				`spec.scaling.idleReplicas: Invalid value: 3000000000: must be an integer between -2147483648 and 2147483647`,
				`spec.scaling.maxReplica: Invalid value: "maxReplica": unknown field (did you mean "maxReplicas"?); the allowed fields here are activationLagThreshold, behavior, cooldownPeriod, extraTriggers, fallback, hpaName, idleReplicas, initialCooldownPeriod, lagThreshold, maxReplicas, metricType, minReplicas, pollingInterval`,
				`spec.scaling.minReplicas: Invalid value: "1": must be an integer`,
			},
			check: func(t *testing.T, e *EventDrivenService) {
				if e.Spec.NATS.Stream != "S" || e.Spec.Scaling == nil || e.Spec.Scaling.MinReplicas != nil {
					t.Errorf("spec %+v: the good values must be decoded, the bad ones blank", e.Spec)
				}
			}},
		{name: "an alias of a good value",
			spec: "  nats: {stream: S, consumer: c}\n  command: &c [node, main.js]\n  initContainer: {command: *c}\n",
			check: func(t *testing.T, e *EventDrivenService) {
				if e.Spec.InitContainer == nil || !slices.Equal(e.Spec.InitContainer.Command, []string{"node", "main.js"}) {
					t.Errorf("initContainer %+v", e.Spec.InitContainer)
				}
			}},
		{name: "an alias of a value right at its anchor and wrong at the alias",
			spec: "  nats: {stream: &s S, consumer: c}\n  scaling: {minReplicas: *s, maxReplicas: 3}\n",
			want: []string{`spec.scaling.minReplicas: Invalid value: "S": must be an integer`},
			check: func(t *testing.T, e *EventDrivenService) {
				if e.Spec.NATS.Stream != "S" || e.Spec.Scaling == nil || *e.Spec.Scaling.MaxReplicas != 3 {
					t.Errorf("spec %+v: the anchor's value and the rest must stay", e.Spec)
				}
			}},
		{name: "unknown fields and bad values through an alias, at every place",
			spec: "  nats: {stream: S, consumer: c}\n  secretRefs: [&r {name: a, envFrom: yes, optinal: true}, *r]\n",
			want: []string{
				`spec.secretRefs[0].envFrom: Invalid value: "yes": must be true or false`,
				`spec.secretRefs[0].optinal: Invalid value: "optinal": unknown field; the allowed fields here are env, envFrom, name`,
				`spec.secretRefs[1].envFrom: Invalid value: "yes": must be true or false`,
				`spec.secretRefs[1].optinal: Invalid value: "optinal": unknown field; the allowed fields here are env, envFrom, name`,
			}},
		{name: "merge keys: the mapping's own keys win, merged ones are checked",
			spec: "  nats: {stream: S, consumer: c}\n  env:\n    - &e {name: A, value: x}\n    - {<<: *e, name: B, vlaue: y}\n    - <<: [{name: C, value: 1}, *e]\n",
			want: []string{
				`spec.env[1].vlaue: Invalid value: "vlaue": unknown field (did you mean "value"?); the allowed fields here are name, value, valueFrom`,
				`spec.env[2].value: Invalid value: 1: must be a string`,
			},
			check: func(t *testing.T, e *EventDrivenService) {
				want := []EnvVar{{Name: "A", Value: "x"}, {Name: "B", Value: "x"}, {Name: "C"}}
				if diff := cmp.Diff(want, e.Spec.Env); diff != "" {
					t.Errorf("env (-want +got):\n%s", diff)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, got, ok := decodeMessages(edsHead + tc.spec)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if !ok {
				t.Fatal("not decoded: every problem here has a path, and the rest must be read")
			}
			if e.Spec.Image != "i:v1" {
				t.Errorf("image %q: the rest of the service was lost", e.Spec.Image)
			}
			if tc.check != nil {
				tc.check(t, e)
			}
		})
	}
}

type mapOfLists struct {
	Groups map[string][]mapItem `json:"groups"`
}

type mapItem struct {
	Name string `json:"name"`
	Port int32  `json:"port,omitempty"`
}

// TestDecodeStrictBelowMaps: a map's values are walked with their key in
// the path, and an unknown field there is explained like any other.
func TestDecodeStrictBelowMaps(t *testing.T) {
	node := yaml.MustParse("groups:\n  a: [{name: x}, {nam: y, port: 70000}]\n  b: [{name: z, port: 99999999999}]\n")
	got := errorStrings(t, node, &mapOfLists{})
	want := []string{
		`groups[a][1].nam: Invalid value: "nam": unknown field (did you mean "name"?); the allowed fields here are name, port`,
		`groups[b][0].port: Invalid value: 99999999999: must be an integer between -2147483648 and 2147483647`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// TestDecodeLeavesNodeAlone: the caller's node is the same after decoding,
// also when values were blanked for the decoding and through aliases.
func TestDecodeLeavesNodeAlone(t *testing.T) {
	for _, spec := range []string{
		"  nats: {stream: S, consumer: c}\n",
		"  nats: {stream: [S], consumer: 3, account: {a: b}}\n  scaling: {minReplicas: x, maxReplicas: 3000000000}\n",
		"  nats: &n {stream: S, consumer: c}\n  secretRefs: [&r {name: [a], envFrom: 1}, *r]\n  env: [{<<: *n, name: 1}]\n",
		"  nats: {stream: S, consumer: c}\n  resources: {limits: {memory: 1 GB}}\n  disruptionBudget: {minAvailable: 1.5}\n",
	} {
		node := yaml.MustParse(edsHead + spec)
		before := node.Copy().YNode()
		text := node.MustString()
		_, _ = DecodeEventDrivenService(node)
		if !reflect.DeepEqual(before, node.YNode()) || node.MustString() != text {
			t.Errorf("%s: the node was changed:\n%s", spec, node.MustString())
		}
	}
}

// TestDecodeDocumentErrors: what cannot be decoded at all is one error
// without an invented path, after those with one; of a document that cannot
// be read (its keys may be repeated) only the values of the wrong shape.
func TestDecodeDocumentErrors(t *testing.T) {
	node := yaml.MustParse(edsHead + "  nats: {stream: S, consumer: c}\n  command: true\n  scaling: {minReplicas: 1, minReplicas: 2, x: 1}\n")
	got := errorStrings(t, node, &EventDrivenService{})
	if len(got) != 2 || got[0] != `spec.command: Invalid value: true: must be a list of strings` ||
		!strings.HasPrefix(got[1], `<nil>: Invalid value: "(document)": cannot be read: `) {
		t.Errorf("errors %q", got)
	}
	if eds, _ := DecodeEventDrivenService(node); eds != nil {
		t.Errorf("decoded %+v from a document that cannot be read", eds)
	}
	node = yaml.MustParse("metadata: {name: w, creationTimestamp: yesterday}\nspec: {image: i}\n")
	if got := errorStrings(t, node, &EventDrivenService{}); len(got) != 1 || !strings.Contains(got[0], `parsing time "yesterday"`) {
		t.Errorf("errors %q, want the decoding's own", got)
	}
}

// TestUnknownFieldsAsSigsJSON holds the walk's unknown fields to those
// sigs.k8s.io/json's strict decoding (which reported them before) finds in
// the same document: the field tables follow the JSON decoding's rules.
func TestUnknownFieldsAsSigsJSON(t *testing.T) {
	for _, doc := range []string{
		edsHead + "  nats: {stream: S, consumer: c, x: 1}\n  y: 2\nz: 3\n",
		"apiVersion: a\nkind: K\nmetadata: {name: w, labels: {a: b}, ownerReferences: [{name: o, kind: K, apiVersion: v, uid: u, blockOwnerDeletion: true, extra: 1}], managedFields: [{manager: m, fieldsV1: {f: 1}, bad: 2}]}\nTypeMeta: {}\nObjectMeta: {}\nSpec: {}\n" +
			"spec:\n  image: i\n  customDeployment: {anything: 1}\n  scaling: {behavior: {scaleDown: {policies: [{type: Pods, value: 1, periodSeconds: 1, period: 2}], selectPolicy: Max, x: 1}}}\n  resources: {requests: {cpu: 1}, claims: []}\n  disruptionBudget: {minAvailable: 1, y: 2}\n",
	} {
		node := yaml.MustParse(doc)
		var walked []string
		for _, e := range DecodeStrict(node, &EventDrivenService{}) {
			walked = append(walked, e.Field)
		}
		data, err := node.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		strict, err := sigsjson.UnmarshalStrict(data, &EventDrivenService{}, sigsjson.DisallowUnknownFields)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, e := range strict {
			var fe sigsjson.FieldError
			if !errors.As(e, &fe) {
				t.Fatal(e)
			}
			want = append(want, fe.FieldPath())
		}
		slices.Sort(want)
		if len(want) < 3 {
			t.Fatalf("only %q: the document must have unknown fields everywhere", want)
		}
		if diff := cmp.Diff(want, walked); diff != "" {
			t.Errorf("unknown fields (-sigs.k8s.io/json +walk):\n%s", diff)
		}
	}
}

type concurrentOnly struct {
	Items []mapItem `json:"items"`
	Next  *struct {
		Deep map[string]mapItem `json:"deep"`
	} `json:"next"`
}

// TestDecodeConcurrently: the generator decodes services on several
// goroutines, and the field tables are built by whichever comes first (run
// with -race).
func TestDecodeConcurrently(t *testing.T) {
	node := yaml.MustParse("items: [{name: a, port: 1}]\nnext: {deep: {x: {name: b, prot: 2}}}\n")
	want := []string{`next.deep[x].prot: Invalid value: "prot": unknown field (did you mean "port"?); the allowed fields here are name, port`}
	done := make(chan []string)
	for range 8 {
		go func() {
			var got []string
			for _, e := range DecodeStrict(node, &concurrentOnly{}) {
				got = append(got, e.Error())
			}
			done <- got
		}()
	}
	for range 8 {
		if diff := cmp.Diff(want, <-done); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
	}
}

// TestDecodeAliasBomb: aliases that multiply what the walk visits beyond
// maxAliasValues stop it with one error, instead of a walk of billions.
func TestDecodeAliasBomb(t *testing.T) {
	env := "[" + strings.Repeat("{secretKey: k, envName: E}, ", 2000) + "]"
	node := yaml.MustParse(edsHead + "  nats: {stream: S, consumer: c}\n  secretRefs: [&r {name: a, env: " + env + "}, " + strings.Repeat("*r, ", 600) + "]\n")
	errs, ok := decodeStrict(node, &EventDrivenService{})
	want := `<nil>: Invalid value: "(document)": cannot be read: YAML aliases (*name) expand it to more than 1048576 values: write the values out instead`
	if ok || len(errs) != 1 || errs[0].Error() != want {
		t.Errorf("ok %v, errors %v; want %s", ok, errs, want)
	}
}

// TestDecodeYAMLSpellings pins how values are read, which is yaml.v3's
// reading (behind kyaml's MarshalJSON) and the walk's, which follows it:
// YAML 1.1's yes, on and off are strings, not booleans; integers may have
// prefixes and underscores; a timestamp or binary value in a patch becomes
// its JSON string; and a value JSON cannot hold fails the document.
func TestDecodeYAMLSpellings(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		want       []string
		spec2json  string // the decoded spec as JSON, without image and nats; "": not decoded
	}{
		{name: "YAML 1.1 booleans are strings",
			spec:      "  env: [{name: A, value: yes}, {name: B, value: on}, {name: C, value: No}]\n  podAnnotations: {y: n, off: Off}\n",
			spec2json: `{"env":[{"name":"A","value":"yes"},{"name":"B","value":"on"},{"name":"C","value":"No"}],"podAnnotations":{"off":"Off","y":"n"}}`},
		{name: "and not booleans",
			spec:      "  secretRefs: [{name: a, envFrom: yes}, {name: b, envFrom: True}]\n",
			want:      []string{`spec.secretRefs[0].envFrom: Invalid value: "yes": must be true or false`},
			spec2json: `{"secretRefs":[{"name":"a"},{"name":"b","envFrom":true}]}`},
		{name: "integers with prefixes and underscores",
			spec:      "  scaling: {minReplicas: 0o17, maxReplicas: 0x1F, pollingInterval: 017, cooldownPeriod: +3, idleReplicas: 0b101, lagThreshold: 1_000}\n",
			spec2json: `{"scaling":{"minReplicas":15,"maxReplicas":31,"lagThreshold":1000,"pollingInterval":15,"cooldownPeriod":3,"idleReplicas":5}}`},
		{name: "whole floats are integers, as kubectl reads them",
			spec:      "  scaling: {minReplicas: 1.0, maxReplicas: 1e1, pollingInterval: 3e1}\n",
			spec2json: `{"scaling":{"minReplicas":1,"maxReplicas":10,"pollingInterval":30}}`},
		{name: "fractions, infinities and big integers are no int32, in the user's spelling",
			spec: "  scaling: {minReplicas: 1.5, maxReplicas: .inf, pollingInterval: 18446744073709551616, cooldownPeriod: 9223372036854775807, idleReplicas: 0x7FFFFFFFFF, lagThreshold: 1e300}\n",
			want: []string{
				`spec.scaling.cooldownPeriod: Invalid value: 9223372036854775807: must be an integer between -2147483648 and 2147483647`,
				`spec.scaling.idleReplicas: Invalid value: "0x7FFFFFFFFF": must be an integer between -2147483648 and 2147483647`,
				`spec.scaling.lagThreshold: Invalid value: "1e300": must be an integer between -9223372036854775808 and 9223372036854775807`,
				`spec.scaling.maxReplicas: Invalid value: ".inf": must be an integer`,
				`spec.scaling.minReplicas: Invalid value: 1.5: must be an integer`,
				`spec.scaling.pollingInterval: Invalid value: "18446744073709551616": must be an integer between -2147483648 and 2147483647`,
			},
			spec2json: `{"scaling":{}}`},
		{name: "numbers as quantities and int-or-strings, as kubectl reads them",
			spec:      "  resources: {requests: {cpu: 0x1, memory: 1e9}}\n  disruptionBudget: {minAvailable: 0x2}\n",
			spec2json: `{"disruptionBudget":{"minAvailable":2},"resources":{"requests":{"cpu":"1","memory":"1G"}}}`},
		{name: "a patch as yaml.v3 reads it",
			spec:      "  customDeployment: {a: yes, b: 0o17, c: 1_000, d: 9223372036854775808, e: 2001-12-14, f: !!binary aGVsbG8=, g: '1', h: ~}\n",
			spec2json: `{"customDeployment":{"a":"yes","b":15,"c":1000,"d":9223372036854775808,"e":"2001-12-14T00:00:00Z","f":"hello","g":"1","h":null}}`},
		{name: "merge keys and aliases in a patch",
			spec:      "  customDeployment: {a: &x {b: 1}, c: *x, d: {<<: *x, e: 2}}\n",
			spec2json: `{"customDeployment":{"a":{"b":1},"c":{"b":1},"d":{"b":1,"e":2}}}`},
		{name: "a value JSON cannot hold",
			spec: "  customDeployment: {a: .nan}\n",
			want: []string{`<nil>: Invalid value: "(document)": cannot be read: json: unsupported value: NaN`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, got, ok := decodeMessages(edsHead + "  nats: {stream: S, consumer: c}\n" + tc.spec)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if tc.spec2json == "" {
				if ok {
					t.Error("decoded")
				}
				return
			}
			var fields map[string]json.RawMessage
			if b, err := json.Marshal(e.Spec); err != nil || json.Unmarshal(b, &fields) != nil {
				t.Fatal(err)
			}
			delete(fields, "image")
			delete(fields, "nats")
			if b, _ := json.Marshal(fields); string(b) != tc.spec2json {
				t.Errorf("spec %s, want %s", b, tc.spec2json)
			}
		})
	}
}

// TestDecodeQuantitiesAndIntOrString: values that decode themselves are
// checked with their path, and every form the API server takes is accepted.
func TestDecodeQuantitiesAndIntOrString(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		want       []string // "path: detail" of each error
	}{
		{name: "quantities as strings, integers and decimals", spec: "resources: {requests: {cpu: 0.5, memory: 128Mi}, limits: {cpu: 2, memory: 1e9}}"},
		{name: "int and percent", spec: "disruptionBudget: {minAvailable: 1, maxUnavailable: \"25%\"}"},
		{name: "quantity not parsed", spec: "resources: {limits: {memory: 1 GB}}",
			want: []string{`spec.resources.limits[memory]: Invalid value: "1 GB": must be a quantity such as "500m", "2" or "1Gi"`}},
		{name: "quantity of the wrong type", spec: "resources: {requests: {cpu: true, memory: {a: 1}}}",
			want: []string{
				`spec.resources.requests[cpu]: Invalid value: true: must be a quantity such as "500m", "2" or "1Gi"`,
				`spec.resources.requests[memory]: Invalid value: "(a mapping)": must be a quantity such as "500m", "2" or "1Gi"`,
			}},
		{name: "int-or-string of the wrong type", spec: "disruptionBudget: {minAvailable: 1.5}",
			want: []string{`spec.disruptionBudget.minAvailable: Invalid value: 1.5: must be an integer or a percentage such as "50%"`}},
		{name: "int-or-string beyond int32", spec: "disruptionBudget: {maxUnavailable: 4294967296}",
			want: []string{`spec.disruptionBudget.maxUnavailable: Invalid value: 4294967296: must be an integer or a percentage such as "50%"`}},
		{name: "unknown field inside the new fields", spec: "http: {prot: 3003}\n  configMapRefs: [{name: c, envFrom: true, optional: true}]",
			want: []string{
				`spec.configMapRefs[0].optional: Invalid value: "optional": unknown field; the allowed fields here are env, envFrom, name`,
				`spec.http.prot: Invalid value: "prot": unknown field (did you mean "port"?); the allowed fields here are enabled, healthPath, port, readyPath`,
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			node := yaml.MustParse("apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata: {name: w}\nspec:\n  image: i:v1\n  nats: {stream: S, consumer: c}\n  " + tc.spec + "\n")
			eds, errs := DecodeEventDrivenService(node)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if eds == nil {
				t.Fatal("nothing decoded: one bad value must not hide the rest of the service")
			}
			if eds.Spec.Image != "i:v1" {
				t.Errorf("image %q: the rest of the service was lost", eds.Spec.Image)
			}
		})
	}
}

// decodeMessages decodes doc strictly into a service and returns it, its
// errors as text and whether the rest of it was read.
func decodeMessages(doc string) (*EventDrivenService, []string, bool) {
	e := &EventDrivenService{}
	errs, ok := decodeStrict(yaml.MustParse(doc), e)
	var got []string
	for _, err := range errs {
		got = append(got, err.Error())
	}
	return e, got, ok
}
