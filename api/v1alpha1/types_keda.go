package v1alpha1

import autoscalingv2 "k8s.io/api/autoscaling/v2"

// The KEDA side of the API: where the trigger reads the lag, and how the
// ScaledObject scales.

// NATS is where the worker's messages come from.
// +kubebuilder:validation:XValidation:rule="!(has(self.account) && has(self.accountID))",message="set account or accountID, not both"
type NATS struct {
	// URL is the NATS client URL given to the worker as NATS_URL. Several
	// URLs may be separated by commas. Schemes: nats, tls, ws, wss.
	// +optional
	// +kubebuilder:default="nats://nats.nats.svc:4222"
	URL string `json:"url,omitempty"`

	// Stream is the JetStream stream, given to the worker as NATS_STREAM_NAME.
	// +kubebuilder:validation:MinLength=1
	Stream string `json:"stream"`

	// Consumer is the durable consumer, given to the worker as
	// NATS_CONSUMER_GROUP; KEDA scales on its pending and unacknowledged
	// messages.
	// +kubebuilder:validation:MinLength=1
	Consumer string `json:"consumer"`

	// Account is the NATS account that holds the stream. A server without
	// configured accounts keeps every stream in "$G", the default when
	// accountID is not set either. "$SYS" is refused: the system account can
	// never hold JetStream streams. (The default is eds-fn's, not the
	// schema's, so that an object with accountID is never stored with both.)
	// +optional
	Account string `json:"account,omitempty"`

	// MonitoringEndpoint is the host:port (no scheme) of the NATS monitoring
	// port that KEDA polls. Use the headless Service: in a NATS cluster whose
	// servers do not advertise client URLs (the official chart's default)
	// KEDA asks each node by its pod DNS name, which only a headless Service
	// has. The chart's client Service is accepted with a warning.
	// +optional
	// +kubebuilder:default="nats-headless.nats.svc.cluster.local:8222"
	MonitoringEndpoint string `json:"monitoringEndpoint,omitempty"`

	// AccountID is the ID of the NATS account that holds the stream, for a
	// server with configured accounts, where an account's ID and name differ
	// (KEDA's trigger field accountID, KEDA v2.17 and later). Set account or
	// accountID, never both; with accountID the trigger has no "account".
	// +optional
	AccountID string `json:"accountID,omitempty"`

	// UseHTTPS makes KEDA poll the monitoring endpoint over https instead of
	// http (the trigger's useHttps: "true"). Omitted or false: http.
	// +optional
	UseHTTPS bool `json:"useHttps,omitempty"`

	// AuthenticationRef names a KEDA TriggerAuthentication (in the worker's
	// namespace) or ClusterTriggerAuthentication for the trigger. KEDA reads
	// natsServerMonitoringEndpoint, account and accountID from it before the
	// trigger's own values.
	// +optional
	AuthenticationRef *AuthenticationRef `json:"authenticationRef,omitempty"`
}

// AuthenticationRef points the trigger at a KEDA TriggerAuthentication or
// ClusterTriggerAuthentication.
type AuthenticationRef struct {
	// Name of the TriggerAuthentication or ClusterTriggerAuthentication.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Kind is TriggerAuthentication (the default, in the worker's namespace)
	// or ClusterTriggerAuthentication.
	// +optional
	// +kubebuilder:default=TriggerAuthentication
	// +kubebuilder:validation:Enum=TriggerAuthentication;ClusterTriggerAuthentication
	Kind string `json:"kind,omitempty"`
}

// The kinds an authenticationRef may name.
const (
	KindTriggerAuthentication        = "TriggerAuthentication"
	KindClusterTriggerAuthentication = "ClusterTriggerAuthentication"
)

// AuthenticationKinds lists the kinds an authenticationRef may name.
var AuthenticationKinds = []string{KindTriggerAuthentication, KindClusterTriggerAuthentication}

