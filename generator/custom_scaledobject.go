package generator

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	jsonpatch "github.com/evanphx/json-patch/v5"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
)

// What spec.customScaledObject may not change, and why. The escape hatch
// has the guardrails of customDeployment: the ScaledObject's identity, the
// labels a later render recognises it by, and what it scales (the
// Deployment, by the generated trigger).
const (
	msgSOKeepIdentity = "eds-fn generates a keda.sh/v1alpha1 ScaledObject; remove %s from the patch"
	msgSOKeepName     = "the ScaledObject is named \"<name>-scaler\" after the EventDrivenService (and KEDA's HPA after it); " +
		"rename the EventDrivenService (metadata.name) instead"
	msgSOKeepNamespace = "the ScaledObject lives in the EventDrivenService's namespace, with the Deployment it scales; " +
		"set metadata.namespace of the EventDrivenService (or kustomize's namespace:) instead"
	msgSOKeepTarget  = "the ScaledObject scales the generated Deployment %q; remove spec.scaleTargetRef from the patch"
	msgSOKeepTrigger = "the generated nats-jetstream trigger (the lag of consumer %q) must stay as generated: " +
		"a JSON merge patch replaces the whole list, so repeat it unchanged next to your own triggers " +
		"(its name, metricType and useCachedMetrics may be set), and change it through spec.nats and spec.scaling"
	msgSONotMapping = "must be a mapping: a JSON merge patch (RFC 7386) of the ScaledObject"
	msgSOUnknown    = "unknown field: not part of a KEDA v2.21 ScaledObject (check its spelling against KEDA's ScaledObject specification)"
)

// patchedScaledObject is the generated ScaledObject with
// spec.customScaledObject applied as a JSON merge patch (what
// "kubectl patch --type=merge" does, and the only kind of patch a custom
// resource takes), then decoded strictly and checked. It returns the
// object to render and the warnings of KEDA's admission webhook.
func patchedScaledObject(eds *v1alpha1.EventDrivenService) (any, field.ErrorList, field.ErrorList) {
	so := scaler(eds)
	patch := eds.Spec.CustomScaledObject
	if patch == nil || len(patch.Raw) == 0 || string(patch.Raw) == "null" {
		// validation_keda.go has refused every error of the webhook
		// already (TestWebhookAcceptsGenerated); only its warnings can
		// remain, and only for these two fields: every service takes this
		// path, so the others do not pay for the check. Extra triggers are
		// checked as KEDA checks them.
		sc := eds.Spec.Scaling
		if len(sc.ExtraTriggers) > 0 {
			errs, warnings := checkWebhook(eds, kedaView(so), nil)
			if len(errs) > 0 {
				return nil, errs, nil
			}
			return so, nil, warnings
		}
		if sc.PollingInterval == nil && sc.CooldownPeriod == nil {
			return so, nil, nil
		}
		return so, nil, webhookWarnings(kedaView(so), func(f ...[]string) *field.Path { return edsPathOf(f[0]) })
	}
	p := v1alpha1.CustomScaledObjectPath
	var asMap map[string]any
	if err := json.Unmarshal(patch.Raw, &asMap); err != nil || asMap == nil {
		return nil, field.ErrorList{field.Invalid(p, string(patch.Raw), msgSONotMapping)}, nil
	}
	if errs := checkPatchSize(p, patch.Raw, asMap, false); len(errs) > 0 {
		return nil, errs, nil
	}
	orig, err := json.Marshal(so)
	if err != nil {
		return nil, field.ErrorList{field.InternalError(p, err)}, nil
	}
	merged, err := jsonpatch.MergePatch(orig, patch.Raw)
	if err != nil {
		return nil, field.ErrorList{field.Invalid(p, "(patch)", fmt.Sprintf("cannot be applied as a JSON merge patch of the ScaledObject: %v", err))}, nil
	}
	var typed kedaScaledObject
	strictErrs, err := sigsjson.UnmarshalStrict(merged, &typed, sigsjson.DisallowUnknownFields)
	if err != nil {
		return nil, field.ErrorList{field.Invalid(p, "(patch)", fmt.Sprintf("does not yield a valid ScaledObject: %v", err))}, nil
	}
	var errs field.ErrorList
	for _, se := range strictErrs {
		var fe sigsjson.FieldError
		if errors.As(se, &fe) {
			errs = append(errs, field.Invalid(field.NewPath("spec", "customScaledObject."+fe.FieldPath()), "(unknown)", msgSOUnknown))
			continue
		}
		errs = append(errs, field.Invalid(p, "(patch)", se.Error()))
	}
	if len(errs) > 0 {
		// The merged document's key order is not the patch's and is not
		// stable from run to run: sort, so the same input gives the same
		// report.
		slices.SortStableFunc(errs, func(a, b *field.Error) int { return strings.Compare(a.Field, b.Field) })
		return nil, errs, nil
	}
	want, err := asKEDA(so)
	if err != nil {
		return nil, field.ErrorList{field.InternalError(p, err)}, nil
	}
	errs = checkSOContract(eds, want, &typed, asMap)
	errs = append(errs, checkServerSet("ScaledObject", &typed.ObjectMeta, false, func(segs ...string) *field.Path { return soPath(asMap, segs...) })...)
	errs = append(errs, objectMetaErrors(&typed.ObjectMeta, asMap)...)
	webhookErrs, warnings := checkWebhook(eds, &typed, asMap)
	if errs = append(errs, webhookErrs...); len(errs) > 0 {
		return nil, errs, nil
	}
	// The merged map, not the typed object: it keeps the patch's values
	// as written, as customDeployment does.
	var out map[string]any
	if err := json.Unmarshal(merged, &out); err != nil {
		return nil, field.ErrorList{field.InternalError(p, err)}, nil
	}
	return out, nil, warnings
}

