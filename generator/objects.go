// Package generator turns a defaulted, valid EventDrivenService into the four
// objects a NATS JetStream worker needs, and runs that as a KRM function over
// a ResourceList. It does no I/O.
package generator

import (
	"maps"
	"strconv"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The port a worker serves its health endpoints on unless spec.http.port
// says otherwise, and its name.
const (
	HTTPPort     = v1alpha1.DefaultHTTPPort
	HTTPPortName = "http"
	// InitContainerName names the optional init container.
	InitContainerName = "init"
)

// annotationPrefixesNotCopied are orchestrator bookkeeping: copying them would
// make kustomize drop the generated objects (local-config), run the function
// again (function), map them back onto the EventDrivenService (ids, kpt's
// upstream identifier), or claim they were built by transformations that
// never touched them.
var annotationPrefixesNotCopied = []string{
	"config.kubernetes.io/",
	"internal.config.kubernetes.io/",
	"alpha.config.kubernetes.io/",
	"config.k8s.io/",
	"kustomize.config.k8s.io/",
	"internal.kpt.dev/",
	AnnotationSource,
	"kubectl.kubernetes.io/last-applied-configuration",
}

func objectMeta(eds *v1alpha1.EventDrivenService, name string) metav1.ObjectMeta {
	labels := maps.Clone(eds.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, standardLabels(eds))
	var annotations map[string]string
	for k, v := range eds.Annotations {
		if copiedAnnotation(k) {
			if annotations == nil {
				annotations = map[string]string{}
			}
			annotations[k] = v
		}
	}
	return metav1.ObjectMeta{
		Name:        name,
		Namespace:   eds.Namespace,
		Labels:      labels,
		Annotations: annotations,
	}
}

func copiedAnnotation(k string) bool {
	for _, p := range annotationPrefixesNotCopied {
		if strings.HasPrefix(k, p) {
			return false
		}
	}
	return true
}

func standardLabels(eds *v1alpha1.EventDrivenService) map[string]string {
	return map[string]string{
		v1alpha1.LabelName:      eds.Name,
		v1alpha1.LabelManagedBy: v1alpha1.ManagedByValue,
	}
}

// selectorLabels never include anything that changes over a service's life
// (image, version): a Deployment's selector is immutable. An adopted
// worker keeps the selector it runs with.
func selectorLabels(eds *v1alpha1.EventDrivenService) map[string]string {
	if a := eds.Spec.Adoption; a != nil && len(a.Selector) > 0 {
		return maps.Clone(a.Selector)
	}
	return map[string]string{v1alpha1.LabelName: eds.Name}
}

// scaledObjectName is "<name>-scaler", or the adopted ScaledObject's name.
func scaledObjectName(eds *v1alpha1.EventDrivenService) string {
	if a := eds.Spec.Adoption; a != nil && a.ScaledObjectName != "" {
		return a.ScaledObjectName
	}
	return eds.Name + v1alpha1.ScaledObjectSuffix
}

// overlay adds spec.objectMetadata's labels and annotations of one object
// (md, nil for none) to m; eds-fn's own labels stay as they are.
func overlay(eds *v1alpha1.EventDrivenService, m metav1.ObjectMeta, md *v1alpha1.Metadata) metav1.ObjectMeta {
	if md == nil {
		return m
	}
	if len(md.Labels) > 0 {
		maps.Copy(m.Labels, md.Labels)
		maps.Copy(m.Labels, standardLabels(eds))
	}
	if len(md.Annotations) > 0 {
		if m.Annotations == nil {
			m.Annotations = map[string]string{}
		}
		maps.Copy(m.Annotations, md.Annotations)
	}
	return m
}

// objectMetadata is spec.objectMetadata, never nil.
func objectMetadata(eds *v1alpha1.EventDrivenService) *v1alpha1.ObjectMetadata {
	if om := eds.Spec.ObjectMetadata; om != nil {
		return om
	}
	return &v1alpha1.ObjectMetadata{}
}

func serviceAccount(eds *v1alpha1.EventDrivenService) *corev1.ServiceAccount {
	no := false
	meta := objectMeta(eds, eds.Name)
	if sa := eds.Spec.ServiceAccount; sa != nil {
		meta = overlay(eds, meta, &v1alpha1.Metadata{Annotations: sa.Annotations})
	}
	return &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: overlay(eds, meta, objectMetadata(eds).ServiceAccount),
		// The worker talks to NATS, not to the Kubernetes API.
		AutomountServiceAccountToken: &no,
	}
}

