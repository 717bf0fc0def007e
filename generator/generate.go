package generator

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const (
	errMarshal           = "cannot render %s"
	msgReplicasForbidden = "KEDA owns the replica count of this Deployment: a replicas field would make every sync fight the autoscaler; " +
		"set spec.scaling.minReplicas and maxReplicas instead"
)

// Generate returns the ServiceAccount (unless spec.serviceAccount names an
// existing one), Service (unless spec.http.enabled is
// false), Deployment, ScaledObject and PodDisruptionBudget (when
// spec.disruptionBudget is set) of a defaulted and valid
// EventDrivenService, in that order. The only errors it can find are in
// spec.customDeployment, spec.customService and spec.customScaledObject,
// which are checked by applying them and checking the results (guardrails.go,
// podsecurity.go, customservice.go; custom_scaledobject.go, keda_webhook.go).
func Generate(eds *v1alpha1.EventDrivenService) ([]*yaml.RNode, field.ErrorList) {
	out, errs, _ := generate(eds)
	return out, errs
}

// generate is Generate that also returns the warnings KEDA's admission
// webhook would give the ScaledObject (keda_webhook.go).
func generate(eds *v1alpha1.EventDrivenService) ([]*yaml.RNode, field.ErrorList, field.ErrorList) {
	dep, pod, errs := patchedDeployment(eds)
	var objs []any
	if eds.Spec.CreatesServiceAccount() {
		objs = append(objs, serviceAccount(eds))
	}
	if eds.Spec.HTTPEnabled() {
		svc, svcErrs := patchedService(eds, pod)
		errs = append(errs, svcErrs...)
		objs = append(objs, svc)
	}
	so, soErrs, warnings := patchedScaledObject(eds)
	if errs = append(errs, soErrs...); len(errs) > 0 {
		return nil, errs, nil
	}
	objs = append(objs, dep, so)
	if pdb := disruptionBudget(eds); pdb != nil {
		objs = append(objs, pdb)
	}
	out := make([]*yaml.RNode, 0, len(objs))
	for _, o := range objs {
		n, err := toNode(o)
		if err != nil {
			return nil, field.ErrorList{field.InternalError(nil, err)}, nil
		}
		out = append(out, n)
	}
	return out, nil, warnings
}

