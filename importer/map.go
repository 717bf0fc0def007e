package importer

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// mapped is a worker and the EventDrivenService made of it so far.
type mapped struct {
	w        *worker
	eds      v1alpha1.EventDrivenService
	dep      appsv1.Deployment
	svc      *corev1.Service
	pdb      *policyv1.PodDisruptionBudget
	worker   string   // the worker container's original name
	sidecars []string // the containers that become native sidecars
	initName string   // the init container that became spec.initContainer
	httpPort int32

	// servicePorts are the original Service's ports that reach the HTTP
	// port from another port; spec.customService keeps them.
	servicePorts []corev1.ServicePort

	claim   *claim       // the claim of the earlier composition, if any
	changes []Difference // changes by design made before mapping
	notes   []string
}

// Env variables eds-fn sets from spec.nats.
const (
	envURL      = "NATS_URL"
	envStream   = "NATS_STREAM_NAME"
	envConsumer = "NATS_CONSUMER_GROUP"
)

func mapWorker(w *worker, c *claim) (*mapped, error) {
	m := &mapped{w: w, claim: c}
	if err := decode(w.deployment.data, &m.dep); err != nil {
		return nil, fmt.Errorf("%s: %w", w.deployment.id(), err)
	}
	if len(w.services) > 0 {
		m.svc = &corev1.Service{}
		if err := decode(w.services[0].data, m.svc); err != nil {
			return nil, fmt.Errorf("%s: %w", w.services[0].id(), err)
		}
	}
	if w.pdb != nil {
		m.pdb = &policyv1.PodDisruptionBudget{}
		if err := decode(w.pdb.data, m.pdb); err != nil {
			return nil, fmt.Errorf("%s: %w", w.pdb.id(), err)
		}
	}
	eds := &m.eds
	eds.APIVersion = v1alpha1.APIVersion
	eds.Kind = v1alpha1.KindEventDrivenService
	eds.Name = m.dep.Name
	eds.Namespace = m.dep.Namespace
	eds.Labels = withoutEdsLabels(m.dep.Labels)
	s := &eds.Spec
	pod := &m.dep.Spec.Template.Spec
	if len(pod.Containers) == 0 {
		return nil, fmt.Errorf("%s has no container", w.deployment.id())
	}
	main := &pod.Containers[0]
	for i := range pod.Containers {
		if pod.Containers[i].Name == m.dep.Name {
			main = &pod.Containers[i]
		}
	}
	m.worker = main.Name
	for _, c := range pod.Containers {
		if c.Name != main.Name {
			m.sidecars = append(m.sidecars, c.Name)
			s.Sidecars = append(s.Sidecars, container(c))
		}
	}
	if c != nil {
		m.claimSecrets(main)
	}
	s.Image = main.Image
	s.ImagePullPolicy = main.ImagePullPolicy
	s.Command, s.Args = main.Command, main.Args
	m.mapEnv(main)
	m.mapResources(main.Resources)
	m.mapPorts(main)
	m.mapProbes(main)
	s.Lifecycle = main.Lifecycle
	s.VolumeMounts = main.VolumeMounts
	s.Volumes = pod.Volumes
	s.ImagePullSecrets = pod.ImagePullSecrets
	s.HostAliases = pod.HostAliases
	s.TerminationGracePeriodSeconds = pod.TerminationGracePeriodSeconds
	if v := pod.TerminationGracePeriodSeconds; v != nil && *v == corev1.DefaultTerminationGracePeriodSeconds {
		s.TerminationGracePeriodSeconds = nil
	}
	s.PodAnnotations = m.dep.Spec.Template.Annotations
	m.mapSecurity(pod, main)
	if sch := (v1alpha1.Scheduling{NodeSelector: pod.NodeSelector, Tolerations: pod.Tolerations, Affinity: pod.Affinity,
		TopologySpreadConstraints: pod.TopologySpreadConstraints, PriorityClassName: pod.PriorityClassName}); !isZeroScheduling(sch) {
		s.Scheduling = &sch
	}
	if st := m.dep.Spec.Strategy; st.Type != "" || st.RollingUpdate != nil {
		if !defaultStrategy(st) {
			s.Strategy = st.DeepCopy()
		}
	}
	for i, c := range pod.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			s.Sidecars = append(s.Sidecars, container(c))
			continue
		}
		if i == 0 && s.InitContainer == nil && c.Image == main.Image && len(c.Command) > 0 && onlyCommand(&c, main) {
			s.InitContainer = &v1alpha1.InitContainer{Command: c.Command, Args: c.Args}
			m.initName = c.Name
			continue
		}
		s.InitContainers = append(s.InitContainers, container(c))
	}
	m.mapServiceAccount(pod)
	if err := m.mapScaledObject(); err != nil {
		return nil, err
	}
	if m.pdb != nil {
		s.DisruptionBudget = &v1alpha1.DisruptionBudget{MinAvailable: m.pdb.Spec.MinAvailable, MaxUnavailable: m.pdb.Spec.MaxUnavailable}
	}
	m.mapMetadata()
	if sel := m.dep.Spec.Selector; sel != nil {
		if !maps.Equal(sel.MatchLabels, map[string]string{v1alpha1.LabelName: eds.Name}) {
			s.Adoption = &v1alpha1.Adoption{Selector: sel.MatchLabels}
		}
	}
	if so := w.scaledObject.name; so != eds.Name+"-scaler" {
		if s.Adoption == nil {
			s.Adoption = &v1alpha1.Adoption{}
		}
		s.Adoption.ScaledObjectName = so
	}
	if c != nil {
		m.claimChecks(main)
	}
	return m, nil
}