func service(eds *v1alpha1.EventDrivenService) *corev1.Service {
	port := httpPort(&eds.Spec)
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: overlay(eds, objectMeta(eds, eds.Name), objectMetadata(eds).Service),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: selectorLabels(eds),
			Ports: []corev1.ServicePort{{
				Name:       HTTPPortName,
				Port:       port,
				TargetPort: intstr.FromString(HTTPPortName),
				Protocol:   corev1.ProtocolTCP,
			}},
		},
	}
	for _, p := range eds.Spec.Ports {
		if p.Service == nil || *p.Service {
			svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{
				Name: p.Name, Port: p.Port, TargetPort: intstr.FromString(p.Name), Protocol: protocolOf(p.Protocol),
			})
		}
	}
	return svc
}

func deployment(eds *v1alpha1.EventDrivenService) *appsv1.Deployment {
	s := &eds.Spec
	meta := objectMeta(eds, eds.Name)
	env, envFrom := environment(s)

	worker := corev1.Container{
		Name:            eds.Name,
		Image:           s.Image,
		ImagePullPolicy: s.ImagePullPolicy,
		Command:         s.Command,
		Args:            s.Args,
		Env:             env,
		EnvFrom:         envFrom,
		Resources:       s.MergedResources(),
		SecurityContext: containerSecurityContext(),
		Lifecycle:       s.Lifecycle,
	}
	if s.HTTPEnabled() {
		port := httpPort(s)
		worker.Ports = []corev1.ContainerPort{{
			Name:          HTTPPortName,
			ContainerPort: port,
			Protocol:      corev1.ProtocolTCP,
		}}
	}
	for _, p := range s.Ports {
		worker.Ports = append(worker.Ports, corev1.ContainerPort{Name: p.Name, ContainerPort: p.Port, Protocol: protocolOf(p.Protocol)})
	}
	setProbes(s, &worker)

	pod := corev1.PodSpec{
		ServiceAccountName:            s.ServiceAccountName(eds.Name),
		ImagePullSecrets:              s.ImagePullSecrets,
		SecurityContext:               podSecurityContext(),
		TerminationGracePeriodSeconds: s.TerminationGracePeriodSeconds,
		Containers:                    []corev1.Container{worker},
	}
	if ic := s.InitContainer; ic != nil {
		image := ic.Image
		if image == "" {
			image = s.Image
		}
		pod.InitContainers = []corev1.Container{{
			Name:            InitContainerName,
			Image:           image,
			ImagePullPolicy: s.ImagePullPolicy,
			Command:         ic.Command,
			Args:            ic.Args,
			// Same environment: a migration needs the same database secrets.
			Env:             env,
			EnvFrom:         envFrom,
			Resources:       worker.Resources,
			SecurityContext: containerSecurityContext(),
		}}
	}

	pod.InitContainers = append(containers(s, s.Sidecars, true), append(pod.InitContainers, containers(s, s.InitContainers, false)...)...)
	setSecurity(s.Security, &pod)
	setVolumesAndScheduling(s, &pod)

	podLabels := maps.Clone(meta.Labels)
	maps.Copy(podLabels, selectorLabels(eds))
	dep := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: overlay(eds, meta, objectMetadata(eds).Deployment),
		Spec: appsv1.DeploymentSpec{
			// No Replicas: KEDA owns the replica count, and a GitOps sync
			// that sets it would fight the autoscaler on every refresh.
			Selector: &metav1.LabelSelector{MatchLabels: selectorLabels(eds)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: maps.Clone(s.PodAnnotations)},
				Spec:       pod,
			},
		},
	}
	if s.Strategy != nil {
		// With the type the API server would default, so that a second
		// kubectl apply finds nothing to change.
		dep.Spec.Strategy = *s.Strategy
		if dep.Spec.Strategy.Type == "" {
			dep.Spec.Strategy.Type = appsv1.RollingUpdateDeploymentStrategyType
		}
	}
	return dep
}

