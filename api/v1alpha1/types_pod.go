package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// EnvVar is one plain environment variable.
type EnvVar struct {
	// Name of the variable, for example "NODE_ENV".
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Value of the variable; empty is allowed.
	// +optional
	Value string `json:"value,omitempty"`
	// ValueFrom reads the value from elsewhere instead: the pod's own
	// fields (fieldRef: metadata.name, status.podIP, ...), the worker's
	// requests and limits (resourceFieldRef), or a key of a Secret or
	// ConfigMap (secretRefs and configMapRefs say the same more briefly).
	// Not together with value.
	// +optional
	ValueFrom *corev1.EnvVarSource `json:"valueFrom,omitempty"`
}

// ConfigMapRef injects one ConfigMap. Set Env, EnvFrom, or both.
type ConfigMapRef struct {
	// Name of the ConfigMap, in the worker's namespace.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// Env maps single keys of the ConfigMap to environment variables, in
	// order.
	// +optional
	// +listType=atomic
	Env []ConfigMapEnv `json:"env,omitempty"`

	// EnvFrom exposes every key of the ConfigMap as an environment variable
	// of the same name (envFrom.configMapRef).
	// +optional
	EnvFrom bool `json:"envFrom,omitempty"`
}

// ConfigMapEnv maps one key of a ConfigMap to one environment variable.
type ConfigMapEnv struct {
	// ConfigMapKey is the key in the ConfigMap's data.
	// +kubebuilder:validation:MinLength=1
	ConfigMapKey string `json:"configMapKey"`
	// EnvName is the environment variable that receives the value.
	// +kubebuilder:validation:MinLength=1
	EnvName string `json:"envName"`
}

// ResourceOverrides are requests and limits that replace those of the size
// preset, key by key (cpu, memory, ephemeral-storage, ...).
type ResourceOverrides struct {
	// Requests replace the preset's requests of the same resource.
	// +optional
	Requests corev1.ResourceList `json:"requests,omitempty"`
	// Limits replace the preset's limits of the same resource.
	// +optional
	Limits corev1.ResourceList `json:"limits,omitempty"`
}