func withoutEdsLabels(l map[string]string) map[string]string {
	out := maps.Clone(l)
	delete(out, v1alpha1.LabelName)
	delete(out, v1alpha1.LabelManagedBy)
	if len(out) == 0 {
		return nil
	}
	return out
}

func isZeroScheduling(s v1alpha1.Scheduling) bool {
	return len(s.NodeSelector) == 0 && len(s.Tolerations) == 0 && s.Affinity == nil &&
		len(s.TopologySpreadConstraints) == 0 && s.PriorityClassName == ""
}

func defaultStrategy(st appsv1.DeploymentStrategy) bool {
	if st.Type != "" && st.Type != appsv1.RollingUpdateDeploymentStrategyType {
		return false
	}
	ru := st.RollingUpdate
	if ru == nil {
		return true
	}
	is25 := func(v *intstr.IntOrString) bool { return v == nil || v.String() == "25%" }
	return is25(ru.MaxSurge) && is25(ru.MaxUnavailable)
}

// onlyCommand reports whether c is the worker's image running a command
// with the worker's environment (or none) and nothing else of its own.
func onlyCommand(c, main *corev1.Container) bool {
	if len(c.Ports) > 0 || c.LivenessProbe != nil || c.ReadinessProbe != nil || c.StartupProbe != nil || len(c.VolumeMounts) > 0 || c.WorkingDir != "" {
		return false
	}
	return len(c.Env) == 0 && len(c.EnvFrom) == 0 || slices.EqualFunc(c.Env, main.Env, func(a, b corev1.EnvVar) bool { return a.Name == b.Name })
}

func container(c corev1.Container) v1alpha1.Container {
	out := v1alpha1.Container{Name: c.Name, Image: c.Image, Command: c.Command, Args: c.Args, VolumeMounts: c.VolumeMounts}
	for _, e := range c.Env {
		out.Env = append(out.Env, v1alpha1.EnvVar{Name: e.Name, Value: e.Value, ValueFrom: e.ValueFrom})
	}
	if len(c.Resources.Requests) > 0 || len(c.Resources.Limits) > 0 {
		out.Resources = &v1alpha1.ResourceOverrides{Requests: c.Resources.Requests, Limits: c.Resources.Limits}
		// The micro preset fills what the original left out; a request
		// above its limit gets a limit of its own size.
		merged := v1alpha1.SizedResources(v1alpha1.SizeMicro, out.Resources)
		for name, req := range c.Resources.Requests {
			if lim := merged.Limits[name]; req.Cmp(lim) > 0 {
				if out.Resources.Limits == nil {
					out.Resources.Limits = corev1.ResourceList{}
				} else {
					out.Resources.Limits = maps.Clone(out.Resources.Limits)
				}
				out.Resources.Limits[name] = req
			}
		}
	}
	return out
}

