package generator

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation/field"
	podutil "k8s.io/kubernetes/pkg/api/pod"
	"k8s.io/kubernetes/pkg/apis/apps"
	k8sappsv1 "k8s.io/kubernetes/pkg/apis/apps/v1"
	appsvalidation "k8s.io/kubernetes/pkg/apis/apps/validation"
	"k8s.io/kubernetes/pkg/apis/core"
	k8scorev1 "k8s.io/kubernetes/pkg/apis/core/v1"
	corevalidation "k8s.io/kubernetes/pkg/apis/core/validation"
	"k8s.io/kubernetes/pkg/capabilities"
)

// A patched Deployment or Service is checked by the API server's own code
// (k8s.io/kubernetes v1.36: the defaulting, the conversion to the internal
// types and the validation its REST strategy runs on a create), so that what
// eds-fn prints is what a cluster stores. Its errors name fields of the
// object; errorsInPatch moves each to the place in the patch that caused it.
const (
	msgAPIServerRefuses = "the API server refuses this %s: %s"
)

func init() {
	// Privileged containers are the cluster's choice (kube-apiserver
	// --allow-privileged, on in every common distribution) and Pod
	// Security's (podsecurity.go); the library's default refuses them all.
	capabilities.Setup(true, 0)
}

// apiServerDeploymentErrors is what kube-apiserver's create of dep would
// answer (pkg/registry/apps/deployment/strategy.go: PrepareForCreate,
// Validate).
func apiServerDeploymentErrors(dep *appsv1.Deployment) field.ErrorList {
	internal, err := asCreated(dep)
	if err != nil {
		return field.ErrorList{field.InternalError(nil, err)}
	}
	opts := podutil.GetValidationOptionsFromPodTemplate(&internal.Spec.Template, nil)
	return appsvalidation.ValidateDeployment(internal, opts)
}

// apiServerPodErrors is what the API server answers when the ReplicaSet
// controller creates a pod of dep's template (podErrors).
func apiServerPodErrors(dep *appsv1.Deployment) field.ErrorList {
	internal, err := asCreated(dep)
	if err != nil {
		return field.ErrorList{field.InternalError(nil, err)}
	}
	return podErrors(internal)
}

// asCreated is dep as the API server holds it when it validates a create:
// defaulted, converted to the internal types, and without the fields of
// features the cluster has off (alpha ones, by default), which
// PrepareForCreate drops rather than refuses.
func asCreated(dep *appsv1.Deployment) (*apps.Deployment, error) {
	v1 := dep.DeepCopy()
	inNamespace(&v1.ObjectMeta)
	k8sappsv1.SetObjectDefaults_Deployment(v1)
	var internal apps.Deployment
	if err := k8sappsv1.Convert_v1_Deployment_To_apps_Deployment(v1, &internal, nil); err != nil {
		return nil, err
	}
	podutil.DropDisabledTemplateFields(&internal.Spec.Template, nil)
	return &internal, nil
}

// podErrors is what the API server answers when the ReplicaSet controller
// creates a pod from the Deployment's template: a pod is checked more
// strictly than a template (an image with a space at its end passes in a
// template, and no pod of it is ever created). Each error is given at its
// place in the template.
func podErrors(d *apps.Deployment) field.ErrorList {
	// What the controller copies (pkg/controller: GetPodFromTemplate):
	// the template's labels, annotations, finalizers and spec, nothing else
	// of its metadata.
	t := d.Spec.Template.DeepCopy()
	pod := &core.Pod{Spec: t.Spec}
	pod.Labels, pod.Annotations, pod.Finalizers = t.Labels, t.Annotations, t.Finalizers
	pod.Name, pod.Namespace = d.Name+"-5d8f7c9b6d-x7k2p", d.Namespace // a ReplicaSet's pod name
	// The pod's conversion turns a negative grace period into 1 second.
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil && *g < 0 {
		one := int64(1)
		pod.Spec.TerminationGracePeriodSeconds = &one
	}
	opts := podutil.GetValidationOptionsFromPodSpecAndMeta(&pod.Spec, nil, &pod.ObjectMeta, nil)
	var out field.ErrorList
	for _, e := range corevalidation.ValidatePodCreate(pod, opts) {
		switch {
		case strings.HasPrefix(e.Field, "metadata.name"), strings.HasPrefix(e.Field, "metadata.namespace"):
			continue // the controller's, not the template's
		case strings.HasPrefix(e.Field, "metadata."), strings.HasPrefix(e.Field, "spec."):
			c := *e
			c.Field = "spec.template." + e.Field
			out = append(out, &c)
		}
	}
	return out
}

