package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/cli"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// collectionSizes are the sizes every map and list a user can fill is
// tried at: empty, one, 33 (one more than a 32-pair block, the size that
// once crashed the rendering), 100 and 10,000.
var collectionSizes = []int{0, 1, 33, 100, 10_000}

// collection is one map or list of the API, filled with n entries by fill,
// and where the generated objects must show them.
type collection struct {
	name string
	fill func(svc map[string]any, n int)
	// check returns a problem of the generated objects, by kind, or "".
	check func(objs map[string]map[string]any, n int) string
}

// collectionBounds are the most entries eds-fn takes of a collection (a
// list of a strategic-merge patch): above it every mode refuses the
// service, naming the bound.
var collectionBounds = map[string]int{
	"spec.customService.spec.ports":            1000,
	"spec.customDeployment volumes and mounts": 1000,
}

func entries(n int, f func(i int) (string, any)) map[string]any {
	m := make(map[string]any, n)
	for i := range n {
		k, v := f(i)
		m[k] = v
	}
	return m
}

func list(n int, f func(i int) any) []any {
	l := make([]any, n)
	for i := range l {
		l[i] = f(i)
	}
	return l
}

// at is the value at a path of maps and list indexes.
func at(v any, path ...any) any {
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[p]
		case int:
			l, _ := v.([]any)
			if p >= len(l) {
				return nil
			}
			v = l[p]
		}
	}
	return v
}

// hasAll reports the first of the n entries of want missing from or
// different in got, a mapping.
func hasAll(got any, n int, f func(i int) (string, any)) string {
	m, _ := got.(map[string]any)
	for i := range n {
		k, v := f(i)
		if m[k] != v {
			return fmt.Sprintf("%s: got %v, want %v (%d entries)", k, m[k], v, len(m))
		}
	}
	return ""
}

func label(i int) (string, any) {
	return fmt.Sprintf("l%05d.example.com/key", i), fmt.Sprintf("v%05d", i)
}

// annotation values are strings other YAML readers would take for
// something else unless quoted; 10,000 of them stay under the API server's
// 256 KiB for all of an object's annotations.
func annotation(i int) (string, any) {
	return fmt.Sprintf("a%05d/n", i), []string{"yes", "0", "a: b", "", "~", "null"}[i%6]
}

