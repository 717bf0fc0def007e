package v1alpha1

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The KEDA side of the API: the trigger's account, transport and
// authentication, and the ScaledObject's timing, idle, fallback and HPA
// behaviour. The rules mirror what KEDA v2.21.0 refuses, in its CRD
// (github.com/kedacore/keda/v2 apis/keda/v1alpha1/scaledobject_types.go:
// minimums) and its admission webhook (scaledobject_webhook.go, and
// CheckReplicaCountBoundsAreValid and CheckFallbackValid in
// scaledobject_types.go), so that eds-fn refuses at build time what KEDA
// would refuse, or silently ignore, in the cluster.

const (
	msgAccountAndID = `set account or accountID, not both: KEDA matches the stream's account by either, ` +
		`so two of them could name two different accounts; with accountID the trigger has no account`
	msgIdleNotBelowMin = `must be less than spec.scaling.minReplicas (%d): KEDA's admission webhook refuses it ` +
		`("IdleReplicaCount=%d must be less than MinReplicaCount=%d"); idleReplicas is what KEDA scales to without any lag, ` +
		`below the minimum it keeps while there is some`
	msgIdleWithZeroMin = `must be less than spec.scaling.minReplicas (0), so it cannot be set: with minReplicas 0 KEDA already ` +
		`scales to zero without lag; leave idleReplicas out, or raise minReplicas`
	msgPollingInterval = `must be 1 or more (seconds): KEDA's ScaledObject schema refuses 0 and less`
	msgNonNegative     = `must be 0 or more (%s): KEDA's ScaledObject schema refuses negative values`
	msgFallbackField   = `%s: KEDA's ScaledObject schema requires both failureThreshold and replicas`
)

func (n *NATS) validateKEDA(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if n.AccountID != "" {
		ap := p.Child("accountID")
		switch {
		case n.Account != "":
			errs = append(errs, field.Invalid(ap, n.AccountID, msgAccountAndID))
		case n.AccountID == "$SYS":
			errs = append(errs, field.Invalid(ap, n.AccountID, msgSysAccount))
		case strings.IndexFunc(n.AccountID, unicode.IsSpace) >= 0:
			errs = append(errs, field.Invalid(ap, n.AccountID, "must not contain whitespace"))
		}
	}
	if r := n.AuthenticationRef; r != nil {
		rp := p.Child("authenticationRef")
		if r.Name == "" {
			errs = append(errs, field.Required(rp.Child("name"), "the name of a KEDA TriggerAuthentication (or ClusterTriggerAuthentication)"))
		}
		for _, msg := range validation.IsDNS1123Subdomain(r.Name) {
			if r.Name != "" {
				errs = append(errs, field.Invalid(rp.Child("name"), r.Name, msg))
			}
		}
		if !slices.Contains(AuthenticationKinds, r.Kind) {
			errs = append(errs, field.NotSupported(rp.Child("kind"), r.Kind, AuthenticationKinds))
		}
	}
	return errs
}

func (s *Scaling) validateKEDA(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	nonNegative := func(name string, v *int32, unit string) {
		if v != nil && *v < 0 {
			errs = append(errs, field.Invalid(p.Child(name), *v, fmt.Sprintf(msgNonNegative, unit)))
		}
	}
	if v := s.ActivationLagThreshold; v != nil && *v < 0 {
		errs = append(errs, field.Invalid(p.Child("activationLagThreshold"), *v,
			"must be 0 or more: the consumer lag above which KEDA activates the worker from zero"))
	}
	if v := s.PollingInterval; v != nil && *v < 1 {
		errs = append(errs, field.Invalid(p.Child("pollingInterval"), *v, msgPollingInterval))
	}
	nonNegative("cooldownPeriod", s.CooldownPeriod, "seconds")
	nonNegative("initialCooldownPeriod", s.InitialCooldownPeriod, "seconds")
	nonNegative("idleReplicas", s.IdleReplicas, "replicas")
	if idle, minR := s.IdleReplicas, s.MinReplicas; idle != nil && *idle >= 0 && minR != nil && *minR >= 0 && *idle >= *minR {
		// KEDA's own check compares with max(minReplicaCount, 1), so it
		// lets idleReplicaCount 0 pass with minReplicaCount 0, where idle
		// means nothing; eds-fn keeps to the documented rule.
		msg := fmt.Sprintf(msgIdleNotBelowMin, *minR, *idle, *minR)
		if *minR == 0 {
			msg = msgIdleWithZeroMin
		}
		errs = append(errs, field.Invalid(p.Child("idleReplicas"), *idle, msg))
	}
	if f := s.Fallback; f != nil {
		fp := p.Child("fallback")
		for _, c := range []struct {
			name, what string
			v          *int32
		}{
			{"failureThreshold", "the number of failed polls in a row before KEDA falls back", f.FailureThreshold},
			{"replicas", "the replica count KEDA keeps while it falls back", f.Replicas},
		} {
			switch {
			case c.v == nil:
				errs = append(errs, field.Required(fp.Child(c.name), fmt.Sprintf(msgFallbackField, c.what)))
			case *c.v < 0:
				// KEDA's webhook: "FailureThreshold=%d & Replicas=%d must both
				// be greater than or equal to 0".
				errs = append(errs, field.Invalid(fp.Child(c.name), *c.v, "must be 0 or more: KEDA's admission webhook refuses negative fallback values"))
			}
		}
	}
	errs = append(errs, ValidateHPABehavior(s.Behavior, p.Child("behavior"))...)
	return errs
}