func (m *mapped) mapEnv(main *corev1.Container) {
	s := &m.eds.Spec
	secretIdx := map[string]int{}
	cmIdx := map[string]int{}
	secret := func(name string) *v1alpha1.SecretRef {
		i, ok := secretIdx[name]
		if !ok {
			i = len(s.SecretRefs)
			secretIdx[name] = i
			s.SecretRefs = append(s.SecretRefs, v1alpha1.SecretRef{Name: name})
		}
		return &s.SecretRefs[i]
	}
	configMap := func(name string) *v1alpha1.ConfigMapRef {
		i, ok := cmIdx[name]
		if !ok {
			i = len(s.ConfigMapRefs)
			cmIdx[name] = i
			s.ConfigMapRefs = append(s.ConfigMapRefs, v1alpha1.ConfigMapRef{Name: name})
		}
		return &s.ConfigMapRefs[i]
	}
	for _, e := range main.Env {
		if e.ValueFrom == nil {
			switch e.Name {
			case envURL:
				s.NATS.URL = e.Value
				continue
			case envStream:
				s.NATS.Stream = e.Value
				continue
			case envConsumer:
				s.NATS.Consumer = e.Value
				continue
			}
		}
		vf := e.ValueFrom
		switch {
		case vf != nil && vf.SecretKeyRef != nil && vf.SecretKeyRef.Optional == nil:
			r := secret(vf.SecretKeyRef.Name)
			r.Env = append(r.Env, v1alpha1.SecretEnv{SecretKey: vf.SecretKeyRef.Key, EnvName: e.Name})
		case vf != nil && vf.ConfigMapKeyRef != nil && vf.ConfigMapKeyRef.Optional == nil:
			r := configMap(vf.ConfigMapKeyRef.Name)
			r.Env = append(r.Env, v1alpha1.ConfigMapEnv{ConfigMapKey: vf.ConfigMapKeyRef.Key, EnvName: e.Name})
		default:
			s.Env = append(s.Env, v1alpha1.EnvVar{Name: e.Name, Value: e.Value, ValueFrom: e.ValueFrom})
		}
	}
	for _, ef := range main.EnvFrom {
		switch {
		case ef.SecretRef != nil && ef.Prefix == "" && ef.SecretRef.Optional == nil:
			secret(ef.SecretRef.Name).EnvFrom = true
		case ef.ConfigMapRef != nil && ef.Prefix == "" && ef.ConfigMapRef.Optional == nil:
			configMap(ef.ConfigMapRef.Name).EnvFrom = true
		}
	}
}

func (m *mapped) mapResources(r corev1.ResourceRequirements) {
	s := &m.eds.Spec
	if len(r.Requests) == 0 && len(r.Limits) == 0 {
		return
	}
	for _, name := range v1alpha1.SizeNames {
		p := v1alpha1.Sizes[v1alpha1.Size(name)]
		if len(r.Requests) == 2 && len(r.Limits) == 2 &&
			qEq(r.Requests, corev1.ResourceCPU, p.RequestCPU) && qEq(r.Requests, corev1.ResourceMemory, p.RequestMemory) &&
			qEq(r.Limits, corev1.ResourceCPU, p.LimitCPU) && qEq(r.Limits, corev1.ResourceMemory, p.LimitMemory) {
			if v1alpha1.Size(name) != v1alpha1.DefaultSize {
				s.Size = v1alpha1.Size(name)
			}
			return
		}
	}
	s.Resources = &v1alpha1.ResourceOverrides{Requests: r.Requests, Limits: r.Limits}
	// The preset fills what the original left out: the smallest preset
	// under which no request exceeds its limit.
	for _, name := range v1alpha1.SizeNames {
		if fits(v1alpha1.SizedResources(v1alpha1.Size(name), s.Resources)) {
			if v1alpha1.Size(name) != v1alpha1.DefaultSize {
				s.Size = v1alpha1.Size(name)
			}
			if fits(v1alpha1.SizedResources(v1alpha1.DefaultSize, s.Resources)) {
				s.Size = "" // the default fits too: keep the file short
			}
			return
		}
	}
}