func collections() []collection {
	everyObject := func(f func(i int) (string, any), field string) func(map[string]map[string]any, int) string {
		return func(objs map[string]map[string]any, n int) string {
			for kind, o := range objs {
				if p := hasAll(at(o, "metadata", field), n, f); p != "" {
					return kind + " metadata." + field + ": " + p
				}
			}
			return ""
		}
	}
	container := func(objs map[string]map[string]any) any {
		return at(objs["Deployment"], "spec", "template", "spec", "containers", 0)
	}
	count := func(got any, n, extra int) string {
		l, _ := got.([]any)
		if len(l) != n+extra {
			return fmt.Sprintf("%d entries, want %d", len(l), n+extra)
		}
		return ""
	}
	return []collection{
		{"metadata.labels", func(s map[string]any, n int) { at(s, "metadata").(map[string]any)["labels"] = entries(n, label) },
			everyObject(label, "labels")},
		{"metadata.annotations", func(s map[string]any, n int) {
			at(s, "metadata").(map[string]any)["annotations"] = entries(n, annotation)
		}, everyObject(annotation, "annotations")},
		{"spec.podAnnotations", func(s map[string]any, n int) {
			at(s, "spec").(map[string]any)["podAnnotations"] = entries(n, annotation)
		},
			func(objs map[string]map[string]any, n int) string {
				return hasAll(at(objs["Deployment"], "spec", "template", "metadata", "annotations"), n, annotation)
			}},
		{"spec.env", func(s map[string]any, n int) {
			at(s, "spec").(map[string]any)["env"] = list(n, func(i int) any { return map[string]any{"name": fmt.Sprintf("E%05d", i), "value": "0"} })
		}, func(objs map[string]map[string]any, n int) string {
			env := at(container(objs), "env")
			if n > 0 && at(env, 3+n-1, "name") != fmt.Sprintf("E%05d", n-1) {
				return fmt.Sprintf("the last variable is %v", at(env, 3+n-1))
			}
			return count(env, n, 3) // after NATS_URL, NATS_STREAM_NAME, NATS_CONSUMER_GROUP
		}},
		{"spec.secretRefs", func(s map[string]any, n int) {
			at(s, "spec").(map[string]any)["secretRefs"] = list(n, func(i int) any { return map[string]any{"name": fmt.Sprintf("s%05d", i), "envFrom": true} })
		}, func(objs map[string]map[string]any, n int) string { return count(at(container(objs), "envFrom"), n, 0) }},
		{"spec.configMapRefs", func(s map[string]any, n int) {
			at(s, "spec").(map[string]any)["configMapRefs"] = list(n, func(i int) any {
				return map[string]any{"name": fmt.Sprintf("c%05d", i), "env": []any{map[string]any{"configMapKey": "k", "envName": fmt.Sprintf("C%05d", i)}}}
			})
		}, func(objs map[string]map[string]any, n int) string { return count(at(container(objs), "env"), n, 3) }},
		{"spec.args", func(s map[string]any, n int) {
			at(s, "spec").(map[string]any)["args"] = list(n, func(i int) any { return fmt.Sprintf("--flag-%d=on", i) })
		}, func(objs map[string]map[string]any, n int) string { return count(at(container(objs), "args"), n, 0) }},
		{"spec.imagePullSecrets", func(s map[string]any, n int) {
			at(s, "spec").(map[string]any)["imagePullSecrets"] = list(n, func(i int) any { return map[string]any{"name": fmt.Sprintf("p%05d", i)} })
		}, func(objs map[string]map[string]any, n int) string {
			return count(at(objs["Deployment"], "spec", "template", "spec", "imagePullSecrets"), n, 0)
		}},
		{"spec.volumes and spec.volumeMounts", func(s map[string]any, n int) {
			spec := at(s, "spec").(map[string]any)
			spec["volumes"] = list(n, func(i int) any { return map[string]any{"name": fmt.Sprintf("v%05d", i), "emptyDir": map[string]any{}} })
			spec["volumeMounts"] = list(n, func(i int) any {
				return map[string]any{"name": fmt.Sprintf("v%05d", i), "mountPath": fmt.Sprintf("/data/%d", i)}
			})
		}, func(objs map[string]map[string]any, n int) string {
			if p := count(at(objs["Deployment"], "spec", "template", "spec", "volumes"), n, 0); p != "" {
				return "volumes: " + p
			}
			return count(at(container(objs), "volumeMounts"), n, 0)
		}},
		{"spec.ports", func(s map[string]any, n int) {
			at(s, "spec").(map[string]any)["ports"] = list(n, func(i int) any { return map[string]any{"name": fmt.Sprintf("p%05d", i), "port": 20000 + i} })
		}, func(objs map[string]map[string]any, n int) string {
			if p := count(at(container(objs), "ports"), n, 1); p != "" {
				return "container ports: " + p
			}
			return count(at(objs["Service"], "spec", "ports"), n, 1)
		}},
		{"spec.sidecars", func(s map[string]any, n int) {
			at(s, "spec").(map[string]any)["sidecars"] = list(n, func(i int) any { return map[string]any{"name": fmt.Sprintf("s%05d", i)} })
		}, func(objs map[string]map[string]any, n int) string {
			return count(at(objs["Deployment"], "spec", "template", "spec", "initContainers"), n, 0)
		}},
		{"spec.scheduling.tolerations", func(s map[string]any, n int) {
			at(s, "spec").(map[string]any)["scheduling"] = map[string]any{"tolerations": list(n, func(i int) any {
				return map[string]any{"key": fmt.Sprintf("k%05d", i), "operator": "Exists", "effect": "NoSchedule"}
			})}
		}, func(objs map[string]map[string]any, n int) string {
			return count(at(objs["Deployment"], "spec", "template", "spec", "tolerations"), n, 0)
		}},
		{"spec.objectMetadata.scaledObject.labels", func(s map[string]any, n int) {
			at(s, "spec").(map[string]any)["objectMetadata"] = map[string]any{"scaledObject": map[string]any{"labels": entries(n, label)}}
		}, func(objs map[string]map[string]any, n int) string {
			return hasAll(at(objs["ScaledObject"], "metadata", "labels"), n, label)
		}},
		{"spec.scaling.extraTriggers", func(s map[string]any, n int) {
			at(s, "spec").(map[string]any)["scaling"] = map[string]any{"extraTriggers": list(n, func(i int) any {
				return map[string]any{"type": "cron", "name": fmt.Sprintf("t%05d", i),
					"metadata": map[string]any{"timezone": "UTC", "start": "0 8 * * *", "end": "0 9 * * *", "desiredReplicas": "2"}}
			})}
		}, func(objs map[string]map[string]any, n int) string {
			return count(at(objs["ScaledObject"], "spec", "triggers"), n, 1)
		}},
		{"spec.customService.metadata.annotations", func(s map[string]any, n int) {
			at(s, "spec").(map[string]any)["customService"] = map[string]any{"metadata": map[string]any{"annotations": entries(n, annotation)}}
		}, func(objs map[string]map[string]any, n int) string {
			return hasAll(at(objs["Service"], "metadata", "annotations"), n, annotation)
		}},
		{"spec.customService.spec.ports", func(s map[string]any, n int) {
			at(s, "spec").(map[string]any)["customService"] = map[string]any{"spec": map[string]any{"ports": list(n, func(i int) any {
				return map[string]any{"name": fmt.Sprintf("p%05d", i), "port": 20000 + i, "targetPort": 20000 + i}
			})}}
		}, func(objs map[string]map[string]any, n int) string {
			return count(at(objs["Service"], "spec", "ports"), n, 1) // and the worker's http port
		}},
		{"spec.customDeployment volumes and mounts", func(s map[string]any, n int) {
			at(s, "spec").(map[string]any)["customDeployment"] = map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
				"volumes": list(n, func(i int) any { return map[string]any{"name": fmt.Sprintf("v%05d", i), "emptyDir": map[string]any{}} }),
				"containers": []any{map[string]any{"name": "orders", "volumeMounts": list(n, func(i int) any {
					return map[string]any{"name": fmt.Sprintf("v%05d", i), "mountPath": fmt.Sprintf("/data/%d", i)}
				})}},
			}}}}
		}, func(objs map[string]map[string]any, n int) string {
			if p := count(at(objs["Deployment"], "spec", "template", "spec", "volumes"), n, 0); p != "" {
				return "volumes: " + p
			}
			return count(at(container(objs), "volumeMounts"), n, 0)
		}},
	}
}

