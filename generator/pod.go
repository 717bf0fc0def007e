package generator

import (
	"github.com/bizmatters/eds-fn/api/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// httpPort is spec.http.port, or the default for a service that was not
// defaulted.
func httpPort(s *v1alpha1.EventDrivenServiceSpec) int32 {
	if s.HTTP != nil && s.HTTP.Port != nil {
		return *s.HTTP.Port
	}
	return HTTPPort
}

// probePath is the liveness (health) or readiness path.
func probePath(s *v1alpha1.EventDrivenServiceSpec, health bool) string {
	var p string
	if s.HTTP != nil {
		p = s.HTTP.ReadyPath
		if health {
			p = s.HTTP.HealthPath
		}
	}
	switch {
	case p != "":
		return p
	case health:
		return v1alpha1.DefaultHealthPath
	}
	return v1alpha1.DefaultReadyPath
}

func configMapEnv(s *v1alpha1.EventDrivenServiceSpec) []corev1.EnvVar {
	var env []corev1.EnvVar
	for _, ref := range s.ConfigMapRefs {
		for _, e := range ref.Env {
			env = append(env, corev1.EnvVar{
				Name: e.EnvName,
				ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name},
					Key:                  e.ConfigMapKey,
				}},
			})
		}
	}
	return env
}

func configMapEnvFrom(s *v1alpha1.EventDrivenServiceSpec) []corev1.EnvFromSource {
	var envFrom []corev1.EnvFromSource
	for _, ref := range s.ConfigMapRefs {
		if ref.EnvFrom {
			envFrom = append(envFrom, corev1.EnvFromSource{
				ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}},
			})
		}
	}
	return envFrom
}

// disruptionBudget is the PodDisruptionBudget of spec.disruptionBudget,
// selecting the Deployment's pods, or nil.
func disruptionBudget(eds *v1alpha1.EventDrivenService) *policyv1.PodDisruptionBudget {
	db := eds.Spec.DisruptionBudget
	if db == nil {
		return nil
	}
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: overlay(eds, objectMeta(eds, eds.Name), objectMetadata(eds).PodDisruptionBudget),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable:   db.MinAvailable,
			MaxUnavailable: db.MaxUnavailable,
			Selector:       &metav1.LabelSelector{MatchLabels: selectorLabels(eds)},
		},
	}
}

// The generated probes' timings: a startup probe gives a slow worker five
// minutes (30 × 10 s) before liveness takes over.
var (
	livenessTimings  = corev1.Probe{InitialDelaySeconds: 10, PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: 3}
	readinessTimings = corev1.Probe{InitialDelaySeconds: 5, PeriodSeconds: 5, TimeoutSeconds: 3, FailureThreshold: 2}
	startupTimings   = corev1.Probe{PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: 30}
)

// setProbes gives the worker its probes: with HTTP, a liveness HTTP GET of
// the health path and a readiness one of the ready path; then what
// spec.probes sets, each probe keeping the generated handler and timings
// where it leaves them out.
func setProbes(s *v1alpha1.EventDrivenServiceSpec, worker *corev1.Container) {
	var health, ready corev1.ProbeHandler
	p := s.Probes
	if p == nil {
		p = &v1alpha1.Probes{}
	}
	if s.HTTPEnabled() {
		health, ready = httpGet(probePath(s, true), httpPort(s)), httpGet(probePath(s, false), httpPort(s))
		worker.LivenessProbe = probe(livenessTimings, health, p.Liveness)
		worker.ReadinessProbe = probe(readinessTimings, ready, p.Readiness)
	} else {
		if p.Liveness != nil {
			worker.LivenessProbe = probe(livenessTimings, health, p.Liveness)
		}
		if p.Readiness != nil {
			worker.ReadinessProbe = probe(readinessTimings, ready, p.Readiness)
		}
	}
	if p.Startup != nil {
		worker.StartupProbe = probe(startupTimings, health, p.Startup)
	}
}

func httpGet(path string, port int32) corev1.ProbeHandler {
	return corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(port)}}
}