// HTTP is the worker's HTTP server, for the Service and the probes.
type HTTP struct {
	// Enabled: false means the worker serves no HTTP: no Service, no
	// container port and no probes are generated.
	// +optional
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`
	// Port is the container port named "http", the Service's port and the
	// probes' port.
	// +optional
	// +kubebuilder:default=8080
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port *int32 `json:"port,omitempty"`
	// HealthPath is the liveness probe's HTTP GET path.
	// +optional
	// +kubebuilder:default="/health"
	// +kubebuilder:validation:Pattern=`^/`
	HealthPath string `json:"healthPath,omitempty"`
	// ReadyPath is the readiness probe's HTTP GET path.
	// +optional
	// +kubebuilder:default="/ready"
	// +kubebuilder:validation:Pattern=`^/`
	ReadyPath string `json:"readyPath,omitempty"`
}

// DisruptionBudget is the generated PodDisruptionBudget: exactly one of
// MinAvailable and MaxUnavailable, each a number of pods or a percentage.
type DisruptionBudget struct {
	// MinAvailable is how many of the service's pods must stay up during a
	// voluntary eviction (a node drain), for example 1 or "50%".
	// +optional
	MinAvailable *intstr.IntOrString `json:"minAvailable,omitempty"`
	// MaxUnavailable is how many of the service's pods a voluntary eviction
	// may take down at once, for example 1 or "25%".
	// +optional
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
}

// Security is who the pod's processes run as. The user and groups apply
// to every container of the pod (the pod's securityContext); the read-only
// root filesystem to the containers eds-fn generates: the worker, the init
// containers and the sidecars. Everything else of the restricted security
// context stays.
type Security struct {
	// RunAsUser is the user ID the containers run as, for an image whose
	// USER is a name the kubelet cannot check or is missing. It must not be
	// 0: the generated pod runs as non-root.
	// +optional
	// +kubebuilder:validation:Minimum=1
	RunAsUser *int64 `json:"runAsUser,omitempty"`
	// RunAsGroup is the primary group ID of the containers' processes.
	// +optional
	// +kubebuilder:validation:Minimum=0
	RunAsGroup *int64 `json:"runAsGroup,omitempty"`
	// FSGroup is the group that owns the pod's volumes and is added to the
	// processes' groups, so that a non-root worker can write to them.
	// +optional
	// +kubebuilder:validation:Minimum=0
	FSGroup *int64 `json:"fsGroup,omitempty"`
	// FSGroupChangePolicy is when the kubelet changes the volumes' owner
	// to fsGroup: "Always" (on every mount, the Kubernetes default) or
	// "OnRootMismatch" (only when the volume's root does not match, faster
	// for large volumes).
	// +optional
	// +kubebuilder:validation:Enum=Always;OnRootMismatch
	FSGroupChangePolicy *corev1.PodFSGroupChangePolicy `json:"fsGroupChangePolicy,omitempty"`
	// SupplementalGroups are more group IDs of the containers' processes.
	// +optional
	// +listType=atomic
	SupplementalGroups []int64 `json:"supplementalGroups,omitempty"`
	// ReadOnlyRootFilesystem mounts the root filesystem of the worker, the
	// init containers and the sidecars read-only; they then write only to
	// volumes (spec.volumes can add an emptyDir).
	// +optional
	ReadOnlyRootFilesystem *bool `json:"readOnlyRootFilesystem,omitempty"`
}

// Probes are the worker container's probes.
type Probes struct {
	// Liveness restarts the worker when it fails. Its handler, if set,
	// replaces the generated HTTP GET of spec.http.healthPath; each timing
	// it sets replaces the generated one.
	// +optional
	Liveness *Probe `json:"liveness,omitempty"`
	// Readiness takes the pod out of the Service while it fails. Its
	// handler, if set, replaces the generated HTTP GET of
	// spec.http.readyPath; each timing it sets replaces the generated one.
	// +optional
	Readiness *Probe `json:"readiness,omitempty"`
	// Startup holds off the other probes until it succeeds, for a worker
	// that starts slowly. Without a handler it is an HTTP GET of
	// spec.http.healthPath.
	//
	// With http.enabled: false there is no HTTP GET to keep: each probe
	// set needs a handler.
	// +optional
	Startup *Probe `json:"startup,omitempty"`
}

// Probe is a Kubernetes probe (the fields of a container's livenessProbe)
// whose handler and timings may be left out: each one that is set replaces
// the generated probe's. Set at most one handler.
type Probe struct {
	// The handler: exactly one of exec, httpGet, tcpSocket and grpc, or
	// none to keep the generated HTTP GET.
	corev1.ProbeHandler `json:",inline"`
	// InitialDelaySeconds is how long after the container starts the first
	// probe runs. Generated: 10 (liveness), 5 (readiness), 0 (startup).
	// +optional
	// +kubebuilder:validation:Minimum=0
	InitialDelaySeconds *int32 `json:"initialDelaySeconds,omitempty"`
	// PeriodSeconds is how often the probe runs. Generated: 10 (liveness
	// and startup), 5 (readiness).
	// +optional
	// +kubebuilder:validation:Minimum=1
	PeriodSeconds *int32 `json:"periodSeconds,omitempty"`
	// TimeoutSeconds is how long one probe may take. Generated: 5
	// (liveness and startup), 3 (readiness).
	// +optional
	// +kubebuilder:validation:Minimum=1
	TimeoutSeconds *int32 `json:"timeoutSeconds,omitempty"`
	// SuccessThreshold is how many successes in a row count as passing
	// after a failure; it must be 1 for liveness and startup. Generated: 1.
	// +optional
	// +kubebuilder:validation:Minimum=1
	SuccessThreshold *int32 `json:"successThreshold,omitempty"`
	// FailureThreshold is how many failures in a row count as failing.
	// Generated: 3 (liveness), 2 (readiness), 30 (startup: with
	// periodSeconds 10, five minutes to start).
	// +optional
	// +kubebuilder:validation:Minimum=1
	FailureThreshold *int32 `json:"failureThreshold,omitempty"`
	// TerminationGracePeriodSeconds overrides the pod's grace period when
	// this (liveness or startup) probe kills the container.
	// +optional
	// +kubebuilder:validation:Minimum=1
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`
}