// service is an EventDrivenService with nothing but what is required.
func service() map[string]any {
	return map[string]any{
		"apiVersion": "platform.bizmatters.io/v1alpha1",
		"kind":       "EventDrivenService",
		"metadata":   map[string]any{"name": "orders", "namespace": "shop"},
		"spec": map[string]any{
			"image": "ghcr.io/example/orders:v1.2.3",
			"nats":  map[string]any{"stream": "ORDERS", "consumer": "orders-workers"},
		},
	}
}

// TestCollectionSizes fills every map and list a user can fill with 0 to
// 10,000 entries and runs the service through every mode: the KRM
// function as kustomize's generator, bulk mode, the exec plugin and
// "eds-fn generate". Each must succeed and show every entry where it
// belongs, and the modes must agree on the objects; above a collection's
// bound, each must refuse it the same way.
func TestCollectionSizes(t *testing.T) {
	for _, c := range collections() {
		for _, n := range collectionSizes {
			if n == 10_000 && testing.Short() {
				continue
			}
			t.Run(fmt.Sprintf("%s/%d", c.name, n), func(t *testing.T) {
				svc := service()
				c.fill(svc, n)
				doc, err := sigsyaml.Marshal(svc)
				if err != nil {
					t.Fatal(err)
				}
				var first string
				for _, m := range modes() {
					out, errOut, code := m.run(t, string(doc))
					if bound := collectionBounds[c.name]; bound > 0 && n > bound {
						if want := fmt.Sprintf("holds at most %d", bound); code != 1 || !strings.Contains(errOut, want) {
							t.Errorf("%s: exit %d, want 1 with an error that says %q: %s", m.name, code, want, clip(errOut))
						}
						continue
					}
					if code != 0 {
						t.Fatalf("%s: exit %d: %s", m.name, code, clip(errOut))
					}
					objs := objectsByKind(t, out)
					if p := c.check(objs, n); p != "" {
						t.Errorf("%s: %s", m.name, p)
					}
					got := comparable(t, objs)
					if first == "" {
						first = got
					} else if got != first {
						t.Errorf("%s gives other objects than %s", m.name, modes()[0].name)
					}
				}
			})
		}
	}
}

