package generator

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// checkWebhook does to the final ScaledObject what KEDA v2.21.0's admission
// webhook does to it (github.com/kedacore/keda/v2
// apis/keda/v1alpha1/scaledobject_webhook.go: verifyReplicaCount,
// verifyFallback, verifyTriggers, verifyName and the warnings of
// verifyScaledObjects; CheckReplicaCountBoundsAreValid, CheckFallbackValid
// and IsPollingIntervalRelevant in scaledobject_types.go), plus the minimums
// of KEDA's CRD and the API server's checks of the HPA behavior KEDA copies.
// The webhook is installed with failurePolicy=ignore, and many clusters do
// not run it at all: what it would refuse KEDA then fails on later, so
// eds-fn refuses it at build time.
//
// It leaves out what needs the cluster (other ScaledObjects and HPAs of the
// workload, the containers' requests for cpu/memory triggers) and the
// compilation of scalingModifiers formulas.
//
// Each problem is reported where it came from: the place in
// spec.customScaledObject that set the field, or else the spec.scaling
// field that generated it. Without a patch, spec.scaling's own validation
// has already refused every error, so only the warnings remain.
func checkWebhook(eds *v1alpha1.EventDrivenService, so *kedaScaledObject, patch map[string]any) (errs, warnings field.ErrorList) {
	s := &so.Spec
	// blame is the place of the first of the fields (ScaledObject paths)
	// that the patch set, or of the first one's spec.scaling field.
	blame := func(fields ...[]string) *field.Path {
		for _, f := range fields {
			if p, touched := soAt(patch, f...); touched {
				return p
			}
		}
		return edsPathOf(fields[0])
	}
	minimum := func(name string, v *int32, least int32) {
		if v != nil && *v < least {
			errs = append(errs, field.Invalid(blame([]string{"spec", name}), *v,
				fmt.Sprintf("must be %d or more: KEDA's ScaledObject schema refuses %s below %d", least, name, least)))
		}
	}
	minimum("pollingInterval", s.PollingInterval, 1)
	minimum("initialCooldownPeriod", s.InitialCooldownPeriod, 0)
	minimum("cooldownPeriod", s.CooldownPeriod, 0)
	minimum("idleReplicaCount", s.IdleReplicaCount, 0)
	minimum("minReplicaCount", s.MinReplicaCount, 0)
	minimum("maxReplicaCount", s.MaxReplicaCount, 1)

	// CheckReplicaCountBoundsAreValid, with its defaults: a minimum that is
	// set counts as at least 1, an unset one as 0; an unset maximum is 100.
	minR := int32(0)
	if s.MinReplicaCount != nil {
		minR = max(*s.MinReplicaCount, 1)
	}
	maxR := int32(100)
	if s.MaxReplicaCount != nil {
		maxR = *s.MaxReplicaCount
	}
	minPath, maxPath, idlePath := []string{"spec", "minReplicaCount"}, []string{"spec", "maxReplicaCount"}, []string{"spec", "idleReplicaCount"}
	if minR > maxR {
		errs = append(errs, field.Invalid(blame(minPath, maxPath), minR,
			fmt.Sprintf("KEDA's admission webhook refuses it: MinReplicaCount=%d must be less than MaxReplicaCount=%d", minR, maxR)))
	}
	if s.IdleReplicaCount != nil && *s.IdleReplicaCount >= minR {
		errs = append(errs, field.Invalid(blame(idlePath, minPath), *s.IdleReplicaCount,
			fmt.Sprintf("KEDA's admission webhook refuses it: IdleReplicaCount=%d must be less than MinReplicaCount=%d", *s.IdleReplicaCount, minR)))
	}
	errs = append(errs, checkFallback(so, blame)...)
	errs = append(errs, checkTriggers(so, blame)...)
	if a := s.Advanced; a != nil && a.HorizontalPodAutoscalerConfig != nil {
		hp := []string{"spec", "advanced", "horizontalPodAutoscalerConfig"}
		if n := a.HorizontalPodAutoscalerConfig.Name; len(n) > 63 {
			errs = append(errs, field.Invalid(blame(append(hp, "name")), n,
				fmt.Sprintf("KEDA's admission webhook refuses it: HPA name %q is %d characters long; must be no more than 63 characters", n, len(n))))
		} else if n != "" {
			for _, msg := range validation.IsDNS1123Subdomain(n) {
				errs = append(errs, field.Invalid(blame(append(hp, "name")), n,
					"KEDA names the HorizontalPodAutoscaler so and the API server refuses to create it: "+msg))
			}
		}
		if p, touched := soAt(patch, append(hp, "behavior")...); touched {
			errs = append(errs, v1alpha1.ValidateHPABehavior(a.HorizontalPodAutoscalerConfig.Behavior, p)...)
		}
	}
	if len(errs) > 0 {
		return errs, nil
	}
	return nil, webhookWarnings(so, blame)
}

