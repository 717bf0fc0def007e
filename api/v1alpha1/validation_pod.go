package v1alpha1

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	msgValueAndFrom      = `is set together with value: a variable has one value; remove value, or valueFrom`
	msgValueFromOne      = `must name exactly one source: fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef or fileKeyRef`
	msgLifecycleHost     = `is not allowed: the kubelet calls the hook on the pod itself, and Pod Security "baseline" forbids another host`
	msgConfigMapRefEmpty = `set env (a list of {configMapKey, envName}) or envFrom: true`
	msgResourceName      = `must be cpu, memory, ephemeral-storage, hugepages-<size>, or a domain-qualified extended resource such as "nvidia.com/gpu"`
	msgRequestAboveLimit = `must not be greater than the limit %s (after size %q and spec.resources are merged): the API server refuses the pod; ` +
		`lower the request, or raise spec.resources.limits[%s] too`
	msgLimitBelowRequest = `is below the request %s of size %q: the API server refuses the pod; ` +
		`raise the limit, or set spec.resources.requests[%s] too`
	msgNotOvercommittable = `%s cannot be overcommitted: the API server requires a limit equal to the request; ` +
		`set the same value in spec.resources.limits, or only the limit (the request then equals it)`
	msgPath            = `must be an absolute HTTP path starting with "/", for example %q`
	msgPDBExactlyOne   = `set exactly one of minAvailable and maxUnavailable (a number of pods such as 1, or a percentage such as "50%")`
	msgPDBBoth         = `set only one of minAvailable and maxUnavailable: a PodDisruptionBudget holds one of them`
	msgIntOrPercent    = `must be a number of pods (0 or more) or a percentage between "0%" and "100%"`
	msgCustomServiceNo = `there is no Service to patch: spec.http.enabled is false; remove customService, or enable HTTP`
	msgPDBBlocks       = `blocks every voluntary eviction when the service runs at spec.scaling.minReplicas (%d pod(s)): ` +
		`node drains and cluster upgrades then wait forever; %s`
)

// validatePod checks the fields of the pod's shape: command and env aside
// (validateEnv), resources, HTTP, annotations, durations, the init
// container's image, the disruption budget and customService.
func (s *EventDrivenServiceSpec) validatePod(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, s.validateResources(p.Child("resources"))...)
	errs = append(errs, s.validateSecurity(p.Child("security"))...)
	errs = append(errs, s.validateProbes(p.Child("probes"))...)
	errs = append(errs, s.validateObjects(p)...)
	if lc := s.Lifecycle; lc != nil {
		for _, h := range []struct {
			name    string
			handler *corev1.LifecycleHandler
		}{{"postStart", lc.PostStart}, {"preStop", lc.PreStop}} {
			if h.handler == nil {
				continue
			}
			hp := p.Child("lifecycle", h.name)
			if g := h.handler.HTTPGet; g != nil && g.Host != "" {
				errs = append(errs, field.Forbidden(hp.Child("httpGet", "host"), msgLifecycleHost))
			}
			if t := h.handler.TCPSocket; t != nil && t.Host != "" {
				errs = append(errs, field.Forbidden(hp.Child("tcpSocket", "host"), msgLifecycleHost))
			}
		}
	}
	if h := s.HTTP; h != nil {
		hp := p.Child("http")
		if h.Port != nil {
			for _, msg := range validation.IsValidPortNum(int(*h.Port)) {
				errs = append(errs, field.Invalid(hp.Child("port"), *h.Port, msg))
			}
		}
		errs = append(errs, validateHTTPPath(h.HealthPath, hp.Child("healthPath"), DefaultHealthPath)...)
		errs = append(errs, validateHTTPPath(h.ReadyPath, hp.Child("readyPath"), DefaultReadyPath)...)
	}
	errs = append(errs, apivalidation.ValidateAnnotations(s.PodAnnotations, p.Child("podAnnotations"))...)
	if g := s.TerminationGracePeriodSeconds; g != nil && *g < 0 {
		errs = append(errs, field.Invalid(p.Child("terminationGracePeriodSeconds"), *g, "must be 0 or more seconds"))
	}
	if ic := s.InitContainer; ic != nil && ic.Image != "" && ic.Image != s.Image {
		errs = append(errs, validateImage(ic.Image, p.Child("initContainer", "image"))...)
	}
	if db := s.DisruptionBudget; db != nil {
		dp := p.Child("disruptionBudget")
		switch {
		case db.MinAvailable == nil && db.MaxUnavailable == nil:
			errs = append(errs, field.Required(dp, msgPDBExactlyOne))
		case db.MinAvailable != nil && db.MaxUnavailable != nil:
			errs = append(errs, field.Invalid(dp.Child("maxUnavailable"), intOrStringValue(db.MaxUnavailable), msgPDBBoth))
		}
		errs = append(errs, validateIntOrPercent(db.MinAvailable, dp.Child("minAvailable"))...)
		errs = append(errs, validateIntOrPercent(db.MaxUnavailable, dp.Child("maxUnavailable"))...)
	}
	if cs := s.CustomService; cs != nil && len(cs.Raw) > 0 && string(cs.Raw) != "null" && !s.HTTPEnabled() {
		errs = append(errs, field.Forbidden(p.Child("customService"), msgCustomServiceNo))
	}
	return errs
}

