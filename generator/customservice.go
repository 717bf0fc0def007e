package generator

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
)

// CustomServicePath is where problems of spec.customService are reported.
var CustomServicePath = field.NewPath("spec", "customService")

// What spec.customService may not change: the Service's identity (it is
// named after the service, next to the Deployment), the labels by which a
// later render recognises it, and the selector, which must select exactly
// the Deployment's pods.
const (
	msgSvcKeepIdentity = "eds-fn generates a v1 Service named after the EventDrivenService; remove %s from the patch"
	msgSvcKeepName     = "the Service is named after the EventDrivenService, with its Deployment; rename the EventDrivenService (metadata.name) instead"
	msgSvcKeepNS       = "the Service lives in the EventDrivenService's namespace, with its Deployment; " +
		"set metadata.namespace of the EventDrivenService (or kustomize's namespace:) instead"
	msgSvcKeepSelector = "the Service selects the Deployment's pods by %s=%s and nothing else; remove spec.selector from the patch"
	msgSvcExternalName = "an ExternalName Service is a DNS alias of another host: it no longer reaches the worker's pods; " +
		"remove spec.type from the patch (ClusterIP, NodePort and LoadBalancer reach them), and add a Service of your own for the alias"
	msgSvcNoTarget = "names no %s port of the worker's pod: the Service would have no endpoints for it; " +
		"name a port of a container (spec.http.port is named \"http\"), or give the port's number"
	msgDropsTarget = "the Service targets the worker's TCP port named %q (spec.http.port, %d), which the patched worker no longer has: " +
		"keep that port's name and protocol, or change the Service with customService"
	msgSvcDupPortName = "is the name of another port of the Service (the API server refuses it); give this port another name"
	msgSvcDupPort     = "is the number of another port of the Service with protocol %s (the API server refuses it); " +
		"a patch entry with an existing port number changes that port"
)