// fits reports whether no request of r exceeds its limit.
func fits(r corev1.ResourceRequirements) bool {
	for name, req := range r.Requests {
		if lim, ok := r.Limits[name]; ok && req.Cmp(lim) > 0 {
			return false
		}
	}
	return true
}

func qEq(l corev1.ResourceList, name corev1.ResourceName, want resource.Quantity) bool {
	q, ok := l[name]
	return ok && q.Cmp(want) == 0
}

// mapPorts finds the HTTP port: the container port named http, or the one
// the Service targets, or the only one the probes use.
func (m *mapped) mapPorts(main *corev1.Container) {
	s := &m.eds.Spec
	var http *corev1.ContainerPort
	for i := range main.Ports {
		if main.Ports[i].Name == "http" {
			http = &main.Ports[i]
		}
	}
	if http == nil && m.svc != nil && len(m.svc.Spec.Ports) > 0 {
		tp := m.svc.Spec.Ports[0].TargetPort
		for i := range main.Ports {
			p := &main.Ports[i]
			if (tp.Type == intstr.String && tp.StrVal == p.Name) || (tp.Type == intstr.Int && tp.IntVal == p.ContainerPort) ||
				(tp.Type == intstr.Int && tp.IntVal == 0 && m.svc.Spec.Ports[0].Port == p.ContainerPort) {
				http = p
				break
			}
		}
	}
	if http == nil && len(main.Ports) > 0 && (main.LivenessProbe != nil && main.LivenessProbe.HTTPGet != nil) {
		http = &main.Ports[0]
	}
	if http == nil {
		if main.LivenessProbe == nil && main.ReadinessProbe == nil {
			no := false
			s.HTTP = &v1alpha1.HTTP{Enabled: &no}
		}
		for _, p := range main.Ports {
			s.Ports = append(s.Ports, port(p))
		}
		return
	}
	m.httpPort = http.ContainerPort
	if http.ContainerPort != v1alpha1.DefaultHTTPPort {
		v := http.ContainerPort
		s.HTTP = &v1alpha1.HTTP{Port: &v}
	}
	for _, p := range main.Ports {
		if p.ContainerPort == http.ContainerPort && p.Name == http.Name {
			continue
		}
		s.Ports = append(s.Ports, port(p))
	}
}

func port(p corev1.ContainerPort) v1alpha1.Port {
	name := p.Name
	if name == "" {
		name = "port-" + strconv.Itoa(int(p.ContainerPort))
	}
	out := v1alpha1.Port{Name: name, Port: p.ContainerPort}
	if p.Protocol != "" && p.Protocol != corev1.ProtocolTCP {
		out.Protocol = p.Protocol
	}
	return out
}

// The generated probes' timings (generator/pod.go), which an imported
// probe need not repeat.
var (
	livenessTimings  = corev1.Probe{InitialDelaySeconds: 10, PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: 3, SuccessThreshold: 1}
	readinessTimings = corev1.Probe{InitialDelaySeconds: 5, PeriodSeconds: 5, TimeoutSeconds: 3, FailureThreshold: 2, SuccessThreshold: 1}
	startupTimings   = corev1.Probe{PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: 30, SuccessThreshold: 1}
)