// kedaView is the generated ScaledObject as KEDA reads it, field for field
// without encoding it (every service takes this path); asKEDA, through
// JSON, is what the patch is merged with, and TestKEDAViewMatchesJSON holds
// the two together.
func kedaView(so *scaledObject) *kedaScaledObject {
	s := &so.Spec
	v := &kedaScaledObject{ObjectMeta: so.Metadata, Spec: kedaScaledObjectSpec{
		ScaleTargetRef:        &kedaScaleTarget{Name: s.ScaleTargetRef.Name, APIVersion: s.ScaleTargetRef.APIVersion, Kind: s.ScaleTargetRef.Kind},
		PollingInterval:       s.PollingInterval,
		InitialCooldownPeriod: s.InitialCooldownPeriod,
		CooldownPeriod:        s.CooldownPeriod,
		IdleReplicaCount:      s.IdleReplicaCount,
		MinReplicaCount:       s.MinReplicaCount,
		MaxReplicaCount:       s.MaxReplicaCount,
	}}
	v.APIVersion, v.Kind = so.APIVersion, so.Kind
	for _, t := range s.Triggers {
		kt := kedaTrigger{Type: t.Type, Name: t.Name, Metadata: t.Metadata, MetricType: t.MetricType, UseCachedMetrics: t.UseCachedMetrics}
		if r := t.AuthenticationRef; r != nil {
			kt.AuthenticationRef = &kedaAuthenticationRef{Name: r.Name, Kind: r.Kind}
		}
		v.Spec.Triggers = append(v.Spec.Triggers, kt)
	}
	if f := s.Fallback; f != nil {
		v.Spec.Fallback = &kedaFallback{FailureThreshold: f.FailureThreshold, Replicas: f.Replicas}
	}
	if a := s.Advanced; a != nil && a.HorizontalPodAutoscalerConfig != nil {
		h := a.HorizontalPodAutoscalerConfig
		v.Spec.Advanced = &kedaAdvanced{HorizontalPodAutoscalerConfig: &kedaHPAConfig{Behavior: h.Behavior, Name: h.Name}}
	}
	return v
}

// asKEDA is the generated ScaledObject as KEDA reads it.
func asKEDA(so *scaledObject) (*kedaScaledObject, error) {
	data, err := json.Marshal(so)
	if err != nil {
		return nil, err
	}
	var typed kedaScaledObject
	if err := json.Unmarshal(data, &typed); err != nil {
		return nil, err
	}
	return &typed, nil
}

// soAt is the path in the customScaledObject patch of the field at segs of
// the ScaledObject, and whether the patch sets or removes it.
func soAt(patch map[string]any, segs ...string) (*field.Path, bool) {
	if patch == nil {
		return nil, false
	}
	p, _, touched := v1alpha1.WalkPatch(patch, v1alpha1.CustomScaledObjectPath, segs...)
	return p, touched
}

func soPath(patch map[string]any, segs ...string) *field.Path {
	p, _ := soAt(patch, segs...)
	return p
}

func checkSOContract(eds *v1alpha1.EventDrivenService, want, got *kedaScaledObject, patch map[string]any) field.ErrorList {
	var errs field.ErrorList
	if got.APIVersion != want.APIVersion {
		errs = append(errs, field.Forbidden(soPath(patch, "apiVersion"), fmt.Sprintf(msgSOKeepIdentity, "apiVersion")))
	}
	if got.Kind != want.Kind {
		errs = append(errs, field.Forbidden(soPath(patch, "kind"), fmt.Sprintf(msgSOKeepIdentity, "kind")))
	}
	if got.Name != want.Name {
		errs = append(errs, field.Forbidden(soPath(patch, "metadata", "name"), msgSOKeepName))
	}
	if got.Namespace != want.Namespace {
		errs = append(errs, field.Forbidden(soPath(patch, "metadata", "namespace"), msgSOKeepNamespace))
	}
	for _, k := range []string{v1alpha1.LabelName, v1alpha1.LabelManagedBy} {
		if v := want.Labels[k]; got.Labels[k] != v {
			p, labels, touched := v1alpha1.WalkPatch(patch, v1alpha1.CustomScaledObjectPath, "metadata", "labels")
			if m, ok := labels.(map[string]any); ok && touched {
				if _, has := m[k]; has {
					p = p.Key(k)
				}
			}
			errs = append(errs, field.Forbidden(p, fmt.Sprintf(msgKeepOwnLabel, k, v)))
		}
	}
	if !equality.Semantic.DeepEqual(got.Spec.ScaleTargetRef, want.Spec.ScaleTargetRef) {
		errs = append(errs, field.Forbidden(soPath(patch, "spec", "scaleTargetRef"), fmt.Sprintf(msgSOKeepTarget, eds.Name)))
	}
	gen := want.Spec.Triggers[0]
	kept := 0
	for _, t := range got.Spec.Triggers {
		if t.Type == gen.Type && maps.Equal(t.Metadata, gen.Metadata) && equality.Semantic.DeepEqual(t.AuthenticationRef, gen.AuthenticationRef) {
			kept++
		}
	}
	if kept != 1 {
		errs = append(errs, field.Forbidden(soPath(patch, "spec", "triggers"), fmt.Sprintf(msgSOKeepTrigger, eds.Spec.NATS.Consumer)))
	}
	return errs
}