// patchedService is the generated Service with spec.customService applied
// as "kubectl patch --type=strategic" would, decoded strictly and checked.
func patchedService(eds *v1alpha1.EventDrivenService, pod *corev1.PodSpec) (any, field.ErrorList) {
	svc := service(eds)
	patch := eds.Spec.CustomService
	if patch == nil || len(patch.Raw) == 0 || string(patch.Raw) == "null" {
		if len(checkRoutes(svc, pod, nil)) > 0 {
			// Only customDeployment can have changed the worker's port.
			var dp map[string]any
			_ = json.Unmarshal(eds.Spec.CustomDeployment.Raw, &dp)
			p, _ := containerAt(dp, "containers", eds.Name, 0)
			return nil, field.ErrorList{field.Invalid(p.Child("ports"), HTTPPortName, fmt.Sprintf(msgDropsTarget, HTTPPortName, httpPort(&eds.Spec)))}
		}
		if errs := checkGeneratedService(eds, svc); len(errs) > 0 {
			return nil, errs
		}
		return svc, nil
	}
	p := CustomServicePath
	var asMap map[string]any
	if err := json.Unmarshal(patch.Raw, &asMap); err != nil {
		return nil, field.ErrorList{field.Invalid(p, string(patch.Raw), "must be a mapping: a strategic-merge patch of the Service")}
	}
	if errs := checkPatchSize(p, patch.Raw, asMap, true); len(errs) > 0 {
		return nil, errs
	}
	orig, err := json.Marshal(svc)
	if err != nil {
		return nil, field.ErrorList{field.InternalError(p, err)}
	}
	merged, err := serviceMergePatch(orig, patch.Raw)
	if err != nil {
		return nil, field.ErrorList{field.Invalid(p, "(patch)", fmt.Sprintf("cannot be applied as a strategic-merge patch of the Service: %v", err))}
	}
	var typed corev1.Service
	strictErrs, err := sigsjson.UnmarshalStrict(merged, &typed, sigsjson.DisallowUnknownFields)
	if err != nil {
		return nil, field.ErrorList{field.Invalid(p, "(patch)", fmt.Sprintf("does not yield a valid Service: %v", err))}
	}
	var errs field.ErrorList
	for _, se := range strictErrs {
		var fe sigsjson.FieldError
		if errors.As(se, &fe) {
			errs = append(errs, field.Invalid(field.NewPath("spec", "customService."+fe.FieldPath()), "(unknown)",
				"unknown field: not part of a v1 Service (check its spelling against \"kubectl explain service\")"))
			continue
		}
		errs = append(errs, field.Invalid(p, "(patch)", se.Error()))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var out map[string]any
	if err := json.Unmarshal(merged, &out); err != nil {
		return nil, field.ErrorList{field.InternalError(p, err)}
	}
	errs = checkServiceContract(svc, &typed, asMap)
	_, hasStatus := asMap["status"]
	errs = append(errs, checkServerSet("Service", &typed.ObjectMeta, hasStatus, func(segs ...string) *field.Path { return svcAt(asMap, segs...) })...)
	errs = append(errs, checkRoutes(&typed, pod, asMap)...)
	errs = append(errs, errorsInPatch(apiServerServiceErrors(&typed), "Service", p, asMap, out, servicePatchMeta, errs)...)
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

var servicePatchMeta = must(strategicpatch.NewPatchMetaFromStruct(corev1.Service{}))

// checkRoutes checks that the Service still reaches the worker's pods: an
// ExternalName Service is a DNS alias of another host, and a port that
// targets a port name no container of the pod declares has no endpoints.
func checkRoutes(svc *corev1.Service, pod *corev1.PodSpec, patch map[string]any) field.ErrorList {
	var errs field.ErrorList
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		errs = append(errs, field.Forbidden(svcAt(patch, "spec", "type"), msgSvcExternalName))
	}
	if pod == nil {
		return errs
	}
	named := map[string]bool{}
	for _, c := range pod.Containers {
		for _, cp := range c.Ports {
			if cp.Name != "" {
				named[cp.Name+"/"+string(protocolOf(cp.Protocol))] = true
			}
		}
	}
	pp, pv, _ := v1alpha1.WalkPatch(patch, CustomServicePath, "spec", "ports")
	ports := newPatchList(pv, pp, "port")
	seen := map[int32]int{}
	for _, sp := range svc.Spec.Ports {
		at, _ := ports.item(sp.Port, seen[sp.Port])
		seen[sp.Port]++
		tp := sp.TargetPort
		if tp.Type != intstr.String || tp.StrVal == "" || named[tp.StrVal+"/"+string(protocolOf(sp.Protocol))] {
			continue
		}
		errs = append(errs, field.Invalid(at.Child("targetPort"), tp.StrVal, fmt.Sprintf(msgSvcNoTarget, protocolOf(sp.Protocol))))
	}
	return errs
}

func protocolOf(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// serviceMergePatch is strategicpatch.StrategicMergePatch for a Service; a
// malformed patch that makes it panic is an error.
func serviceMergePatch(orig, patch []byte) (merged []byte, err error) {
	defer func() {
		if recover() != nil {
			merged, err = nil, errors.New("a value has the wrong type: the keys that identify list items "+
				"(the port number of a port, ...) must be of their type")
		}
	}()
	return strategicpatch.StrategicMergePatch(orig, patch, corev1.Service{})
}

func svcAt(patch map[string]any, segs ...string) *field.Path {
	p, _, _ := v1alpha1.WalkPatch(patch, CustomServicePath, segs...)
	return p
}

func checkServiceContract(want, got *corev1.Service, patch map[string]any) field.ErrorList {
	var errs field.ErrorList
	if got.APIVersion != want.APIVersion {
		errs = append(errs, field.Forbidden(svcAt(patch, "apiVersion"), fmt.Sprintf(msgSvcKeepIdentity, "apiVersion")))
	}
	if got.Kind != want.Kind {
		errs = append(errs, field.Forbidden(svcAt(patch, "kind"), fmt.Sprintf(msgSvcKeepIdentity, "kind")))
	}
	if got.Name != want.Name {
		errs = append(errs, field.Forbidden(svcAt(patch, "metadata", "name"), msgSvcKeepName))
	}
	if got.Namespace != want.Namespace {
		errs = append(errs, field.Forbidden(svcAt(patch, "metadata", "namespace"), msgSvcKeepNS))
	}
	for _, k := range []string{v1alpha1.LabelName, v1alpha1.LabelManagedBy} {
		if v := want.Labels[k]; got.Labels[k] != v {
			p, m, touched := v1alpha1.WalkPatch(patch, CustomServicePath, "metadata", "labels")
			if mm, ok := m.(map[string]any); ok && touched {
				if _, has := mm[k]; has {
					p = p.Key(k)
				}
			}
			errs = append(errs, field.Forbidden(p, fmt.Sprintf(msgKeepOwnLabel, k, v)))
		}
	}
	if !equality.Semantic.DeepEqual(got.Spec.Selector, want.Spec.Selector) {
		k := slices.Sorted(maps.Keys(want.Spec.Selector))[0]
		errs = append(errs, field.Forbidden(svcAt(patch, "spec", "selector"), fmt.Sprintf(msgSvcKeepSelector, k, want.Spec.Selector[k])))
	}
	names, numbers := map[string]placed{}, map[string]placed{}
	pp, pv, _ := v1alpha1.WalkPatch(patch, CustomServicePath, "spec", "ports")
	seen := map[int32]int{}
	patchPorts := newPatchList(pv, pp, "port")
	for _, port := range got.Spec.Ports {
		at, entry := patchPorts.item(port.Port, seen[port.Port])
		seen[port.Port]++
		cur := placed{path: at, inPatch: entry != nil}
		if first, dup := names[port.Name]; dup && port.Name != "" {
			errs = append(errs, field.Invalid(blameDup(cur, first).Child("name"), port.Name, msgSvcDupPortName))
		} else {
			names[port.Name] = cur
		}
		proto := port.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		key := fmt.Sprintf("%d/%s", port.Port, proto)
		if first, dup := numbers[key]; dup {
			errs = append(errs, field.Invalid(blameDup(cur, first).Child("port"), port.Port, fmt.Sprintf(msgSvcDupPort, proto)))
		} else {
			numbers[key] = cur
		}
	}
	return errs
}

// checkGeneratedService is what the API server says of a Service that
// spec.ports and spec.objectMetadata.service shaped, each error at the
// field that caused it; without them the Service is valid by construction.
func checkGeneratedService(eds *v1alpha1.EventDrivenService, svc *corev1.Service) field.ErrorList {
	if len(eds.Spec.Ports) == 0 && objectMetadata(eds).Service == nil {
		return nil
	}
	spec := field.NewPath("spec")
	var errs field.ErrorList
	for _, e := range apiServerServiceErrors(svc) {
		var p *field.Path
		if i, rest, ok := listItem(e.Field, "spec.ports"); ok && i < len(svc.Spec.Ports) {
			if j := slices.IndexFunc(eds.Spec.Ports, func(p v1alpha1.Port) bool { return p.Name == svc.Spec.Ports[i].Name }); j >= 0 {
				p = pathFrom(spec.Child("ports").Index(j), rest)
			}
		}
		for _, f := range []string{"labels", "annotations"} {
			if rest, ok := strings.CutPrefix(e.Field, "metadata."+f); ok {
				p = pathFrom(spec.Child("objectMetadata", "service", f), rest)
			}
		}
		if p == nil {
			errs = append(errs, field.InternalError(spec, fmt.Errorf("eds-fn generated a Service the API server refuses: %v", e)))
			continue
		}
		c := *e
		c.Field, c.Detail = p.String(), detailOf(e, "Service")
		errs = append(errs, &c)
	}
	return errs
}