const (
	// KEDA's own words (scaledobject_webhook.go, verifyScaledObjects).
	kedaPollingWarning = "PollingInterval is configured but is not relevant for scaling. It only affects scaling when minReplicaCount = 0, " +
		"idleReplicaCount is set, or useCachedMetrics is enabled, but it still controls how often KEDA refreshes the ScaledObject status conditions and events"
	kedaCooldownWarning = "CooldownPeriod is configured but is not relevant. CooldownPeriod is only relevant when minReplicaCount = 0 or idleReplicaCount is set"
	msgIrrelevant       = "KEDA's admission webhook warns: %q. With minReplicas %d and no idleReplicas the HPA does all the scaling; " +
		"remove %s, or set minReplicas: 0 or idleReplicas if the worker should scale to zero or idle"
)

func webhookWarnings(so *kedaScaledObject, blame func(...[]string) *field.Path) field.ErrorList {
	s := &so.Spec
	minR := int32(0)
	if s.MinReplicaCount != nil {
		minR = *s.MinReplicaCount
	}
	var w field.ErrorList
	// IsPollingIntervalRelevant and UsesHPAObservations.
	relevant := minR == 0 || s.IdleReplicaCount != nil ||
		slices.ContainsFunc(s.Triggers, func(t kedaTrigger) bool { return t.UseCachedMetrics })
	if s.PollingInterval != nil && !relevant && !usesModifiers(so) {
		w = append(w, field.Invalid(blame([]string{"spec", "pollingInterval"}), *s.PollingInterval,
			fmt.Sprintf(msgIrrelevant, kedaPollingWarning, minR, "pollingInterval")))
	}
	if s.CooldownPeriod != nil && minR > 0 && s.IdleReplicaCount == nil {
		w = append(w, field.Invalid(blame([]string{"spec", "cooldownPeriod"}), *s.CooldownPeriod,
			fmt.Sprintf(msgIrrelevant, kedaCooldownWarning, minR, "cooldownPeriod")))
	}
	return w
}

func usesModifiers(so *kedaScaledObject) bool {
	a := so.Spec.Advanced
	return a != nil && !reflect.DeepEqual(a.ScalingModifiers, kedaScalingModifiers{})
}

var fallbackBehaviors = []string{"static", "currentReplicas", "currentReplicasIfHigher", "currentReplicasIfLower", "scalingModifiers"}

// checkFallback is CheckFallbackValid and the fallback checks of
// verifyScaledObjects, and the enum of the CRD's fallback.behavior. Despite
// its message, KEDA v2.21.0 refuses only a fallback whose triggers are all
// cpu or memory: a trigger with metricType Value is allowed (pkg/fallback
// divides the fallback replicas by the ready ones), so it is here too.
func checkFallback(so *kedaScaledObject, blame func(...[]string) *field.Path) field.ErrorList {
	f := so.Spec.Fallback
	if f == nil {
		return nil
	}
	fp := []string{"spec", "fallback"}
	var errs field.ErrorList
	if f.FailureThreshold < 0 || f.Replicas < 0 {
		errs = append(errs, field.Invalid(blame(fp), fmt.Sprintf("failureThreshold: %d, replicas: %d", f.FailureThreshold, f.Replicas),
			fmt.Sprintf("KEDA's admission webhook refuses it: FailureThreshold=%d & Replicas=%d must both be greater than or equal to 0", f.FailureThreshold, f.Replicas)))
	}
	if f.Behavior != "" && !slices.Contains(fallbackBehaviors, f.Behavior) {
		errs = append(errs, field.NotSupported(blame(append(fp, "behavior")), f.Behavior, fallbackBehaviors))
	}
	modifiers := usesModifiers(so)
	if !modifiers && !slices.ContainsFunc(so.Spec.Triggers, func(t kedaTrigger) bool { return t.Type != "cpu" && t.Type != "memory" }) {
		errs = append(errs, field.Invalid(blame([]string{"spec", "triggers"}, fp), "(triggers)",
			"KEDA's admission webhook refuses it: at least one trigger (that is not cpu or memory) has to have the `AverageValue` type for the fallback to be enabled"))
	}
	if f.Behavior == "scalingModifiers" && (!modifiers || so.Spec.Advanced.ScalingModifiers.Formula == "") {
		errs = append(errs, field.Invalid(blame(append(fp, "behavior"), []string{"spec", "advanced", "scalingModifiers"}), f.Behavior,
			"KEDA's admission webhook refuses it: scalingModifiers fallback behavior requires scalingModifiers.formula to be defined"))
	}
	return errs
}

