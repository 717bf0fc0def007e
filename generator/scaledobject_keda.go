package generator

import (
	"strconv"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// kedaOptions are the ScaledObject fields that spec.scaling sets only when
// asked: each is omitted unless set, so that a service that uses none of
// them renders exactly as before they existed.
type kedaOptions struct {
	PollingInterval       *int32         `json:"pollingInterval,omitempty"`
	CooldownPeriod        *int32         `json:"cooldownPeriod,omitempty"`
	InitialCooldownPeriod *int32         `json:"initialCooldownPeriod,omitempty"`
	IdleReplicaCount      *int32         `json:"idleReplicaCount,omitempty"`
	Fallback              *fallback      `json:"fallback,omitempty"`
	Advanced              *advancedScale `json:"advanced,omitempty"`
}

type fallback struct {
	FailureThreshold int32 `json:"failureThreshold"`
	Replicas         int32 `json:"replicas"`
}

type advancedScale struct {
	HorizontalPodAutoscalerConfig *hpaConfig `json:"horizontalPodAutoscalerConfig,omitempty"`
}

type hpaConfig struct {
	Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
	Name     string                                         `json:"name,omitempty"`
}

// addKEDAOptions writes spec.nats' accountID, useHttps and authenticationRef
// into the trigger and spec.scaling's KEDA tuning into the ScaledObject.
// KEDA reads every trigger parameter as a string.
func addKEDAOptions(s *v1alpha1.EventDrivenServiceSpec, so *scaledObjectSpec) {
	t := &so.Triggers[0]
	if s.NATS.AccountID != "" {
		// Never both: KEDA matches the account by ID or by name, and the
		// defaulted "$G" would match another account than the one meant.
		delete(t.Metadata, "account")
		t.Metadata["accountID"] = s.NATS.AccountID
	}
	if s.NATS.UseHTTPS {
		t.Metadata["useHttps"] = "true"
	}
	t.AuthenticationRef = s.NATS.AuthenticationRef
	sc := s.Scaling
	if sc.ActivationLagThreshold != nil {
		t.Metadata["activationLagThreshold"] = strconv.FormatInt(*sc.ActivationLagThreshold, 10)
	}
	so.PollingInterval = sc.PollingInterval
	so.CooldownPeriod = sc.CooldownPeriod
	so.InitialCooldownPeriod = sc.InitialCooldownPeriod
	so.IdleReplicaCount = sc.IdleReplicas
	if f := sc.Fallback; f != nil && f.FailureThreshold != nil && f.Replicas != nil {
		so.Fallback = &fallback{FailureThreshold: *f.FailureThreshold, Replicas: *f.Replicas}
	}
	t.MetricType = sc.MetricType
	if sc.Behavior != nil || sc.HPAName != "" {
		so.Advanced = &advancedScale{HorizontalPodAutoscalerConfig: &hpaConfig{Behavior: sc.Behavior, Name: sc.HPAName}}
	}
}