func (m *mapped) mapProbes(main *corev1.Container) {
	s := &m.eds.Spec
	if s.HTTP != nil && s.HTTP.Enabled != nil && !*s.HTTP.Enabled {
		return
	}
	var probes v1alpha1.Probes
	path := func(p *corev1.Probe) string {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Scheme == corev1.URISchemeHTTPS || p.HTTPGet.Host != "" || len(p.HTTPGet.HTTPHeaders) > 0 {
			return ""
		}
		port := p.HTTPGet.Port
		if (port.Type == intstr.Int && port.IntVal == m.httpPort) || (port.Type == intstr.String && port.StrVal == "http") {
			return p.HTTPGet.Path
		}
		return ""
	}
	setPath := func(dst *string, p string, def string) {
		if p != "" && p != def {
			if s.HTTP == nil {
				s.HTTP = &v1alpha1.HTTP{}
			}
			*dst = p
		}
	}
	if p := path(main.LivenessProbe); p != "" {
		if s.HTTP == nil {
			s.HTTP = &v1alpha1.HTTP{}
		}
		setPath(&s.HTTP.HealthPath, p, v1alpha1.DefaultHealthPath)
		probes.Liveness = timings(main.LivenessProbe, livenessTimings, false)
	} else if main.LivenessProbe != nil {
		probes.Liveness = timings(main.LivenessProbe, livenessTimings, true)
	}
	if p := path(main.ReadinessProbe); p != "" {
		if s.HTTP == nil {
			s.HTTP = &v1alpha1.HTTP{}
		}
		setPath(&s.HTTP.ReadyPath, p, v1alpha1.DefaultReadyPath)
		probes.Readiness = timings(main.ReadinessProbe, readinessTimings, false)
	} else if main.ReadinessProbe != nil {
		probes.Readiness = timings(main.ReadinessProbe, readinessTimings, true)
	}
	if main.StartupProbe != nil {
		withHandler := path(main.StartupProbe) == "" || path(main.StartupProbe) != healthPath(s)
		probes.Startup = timings(main.StartupProbe, startupTimings, withHandler)
		if probes.Startup == nil {
			probes.Startup = &v1alpha1.Probe{}
		}
	}
	if s.HTTP != nil && s.HTTP.Port == nil && s.HTTP.HealthPath == "" && s.HTTP.ReadyPath == "" && s.HTTP.Enabled == nil {
		s.HTTP = nil
	}
	if probes.Liveness != nil || probes.Readiness != nil || probes.Startup != nil {
		s.Probes = &probes
	}
}

func healthPath(s *v1alpha1.EventDrivenServiceSpec) string {
	if s.HTTP != nil && s.HTTP.HealthPath != "" {
		return s.HTTP.HealthPath
	}
	return v1alpha1.DefaultHealthPath
}

// timings is the part of p that differs from the generated probe base; nil
// when nothing does.
func timings(p *corev1.Probe, base corev1.Probe, handler bool) *v1alpha1.Probe {
	out := &v1alpha1.Probe{}
	set := false
	diff := func(got, want int32) *int32 {
		if got == 0 || got == want {
			return nil
		}
		set = true
		v := got
		return &v
	}
	out.InitialDelaySeconds = diff(p.InitialDelaySeconds, base.InitialDelaySeconds)
	if p.InitialDelaySeconds == 0 && base.InitialDelaySeconds != 0 {
		zero := int32(0)
		out.InitialDelaySeconds, set = &zero, true
	}
	out.PeriodSeconds = diff(p.PeriodSeconds, base.PeriodSeconds)
	out.TimeoutSeconds = diff(p.TimeoutSeconds, base.TimeoutSeconds)
	out.SuccessThreshold = diff(p.SuccessThreshold, base.SuccessThreshold)
	out.FailureThreshold = diff(p.FailureThreshold, base.FailureThreshold)
	out.TerminationGracePeriodSeconds = p.TerminationGracePeriodSeconds
	if p.TerminationGracePeriodSeconds != nil {
		set = true
	}
	// Kubernetes' own defaults where the original wrote nothing.
	if p.PeriodSeconds == 0 && base.PeriodSeconds != 10 {
		v := int32(10)
		out.PeriodSeconds, set = &v, true
	}
	if p.TimeoutSeconds == 0 && base.TimeoutSeconds != 1 {
		v := int32(1)
		out.TimeoutSeconds, set = &v, true
	}
	if p.FailureThreshold == 0 && base.FailureThreshold != 3 {
		v := int32(3)
		out.FailureThreshold, set = &v, true
	}
	if handler {
		out.ProbeHandler = p.ProbeHandler
		set = true
	}
	if !set {
		return nil
	}
	return out
}