// Scaling is the KEDA tuning. Omitted fields take the platform defaults.
// +kubebuilder:validation:XValidation:rule="!has(self.idleReplicas) || self.idleReplicas < (has(self.minReplicas) ? self.minReplicas : 1)",message="idleReplicas must be less than minReplicas"
type Scaling struct {
	// MinReplicas is the lowest replica count; 0 lets KEDA scale to zero.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0
	MinReplicas *int32 `json:"minReplicas,omitempty"`
	// MaxReplicas is the highest replica count.
	// +optional
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	MaxReplicas *int32 `json:"maxReplicas,omitempty"`
	// LagThreshold is the consumer lag (pending plus unacknowledged messages)
	// one replica is expected to handle.
	// +optional
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=1
	LagThreshold *int64 `json:"lagThreshold,omitempty"`

	// ActivationLagThreshold is the lag above which KEDA activates the worker
	// from zero replicas (the trigger's activationLagThreshold; KEDA's
	// default is 0). It matters only with minReplicas 0 or idleReplicas.
	// +optional
	// +kubebuilder:validation:Minimum=0
	ActivationLagThreshold *int64 `json:"activationLagThreshold,omitempty"`

	// PollingInterval is how often, in seconds, KEDA checks the lag itself
	// (the ScaledObject's pollingInterval; KEDA's default is 30). With
	// minReplicas above 0 and no idleReplicas the HPA does the scaling, and
	// it is reported as a warning, as KEDA's admission webhook does.
	// +optional
	// +kubebuilder:validation:Minimum=1
	PollingInterval *int32 `json:"pollingInterval,omitempty"`

	// CooldownPeriod is how long, in seconds, KEDA waits after the last
	// active poll before scaling to zero or idleReplicas (KEDA's default is
	// 300). Irrelevant, and a warning, with minReplicas above 0 and no
	// idleReplicas.
	// +optional
	// +kubebuilder:validation:Minimum=0
	CooldownPeriod *int32 `json:"cooldownPeriod,omitempty"`

	// InitialCooldownPeriod is how long, in seconds, after the ScaledObject
	// is created KEDA waits before it may scale to zero (KEDA's default is 0).
	// +optional
	// +kubebuilder:validation:Minimum=0
	InitialCooldownPeriod *int32 `json:"initialCooldownPeriod,omitempty"`

	// IdleReplicas is the replica count while there is no lag at all (the
	// ScaledObject's idleReplicaCount); it must be below minReplicas.
	// +optional
	// +kubebuilder:validation:Minimum=0
	IdleReplicas *int32 `json:"idleReplicas,omitempty"`

	// Fallback is the replica count KEDA keeps when the lag cannot be read
	// failureThreshold times in a row.
	// +optional
	Fallback *Fallback `json:"fallback,omitempty"`

	// MetricType is how KEDA's HPA reads the lag: AverageValue (KEDA's
	// default: the lag divided by the replicas is held at lagThreshold) or
	// Value (the whole lag is held at lagThreshold).
	// +optional
	// +kubebuilder:validation:Enum=AverageValue;Value
	MetricType autoscalingv2.MetricTargetType `json:"metricType,omitempty"`

	// HPAName names the HorizontalPodAutoscaler KEDA creates instead of
	// keda-hpa-<name>-scaler, for example to keep an existing HPA's name:
	// a DNS subdomain of at most 63 characters.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	HPAName string `json:"hpaName,omitempty"`

	// ExtraTriggers are more KEDA triggers beside the generated
	// nats-jetstream one, which stays first: KEDA scales to the highest
	// replica count any trigger asks for (cpu and memory, a cron window, a
	// second consumer).
	// +optional
	// +listType=atomic
	ExtraTriggers []Trigger `json:"extraTriggers,omitempty"`

	// Behavior tunes how fast the HPA that KEDA creates scales up and down
	// (autoscaling/v2 HorizontalPodAutoscalerBehavior), written to the
	// ScaledObject's spec.advanced.horizontalPodAutoscalerConfig.behavior.
	// +optional
	Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
}

// Fallback is KEDA's fallback: the replicas to run while the scaler fails.
type Fallback struct {
	// FailureThreshold is the number of failed polls in a row after which
	// KEDA falls back.
	// +kubebuilder:validation:Minimum=0
	FailureThreshold *int32 `json:"failureThreshold"`
	// Replicas is the replica count KEDA keeps while falling back.
	// +kubebuilder:validation:Minimum=0
	Replicas *int32 `json:"replicas"`
}

// Trigger is one KEDA trigger of the ScaledObject, in KEDA's own shape.
type Trigger struct {
	// Type is the KEDA scaler, for example cpu, memory, cron or
	// prometheus.
	// +kubebuilder:validation:MinLength=1
	Type string `json:"type"`
	// Name of the trigger, unique in the ScaledObject (KEDA names its
	// metric after it).
	// +optional
	Name string `json:"name,omitempty"`
	// Metadata are the scaler's parameters, every value a string (KEDA's
	// docs for the scaler list them), for example value: "80" for cpu.
	Metadata map[string]string `json:"metadata"`
	// MetricType is AverageValue or Value, or for cpu and memory
	// Utilization (KEDA refuses Utilization for every other scaler).
	// +optional
	// +kubebuilder:validation:Enum=AverageValue;Value;Utilization
	MetricType autoscalingv2.MetricTargetType `json:"metricType,omitempty"`
	// UseCachedMetrics serves the HPA the value of KEDA's last poll
	// instead of asking the scaler again (not for cpu, memory and cron).
	// +optional
	UseCachedMetrics bool `json:"useCachedMetrics,omitempty"`
	// AuthenticationRef is the TriggerAuthentication the scaler reads its
	// credentials from.
	// +optional
	AuthenticationRef *AuthenticationRef `json:"authenticationRef,omitempty"`
}
