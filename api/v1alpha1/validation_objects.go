package v1alpha1

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	msgPortHTTP        = `is the name of spec.http.port's port; give this port another name`
	msgPortTwice       = `is the name of another port of spec.ports; give each port its own name`
	msgPortNumberTwice = `is another port's number with protocol %s (spec.http.port is %d); give each port its own number`
	msgPortNoService   = `there is no Service to add it to: spec.http.enabled is false; set service: false`
	msgSANoName        = `the name of the existing ServiceAccount to run as, with create: false`
	msgSANameCreated   = `is used only with create: false: the generated ServiceAccount is named after the service; ` +
		`set create: false to run as this existing one, or remove name`
	msgSANoAnnotations = `there is no generated ServiceAccount to annotate with create: false; annotate the existing one where it is defined`
	msgOwnLabel        = `is set by eds-fn on every generated object (%s); remove this label`
	msgNoSuchObject    = `there is no %s: %s`
	msgRecreateBounds  = `is for type RollingUpdate only: Recreate stops every pod before it starts new ones; remove rollingUpdate, or set type: RollingUpdate`
	msgBothZero        = `maxSurge and maxUnavailable are both 0: a rollout could never replace a pod; let one of them be 1 (or a percentage)`
	msgPVCRollout      = `keeps every old pod until its replacement is ready, and volume %q is a PersistentVolumeClaim: a ReadWriteOnce claim ` +
		`cannot attach to the new pod while the old one holds it, so the rollout waits forever; use type: Recreate, ` +
		`a maxUnavailable of 1 or more, or a ReadWriteMany claim`
)

// validateObjects checks spec.ports, spec.serviceAccount,
// spec.objectMetadata and spec.strategy.
func (s *EventDrivenServiceSpec) validateObjects(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, s.validatePorts(p.Child("ports"))...)
	if sa := s.ServiceAccount; sa != nil {
		sp := p.Child("serviceAccount")
		switch {
		case s.CreatesServiceAccount() && sa.Name != "":
			errs = append(errs, field.Invalid(sp.Child("name"), sa.Name, msgSANameCreated))
		case !s.CreatesServiceAccount() && sa.Name == "":
			errs = append(errs, field.Required(sp.Child("name"), msgSANoName))
		case !s.CreatesServiceAccount():
			for _, msg := range validation.IsDNS1123Subdomain(sa.Name) {
				errs = append(errs, field.Invalid(sp.Child("name"), sa.Name, msg))
			}
		}
		if !s.CreatesServiceAccount() && len(sa.Annotations) > 0 {
			errs = append(errs, field.Invalid(sp.Child("annotations"), "(annotations)", msgSANoAnnotations))
		}
		errs = append(errs, apivalidation.ValidateAnnotations(sa.Annotations, sp.Child("annotations"))...)
	}
	if om := s.ObjectMetadata; om != nil {
		op := p.Child("objectMetadata")
		for _, o := range []struct {
			name string
			md   *Metadata
			gone string
		}{
			{"deployment", om.Deployment, ""},
			{"service", om.Service, ifString(!s.HTTPEnabled(), "Service: spec.http.enabled is false")},
			{"serviceAccount", om.ServiceAccount, ifString(!s.CreatesServiceAccount(), "generated ServiceAccount: spec.serviceAccount.create is false")},
			{"scaledObject", om.ScaledObject, ""},
			{"podDisruptionBudget", om.PodDisruptionBudget, ifString(s.DisruptionBudget == nil, "PodDisruptionBudget: spec.disruptionBudget is not set")},
		} {
			if o.md == nil {
				continue
			}
			mp := op.Child(o.name)
			if o.gone != "" {
				what, why, _ := strings.Cut(o.gone, ": ")
				errs = append(errs, field.Invalid(mp, "(metadata)", fmt.Sprintf(msgNoSuchObject, what, why)))
				continue
			}
			errs = append(errs, metav1validation.ValidateLabels(o.md.Labels, mp.Child("labels"))...)
			for _, k := range []string{LabelName, LabelManagedBy} {
				if _, ok := o.md.Labels[k]; ok {
					errs = append(errs, field.Invalid(mp.Child("labels").Key(k), o.md.Labels[k], fmt.Sprintf(msgOwnLabel, "it recognises them and selects the pods by it")))
				}
			}
			errs = append(errs, apivalidation.ValidateAnnotations(o.md.Annotations, mp.Child("annotations"))...)
		}
	}
	if st := s.Strategy; st != nil {
		sp := p.Child("strategy")
		switch st.Type {
		case appsv1.RecreateDeploymentStrategyType:
			if st.RollingUpdate != nil {
				errs = append(errs, field.Forbidden(sp.Child("rollingUpdate"), msgRecreateBounds))
			}
		case "", appsv1.RollingUpdateDeploymentStrategyType:
			if ru := st.RollingUpdate; ru != nil {
				for _, b := range []struct {
					name string
					v    *intstr.IntOrString
				}{{"maxSurge", ru.MaxSurge}, {"maxUnavailable", ru.MaxUnavailable}} {
					errs = append(errs, validateIntOrPercent(b.v, sp.Child("rollingUpdate", b.name))...)
				}
				if isZero(ru.MaxSurge) && isZero(ru.MaxUnavailable) && ru.MaxSurge != nil && ru.MaxUnavailable != nil {
					errs = append(errs, field.Invalid(sp.Child("rollingUpdate"), "0, 0", msgBothZero))
				}
			}
		default:
			errs = append(errs, field.NotSupported(sp.Child("type"), st.Type,
				[]appsv1.DeploymentStrategyType{appsv1.RollingUpdateDeploymentStrategyType, appsv1.RecreateDeploymentStrategyType}))
		}
	}
	return errs
}