// patchedDeployment applies spec.customDeployment the way
// "kubectl patch --type=strategic" would, then decodes the result strictly so
// that a misspelt field in the patch is reported instead of silently dropped,
// and checks it (checkPatched). It returns the object to render and its pod
// template, which the Service must route to.
func patchedDeployment(eds *v1alpha1.EventDrivenService) (any, *corev1.PodSpec, field.ErrorList) {
	dep := deployment(eds)
	patch := eds.Spec.CustomDeployment
	if patch == nil || len(patch.Raw) == 0 || string(patch.Raw) == "null" {
		// The generated pod meets "restricted" by construction; checking it
		// anyway costs microseconds and keeps that true.
		if errs := checkGenerated(eds, dep); len(errs) > 0 {
			return nil, nil, errs
		}
		if errs := checkPodSecurity(eds.Spec.PodSecurity, &dep.Spec.Template, nil); len(errs) > 0 {
			return nil, nil, field.ErrorList{field.InternalError(field.NewPath("spec"),
				fmt.Errorf("eds-fn generated a pod that %s", errs[0].Detail))}
		}
		return dep, &dep.Spec.Template.Spec, nil
	}
	p := field.NewPath("spec", "customDeployment")
	var asMap map[string]any
	if err := json.Unmarshal(patch.Raw, &asMap); err != nil {
		return nil, nil, field.ErrorList{field.Invalid(p, string(patch.Raw), "must be a mapping: a strategic-merge patch of the Deployment")}
	}
	if errs := checkPatchSize(p, patch.Raw, asMap, true); len(errs) > 0 {
		return nil, nil, errs
	}
	if spec, ok := asMap["spec"].(map[string]any); ok {
		if _, ok := spec["replicas"]; ok {
			return nil, nil, field.ErrorList{field.Forbidden(p.Child("spec", "replicas"), msgReplicasForbidden)}
		}
	}
	orig, err := json.Marshal(dep)
	if err != nil {
		return nil, nil, field.ErrorList{field.InternalError(p, err)}
	}
	merged, err := strategicMergePatch(orig, patch.Raw)
	if err != nil {
		return nil, nil, field.ErrorList{field.Invalid(p, "(patch)", fmt.Sprintf("cannot be applied as a strategic-merge patch of the Deployment: %v", err))}
	}
	var typed appsv1.Deployment
	strictErrs, err := sigsjson.UnmarshalStrict(merged, &typed, sigsjson.DisallowUnknownFields)
	if err != nil {
		return nil, nil, field.ErrorList{field.Invalid(p, "(patch)", fmt.Sprintf("does not yield a valid Deployment: %v", err))}
	}
	var errs field.ErrorList
	for _, se := range strictErrs {
		var fe sigsjson.FieldError
		if errors.As(se, &fe) {
			errs = append(errs, field.Invalid(field.NewPath("spec", "customDeployment."+fe.FieldPath()), "(unknown)",
				"unknown field: not part of an apps/v1 Deployment (check its spelling against \"kubectl explain deployment\")"))
			continue
		}
		errs = append(errs, field.Invalid(p, "(patch)", se.Error()))
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	// Keep the merged map rather than the typed Deployment: both encode the
	// same fields, and the map keeps the patch's values byte for byte.
	var out map[string]any
	if err := json.Unmarshal(merged, &out); err != nil {
		return nil, nil, field.ErrorList{field.InternalError(p, err)}
	}
	if errs := checkPatched(eds, dep, &typed, asMap, out); len(errs) > 0 {
		return nil, nil, errs
	}
	return out, &typed.Spec.Template.Spec, nil
}

// strategicMergePatch is strategicpatch.StrategicMergePatch for a
// Deployment, which panics on some malformed patches (a list item whose
// merge key, such as a container's name, is a mapping): a bad patch is an
// error, never a crash.
func strategicMergePatch(orig, patch []byte) (merged []byte, err error) {
	defer func() {
		if recover() != nil {
			merged, err = nil, errors.New("a value has the wrong type: the keys that identify list items "+
				"(the name of a container, volume or port, ...) must be strings")
		}
	}()
	return strategicpatch.StrategicMergePatch(orig, patch, appsv1.Deployment{})
}

// toNode renders a typed object as a YAML node with sorted keys, as kubectl
// and kustomize print them, without the empty status and zero timestamps that
// Go's typed objects carry.
func toNode(obj any) (*yaml.RNode, error) {
	n, err := render(obj)
	if err != nil {
		return nil, fmt.Errorf(errMarshal+": %w", fmt.Sprintf("%T", obj), err)
	}
	// Nothing here ever has a status; the Service's would be {loadBalancer: {}}.
	root := n.YNode()
	removeField(root, "status")
	// A null is a pointer field of a Kubernetes type without omitempty
	// (a gRPC probe's service): the API server stores its default instead,
	// and every kubectl apply would then send the null again.
	removeNulls(root)
	for _, path := range [][]string{{"spec", "strategy"}, {"metadata", "creationTimestamp"}, {"spec", "template", "metadata", "creationTimestamp"}} {
		parent := root
		for _, k := range path[:len(path)-1] {
			if parent = fieldValue(parent, k); parent == nil {
				break
			}
		}
		if f := fieldValue(parent, path[len(path)-1]); f != nil && isEmpty(f) {
			removeField(parent, path[len(path)-1])
		}
	}
	return n, nil
}

// fieldValue is the value of key in mapping m, nil when m is not a mapping
// or has no such key.
func fieldValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// removeField removes the first key of mapping m named key, with its value.
func removeField(m *yaml.Node, key string) {
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// removeNulls removes every mapping entry whose value is null.
func removeNulls(n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		kept := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i+1].Tag == yaml.NodeTagNull {
				continue
			}
			kept = append(kept, n.Content[i], n.Content[i+1])
		}
		n.Content = kept
	}
	for _, c := range n.Content {
		removeNulls(c)
	}
}

func isEmpty(y *yaml.Node) bool {
	return y.Tag == yaml.NodeTagNull || (y.Kind == yaml.MappingNode && len(y.Content) == 0)
}
