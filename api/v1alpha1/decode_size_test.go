package v1alpha1

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// sizedCollections are the maps and lists a user can write in an
// EventDrivenService. doc has ENTRIES where the entries go, entry is the
// i-th good one, bad is a wrong last one and want its error (%d: its index
// or key number).
var sizedCollections = []struct {
	name, doc  string
	entry, bad string
	want       string
	count      func(e *EventDrivenService) int
}{
	{name: "labels", doc: "metadata: {name: w, labels: {ENTRIES}}", entry: "k%d: v", bad: "k%d: [x]",
		want:  `metadata.labels[k%d]: Invalid value: "(a list)": must be a string`,
		count: func(e *EventDrivenService) int { return len(e.Labels) }},
	{name: "annotations", doc: "metadata: {name: w, annotations: {ENTRIES}}", entry: "k%d: v", bad: "k%d: {x: y}",
		want:  `metadata.annotations[k%d]: Invalid value: "(a mapping)": must be a string`,
		count: func(e *EventDrivenService) int { return len(e.Annotations) }},
	{name: "finalizers", doc: "metadata: {name: w, finalizers: [ENTRIES]}", entry: "f%d", bad: "[x]",
		want:  `metadata.finalizers[%d]: Invalid value: "(a list)": must be a string`,
		count: func(e *EventDrivenService) int { return len(e.Finalizers) }},
	{name: "ownerReferences", doc: "metadata: {name: w, ownerReferences: [ENTRIES]}", entry: "{apiVersion: v1, kind: K, name: o%d, uid: u}", bad: "{apiVersion: v1, kind: K, nme: o, uid: u}",
		want:  `metadata.ownerReferences[%d].nme: Invalid value: "nme": unknown field (did you mean "name"?); the allowed fields here are apiVersion, blockOwnerDeletion, controller, kind, name, uid`,
		count: func(e *EventDrivenService) int { return len(e.OwnerReferences) }},
	{name: "secretRefs", doc: "spec: {secretRefs: [ENTRIES]}", entry: "{name: s%d, envFrom: true}", bad: "{name: s, envFrom: true, optional: true}",
		want:  `spec.secretRefs[%d].optional: Invalid value: "optional": unknown field; the allowed fields here are env, envFrom, name`,
		count: func(e *EventDrivenService) int { return len(e.Spec.SecretRefs) }},
	{name: "secretRefs env", doc: "spec: {secretRefs: [{name: s, env: [ENTRIES]}]}", entry: "{secretKey: k%d, envName: E%d}", bad: "{secretKey: k, envNam: E}",
		want: `spec.secretRefs[0].env[%d].envNam: Invalid value: "envNam": unknown field (did you mean "envName"?); the allowed fields here are envName, secretKey`,
		count: func(e *EventDrivenService) int {
			if len(e.Spec.SecretRefs) == 0 {
				return -1
			}
			return len(e.Spec.SecretRefs[0].Env)
		}},
	{name: "configMapRefs", doc: "spec: {configMapRefs: [ENTRIES]}", entry: "{name: c%d, envFrom: true}", bad: "{name: c, envFrom: yes}",
		want:  `spec.configMapRefs[%d].envFrom: Invalid value: "yes": must be true or false`,
		count: func(e *EventDrivenService) int { return len(e.Spec.ConfigMapRefs) }},
	{name: "configMapRefs env", doc: "spec: {configMapRefs: [{name: c, env: [ENTRIES]}]}", entry: "{configMapKey: k%d, envName: E%d}", bad: "{configMapKey: k, envName: 1}",
		want: `spec.configMapRefs[0].env[%d].envName: Invalid value: 1: must be a string`,
		count: func(e *EventDrivenService) int {
			if len(e.Spec.ConfigMapRefs) == 0 {
				return -1
			}
			return len(e.Spec.ConfigMapRefs[0].Env)
		}},
	{name: "imagePullSecrets", doc: "spec: {imagePullSecrets: [ENTRIES]}", entry: "{name: p%d}", bad: "{nam: p}",
		want:  `spec.imagePullSecrets[%d].nam: Invalid value: "nam": unknown field (did you mean "name"?); the allowed fields here are name`,
		count: func(e *EventDrivenService) int { return len(e.Spec.ImagePullSecrets) }},
	{name: "command", doc: "spec: {command: [ENTRIES]}", entry: "c%d", bad: "true",
		want:  `spec.command[%d]: Invalid value: true: must be a string`,
		count: func(e *EventDrivenService) int { return len(e.Spec.Command) }},
	{name: "args", doc: "spec: {args: [ENTRIES]}", entry: "a%d", bad: "[a]",
		want:  `spec.args[%d]: Invalid value: "(a list)": must be a string`,
		count: func(e *EventDrivenService) int { return len(e.Spec.Args) }},
	{name: "env", doc: "spec: {env: [ENTRIES]}", entry: "{name: E%d, value: v}", bad: "{name: E, vaule: v}",
		want:  `spec.env[%d].vaule: Invalid value: "vaule": unknown field (did you mean "value"?); the allowed fields here are name, value, valueFrom`,
		count: func(e *EventDrivenService) int { return len(e.Spec.Env) }},
	{name: "podAnnotations", doc: "spec: {podAnnotations: {ENTRIES}}", entry: "k%d: v", bad: "k%d: 1",
		want:  `spec.podAnnotations[k%d]: Invalid value: 1: must be a string`,
		count: func(e *EventDrivenService) int { return len(e.Spec.PodAnnotations) }},
	{name: "resources requests", doc: "spec: {resources: {requests: {ENTRIES}}}", entry: "example.com/r%d: 1", bad: "example.com/r%d: 1 GB",
		want: `spec.resources.requests[example.com/r%d]: Invalid value: "1 GB": must be a quantity such as "500m", "2" or "1Gi"`,
		count: func(e *EventDrivenService) int {
			if e.Spec.Resources == nil {
				return -1
			}
			return len(e.Spec.Resources.Requests)
		}},
	{name: "resources limits", doc: "spec: {resources: {limits: {ENTRIES}}}", entry: "example.com/r%d: 1", bad: "example.com/r%d: [1]",
		want: `spec.resources.limits[example.com/r%d]: Invalid value: "(a list)": must be a quantity such as "500m", "2" or "1Gi"`,
		count: func(e *EventDrivenService) int {
			if e.Spec.Resources == nil {
				return -1
			}
			return len(e.Spec.Resources.Limits)
		}},
	{name: "initContainer command", doc: "spec: {initContainer: {command: [ENTRIES]}}", entry: "c%d", bad: "1",
		want: `spec.initContainer.command[%d]: Invalid value: 1: must be a string`,
		count: func(e *EventDrivenService) int {
			if e.Spec.InitContainer == nil {
				return -1
			}
			return len(e.Spec.InitContainer.Command)
		}},
	{name: "initContainer args", doc: "spec: {initContainer: {command: [sh], args: [ENTRIES]}}", entry: "a%d", bad: "{a: b}",
		want: `spec.initContainer.args[%d]: Invalid value: "(a mapping)": must be a string`,
		count: func(e *EventDrivenService) int {
			if e.Spec.InitContainer == nil {
				return -1
			}
			return len(e.Spec.InitContainer.Args)
		}},
	{name: "scaling policies", doc: "spec: {scaling: {behavior: {scaleUp: {policies: [ENTRIES]}}}}", entry: "{type: Pods, value: 1, periodSeconds: 60}", bad: "{type: Pods, value: 1, periodSecond: 60}",
		want: `spec.scaling.behavior.scaleUp.policies[%d].periodSecond: Invalid value: "periodSecond": unknown field (did you mean "periodSeconds"?); the allowed fields here are periodSeconds, type, value`,
		count: func(e *EventDrivenService) int {
			if e.Spec.Scaling == nil || e.Spec.Scaling.Behavior == nil || e.Spec.Scaling.Behavior.ScaleUp == nil {
				return -1
			}
			return len(e.Spec.Scaling.Behavior.ScaleUp.Policies)
		}},
}