// Scheduling is the pod's placement, as Kubernetes users know it from a
// pod spec.
type Scheduling struct {
	// NodeSelector: the pods run only on nodes with all these labels.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// Tolerations let the pods run on nodes with matching taints.
	// +optional
	// +listType=atomic
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// Affinity is the pods' node affinity and pod (anti-)affinity.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`
	// TopologySpreadConstraints spread the pods across zones or nodes.
	// +optional
	// +listType=atomic
	TopologySpreadConstraints []corev1.TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty"`
	// PriorityClassName is the PriorityClass of the pods, which must exist
	// in the cluster.
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`
}

// Port is one more port of the worker container.
type Port struct {
	// Name of the port (an IANA service name: at most 15 characters,
	// lowercase letters, digits and "-"), unique among the worker's ports;
	// "http" is spec.http.port's.
	Name string `json:"name"`
	// Port is the container port, and the Service's port.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`
	// Protocol is TCP (the default), UDP or SCTP.
	// +optional
	// +kubebuilder:default=TCP
	// +kubebuilder:validation:Enum=TCP;UDP;SCTP
	Protocol corev1.Protocol `json:"protocol,omitempty"`
	// Service: false keeps the port off the Service (a port only the pod's
	// own tools reach).
	// +optional
	// +kubebuilder:default=true
	Service *bool `json:"service,omitempty"`
}

// ServiceAccount is which ServiceAccount the pod runs as.
type ServiceAccount struct {
	// Create: false runs the pod as the existing ServiceAccount name
	// instead of generating one (a cloud IAM role's trust policy that names
	// it, an account with RBAC of its own).
	// +optional
	// +kubebuilder:default=true
	Create *bool `json:"create,omitempty"`
	// Name of the existing ServiceAccount, with create: false; the
	// generated one is always named after the service.
	// +optional
	Name string `json:"name,omitempty"`
	// Annotations of the generated ServiceAccount, for example
	// eks.amazonaws.com/role-arn or iam.gke.io/gcp-service-account.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// ObjectMetadata is labels and annotations for one generated object each.
type ObjectMetadata struct {
	// Deployment: the Deployment's own metadata (its pods' is
	// spec.podAnnotations).
	// +optional
	Deployment *Metadata `json:"deployment,omitempty"`
	// Service: the Service's metadata, for example a load balancer's
	// annotations after customService made it one.
	// +optional
	Service *Metadata `json:"service,omitempty"`
	// ServiceAccount: the generated ServiceAccount's metadata (its
	// annotations can also be set in spec.serviceAccount.annotations).
	// +optional
	ServiceAccount *Metadata `json:"serviceAccount,omitempty"`
	// ScaledObject: the ScaledObject's metadata, for example
	// autoscaling.keda.sh/paused.
	// +optional
	ScaledObject *Metadata `json:"scaledObject,omitempty"`
	// PodDisruptionBudget: the PodDisruptionBudget's metadata, when
	// spec.disruptionBudget generates one.
	// +optional
	PodDisruptionBudget *Metadata `json:"podDisruptionBudget,omitempty"`
}

// Metadata is labels and annotations added to one object. They win over
// the EventDrivenService's own, but not over the labels eds-fn sets
// (app.kubernetes.io/name, app.kubernetes.io/managed-by).
type Metadata struct {
	// Labels added to the object.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations added to the object.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// ServiceAccountName is the ServiceAccount the pod of the service name
// runs as: the generated one, named after the service, or
// spec.serviceAccount.name with create: false.
func (s *EventDrivenServiceSpec) ServiceAccountName(service string) string {
	if !s.CreatesServiceAccount() {
		return s.ServiceAccount.Name
	}
	return service
}

// CreatesServiceAccount reports whether a ServiceAccount is generated.
func (s *EventDrivenServiceSpec) CreatesServiceAccount() bool {
	sa := s.ServiceAccount
	return sa == nil || sa.Create == nil || *sa.Create
}

// Adoption is what the running originals of an adopted worker fix for good.
type Adoption struct {
	// Selector is the running Deployment's spec.selector.matchLabels,
	// which the API server never lets change. The generated Deployment
	// selects its pods by these labels instead of app.kubernetes.io/name,
	// its pods carry them, and the Service and PodDisruptionBudget select
	// by them too.
	// +optional
	Selector map[string]string `json:"selector,omitempty"`

	// ScaledObjectName is the running ScaledObject's name, instead of
	// "<name>-scaler": KEDA's admission webhook refuses a second
	// ScaledObject for the same Deployment, and the HPA KEDA made for it
	// (keda-hpa-<scaledObjectName>) is kept.
	// +optional
	ScaledObjectName string `json:"scaledObjectName,omitempty"`
}