// apiServerServiceErrors is what kube-apiserver's create of svc would
// answer (pkg/registry/core/service/strategy.go: PrepareForCreate, Validate),
// short of what depends on the cluster: its IP ranges and node ports.
func apiServerServiceErrors(svc *corev1.Service) field.ErrorList {
	v1 := svc.DeepCopy()
	inNamespace(&v1.ObjectMeta)
	k8scorev1.SetObjectDefaults_Service(v1)
	var internal core.Service
	if err := k8scorev1.Convert_v1_Service_To_core_Service(v1, &internal, nil); err != nil {
		return field.ErrorList{field.InternalError(nil, err)}
	}
	internal.Status = core.ServiceStatus{}
	// What the Service REST storage does before it validates
	// (pkg/registry/core/service/storage: normalizeClusterIPs); the IPs
	// and ports it then allocates depend on the cluster.
	if internal.Spec.ClusterIP != "" && len(internal.Spec.ClusterIPs) == 0 {
		internal.Spec.ClusterIPs = []string{internal.Spec.ClusterIP}
	}
	// The health check node port a LoadBalancer with externalTrafficPolicy
	// Local needs is allocated before validation (needsHCNodePort).
	if internal.Spec.Type == core.ServiceTypeLoadBalancer && internal.Spec.ExternalTrafficPolicy == core.ServiceExternalTrafficPolicyLocal &&
		internal.Spec.HealthCheckNodePort == 0 {
		internal.Spec.HealthCheckNodePort = 30000
	}
	return corevalidation.ValidateServiceCreate(&internal)
}

// inNamespace gives a namespace-less object the namespace the API server
// takes from the request (kubectl's context, kustomize's namespace:, the
// ArgoCD Application's destination) before it validates the object.
func inNamespace(m *metav1.ObjectMeta) {
	if m.Namespace == "" {
		m.Namespace = metav1.NamespaceDefault
	}
}

// errorsInPatch reports the API server's errors about the patched object
// (merged, as JSON values) at the places of the patch that caused them,
// leaving out those at, inside or around a path already reported (by
// eds-fn's own, more specific, checks): one problem, one error. An error of
// a field the patch sets keeps the API server's words at the patch's path;
// one the patch causes from further up (a limit set below a generated
// request, a list replaced without a required item) is reported at the
// deepest part of the patch on the way, quoting the API server's error with
// the object's own path.
func errorsInPatch(apiErrs field.ErrorList, kind string, base *field.Path, patch, merged map[string]any,
	meta strategicpatch.LookupPatchMeta, reported field.ErrorList) field.ErrorList {
	return errorsAt(apiErrs, kind, base, patch, merged, meta, reported, nil)
}

// errorsAt is errorsInPatch that first asks origin for the spec field that
// generated the object's field an error is about (spec.probes,
// spec.security): a problem the patch does not set is the typed field's.
func errorsAt(apiErrs field.ErrorList, kind string, base *field.Path, patch, merged map[string]any,
	meta strategicpatch.LookupPatchMeta, reported field.ErrorList, origin func(string) (*field.Path, bool)) field.ErrorList {
	var seen []string
	for _, e := range reported {
		seen = append(seen, e.Field)
	}
	var out field.ErrorList
	for _, e := range apiErrs {
		p, exact := patchPathOf(e.Field, base, patch, merged, meta)
		if !exact && origin != nil {
			if op, ok := origin(e.Field); ok {
				p, exact = op, true
			}
		}
		var pe *field.Error
		if exact {
			c := *e
			c.Field = p.String()
			if v := reflect.ValueOf(c.BadValue); v.Kind() == reflect.Pointer || v.Kind() == reflect.Struct {
				c.BadValue = field.OmitValueType{} // a Go struct printed is noise
			}
			c.Detail = detailOf(e, kind)
			pe = &c
		} else {
			pe = field.Invalid(p, "(patch)", fmt.Sprintf(msgAPIServerRefuses, kind, e.Error()))
		}
		if slices.ContainsFunc(seen, func(f string) bool { return related(f, pe.Field) }) {
			continue
		}
		seen = append(seen, pe.Field)
		out = append(out, pe)
	}
	return out
}

// related reports whether one field path is the other or inside it: an
// error there is the same problem seen from elsewhere (a duplicate port
// name reported at the patch's entry and at the list, a selector that no
// longer matches the labels a contract error already names).
func related(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return strings.HasPrefix(b, a) && (len(b) == len(a) || b[len(a)] == '.' || b[len(a)] == '[')
}

