// Package importer turns the manifests of NATS JetStream workers that run
// today (a Deployment, its Service, ServiceAccount, KEDA ScaledObject and
// PodDisruptionBudget) into EventDrivenServices, and says, field by field,
// what generating from them keeps and changes. It does no I/O.
package importer

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// object is one input object as a JSON value, without what the API server
// or a tool set on it.
type object struct {
	apiVersion, kind, namespace, name string
	data                              map[string]any
}

func (o *object) id() string {
	if o.namespace == "" {
		return o.kind + " " + o.name
	}
	return o.kind + " " + o.namespace + "/" + o.name
}

// serverAnnotations are set by the API server, kubectl or the tools that
// read files, never by the worker's author.
var serverAnnotations = []string{
	"kubectl.kubernetes.io/last-applied-configuration",
	"deployment.kubernetes.io/revision",
	"kubectl.kubernetes.io/restartedAt",
	"meta.helm.sh/release-name",
	"meta.helm.sh/release-namespace",
}

var serverAnnotationPrefixes = []string{
	"config.kubernetes.io/",
	"internal.config.kubernetes.io/",
	"config.k8s.io/",
	"kustomize.config.k8s.io/",
	"internal.kpt.dev/",
}

var serverMetadata = []string{
	"managedFields", "resourceVersion", "uid", "creationTimestamp", "generation",
	"selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences", "finalizers",
}

// readObjects flattens kind: List, drops Secrets and ConfigMaps unread, and
// strips every server-set field. Objects without a kind or name are
// skipped.
func readObjects(items []*yaml.RNode) []*object {
	var out []*object
	for _, it := range items {
		if it == nil || it.YNode() == nil || it.YNode().Kind != yaml.MappingNode {
			continue
		}
		if kind, _ := it.Pipe(yaml.Get("kind")); kind != nil && (kind.YNode().Value == "Secret" || kind.YNode().Value == "ConfigMap") {
			continue // their values are never read
		}
		data, err := it.MarshalJSON()
		if err != nil {
			continue
		}
		var m map[string]any
		if json.Unmarshal(data, &m) != nil || m == nil {
			continue
		}
		out = append(out, fromMap(m)...)
	}
	slices.SortStableFunc(out, func(a, b *object) int { return strings.Compare(a.id(), b.id()) })
	return out
}

func fromMap(m map[string]any) []*object {
	kind, _ := m["kind"].(string)
	apiVersion, _ := m["apiVersion"].(string)
	if strings.HasSuffix(kind, "List") && apiVersion == "v1" {
		var out []*object
		items, _ := m["items"].([]any)
		for _, it := range items {
			if im, ok := it.(map[string]any); ok {
				ik, _ := im["kind"].(string)
				if ik == "Secret" || ik == "ConfigMap" {
					continue
				}
				out = append(out, fromMap(im)...)
			}
		}
		return out
	}
	meta, _ := m["metadata"].(map[string]any)
	if meta == nil || kind == "" {
		return nil
	}
	name, _ := meta["name"].(string)
	if name == "" {
		return nil
	}
	ns, _ := meta["namespace"].(string)
	delete(m, "status")
	stripMeta(meta)
	if kind == "ScaledObject" {
		// KEDA labels its ScaledObjects with their own name.
		if l, ok := meta["labels"].(map[string]any); ok {
			delete(l, "scaledobject.keda.sh/name")
			if len(l) == 0 {
				delete(meta, "labels")
			}
		}
	}
	if kind == "Deployment" {
		if t := dig(m, "spec", "template", "metadata"); t != nil {
			stripMeta(t)
		}
	}
	if kind == "Service" {
		if spec, _ := m["spec"].(map[string]any); spec != nil {
			for _, k := range []string{"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"} {
				delete(spec, k)
			}
		}
	}
	return []*object{{apiVersion: apiVersion, kind: kind, namespace: ns, name: name, data: m}}
}

func stripMeta(meta map[string]any) {
	for _, k := range serverMetadata {
		delete(meta, k)
	}
	if a, ok := meta["annotations"].(map[string]any); ok {
		for k := range a {
			if slices.Contains(serverAnnotations, k) || slices.ContainsFunc(serverAnnotationPrefixes, func(p string) bool { return strings.HasPrefix(k, p) }) {
				delete(a, k)
			}
		}
		if len(a) == 0 {
			delete(meta, "annotations")
		}
	}
	if l, ok := meta["labels"].(map[string]any); ok && len(l) == 0 {
		delete(meta, "labels")
	}
}

// dig returns the mapping at path in m, or nil.
func dig(m map[string]any, path ...string) map[string]any {
	cur := m
	for _, p := range path {
		next, ok := cur[p].(map[string]any)
		if !ok {
			return nil
		}
		cur = next
	}
	return cur
}

// decode converts a JSON value into a typed object, ignoring unknown fields.
func decode(v any, into any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, into); err != nil {
		return fmt.Errorf("cannot read it: %w", err)
	}
	return nil
}

// toMap is the JSON value of a typed object.
func toMap(v any) map[string]any {
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return m
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// labelsOf is a label or annotation mapping of JSON metadata.
func labelsOf(meta map[string]any, key string) map[string]string {
	src, _ := meta[key].(map[string]any)
	if len(src) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, v := range src {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}
