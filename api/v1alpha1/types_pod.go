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