type mode struct {
	name string
	run  func(t *testing.T, svc string) (out, errOut string, code int)
}

func modes() []mode {
	indent := func(doc, prefix string) string {
		return prefix + strings.ReplaceAll(strings.TrimSuffix(doc, "\n"), "\n", "\n"+prefix) + "\n"
	}
	function := func(in string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := cli.RunFunction(strings.NewReader(in), &out, &errOut, cli.DefaultProcessors)
		return out.String(), errOut.String(), code
	}
	file := func(t *testing.T, name, content string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const bulk = "apiVersion: platform.bizmatters.io/v1alpha1\nkind: ExpandEventDrivenServices\nmetadata:\n  name: expand\n"
	return []mode{
		{"KRM function (generator)", func(t *testing.T, svc string) (string, string, int) {
			return function("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n" + indent(svc, "  ") + "items: []\n")
		}},
		{"KRM function (bulk)", func(t *testing.T, svc string) (string, string, int) {
			return function("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n" + indent(bulk, "  ") +
				"items:\n- " + strings.TrimPrefix(indent(svc, "  "), "  "))
		}},
		{"exec plugin (generator)", func(t *testing.T, svc string) (string, string, int) {
			var out, errOut bytes.Buffer
			code := cli.RunPlugin("EventDrivenService", []string{file(t, "svc.yaml", svc)}, strings.NewReader(""), &out, &errOut, cli.DefaultProcessors)
			return out.String(), errOut.String(), code
		}},
		{"exec plugin (bulk)", func(t *testing.T, svc string) (string, string, int) {
			var out, errOut bytes.Buffer
			code := cli.RunPlugin("ExpandEventDrivenServices", []string{file(t, "bulk.yaml", bulk)}, strings.NewReader(svc), &out, &errOut, cli.DefaultProcessors)
			return out.String(), errOut.String(), code
		}},
		{"eds-fn generate", func(t *testing.T, svc string) (string, string, int) {
			var out, errOut bytes.Buffer
			code := cli.Main([]string{"generate", file(t, "svc.yaml", svc)}, strings.NewReader(""), &out, &errOut)
			return out.String(), errOut.String(), code
		}},
	}
}

// objectsByKind reads the generated objects of a ResourceList or a
// stream, one per kind, without the bookkeeping annotations of the modes.
func objectsByKind(t *testing.T, out string) map[string]map[string]any {
	t.Helper()
	objs := map[string]map[string]any{}
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			break
		}
		items := []any{doc}
		if doc["kind"] == "ResourceList" {
			items, _ = doc["items"].([]any)
		}
		for _, it := range items {
			o, _ := it.(map[string]any)
			kind, _ := o["kind"].(string)
			if kind == "" || kind == "EventDrivenService" || kind == "ExpandEventDrivenServices" {
				continue
			}
			if _, dup := objs[kind]; dup {
				t.Fatalf("two objects of kind %s", kind)
			}
			if a, ok := at(o, "metadata", "annotations").(map[string]any); ok {
				for k := range a {
					if strings.HasPrefix(k, "config.kubernetes.io/") || strings.HasPrefix(k, "internal.config.kubernetes.io/") {
						delete(a, k)
					}
				}
				if len(a) == 0 {
					delete(o["metadata"].(map[string]any), "annotations")
				}
			}
			objs[kind] = o
		}
	}
	for _, k := range []string{"ServiceAccount", "Service", "Deployment", "ScaledObject"} {
		if objs[k] == nil {
			t.Fatalf("no %s in the output:\n%s", k, clip(out))
		}
	}
	return objs
}

// comparable is the objects as one text, for comparing the modes.
func comparable(t *testing.T, objs map[string]map[string]any) string {
	t.Helper()
	b, err := sigsyaml.Marshal(objs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