func validateHTTPPath(path string, p *field.Path, example string) field.ErrorList {
	if path == "" || strings.HasPrefix(path, "/") {
		return nil
	}
	return field.ErrorList{field.Invalid(p, path, fmt.Sprintf(msgPath, example))}
}

// intOrStringValue is v as written, for messages: 1 or "50%".
func intOrStringValue(v *intstr.IntOrString) any {
	if v.Type == intstr.Int {
		return v.IntVal
	}
	return v.StrVal
}

func validateIntOrPercent(v *intstr.IntOrString, p *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	if v.Type == intstr.Int {
		if v.IntVal < 0 {
			return field.ErrorList{field.Invalid(p, v.IntVal, msgIntOrPercent)}
		}
		return nil
	}
	if len(validation.IsValidPercent(v.StrVal)) > 0 {
		return field.ErrorList{field.Invalid(p, v.StrVal, msgIntOrPercent)}
	}
	if n, err := intstr.GetScaledValueFromIntOrPercent(v, 100, true); err != nil || n > 100 {
		return field.ErrorList{field.Invalid(p, v.StrVal, msgIntOrPercent)}
	}
	return nil
}

func (s *EventDrivenServiceSpec) validateResources(p *field.Path) field.ErrorList {
	o := s.Resources
	if o == nil {
		return nil
	}
	var errs field.ErrorList
	for _, kind := range []struct {
		name string
		list corev1.ResourceList
	}{{"requests", o.Requests}, {"limits", o.Limits}} {
		for _, name := range slices.Sorted(maps.Keys(kind.list)) {
			kp := p.Child(kind.name).Key(string(name))
			q := kind.list[name]
			if !validResourceName(string(name)) {
				errs = append(errs, field.Invalid(kp, string(name), msgResourceName))
			}
			if q.Sign() < 0 {
				errs = append(errs, field.Invalid(kp, q.String(), "must be 0 or more"))
			}
		}
	}
	if _, ok := Sizes[s.Size]; !ok || len(errs) > 0 {
		return errs
	}
	merged := s.MergedResources()
	for _, name := range slices.Sorted(maps.Keys(merged.Requests)) {
		req, lim := merged.Requests[name], merged.Limits[name]
		if _, hasLimit := merged.Limits[name]; !overcommittable(name) && (!hasLimit || req.Cmp(lim) != 0) {
			errs = append(errs, field.Invalid(p.Child("requests").Key(string(name)), req.String(), fmt.Sprintf(msgNotOvercommittable, name)))
			continue
		}
		if _, hasLimit := merged.Limits[name]; !hasLimit || req.Cmp(lim) <= 0 {
			continue
		}
		if _, own := o.Requests[name]; !own {
			// Only the limit was written: it undercuts the preset's request.
			errs = append(errs, field.Invalid(p.Child("limits").Key(string(name)), lim.String(),
				fmt.Sprintf(msgLimitBelowRequest, req.String(), s.Size, name)))
			continue
		}
		errs = append(errs, field.Invalid(p.Child("requests").Key(string(name)), req.String(),
			fmt.Sprintf(msgRequestAboveLimit, lim.String(), s.Size, name)))
	}
	return errs
}

// overcommittable: only CPU, memory and ephemeral storage may be requested
// below their limit; hugepages and extended resources may not.
func overcommittable(name corev1.ResourceName) bool {
	return name == corev1.ResourceCPU || name == corev1.ResourceMemory || name == corev1.ResourceEphemeralStorage
}

// validResourceName is the API server's rule for a container's resource
// names: a standard one, or one qualified by a domain (extended resources).
func validResourceName(name string) bool {
	if len(validation.IsQualifiedName(name)) > 0 {
		return false
	}
	switch {
	case name == string(corev1.ResourceCPU), name == string(corev1.ResourceMemory),
		name == string(corev1.ResourceEphemeralStorage), strings.HasPrefix(name, corev1.ResourceHugePagesPrefix):
		return true
	}
	return strings.Contains(name, "/")
}

