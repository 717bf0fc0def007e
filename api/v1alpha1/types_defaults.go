package v1alpha1

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KindEventDrivenServiceDefaults is the platform defaults object.
const KindEventDrivenServiceDefaults = "EventDrivenServiceDefaults"

// EventDrivenServiceDefaults holds what a platform sets once for all its
// EventDrivenServices: the NATS install, the image pull secrets, the size,
// the security context, the scheduling, labels. Placed beside the services
// (among a kustomization's resources in bulk mode, in a kpt package, or
// given to "eds-fn generate --defaults"), it is merged under each of them
// before validation: a field the service sets wins, mappings merge key by
// key, lists are replaced whole, and null in a service removes a default.
// It is never sent to a cluster: bulk mode removes it from the output and a
// kpt package marks it local-config.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=edsdefaults
type EventDrivenServiceDefaults struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata; its labels and annotations are the defaults
	// object's own (spec.labels and spec.annotations go to the services).
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec holds the defaults, each under the name and in the shape of the
	// EventDrivenService field it defaults.
	Spec EventDrivenServiceDefaultsSpec `json:"spec"`
}

// EventDrivenServiceDefaultsSpec has every EventDrivenService field a
// platform may set for all services. The fields that name one worker
// (image, command, args, nats.stream, nats.consumer, scaling.hpaName, the
// init containers, adoption) and the escape hatches (customDeployment, customService,
// customScaledObject) are not defaults: each service writes its own.
type EventDrivenServiceDefaultsSpec struct {
	// Labels are merged under every service's metadata.labels, and so set
	// on every generated object.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// Annotations are merged under every service's metadata.annotations,
	// and so set on every generated object.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// ImagePullPolicy defaults spec.imagePullPolicy.
	// +optional
	// +kubebuilder:validation:Enum=Always;IfNotPresent;Never
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`

	// Size defaults spec.size.
	// +optional
	// +kubebuilder:validation:Enum=micro;small;medium;large
	Size Size `json:"size,omitempty"`

	// NATS defaults spec.nats: the NATS install, without the stream and
	// consumer each service reads.
	// +optional
	NATS *NATSDefaults `json:"nats,omitempty"`

	// SecretRefs defaults spec.secretRefs (a service's own list replaces it).
	// +optional
	// +listType=atomic
	SecretRefs []SecretRef `json:"secretRefs,omitempty"`

	// ImagePullSecrets defaults spec.imagePullSecrets.
	// +optional
	// +listType=atomic
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`

	// Env defaults spec.env (a service's own list replaces it).
	// +optional
	// +listType=atomic
	Env []EnvVar `json:"env,omitempty"`

	// ConfigMapRefs defaults spec.configMapRefs.
	// +optional
	// +listType=atomic
	ConfigMapRefs []ConfigMapRef `json:"configMapRefs,omitempty"`

	// Resources defaults spec.resources, key by key.
	// +optional
	Resources *ResourceOverrides `json:"resources,omitempty"`

	// HTTP defaults spec.http: the port and probe paths of the platform's
	// workers.
	// +optional
	HTTP *HTTP `json:"http,omitempty"`

	// PodAnnotations defaults spec.podAnnotations, key by key.
	// +optional
	PodAnnotations map[string]string `json:"podAnnotations,omitempty"`

	// TerminationGracePeriodSeconds defaults
	// spec.terminationGracePeriodSeconds.
	// +optional
	// +kubebuilder:validation:Minimum=0
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`

	// Security defaults spec.security, field by field.
	// +optional
	Security *Security `json:"security,omitempty"`

	// Probes defaults spec.probes: a service that gives a probe another
	// handler keeps the default timings.
	// +optional
	Probes *Probes `json:"probes,omitempty"`

	// Volumes defaults spec.volumes.
	// +optional
	// +listType=map
	// +listMapKey=name
	Volumes []corev1.Volume `json:"volumes,omitempty"`

	// VolumeMounts defaults spec.volumeMounts.
	// +optional
	// +listType=atomic
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts,omitempty"`

	// Scheduling defaults spec.scheduling: node selector, tolerations,
	// affinity, topology spread, priority class.
	// +optional
	Scheduling *Scheduling `json:"scheduling,omitempty"`

	// HostAliases defaults spec.hostAliases.
	// +optional
	// +listType=atomic
	HostAliases []corev1.HostAlias `json:"hostAliases,omitempty"`

	// Lifecycle defaults spec.lifecycle.
	// +optional
	Lifecycle *corev1.Lifecycle `json:"lifecycle,omitempty"`

	// Strategy defaults spec.strategy. A service that sets strategy.type
	// does not inherit the default's rollingUpdate, and the other way round.
	// +optional
	Strategy *appsv1.DeploymentStrategy `json:"strategy,omitempty"`

	// Ports defaults spec.ports.
	// +optional
	// +listType=map
	// +listMapKey=name
	Ports []Port `json:"ports,omitempty"`

	// ServiceAccount defaults spec.serviceAccount.
	// +optional
	ServiceAccount *ServiceAccount `json:"serviceAccount,omitempty"`

	// ObjectMetadata defaults spec.objectMetadata.
	// +optional
	ObjectMetadata *ObjectMetadata `json:"objectMetadata,omitempty"`

	// DisruptionBudget defaults spec.disruptionBudget.
	// +optional
	DisruptionBudget *DisruptionBudget `json:"disruptionBudget,omitempty"`

	// Sidecars defaults spec.sidecars.
	// +optional
	// +listType=map
	// +listMapKey=name
	Sidecars []Container `json:"sidecars,omitempty"`

	// Scaling defaults spec.scaling, field by field (not hpaName, which
	// names one service's HPA).
	// +optional
	Scaling *Scaling `json:"scaling,omitempty"`

	// PodSecurity defaults spec.podSecurity.
	// +optional
	// +kubebuilder:validation:Enum=restricted;baseline;privileged
	PodSecurity PodSecurityLevel `json:"podSecurity,omitempty"`
}

// NATSDefaults is spec.nats without the stream and consumer: where the
// platform's NATS is, and how KEDA reaches its monitoring port.
// +kubebuilder:validation:XValidation:rule="!(has(self.account) && has(self.accountID))",message="set account or accountID, not both"
type NATSDefaults struct {
	// URL defaults spec.nats.url.
	// +optional
	URL string `json:"url,omitempty"`
	// Account defaults spec.nats.account. A service that sets accountID
	// does not inherit it.
	// +optional
	Account string `json:"account,omitempty"`
	// MonitoringEndpoint defaults spec.nats.monitoringEndpoint.
	// +optional
	MonitoringEndpoint string `json:"monitoringEndpoint,omitempty"`
	// AccountID defaults spec.nats.accountID. A service that sets account
	// does not inherit it.
	// +optional
	AccountID string `json:"accountID,omitempty"`
	// UseHTTPS defaults spec.nats.useHttps.
	// +optional
	UseHTTPS bool `json:"useHttps,omitempty"`
	// AuthenticationRef defaults spec.nats.authenticationRef.
	// +optional
	AuthenticationRef *AuthenticationRef `json:"authenticationRef,omitempty"`
}