// environment is the NATS variables, then spec.env, then each
// secretRefs[].env and configMapRefs[].env entry in declaration order; then
// one envFrom per secret, then per ConfigMap, with envFrom: true.
func environment(s *v1alpha1.EventDrivenServiceSpec) ([]corev1.EnvVar, []corev1.EnvFromSource) {
	env := []corev1.EnvVar{
		{Name: v1alpha1.EnvNATSURL, Value: s.NATS.URL},
		{Name: v1alpha1.EnvNATSStream, Value: s.NATS.Stream},
		{Name: v1alpha1.EnvNATSConsumer, Value: s.NATS.Consumer},
	}
	for _, e := range s.Env {
		env = append(env, corev1.EnvVar{Name: e.Name, Value: e.Value, ValueFrom: e.ValueFrom})
	}
	var envFrom []corev1.EnvFromSource
	for _, ref := range s.SecretRefs {
		for _, e := range ref.Env {
			env = append(env, corev1.EnvVar{
				Name: e.EnvName,
				ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name},
					Key:                  e.SecretKey,
				}},
			})
		}
	}
	env = append(env, configMapEnv(s)...)
	for _, ref := range s.SecretRefs {
		if ref.EnvFrom {
			envFrom = append(envFrom, corev1.EnvFromSource{
				SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}},
			})
		}
	}
	return env, append(envFrom, configMapEnvFrom(s)...)
}

// The pod and container security contexts together satisfy the Pod Security
// Standards "restricted" profile, so the worker runs in any namespace that
// enforces it.
func podSecurityContext() *corev1.PodSecurityContext {
	yes := true
	return &corev1.PodSecurityContext{
		RunAsNonRoot:   &yes,
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func containerSecurityContext() *corev1.SecurityContext {
	yes, no := true, false
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: &no,
		RunAsNonRoot:             &yes,
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// scaledObject is the subset of KEDA's keda.sh/v1alpha1 ScaledObject that the
// function writes. KEDA's own Go types would link client-go and
// controller-runtime into the binary (2.5x its size and start-up memory);
// the tests decode every generated ScaledObject strictly into KEDA's types
// instead, so a field KEDA does not know fails the build of the test suite,
// not a user's cluster.
type scaledObject struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       scaledObjectSpec  `json:"spec"`
}

type scaledObjectSpec struct {
	ScaleTargetRef  scaleTarget `json:"scaleTargetRef"`
	MinReplicaCount *int32      `json:"minReplicaCount"`
	MaxReplicaCount *int32      `json:"maxReplicaCount"`
	Triggers        []trigger   `json:"triggers"`
	kedaOptions
}

type scaleTarget struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
}

type trigger struct {
	Type              string                         `json:"type"`
	Name              string                         `json:"name,omitempty"`
	Metadata          map[string]string              `json:"metadata"`
	MetricType        autoscalingv2.MetricTargetType `json:"metricType,omitempty"`
	UseCachedMetrics  bool                           `json:"useCachedMetrics,omitempty"`
	AuthenticationRef *v1alpha1.AuthenticationRef    `json:"authenticationRef,omitempty"`
}

// TriggerType is KEDA's name for the NATS JetStream scaler.
const TriggerType = "nats-jetstream"

func scaler(eds *v1alpha1.EventDrivenService) *scaledObject {
	s := &eds.Spec
	so := &scaledObject{
		APIVersion: "keda.sh/v1alpha1",
		Kind:       "ScaledObject",
		Metadata:   overlay(eds, objectMeta(eds, scaledObjectName(eds)), objectMetadata(eds).ScaledObject),
		Spec: scaledObjectSpec{
			ScaleTargetRef:  scaleTarget{APIVersion: "apps/v1", Kind: "Deployment", Name: eds.Name},
			MinReplicaCount: s.Scaling.MinReplicas,
			MaxReplicaCount: s.Scaling.MaxReplicas,
			Triggers: []trigger{{
				Type: TriggerType,
				// KEDA reads every trigger parameter as a string.
				Metadata: map[string]string{
					"natsServerMonitoringEndpoint": s.NATS.MonitoringEndpoint,
					"account":                      s.NATS.Account,
					"stream":                       s.NATS.Stream,
					"consumer":                     s.NATS.Consumer,
					"lagThreshold":                 strconv.FormatInt(*s.Scaling.LagThreshold, 10),
				},
			}},
		},
	}
	for _, t := range s.Scaling.ExtraTriggers {
		so.Spec.Triggers = append(so.Spec.Triggers, trigger{
			Type: t.Type, Name: t.Name, Metadata: t.Metadata, MetricType: t.MetricType,
			UseCachedMetrics: t.UseCachedMetrics, AuthenticationRef: t.AuthenticationRef,
		})
	}
	addKEDAOptions(s, &so.Spec)
	return so
}