func (m *mapped) mapSecurity(pod *corev1.PodSpec, main *corev1.Container) {
	var sec v1alpha1.Security
	if psc := pod.SecurityContext; psc != nil {
		sec.RunAsUser, sec.RunAsGroup, sec.FSGroup = psc.RunAsUser, psc.RunAsGroup, psc.FSGroup
		sec.FSGroupChangePolicy = psc.FSGroupChangePolicy
		sec.SupplementalGroups = psc.SupplementalGroups
	}
	if csc := main.SecurityContext; csc != nil {
		if sec.RunAsUser == nil {
			sec.RunAsUser = csc.RunAsUser
		}
		if sec.RunAsGroup == nil {
			sec.RunAsGroup = csc.RunAsGroup
		}
		if v := csc.ReadOnlyRootFilesystem; v != nil && *v {
			sec.ReadOnlyRootFilesystem = v
		}
	}
	if sec.RunAsUser != nil && *sec.RunAsUser == 0 {
		sec.RunAsUser = nil // refused: the generated pod runs as non-root
	}
	if sec.RunAsUser != nil || sec.RunAsGroup != nil || sec.FSGroup != nil || sec.FSGroupChangePolicy != nil ||
		len(sec.SupplementalGroups) > 0 || sec.ReadOnlyRootFilesystem != nil {
		m.eds.Spec.Security = &sec
	}
}

// plainServiceAccount: nothing but a name, labels and annotations (and
// automountServiceAccountToken), which eds-fn can generate.
func plainServiceAccount(o *object) bool {
	for k := range o.data {
		switch k {
		case "apiVersion", "kind", "metadata", "automountServiceAccountToken":
		default:
			return false
		}
	}
	return true
}

func (m *mapped) mapServiceAccount(pod *corev1.PodSpec) {
	s := &m.eds.Spec
	name := pod.ServiceAccountName
	if name == "" {
		name = pod.DeprecatedServiceAccount
	}
	if name == "" {
		name = "default"
	}
	if sa := m.w.serviceAccount; sa != nil && name == m.eds.Name && plainServiceAccount(sa) {
		annos := labelsOf(sa.data["metadata"].(map[string]any), "annotations")
		if len(annos) > 0 {
			s.ServiceAccount = &v1alpha1.ServiceAccount{Annotations: annos}
		}
		return
	}
	no := false
	s.ServiceAccount = &v1alpha1.ServiceAccount{Create: &no, Name: name}
}

func (m *mapped) mapMetadata() {
	eds := &m.eds
	common := eds.Labels
	om := &v1alpha1.ObjectMetadata{}
	extra := func(labels, annos map[string]string) *v1alpha1.Metadata {
		md := &v1alpha1.Metadata{}
		for k, v := range labels {
			if k == v1alpha1.LabelName || k == v1alpha1.LabelManagedBy {
				continue
			}
			if cv, ok := common[k]; !ok || cv != v {
				if md.Labels == nil {
					md.Labels = map[string]string{}
				}
				md.Labels[k] = v
			}
		}
		if len(annos) > 0 {
			md.Annotations = annos
		}
		if md.Labels == nil && md.Annotations == nil {
			return nil
		}
		return md
	}
	om.Deployment = extra(nil, m.dep.Annotations)
	if m.svc != nil {
		om.Service = extra(m.svc.Labels, m.svc.Annotations)
	}
	if sa := m.w.serviceAccount; sa != nil && eds.Spec.CreatesServiceAccount() {
		meta := sa.data["metadata"].(map[string]any)
		om.ServiceAccount = extra(labelsOf(meta, "labels"), nil)
	}
	so := m.w.scaledObject.data["metadata"].(map[string]any)
	om.ScaledObject = extra(labelsOf(so, "labels"), labelsOf(so, "annotations"))
	if m.pdb != nil {
		om.PodDisruptionBudget = extra(m.pdb.Labels, m.pdb.Annotations)
	}
	if *om != (v1alpha1.ObjectMetadata{}) {
		eds.Spec.ObjectMetadata = om
	}
}