// checkTriggers is ValidateTriggers (scaletriggers_types.go).
func checkTriggers(so *kedaScaledObject, blame func(...[]string) *field.Path) field.ErrorList {
	var errs field.ErrorList
	tp := blame([]string{"spec", "triggers"})
	// Without a patch of spec.triggers, the first trigger is spec.nats's
	// and the others are spec.scaling.extraTriggers.
	at := func(i int) *field.Path {
		if tp.String() != "spec.nats" {
			return tp.Index(i)
		}
		if i == 0 {
			return tp
		}
		return field.NewPath("spec", "scaling", "extraTriggers").Index(i - 1)
	}
	names := map[string]bool{}
	for i, t := range so.Spec.Triggers {
		errs = append(errs, checkTrigger(&t, at(i))...)
		if t.UseCachedMetrics && (t.Type == "cpu" || t.Type == "memory" || t.Type == "cron") {
			errs = append(errs, field.Invalid(at(i).Child("useCachedMetrics"), true,
				fmt.Sprintf("KEDA's admission webhook refuses it: property \"useCachedMetrics\" is not supported for %q scaler", t.Type)))
		}
		if t.Name == "" {
			continue
		}
		if names[t.Name] {
			errs = append(errs, field.Invalid(at(i).Child("name"), t.Name,
				fmt.Sprintf("KEDA's admission webhook refuses it: triggerName %q is defined multiple times in the ScaledObject/ScaledJob, but it must be unique", t.Name)))
		}
		names[t.Name] = true
	}
	return errs
}

// checkTrigger is what KEDA's CRD schema and KEDA itself refuse of one
// trigger: the CRD requires a type and an authenticationRef's name and
// enumerates its kind; KEDA's scalers refuse a metricType the HPA cannot
// use for them (pkg/scalers/scaler.go GetMetricTargetType for external
// scalers, cpu_memory_scaler.go for cpu and memory), and the HPA KEDA
// creates refuses any other value.
func checkTrigger(t *kedaTrigger, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t.Type == "" {
		errs = append(errs, field.Required(p.Child("type"), "KEDA's ScaledObject schema requires the scaler's type (nats-jetstream, cpu, memory, ...)"))
	}
	if r := t.AuthenticationRef; r != nil {
		if r.Name == "" {
			errs = append(errs, field.Required(p.Child("authenticationRef", "name"),
				"name the TriggerAuthentication (or ClusterTriggerAuthentication) the trigger uses, or remove authenticationRef"))
		}
		if r.Kind != "" && r.Kind != "TriggerAuthentication" && r.Kind != "ClusterTriggerAuthentication" {
			errs = append(errs, field.NotSupported(p.Child("authenticationRef", "kind"), r.Kind, []string{"TriggerAuthentication", "ClusterTriggerAuthentication"}))
		}
	}
	if t.MetricType == "" || t.Type == "" {
		return errs
	}
	allowed := []string{string(autoscalingv2.AverageValueMetricType), string(autoscalingv2.ValueMetricType)}
	why := "KEDA refuses Utilization for every scaler but cpu and memory: it is a percentage of the pods' requests, which only those two metrics have"
	if t.Type == "cpu" || t.Type == "memory" {
		allowed = []string{string(autoscalingv2.UtilizationMetricType), string(autoscalingv2.AverageValueMetricType)}
		why = "KEDA's " + t.Type + " scaler takes Utilization or AverageValue"
	}
	if !slices.Contains(allowed, string(t.MetricType)) {
		e := field.NotSupported(p.Child("metricType"), t.MetricType, allowed)
		e.Detail += "; " + why
		errs = append(errs, e)
	}
	return errs
}

// edsPathOf is the EventDrivenService field that generates the ScaledObject
// field at segs.
func edsPathOf(segs []string) *field.Path {
	scaling := field.NewPath("spec", "scaling")
	switch fmt.Sprint(segs) {
	case "[spec minReplicaCount]":
		return scaling.Child("minReplicas")
	case "[spec maxReplicaCount]":
		return scaling.Child("maxReplicas")
	case "[spec idleReplicaCount]":
		return scaling.Child("idleReplicas")
	case "[spec triggers]":
		return field.NewPath("spec", "nats")
	}
	if len(segs) == 2 && segs[0] == "spec" {
		return scaling.Child(segs[1])
	}
	return scaling
}