// validatePlainEnv checks spec.env, after the NATS variables.
func (s *EventDrivenServiceSpec) validatePlainEnv(p *field.Path, seen map[string]*field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, e := range s.Env {
		ep := p.Child("env").Index(i)
		errs = append(errs, checkEnvName(e.Name, ep.Child("name"), seen, "NODE_ENV")...)
		if e.ValueFrom == nil {
			continue
		}
		if e.Value != "" {
			errs = append(errs, field.Invalid(ep.Child("valueFrom"), "(valueFrom)", msgValueAndFrom))
		}
		n := 0
		for _, set := range []bool{e.ValueFrom.FieldRef != nil, e.ValueFrom.ResourceFieldRef != nil,
			e.ValueFrom.ConfigMapKeyRef != nil, e.ValueFrom.SecretKeyRef != nil, e.ValueFrom.FileKeyRef != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			errs = append(errs, field.Invalid(ep.Child("valueFrom"), fmt.Sprintf("(%d sources)", n), msgValueFromOne))
		}
	}
	return errs
}

// validateConfigMapRefs checks spec.configMapRefs, after the secrets.
func (s *EventDrivenServiceSpec) validateConfigMapRefs(p *field.Path, seen map[string]*field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ref := range s.ConfigMapRefs {
		rp := p.Child("configMapRefs").Index(i)
		if ref.Name == "" {
			errs = append(errs, field.Required(rp.Child("name"), "the name of a ConfigMap in the worker's namespace"))
		}
		for _, msg := range validation.IsDNS1123Subdomain(ref.Name) {
			if ref.Name != "" {
				errs = append(errs, field.Invalid(rp.Child("name"), ref.Name, msg))
			}
		}
		if len(ref.Env) == 0 && !ref.EnvFrom {
			errs = append(errs, field.Required(rp, msgConfigMapRefEmpty))
		}
		for j, env := range ref.Env {
			ep := rp.Child("env").Index(j)
			if env.ConfigMapKey == "" {
				errs = append(errs, field.Required(ep.Child("configMapKey"), "the key in the ConfigMap's data"))
			}
			for _, msg := range validation.IsConfigMapKey(env.ConfigMapKey) {
				if env.ConfigMapKey != "" {
					errs = append(errs, field.Invalid(ep.Child("configMapKey"), env.ConfigMapKey, msg))
				}
			}
			errs = append(errs, checkEnvName(env.EnvName, ep.Child("envName"), seen, "NODE_ENV")...)
		}
	}
	return errs
}

// checkEnvName checks one variable name (of spec.env, secretRefs[].env or
// configMapRefs[].env) and records where it was set, so that a second one
// of that name is an error naming the first. example is the name the
// message suggests when it is missing.
func checkEnvName(name string, np *field.Path, seen map[string]*field.Path, example string) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(np, fmt.Sprintf("the environment variable to set, for example %q", example))}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsEnvVarName(name) {
		errs = append(errs, field.Invalid(np, name, msg))
	}
	if first, dup := seen[name]; dup {
		return append(errs, field.Invalid(np, name,
			fmt.Sprintf("already set by %s; each environment variable may be set only once", first)))
	}
	seen[name] = np
	return errs
}

// podWarnings: a budget that no eviction can satisfy at the service's
// smallest running size, and an init image without a version.
func (e *EventDrivenService) podWarnings() field.ErrorList {
	s := &e.Spec
	w := s.strategyWarnings(field.NewPath("spec", "strategy"))
	if ic := s.InitContainer; ic != nil && ic.Image != "" && ic.Image != s.Image {
		w = append(w, floatingImage(ic.Image, field.NewPath("spec", "initContainer", "image"))...)
	}
	for _, list := range []struct {
		name  string
		items []Container
	}{{"initContainers", s.InitContainers}, {"sidecars", s.Sidecars}} {
		for i, c := range list.items {
			if c.Image != "" && c.Image != s.Image {
				w = append(w, floatingImage(c.Image, field.NewPath("spec", list.name).Index(i).Child("image"))...)
			}
		}
	}
	db := s.DisruptionBudget
	if db == nil || s.Scaling == nil || s.Scaling.MinReplicas == nil {
		return w
	}
	// Scaled to zero there is nothing to evict; the smallest running size
	// is one pod.
	pods := max(int(*s.Scaling.MinReplicas), 1)
	p := field.NewPath("spec", "disruptionBudget")
	switch {
	case db.MinAvailable != nil && db.MaxUnavailable == nil:
		// The disruption controller rounds a minAvailable percentage up.
		if n, err := intstr.GetScaledValueFromIntOrPercent(db.MinAvailable, pods, true); err == nil && n >= pods {
			w = append(w, field.Invalid(p.Child("minAvailable"), intOrStringValue(db.MinAvailable), fmt.Sprintf(msgPDBBlocks, pods,
				"use maxUnavailable: 1, or a minAvailable below spec.scaling.minReplicas")))
		}
	case db.MaxUnavailable != nil && db.MinAvailable == nil:
		if n, err := intstr.GetScaledValueFromIntOrPercent(db.MaxUnavailable, pods, true); err == nil && n == 0 {
			w = append(w, field.Invalid(p.Child("maxUnavailable"), intOrStringValue(db.MaxUnavailable), fmt.Sprintf(msgPDBBlocks, pods,
				"use maxUnavailable: 1 or more")))
		}
	}
	return w
}