// probe is the generated timings and handler with what p (if any) sets.
func probe(base corev1.Probe, handler corev1.ProbeHandler, p *v1alpha1.Probe) *corev1.Probe {
	out := base
	out.ProbeHandler = handler
	if p == nil {
		return &out
	}
	if p.Exec != nil || p.HTTPGet != nil || p.TCPSocket != nil || p.GRPC != nil {
		out.ProbeHandler = p.ProbeHandler
	}
	for _, f := range []struct {
		set *int32
		to  *int32
	}{
		{p.InitialDelaySeconds, &out.InitialDelaySeconds},
		{p.PeriodSeconds, &out.PeriodSeconds},
		{p.TimeoutSeconds, &out.TimeoutSeconds},
		{p.SuccessThreshold, &out.SuccessThreshold},
		{p.FailureThreshold, &out.FailureThreshold},
	} {
		if f.set != nil {
			*f.to = *f.set
		}
	}
	out.TerminationGracePeriodSeconds = p.TerminationGracePeriodSeconds
	return &out
}

// setSecurity gives the pod spec.security: the user and groups to the
// pod's security context, the read-only root filesystem to each container
// eds-fn generated (the worker and the init container).
func setSecurity(sec *v1alpha1.Security, pod *corev1.PodSpec) {
	if sec == nil {
		return
	}
	psc := pod.SecurityContext
	psc.RunAsUser, psc.RunAsGroup, psc.FSGroup = sec.RunAsUser, sec.RunAsGroup, sec.FSGroup
	psc.FSGroupChangePolicy, psc.SupplementalGroups = sec.FSGroupChangePolicy, sec.SupplementalGroups
	if sec.ReadOnlyRootFilesystem != nil {
		for _, list := range [][]corev1.Container{pod.InitContainers, pod.Containers} {
			for i := range list {
				list[i].SecurityContext.ReadOnlyRootFilesystem = sec.ReadOnlyRootFilesystem
			}
		}
	}
}

// setVolumesAndScheduling gives the pod spec.volumes and spec.hostAliases,
// the worker and the init container spec.volumeMounts, and the pod
// spec.scheduling.
func setVolumesAndScheduling(s *v1alpha1.EventDrivenServiceSpec, pod *corev1.PodSpec) {
	pod.Volumes, pod.HostAliases = s.Volumes, s.HostAliases
	if len(s.VolumeMounts) > 0 {
		// The worker's mounts, and those of initContainer, which shares
		// its environment; initContainers and sidecars have their own.
		pod.Containers[0].VolumeMounts = s.VolumeMounts
		for i := range pod.InitContainers {
			if s.InitContainer != nil && pod.InitContainers[i].Name == InitContainerName {
				pod.InitContainers[i].VolumeMounts = s.VolumeMounts
			}
		}
	}
	if sc := s.Scheduling; sc != nil {
		pod.NodeSelector, pod.Tolerations, pod.Affinity = sc.NodeSelector, sc.Tolerations, sc.Affinity
		pod.TopologySpreadConstraints, pod.PriorityClassName = sc.TopologySpreadConstraints, sc.PriorityClassName
	}
}

// containers are spec.initContainers or spec.sidecars (sidecar true) as
// Kubernetes containers: a sidecar is an init container that restarts
// Always, which makes it run beside the worker.
func containers(s *v1alpha1.EventDrivenServiceSpec, list []v1alpha1.Container, sidecar bool) []corev1.Container {
	var out []corev1.Container
	for _, c := range list {
		image := c.Image
		if image == "" {
			image = s.Image
		}
		var env []corev1.EnvVar
		for _, e := range c.Env {
			env = append(env, corev1.EnvVar{Name: e.Name, Value: e.Value, ValueFrom: e.ValueFrom})
		}
		k := corev1.Container{
			Name: c.Name, Image: image, ImagePullPolicy: s.ImagePullPolicy, Command: c.Command, Args: c.Args,
			Env: env, Resources: v1alpha1.SizedResources(v1alpha1.SizeMicro, c.Resources), VolumeMounts: c.VolumeMounts, SecurityContext: containerSecurityContext(),
		}
		if sidecar {
			always := corev1.ContainerRestartPolicyAlways
			k.RestartPolicy = &always
		}
		out = append(out, k)
	}
	return out
}