func (m *mapped) mapScaledObject() error {
	s := &m.eds.Spec
	spec := dig(m.w.scaledObject.data, "spec")
	var sc v1alpha1.Scaling
	i32 := func(k string) *int32 {
		switch v := spec[k].(type) {
		case float64:
			n := int32(v)
			return &n
		}
		return nil
	}
	sc.MinReplicas, sc.MaxReplicas = i32("minReplicaCount"), i32("maxReplicaCount")
	if sc.MinReplicas == nil {
		zero := int32(0) // KEDA's default, not eds-fn's
		sc.MinReplicas = &zero
	}
	if sc.MaxReplicas == nil {
		hundred := int32(100) // KEDA's default
		sc.MaxReplicas = &hundred
	}
	if *sc.MinReplicas == 1 {
		sc.MinReplicas = nil
	}
	if *sc.MaxReplicas == 10 {
		sc.MaxReplicas = nil
	}
	sc.PollingInterval, sc.CooldownPeriod = i32("pollingInterval"), i32("cooldownPeriod")
	sc.InitialCooldownPeriod, sc.IdleReplicas = i32("initialCooldownPeriod"), i32("idleReplicaCount")
	if fb, ok := spec["fallback"].(map[string]any); ok {
		var f v1alpha1.Fallback
		if err := decode(fb, &f); err == nil && f.FailureThreshold != nil && f.Replicas != nil {
			sc.Fallback = &f
		}
	}
	if hpa := dig(spec, "advanced", "horizontalPodAutoscalerConfig"); hpa != nil {
		sc.HPAName = str(hpa, "name")
		if b, ok := hpa["behavior"]; ok {
			var beh autoscalingv2.HorizontalPodAutoscalerBehavior
			if err := decode(b, &beh); err == nil {
				sc.Behavior = &beh
			}
		}
	}
	triggers, _ := spec["triggers"].([]any)
	natsSeen := false
	for _, t := range triggers {
		tm, _ := t.(map[string]any)
		if str(tm, "type") == TriggerNATS && !natsSeen {
			natsSeen = true
			md, _ := tm["metadata"].(map[string]any)
			if md == nil {
				md = map[string]any{}
			}
			if v := str(md, "stream"); v != "" {
				s.NATS.Stream = v
			}
			if v := str(md, "consumer"); v != "" {
				s.NATS.Consumer = v
			}
			s.NATS.Account = str(md, "account")
			if s.NATS.Account == v1alpha1.DefaultAccount {
				s.NATS.Account = ""
			}
			s.NATS.AccountID = str(md, "accountID")
			if v := str(md, "natsServerMonitoringEndpoint"); v != v1alpha1.DefaultMonitoringEndpoint {
				s.NATS.MonitoringEndpoint = v
			}
			s.NATS.UseHTTPS = str(md, "useHttps") == "true"
			num := func(k string) *int64 {
				if n, err := strconv.ParseInt(str(md, k), 10, 64); err == nil {
					return &n
				}
				return nil
			}
			sc.LagThreshold = num("lagThreshold")
			if sc.LagThreshold == nil {
				ten := int64(10) // KEDA's default
				sc.LagThreshold = &ten
			}
			if *sc.LagThreshold == 5 {
				sc.LagThreshold = nil
			}
			sc.ActivationLagThreshold = num("activationLagThreshold")
			if mt := str(tm, "metricType"); mt != "" && mt != string(autoscalingv2.AverageValueMetricType) {
				sc.MetricType = autoscalingv2.MetricTargetType(mt)
			}
			if ref, ok := tm["authenticationRef"].(map[string]any); ok {
				s.NATS.AuthenticationRef = &v1alpha1.AuthenticationRef{Name: str(ref, "name")}
				if k := str(ref, "kind"); k != "" && k != v1alpha1.KindTriggerAuthentication {
					s.NATS.AuthenticationRef.Kind = k
				}
			}
			continue
		}
		var tr v1alpha1.Trigger
		if err := decode(tm, &tr); err != nil {
			return fmt.Errorf("%s: trigger %q: %w", m.w.scaledObject.id(), str(tm, "type"), err)
		}
		if tr.Metadata == nil {
			tr.Metadata = map[string]string{}
		}
		sc.ExtraTriggers = append(sc.ExtraTriggers, tr)
	}
	if s.NATS.URL == v1alpha1.DefaultNATSURL {
		s.NATS.URL = ""
	}
	if !reflect.DeepEqual(sc, v1alpha1.Scaling{}) {
		s.Scaling = &sc
	}
	return nil
}