// The bounds of an HPA's behavior, as the API server enforces them
// (k8s.io/kubernetes pkg/apis/autoscaling/validation/validation.go,
// MaxPeriodSeconds and MaxStabilizationWindowSeconds).
const (
	maxHPAPeriodSeconds              int32 = 1800
	maxHPAStabilizationWindowSeconds int32 = 3600
)

// ValidateHPABehavior checks an autoscaling/v2 HPA behavior the way the API
// server does when KEDA creates its HPA (validateBehavior in
// k8s.io/kubernetes pkg/apis/autoscaling/validation/validation.go, same
// rules and wording): a behavior it refuses leaves the ScaledObject without
// an HPA, never Ready. Policies may be left out: the API server then
// defaults them.
func ValidateHPABehavior(b *autoscalingv2.HorizontalPodAutoscalerBehavior, p *field.Path) field.ErrorList {
	if b == nil {
		return nil
	}
	var errs field.ErrorList
	for _, r := range []struct {
		name  string
		rules *autoscalingv2.HPAScalingRules
	}{{"scaleUp", b.ScaleUp}, {"scaleDown", b.ScaleDown}} {
		if r.rules == nil {
			continue
		}
		rp := p.Child(r.name)
		if w := r.rules.StabilizationWindowSeconds; w != nil && *w < 0 {
			errs = append(errs, field.Invalid(rp.Child("stabilizationWindowSeconds"), *w, "must be greater than or equal to zero"))
		} else if w != nil && *w > maxHPAStabilizationWindowSeconds {
			errs = append(errs, field.Invalid(rp.Child("stabilizationWindowSeconds"), *w,
				fmt.Sprintf("must be less than or equal to %d", maxHPAStabilizationWindowSeconds)))
		}
		selects := []autoscalingv2.ScalingPolicySelect{autoscalingv2.DisabledPolicySelect, autoscalingv2.MaxChangePolicySelect, autoscalingv2.MinChangePolicySelect}
		if sp := r.rules.SelectPolicy; sp != nil && !slices.Contains(selects, *sp) {
			errs = append(errs, field.NotSupported(rp.Child("selectPolicy"), *sp, selects))
		}
		for i, pol := range r.rules.Policies {
			pp := rp.Child("policies").Index(i)
			types := []autoscalingv2.HPAScalingPolicyType{autoscalingv2.PercentScalingPolicy, autoscalingv2.PodsScalingPolicy}
			if !slices.Contains(types, pol.Type) {
				errs = append(errs, field.NotSupported(pp.Child("type"), pol.Type, types))
			}
			if pol.Value <= 0 {
				errs = append(errs, field.Invalid(pp.Child("value"), pol.Value, "must be greater than zero"))
			}
			switch {
			case pol.PeriodSeconds <= 0:
				errs = append(errs, field.Invalid(pp.Child("periodSeconds"), pol.PeriodSeconds, "must be greater than zero"))
			case pol.PeriodSeconds > maxHPAPeriodSeconds:
				errs = append(errs, field.Invalid(pp.Child("periodSeconds"), pol.PeriodSeconds,
					fmt.Sprintf("must be less than or equal to %d", maxHPAPeriodSeconds)))
			}
		}
		// The API server's ValidateNonnegativeQuantity, which lives in
		// k8s.io/kubernetes only.
		if t := r.rules.Tolerance; t != nil && t.Sign() < 0 {
			errs = append(errs, field.Invalid(rp.Child("tolerance"), t.String(), "must be greater than or equal to 0"))
		}
	}
	return errs
}