func (s *EventDrivenServiceSpec) validatePorts(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := map[string]bool{}
	numbers := map[string]bool{}
	httpPort := DefaultHTTPPort
	if s.HTTP != nil && s.HTTP.Port != nil {
		httpPort = *s.HTTP.Port
	}
	if s.HTTPEnabled() {
		numbers[fmt.Sprintf("%d/%s", httpPort, corev1.ProtocolTCP)] = true
	}
	for i, port := range s.Ports {
		pp := p.Index(i)
		proto := port.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		switch {
		case port.Name == "":
			errs = append(errs, field.Required(pp.Child("name"), `a port name such as "metrics"`))
		case port.Name == "http" && s.HTTPEnabled():
			errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msgPortHTTP))
		case names[port.Name]:
			errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msgPortTwice))
		default:
			for _, msg := range validation.IsValidPortName(port.Name) {
				errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
			}
		}
		names[port.Name] = true
		for _, msg := range validation.IsValidPortNum(int(port.Port)) {
			errs = append(errs, field.Invalid(pp.Child("port"), port.Port, msg))
		}
		if proto != corev1.ProtocolTCP && proto != corev1.ProtocolUDP && proto != corev1.ProtocolSCTP {
			errs = append(errs, field.NotSupported(pp.Child("protocol"), proto, []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}))
		}
		key := fmt.Sprintf("%d/%s", port.Port, proto)
		if numbers[key] {
			errs = append(errs, field.Invalid(pp.Child("port"), port.Port, fmt.Sprintf(msgPortNumberTwice, proto, httpPort)))
		}
		numbers[key] = true
		if (port.Service == nil || *port.Service) && !s.HTTPEnabled() {
			errs = append(errs, field.Invalid(pp.Child("service"), true, msgPortNoService))
		}
	}
	return errs
}