// claimSecrets reads the composition's secret slots: every one is an
// optional envFrom Secret, named placeholder-secretN when the claim does
// not set it. Set slots become spec.secretRefs, which are required.
func (m *mapped) claimSecrets(main *corev1.Container) {
	dep := "Deployment " + m.w.deployment.namespace + "/" + m.w.deployment.name
	var kept []corev1.EnvFromSource
	for i, ef := range main.EnvFrom {
		r := ef.SecretRef
		if r == nil || ef.Prefix != "" || r.Optional == nil || !*r.Optional {
			kept = append(kept, ef)
			continue
		}
		p := fmt.Sprintf("spec.template.spec.containers[%s].envFrom[%d].secretRef", main.Name, i)
		if placeholderSecret(r.Name) {
			m.changes = append(m.changes, Difference{Object: dep, Path: p + ".name", Old: r.Name, Class: ClassChanged,
				Reason: "a secret slot the claim does not set: an optional Secret nobody creates"})
			continue
		}
		m.changes = append(m.changes, Difference{Object: dep, Path: p + ".optional", Old: true, Class: ClassChanged,
			Reason: "spec.secretRefs are required: the pods start once the Secret exists (the composition made every slot optional)"})
		ef.SecretRef = r.DeepCopy()
		ef.SecretRef.Optional = nil
		kept = append(kept, ef)
	}
	main.EnvFrom = kept
}

// claimChecks compares the claim with what is imported, and carries over
// what the claim says that the worker's objects do not hold.
func (m *mapped) claimChecks(main *corev1.Container) {
	c := m.claim
	if !c.composed && c.image != main.Image {
		m.notes = append(m.notes, fmt.Sprintf("the running Deployment's image is %q, the claim's spec.image %q: imported what runs", main.Image, c.image))
	}
	if c.initContainer && len(m.dep.Spec.Template.Spec.InitContainers) == 0 {
		m.notes = append(m.notes, "spec.initContainer of the claim: the earlier composition never wrote an init container, so it never ran; "+
			"not imported: add spec.initContainer once it is safe to run")
	}
	if c.sessionAffinity == string(corev1.ServiceAffinityClientIP) {
		switch {
		case c.httpPort == 0:
			m.notes = append(m.notes, "spec.sessionAffinity of the claim: the earlier composition sets it on the Service it makes for httpPort only, "+
				"and the claim sets no httpPort: it never took effect; not imported")
		case m.svc != nil && m.svc.Spec.SessionAffinity != corev1.ServiceAffinityClientIP && m.eds.Spec.HTTPEnabled():
			old := m.svc.Spec.SessionAffinity
			if old == "" {
				old = corev1.ServiceAffinityNone // the API server's default
			}
			m.changes = append(m.changes, Difference{Object: "Service " + m.w.services[0].namespace + "/" + m.w.services[0].name,
				Path: "spec.sessionAffinity", Old: string(old), New: string(corev1.ServiceAffinityClientIP), Class: ClassChanged,
				Reason: fmt.Sprintf("the claim's sessionAffinity, which the composition set on Service %s-http: the generated Service serves the HTTP port", c.name)})
			m.svc.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
		}
	}
}
