package v1alpha1

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// EventDrivenService describes one NATS JetStream worker. eds-fn turns it into
// a ServiceAccount, a ClusterIP Service, a Deployment and a KEDA ScaledObject
// that scales the Deployment on the lag of one JetStream consumer.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=eds
type EventDrivenService struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. The name becomes the name of the Deployment,
	// Service and ServiceAccount (the ScaledObject is "<name>-scaler"), and the
	// labels are copied onto every generated object (never into selectors).
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec describes the worker.
	Spec EventDrivenServiceSpec `json:"spec"`
}

// EventDrivenServiceSpec is the desired state of one worker.
type EventDrivenServiceSpec struct {
	// Image is the worker's container image reference, for example
	// "ghcr.io/org/agent-executor:v1.0.0". The init container uses it too.
	// +kubebuilder:validation:MinLength=1
	Image string `json:"image"`

	// ImagePullPolicy is copied onto every container. Omitted means the
	// Kubernetes default (Always for ":latest" or untagged images,
	// IfNotPresent otherwise).
	// +optional
	// +kubebuilder:validation:Enum=Always;IfNotPresent;Never
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`

	// Size selects the container's CPU and memory requests and limits.
	// +optional
	// +kubebuilder:default=medium
	// +kubebuilder:validation:Enum=micro;small;medium;large
	Size Size `json:"size,omitempty"`

	// NATS names the JetStream stream and consumer the worker reads, and
	// where KEDA reads the consumer's lag.
	NATS NATS `json:"nats"`

	// SecretRefs injects Secrets, whoever creates them (Crossplane, External
	// Secrets, sealed-secrets, by hand), as environment variables.
	// +optional
	// +listType=atomic
	SecretRefs []SecretRef `json:"secretRefs,omitempty"`

	// ImagePullSecrets are the Secrets the kubelet uses to pull Image.
	// +optional
	// +listType=atomic
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`

	// Command replaces the worker container's entrypoint, for example
	// ["node", "dist/main.js"]. Omitted means the image's own ENTRYPOINT.
	// The init container keeps its own command.
	// +optional
	// +listType=atomic
	Command []string `json:"command,omitempty"`

	// Args are the worker container's arguments, for example
	// ["--mode=inbox"]. Omitted means the image's own CMD.
	// +optional
	// +listType=atomic
	Args []string `json:"args,omitempty"`

	// Env are plain environment variables, set in this order after
	// NATS_URL, NATS_STREAM_NAME and NATS_CONSUMER_GROUP and before the
	// variables of secretRefs and configMapRefs. Every name may be set only
	// once across all of them.
	// +optional
	// +listType=atomic
	Env []EnvVar `json:"env,omitempty"`

	// ConfigMapRefs injects ConfigMaps as environment variables, like
	// SecretRefs: single keys (after the secrets' keys), or every key
	// (envFrom, after the secrets).
	// +optional
	// +listType=atomic
	ConfigMapRefs []ConfigMapRef `json:"configMapRefs,omitempty"`

	// Resources overrides the requests and limits of Size, key by key: a
	// key written here replaces the preset's, the others stay. Requests may
	// not exceed limits once both are merged. The init container gets the
	// same resources.
	// +optional
	Resources *ResourceOverrides `json:"resources,omitempty"`

	// HTTP is the worker's HTTP server: the port the Service targets and the
	// probes use, and the probe paths. enabled: false is a worker without
	// an HTTP server: no Service, no container port, no probes.
	// +optional
	HTTP *HTTP `json:"http,omitempty"`

	// PodAnnotations are set on the pod template only (for example
	// prometheus.io/scrape), never on the generated objects themselves.
	// +optional
	PodAnnotations map[string]string `json:"podAnnotations,omitempty"`

	// TerminationGracePeriodSeconds is how long the worker may take to
	// finish its messages after SIGTERM before it is killed. Omitted means
	// the Kubernetes default (30).
	// +optional
	// +kubebuilder:validation:Minimum=0
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`

	// Security sets the user and groups the pod's processes run as and a
	// read-only root filesystem, for images whose user exists only as a
	// number and for volumes that need a group. The generated pod stays
	// non-root: runAsUser 0 is refused.
	// +optional
	Security *Security `json:"security,omitempty"`

	// Probes changes the worker's probes: the timings of the generated HTTP
	// liveness and readiness probes, another handler (exec, tcpSocket,
	// grpc, httpGet) for either, and a startup probe.
	// +optional
	Probes *Probes `json:"probes,omitempty"`

	// Volumes are added to the pod: Kubernetes volumes (configMap, secret,
	// emptyDir, persistentVolumeClaim, projected, ...), named uniquely. At
	// spec.podSecurity restricted, only the volume types that level allows
	// (not hostPath).
	// +optional
	// +listType=map
	// +listMapKey=name
	Volumes []corev1.Volume `json:"volumes,omitempty"`

	// VolumeMounts mount volumes of spec.volumes into the worker, and into
	// the init container (a migration often needs the same files).
	// +optional
	// +listType=atomic
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts,omitempty"`

	// Scheduling is where the pods may run: node selector, tolerations,
	// affinity, topology spread and priority class.
	// +optional
	Scheduling *Scheduling `json:"scheduling,omitempty"`

	// HostAliases are entries added to the pods' /etc/hosts, for a host
	// that DNS does not resolve (an ip and its hostnames).
	// +optional
	// +listType=atomic
	HostAliases []corev1.HostAlias `json:"hostAliases,omitempty"`

	// Lifecycle is the worker container's lifecycle hooks, for example a
	// preStop sleep that lets a load balancer drain before SIGTERM.
	// +optional
	Lifecycle *corev1.Lifecycle `json:"lifecycle,omitempty"`

	// Strategy is how the Deployment replaces its pods on a change: the
	// Kubernetes default (RollingUpdate, maxSurge and maxUnavailable 25%),
	// other RollingUpdate bounds, or Recreate.
	// +optional
	Strategy *appsv1.DeploymentStrategy `json:"strategy,omitempty"`

	// Ports are more ports of the worker besides spec.http.port (a metrics
	// port, say), on the container and, unless service is false, on the
	// Service.
	// +optional
	// +listType=map
	// +listMapKey=name
	Ports []Port `json:"ports,omitempty"`

	// ServiceAccount is the pod's identity: the generated ServiceAccount
	// with annotations (an IAM role, a workload identity), or an existing
	// one instead.
	// +optional
	ServiceAccount *ServiceAccount `json:"serviceAccount,omitempty"`

	// ObjectMetadata adds labels and annotations to one generated object
	// only (the Service, the ScaledObject, ...); metadata.labels and
	// metadata.annotations of the EventDrivenService go to all of them.
	// +optional
	ObjectMetadata *ObjectMetadata `json:"objectMetadata,omitempty"`

	// DisruptionBudget adds a policy/v1 PodDisruptionBudget named after the
	// service, selecting its pods. Set exactly one of minAvailable and
	// maxUnavailable.
	// +optional
	DisruptionBudget *DisruptionBudget `json:"disruptionBudget,omitempty"`

	// InitContainer runs to completion before the worker starts, with the
	// same image and environment, for example to migrate a database.
	// +optional
	InitContainer *InitContainer `json:"initContainer,omitempty"`

	// InitContainers run one after another before the worker (after
	// initContainer, if set), each with its own image, command,
	// environment and resources.
	// +optional
	// +listType=map
	// +listMapKey=name
	InitContainers []Container `json:"initContainers,omitempty"`

	// Sidecars run beside the worker for the pod's whole life (a log
	// shipper, a proxy), as Kubernetes' native sidecars: init containers
	// with restartPolicy Always, started before the other init containers
	// and stopped after the worker (Kubernetes 1.29 or later).
	// +optional
	// +listType=map
	// +listMapKey=name
	Sidecars []Container `json:"sidecars,omitempty"`

	// Scaling bounds the replica count KEDA may choose and sets the lag per
	// replica.
	// +optional
	Scaling *Scaling `json:"scaling,omitempty"`

	// Adoption keeps what a worker that already runs cannot change, so that
	// the generated objects can be applied over it in place: its
	// Deployment's selector and its ScaledObject's name. A new service
	// never sets it ("Adopting a running worker" in the docs).
	// +optional
	Adoption *Adoption `json:"adoption,omitempty"`

	// PodSecurity is the Pod Security Standards level the worker's pod must
	// meet, checked by eds-fn with the API server's own checks after
	// customDeployment is applied. "restricted" is the default and what the
	// generated pod meets; "baseline" or "privileged" lowers the bar for this
	// one service, on purpose, and is reported as a warning. The namespace's
	// pod-security.kubernetes.io/enforce label must allow the level too.
	// +optional
	// +kubebuilder:default=restricted
	// +kubebuilder:validation:Enum=restricted;baseline;privileged
	PodSecurity PodSecurityLevel `json:"podSecurity,omitempty"`

	// CustomDeployment is an escape hatch: a strategic-merge patch (as
	// kubectl patch --type=strategic takes it) applied last to the generated
	// Deployment. Every field it sets must be a Deployment field. It may not
	// change what eds-fn owns: apiVersion, kind, metadata.name and
	// metadata.namespace, spec.selector, spec.replicas, the selector's labels
	// on the pod template and eds-fn's two labels on the Deployment, nor
	// remove or rename the worker container (named after the service; an
	// entry of that name changes it). The patched pod must meet
	// spec.podSecurity, and the patched Deployment and its pods must be
	// ones the API server accepts, as its own validation decides.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:Schemaless
	CustomDeployment *runtime.RawExtension `json:"customDeployment,omitempty"`

	// CustomService is an escape hatch like customDeployment: a
	// strategic-merge patch applied last to the generated Service. It may not
	// change apiVersion, kind, metadata.name, metadata.namespace, the labels
	// eds-fn sets, or spec.selector. It is an error with http.enabled: false,
	// which generates no Service.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:Schemaless
	CustomService *runtime.RawExtension `json:"customService,omitempty"`

	// CustomScaledObject is an escape hatch: a JSON merge patch (RFC 7386:
	// mappings merge, lists are replaced whole, null removes a field)
	// applied last to the generated KEDA ScaledObject. Every field it sets
	// must be a ScaledObject field of KEDA v2.21. It may not change
	// apiVersion, kind, metadata.name, metadata.namespace, the labels eds-fn
	// recognises its objects by, or spec.scaleTargetRef, and the generated
	// nats-jetstream trigger must stay (a patch of spec.triggers replaces the
	// list: repeat it). The result must pass the checks of KEDA's admission
	// webhook (replica bounds, fallback, trigger names).
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:Schemaless
	CustomScaledObject *runtime.RawExtension `json:"customScaledObject,omitempty"`
}