// sizedService is a service whose collection c has n entries, the last one
// bad when bad is set.
func sizedService(doc, entry, badEntry string, n int, bad bool) string {
	entries := make([]string, n)
	for i := range entries {
		e := entry
		if bad && i == n-1 {
			e = badEntry
		}
		if c := strings.Count(e, "%d"); c > 0 {
			args := make([]any, c)
			for j := range args {
				args[j] = i
			}
			e = fmt.Sprintf(e, args...)
		}
		entries[i] = e
	}
	body := strings.Replace(doc, "ENTRIES", strings.Join(entries, ", "), 1)
	head := "apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\n"
	if strings.HasPrefix(body, "metadata:") {
		return head + body + "\nspec: {image: i:v1, nats: {stream: S, consumer: c}}\n"
	}
	spec := strings.Replace(body, "spec: {", "spec: {image: i:v1, nats: {stream: S, consumer: c}, ", 1)
	return head + "metadata: {name: w}\n" + spec + "\n"
}

// TestDecodeSizes: every map and list a user writes decodes with 0, 1, 100
// and 10,000 entries, all of them kept, and a bad last entry is reported at
// its index or key; validation runs on the result without failing.
func TestDecodeSizes(t *testing.T) {
	sizes := []int{0, 1, 100, 10_000}
	if testing.Short() {
		sizes = sizes[:3]
	}
	for _, c := range sizedCollections {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("%s/%d", c.name, n), func(t *testing.T) {
				node := yaml.MustParse(sizedService(c.doc, c.entry, c.bad, n, false))
				eds, errs := DecodeEventDrivenService(node)
				if len(errs) > 0 || eds == nil {
					t.Fatalf("errors %v", errs)
				}
				if got := c.count(eds); got != n {
					t.Errorf("%d entries decoded, want %d", got, n)
				}
				if eds, _ := LoadEventDrivenService(node); eds == nil {
					t.Error("not loaded")
				}
				if n == 0 {
					return
				}
				node = yaml.MustParse(sizedService(c.doc, c.entry, c.bad, n, true))
				eds, errs = DecodeEventDrivenService(node)
				var got []string
				for _, e := range errs {
					got = append(got, e.Error())
				}
				if diff := cmp.Diff([]string{fmt.Sprintf(c.want, n-1)}, got); diff != "" {
					t.Errorf("errors (-want +got):\n%s", diff)
				}
				if eds == nil {
					t.Fatal("nothing decoded: one bad entry must not hide the rest")
				}
				if got := c.count(eds); got != n {
					t.Errorf("%d entries decoded, want %d (the bad one blank)", got, n)
				}
				if _, loaded := LoadEventDrivenService(node); len(loaded) == 0 || loaded[0].Error() != got[0] {
					t.Errorf("validation of the service lost its decoding error: %v", loaded[:min(3, len(loaded))])
				}
			})
		}
	}
}