// detailOf is what an error of kind's validation says besides its field
// and value.
func detailOf(e *field.Error, kind string) string {
	switch {
	case e.Detail != "":
		return fmt.Sprintf(msgAPIServerRefuses, kind, e.Detail)
	case e.Type == field.ErrorTypeRequired:
		return fmt.Sprintf("the API server refuses this %s without it", kind)
	}
	return fmt.Sprintf("the API server refuses this %s", kind)
}

// patchPathOf finds the object field at path (as field.Path prints it) in
// the patch: it follows mapping keys, and list items by their strategic
// merge key (a container by its name, a port by its number), or by index in
// a list the patch replaces whole. exact reports whether the patch itself
// sets the field; otherwise p is the deepest part of the patch on the way.
func patchPathOf(path string, base *field.Path, patch, merged map[string]any, meta strategicpatch.LookupPatchMeta) (p *field.Path, exact bool) {
	segs, ok := splitFieldPath(path)
	if !ok {
		return base, false
	}
	p = base
	var pv, mv any = patch, merged
	var listMeta strategicpatch.PatchMeta
	inList := false
	for _, s := range segs {
		if s.index >= 0 {
			ml, _ := mv.([]any)
			pl, isList := pv.([]any)
			if !inList || !isList || s.index >= len(ml) {
				return p, false
			}
			item := ml[s.index]
			key := listMeta.GetPatchMergeKey()
			j := -1
			if im, ok := item.(map[string]any); ok && key != "" {
				for i, e := range pl {
					if em, ok := e.(map[string]any); ok && em[key] != nil && fmt.Sprint(em[key]) == fmt.Sprint(im[key]) {
						j = i
					}
				}
			} else if key == "" && len(pl) == len(ml) {
				j = s.index // a list without a merge key is replaced whole
			}
			if j < 0 {
				return p, false
			}
			p, pv, mv, inList = p.Index(j), pl[j], item, false
			continue
		}
		pm, isMap := pv.(map[string]any)
		if !isMap {
			return p, false
		}
		next, has := pm[s.name]
		if !has {
			if pm["$patch"] == "replace" || pm["$patch"] == "delete" {
				return p.Child("$patch"), false
			}
			return p, false
		}
		if s.key {
			p = p.Key(s.name)
		} else {
			p = p.Child(s.name)
		}
		mm, _ := mv.(map[string]any)
		pv, mv = next, mm[s.name]
		inList = false
		if meta != nil && !s.key {
			if _, isList := mv.([]any); isList {
				sub, pmeta, err := meta.LookupPatchMetadataForSlice(s.name)
				if err == nil {
					meta, listMeta, inList = sub, pmeta, true
				} else {
					meta = nil
				}
			} else if sub, _, err := meta.LookupPatchMetadataForStruct(s.name); err == nil {
				meta = sub
			} else {
				meta = nil
			}
		}
		if meta == nil {
			// Past the typed part (a map of free-form keys): items
			// are matched by index.
			if _, isList := mv.([]any); isList {
				inList, listMeta = true, strategicpatch.PatchMeta{}
			}
		}
	}
	return p, true
}

type pathSeg struct {
	name  string
	index int // -1 unless the segment is a list index
	key   bool
}

// splitFieldPath reads a field.Path's String form: dotted names, [n]
// indexes and [key] map keys. Keys with dots or brackets read ambiguously
// and are refused (ok false); the caller then points at the whole patch.
func splitFieldPath(s string) (segs []pathSeg, ok bool) {
	for s != "" {
		switch {
		case s[0] == '.':
			s = s[1:]
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, false
			}
			inner := s[1:end]
			if n, err := strconv.Atoi(inner); err == nil && n >= 0 {
				segs = append(segs, pathSeg{index: n})
			} else {
				segs = append(segs, pathSeg{name: inner, index: -1, key: true})
			}
			s = s[end+1:]
		default:
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			segs = append(segs, pathSeg{name: s[:end], index: -1})
			s = s[end:]
		}
	}
	return segs, true
}

// objectMetaErrors is what the API server refuses of a custom resource's
// metadata (names, labels, annotations, finalizers), at its place in the
// customScaledObject patch.
func objectMetaErrors(m *metav1.ObjectMeta, patch map[string]any) field.ErrorList {
	m = m.DeepCopy()
	inNamespace(m)
	errs := apimachineryvalidation.ValidateObjectMeta(m, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return errorsInPatch(errs, "ScaledObject", v1alpha1.CustomScaledObjectPath, patch, nil, nil, nil)
}