// PodSecurityLevel is a Pod Security Standards level.
type PodSecurityLevel string

// The Pod Security Standards levels, from strictest to most permissive.
const (
	PodSecurityRestricted PodSecurityLevel = "restricted"
	PodSecurityBaseline   PodSecurityLevel = "baseline"
	PodSecurityPrivileged PodSecurityLevel = "privileged"
)

// PodSecurityLevels lists the levels from strictest to most permissive, for
// messages and docs.
var PodSecurityLevels = []string{string(PodSecurityRestricted), string(PodSecurityBaseline), string(PodSecurityPrivileged)}

// Size is a named resource profile.
type Size string

// The sizes a worker can have, from smallest to largest.
const (
	SizeMicro  Size = "micro"
	SizeSmall  Size = "small"
	SizeMedium Size = "medium"
	SizeLarge  Size = "large"
)

// SecretRef injects one Secret. Set Env, EnvFrom, or both.
type SecretRef struct {
	// Name of the Secret, in the worker's namespace.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`

	// Env maps single keys of the Secret to environment variables, in order.
	// +optional
	// +listType=atomic
	Env []SecretEnv `json:"env,omitempty"`

	// EnvFrom exposes every key of the Secret as an environment variable of
	// the same name (envFrom.secretRef).
	// +optional
	EnvFrom bool `json:"envFrom,omitempty"`
}