// strategyWarnings: a rollout that can never finish with the service's
// volumes.
func (s *EventDrivenServiceSpec) strategyWarnings(p *field.Path) field.ErrorList {
	st := s.Strategy
	if st == nil || st.Type == appsv1.RecreateDeploymentStrategyType || st.RollingUpdate == nil || !isZero(st.RollingUpdate.MaxUnavailable) ||
		st.RollingUpdate.MaxUnavailable == nil {
		return nil
	}
	for _, v := range s.Volumes {
		if v.PersistentVolumeClaim != nil {
			return field.ErrorList{field.Invalid(p.Child("rollingUpdate", "maxUnavailable"), intOrStringValue(st.RollingUpdate.MaxUnavailable),
				fmt.Sprintf(msgPVCRollout, v.Name))}
		}
	}
	return nil
}

func isZero(v *intstr.IntOrString) bool {
	return v != nil && ((v.Type == intstr.Int && v.IntVal == 0) || (v.Type == intstr.String && (v.StrVal == "0%" || v.StrVal == "0")))
}

func ifString(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}

const (
	msgAdoptEmpty    = `must select something: the running Deployment's spec.selector.matchLabels, as kubectl get deployment NAME -o jsonpath='{.spec.selector.matchLabels}' prints them; or remove selector`
	msgAdoptConflict = `is %q in spec.adoption.selector: the pods carry the selector's value, so the service's label cannot have another; remove it from metadata.labels`
	msgAdoptSOLong   = `must be no more than %d characters: KEDA names its HPA "keda-hpa-<scaledObjectName>", which must be a DNS label of at most 63 characters; set spec.scaling.hpaName to the running HPA's name`
	msgAdoptTooLarge = `has %d bytes of keys and values: the Deployment holds the selector twice (spec.selector and the pod template's labels), ` +
		`so above %d bytes (half of 1.5 MiB, the largest object the API server stores) no Deployment with it can exist; ` +
		`copy the running Deployment's spec.selector.matchLabels`
)

// MaxSelectorBytes bounds spec.adoption.selector: the keys and values of a
// running Deployment's selector, which it holds twice, fit in half of the
// largest object the API server stores (etcd's 1.5 MiB request limit).
const MaxSelectorBytes = 3 << 18 // 768 KiB

// validateAdoption checks spec.adoption against the service's own labels,
// which its pods carry too.
func (e *EventDrivenService) validateAdoption(p *field.Path) field.ErrorList {
	a := e.Spec.Adoption
	if a == nil {
		return nil
	}
	var errs field.ErrorList
	if a.Selector != nil {
		sp := p.Child("selector")
		if len(a.Selector) == 0 {
			errs = append(errs, field.Invalid(sp, "{}", msgAdoptEmpty))
		}
		size := 0
		for k, v := range a.Selector {
			size += len(k) + len(v)
		}
		if size > MaxSelectorBytes {
			errs = append(errs, field.Invalid(sp, fmt.Sprintf("(%d entries)", len(a.Selector)), fmt.Sprintf(msgAdoptTooLarge, size, MaxSelectorBytes)))
		} else {
			errs = append(errs, metav1validation.ValidateLabels(a.Selector, sp)...)
			for _, k := range slices.Sorted(maps.Keys(a.Selector)) {
				if v, ok := e.Labels[k]; ok && v != a.Selector[k] && k != LabelName {
					errs = append(errs, field.Invalid(field.NewPath("metadata", "labels").Key(k), v, fmt.Sprintf(msgAdoptConflict, a.Selector[k])))
				}
			}
		}
	}
	if n := a.ScaledObjectName; n != "" {
		np := p.Child("scaledObjectName")
		for _, msg := range validation.IsDNS1123Subdomain(n) {
			errs = append(errs, field.Invalid(np, n, msg))
		}
		// KEDA labels the HPA with the ScaledObject's name.
		for _, msg := range validation.IsValidLabelValue(n) {
			errs = append(errs, field.Invalid(np, n, msg))
		}
		if max := validation.DNS1123LabelMaxLength - len("keda-hpa-"); len(n) > max && (e.Spec.Scaling == nil || e.Spec.Scaling.HPAName == "") {
			errs = append(errs, field.Invalid(np, n, fmt.Sprintf(msgAdoptSOLong, max)))
		}
	}
	return errs
}