// SecretEnv maps one key of a Secret to one environment variable.
type SecretEnv struct {
	// SecretKey is the key in the Secret's data.
	// +kubebuilder:validation:MinLength=1
	SecretKey string `json:"secretKey"`
	// EnvName is the environment variable that receives the value.
	// +kubebuilder:validation:MinLength=1
	EnvName string `json:"envName"`
}

// Container is an init container or a sidecar. It runs with the worker's
// restricted security context and spec.security.
type Container struct {
	// Name of the container, a DNS label unique in the pod (not the
	// service's name, which is the worker's, nor "init" with
	// initContainer).
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Image is the container's image. Omitted means spec.image.
	// +optional
	Image string `json:"image,omitempty"`
	// Command is the entrypoint; omitted means the image's.
	// +optional
	// +listType=atomic
	Command []string `json:"command,omitempty"`
	// Args are the arguments to Command.
	// +optional
	// +listType=atomic
	Args []string `json:"args,omitempty"`
	// Env are the container's own environment variables (the worker's are
	// not copied).
	// +optional
	// +listType=atomic
	Env []EnvVar `json:"env,omitempty"`
	// Resources replace, key by key, the requests and limits of size
	// "micro" (100m/256Mi, limits 500m/1Gi), which the container gets
	// otherwise.
	// +optional
	Resources *ResourceOverrides `json:"resources,omitempty"`
	// VolumeMounts mount volumes of spec.volumes into the container.
	// +optional
	// +listType=atomic
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts,omitempty"`
}

// InitContainer is a command run before the worker, in the worker's image and
// with its environment.
type InitContainer struct {
	// Command is the entrypoint, for example ["/bin/bash", "-c"].
	// +kubebuilder:validation:MinItems=1
	// +listType=atomic
	Command []string `json:"command"`
	// Args are the arguments to Command.
	// +optional
	// +listType=atomic
	Args []string `json:"args,omitempty"`
	// Image is the init container's image, for example
	// "curlimages/curl:8.11.1". Omitted means spec.image.
	// +optional
	Image string `json:"image,omitempty"`
}
