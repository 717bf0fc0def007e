package generator

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The typed pod fields (spec.probes, spec.security, spec.volumes,
// spec.scheduling, spec.ports, spec.initContainers, ...) are checked with
// their paths when the service is validated; what is left, the API
// server's own validation of the generated Deployment finds, and each of
// its errors is moved to the spec field it came from.

const (
	msgProbePort = "names no port of the worker container %q: the probe would always fail; give a port number, " +
		"or name a port the worker has (\"http\" is spec.http.port; customDeployment can add others)"
)

// checkGenerated is what the API server and Pod Security say of a
// Deployment that the typed pod fields shaped, without customDeployment:
// each error at the field that caused it. The rest of
// the generated Deployment is valid by construction
// (TestGeneratedObjectsPassAPIServerValidation), and inputs without these
// fields skip the check.
func checkGenerated(eds *v1alpha1.EventDrivenService, dep *appsv1.Deployment) field.ErrorList {
	sp := &eds.Spec
	if sp.Probes == nil && sp.Security == nil && sp.Scheduling == nil && len(sp.Volumes) == 0 && len(sp.VolumeMounts) == 0 &&
		sp.Strategy == nil && len(sp.Ports) == 0 && objectMetadata(eds).Deployment == nil && sp.Lifecycle == nil &&
		len(sp.InitContainers) == 0 && len(sp.Sidecars) == 0 && len(sp.HostAliases) == 0 &&
		!slices.ContainsFunc(sp.Env, func(e v1alpha1.EnvVar) bool { return e.ValueFrom != nil }) {
		return nil
	}
	errs := checkProbePorts(eds, dep)
	errs = append(errs, volumePodSecurity(eds, dep)...)
	origin := typedOrigin(eds, dep)
	for _, set := range []struct {
		kind string
		errs field.ErrorList
	}{{"Deployment", apiServerDeploymentErrors(dep)}, {"Deployment's pods", apiServerPodErrors(dep)}} {
		for _, e := range set.errs {
			p, ok := origin(e.Field)
			if !ok {
				errs = append(errs, field.InternalError(field.NewPath("spec"), fmt.Errorf("eds-fn generated a %s the API server refuses: %v", set.kind, e)))
				continue
			}
			c := *e
			c.Field, c.Detail = p.String(), detailOf(e, set.kind)
			if v := reflect.ValueOf(c.BadValue); v.Kind() == reflect.Pointer || v.Kind() == reflect.Struct {
				c.BadValue = field.OmitValueType{}
			}
			if !slices.ContainsFunc(errs, func(x *field.Error) bool { return x.Field == c.Field }) {
				errs = append(errs, &c)
			}
		}
	}
	return errs
}

// volumePodSecurity is Pod Security's verdict on spec.volumes (at
// restricted, only configMap, secret, emptyDir, persistentVolumeClaim,
// projected, downwardAPI, csi and ephemeral volumes; hostPath not even at
// baseline), at the volumes it names. Nothing else eds-fn generates from
// the typed fields can fall below the level.
func volumePodSecurity(eds *v1alpha1.EventDrivenService, dep *appsv1.Deployment) field.ErrorList {
	var errs field.ErrorList
	for _, e := range checkPodSecurity(eds.Spec.PodSecurity, &dep.Spec.Template, nil) {
		var at []*field.Path
		for _, name := range quoted(e.Detail) {
			if i := slices.IndexFunc(eds.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == name }); i >= 0 {
				at = append(at, field.NewPath("spec", "volumes").Index(i))
			}
		}
		if len(at) == 0 {
			errs = append(errs, field.InternalError(field.NewPath("spec"), fmt.Errorf("eds-fn generated a pod that %s", e.Detail)))
		}
		for _, p := range at {
			errs = append(errs, field.Forbidden(p, e.Detail))
		}
	}
	return errs
}

// checkProbePorts checks that each port a probe of spec.probes names is a
// port of the (patched) worker: the kubelet resolves the name in the
// container's ports, and a probe of a name it lacks always fails.
func checkProbePorts(eds *v1alpha1.EventDrivenService, dep *appsv1.Deployment) field.ErrorList {
	pr := eds.Spec.Probes
	i := slices.IndexFunc(dep.Spec.Template.Spec.Containers, func(c corev1.Container) bool { return c.Name == eds.Name })
	if pr == nil || i < 0 {
		return nil
	}
	worker := &dep.Spec.Template.Spec.Containers[i]
	var errs field.ErrorList
	for _, c := range []struct {
		kind  string
		probe *v1alpha1.Probe
	}{{"liveness", pr.Liveness}, {"readiness", pr.Readiness}, {"startup", pr.Startup}} {
		if c.probe == nil {
			continue
		}
		p := field.NewPath("spec", "probes", c.kind)
		var port intstr.IntOrString
		switch {
		case c.probe.HTTPGet != nil:
			port, p = c.probe.HTTPGet.Port, p.Child("httpGet", "port")
		case c.probe.TCPSocket != nil:
			port, p = c.probe.TCPSocket.Port, p.Child("tcpSocket", "port")
		default:
			continue
		}
		if port.Type == intstr.String && port.StrVal != "" &&
			!slices.ContainsFunc(worker.Ports, func(cp corev1.ContainerPort) bool { return cp.Name == port.StrVal }) {
			errs = append(errs, field.Invalid(p, port.StrVal, fmt.Sprintf(msgProbePort, eds.Name)))
		}
	}
	return errs
}

// typedOrigin maps a field of the generated Deployment to the spec field it
// came from, for the fields that spec.probes and spec.security set;
// worker is the worker container's index in dep.
func typedOrigin(eds *v1alpha1.EventDrivenService, dep *appsv1.Deployment) func(string) (*field.Path, bool) {
	worker := slices.IndexFunc(dep.Spec.Template.Spec.Containers, func(c corev1.Container) bool { return c.Name == eds.Name })
	spec := field.NewPath("spec")
	return func(objPath string) (*field.Path, bool) {
		if eds.Spec.Probes != nil && worker >= 0 {
			for probe, kind := range map[string]string{"livenessProbe": "liveness", "readinessProbe": "readiness", "startupProbe": "startup"} {
				prefix := fmt.Sprintf("spec.template.spec.containers[%d].%s", worker, probe)
				if rest, ok := strings.CutPrefix(objPath, prefix); ok && (rest == "" || rest[0] == '.') {
					return pathFrom(spec.Child("probes", kind), rest), true
				}
			}
		}
		pod := "spec.template.spec."
		if len(eds.Spec.Volumes) > 0 {
			if i, rest, ok := listItem(objPath, pod+"volumes"); ok && i < len(dep.Spec.Template.Spec.Volumes) {
				name := dep.Spec.Template.Spec.Volumes[i].Name
				if j := slices.IndexFunc(eds.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == name }); j >= 0 {
					return pathFrom(spec.Child("volumes").Index(j), rest), true
				}
			}
		}
		if len(eds.Spec.VolumeMounts) > 0 {
			if c, rest, ok := containerOf(dep, objPath); ok {
				if strings.HasPrefix(rest, ".volumeMounts.") {
					// Some of the API server's mount errors name no
					// index (subPath); the value names the mount.
					return spec.Child("volumeMounts"), true
				}
				if m, rest, ok := listItem(rest, ".volumeMounts"); ok && m < len(c.VolumeMounts) {
					mp := c.VolumeMounts[m].MountPath
					if j := slices.IndexFunc(eds.Spec.VolumeMounts, func(v corev1.VolumeMount) bool { return v.MountPath == mp }); j >= 0 {
						return pathFrom(spec.Child("volumeMounts").Index(j), rest), true
					}
				}
			}
		}
		if len(eds.Spec.InitContainers)+len(eds.Spec.Sidecars) > 0 {
			inits := dep.Spec.Template.Spec.InitContainers
			if i, rest, ok := listItem(objPath, pod+"initContainers"); ok && i < len(inits) {
				for _, list := range []struct {
					name  string
					items []v1alpha1.Container
				}{{"initContainers", eds.Spec.InitContainers}, {"sidecars", eds.Spec.Sidecars}} {
					if j := slices.IndexFunc(list.items, func(c v1alpha1.Container) bool { return c.Name == inits[i].Name }); j >= 0 {
						return pathFrom(spec.Child(list.name).Index(j), rest), true
					}
				}
			}
		}
		if eds.Spec.Lifecycle != nil && worker >= 0 {
			if rest, ok := strings.CutPrefix(objPath, fmt.Sprintf("%scontainers[%d].lifecycle", pod, worker)); ok {
				return pathFrom(spec.Child("lifecycle"), rest), true
			}
		}
		if slices.ContainsFunc(eds.Spec.Env, func(e v1alpha1.EnvVar) bool { return e.ValueFrom != nil }) {
			if c, rest, ok := containerOf(dep, objPath); ok {
				if k, rest, ok := listItem(rest, ".env"); ok && k < len(c.Env) {
					name := c.Env[k].Name
					if j := slices.IndexFunc(eds.Spec.Env, func(e v1alpha1.EnvVar) bool { return e.Name == name }); j >= 0 {
						return pathFrom(spec.Child("env").Index(j), rest), true
					}
				}
			}
		}
		if eds.Spec.Strategy != nil {
			if rest, ok := strings.CutPrefix(objPath, "spec.strategy"); ok && (rest == "" || rest[0] == '.') {
				return pathFrom(spec.Child("strategy"), rest), true
			}
		}
		if len(eds.Spec.Ports) > 0 && worker >= 0 {
			ports := dep.Spec.Template.Spec.Containers[worker].Ports
			if i, rest, ok := listItem(objPath, fmt.Sprintf("%scontainers[%d].ports", pod, worker)); ok && i < len(ports) {
				if j := slices.IndexFunc(eds.Spec.Ports, func(p v1alpha1.Port) bool { return p.Name == ports[i].Name }); j >= 0 {
					return pathFrom(spec.Child("ports").Index(j), strings.Replace(rest, ".containerPort", ".port", 1)), true
				}
			}
		}
		if md := objectMetadata(eds).Deployment; md != nil {
			for _, f := range []string{"labels", "annotations"} {
				if rest, ok := strings.CutPrefix(objPath, "metadata."+f); ok {
					return pathFrom(spec.Child("objectMetadata", "deployment", f), rest), true
				}
			}
		}
		if len(eds.Spec.HostAliases) > 0 {
			if rest, ok := strings.CutPrefix(objPath, pod+"hostAliases"); ok && (rest == "" || rest[0] == '[' || rest[0] == '.') {
				return pathFrom(spec.Child("hostAliases"), rest), true
			}
		}
		if eds.Spec.Scheduling != nil {
			for _, f := range []string{"nodeSelector", "tolerations", "affinity", "topologySpreadConstraints", "priorityClassName"} {
				if rest, ok := strings.CutPrefix(objPath, pod+f); ok && (rest == "" || rest[0] == '.' || rest[0] == '[') {
					return pathFrom(spec.Child("scheduling", f), rest), true
				}
			}
		}
		if eds.Spec.Security != nil {
			if rest, ok := strings.CutPrefix(objPath, "spec.template.spec.securityContext."); ok {
				return pathFrom(spec.Child("security"), "."+rest), true
			}
			if strings.HasSuffix(objPath, ".securityContext.readOnlyRootFilesystem") {
				return spec.Child("security", "readOnlyRootFilesystem"), true
			}
		}
		return nil, false
	}
}

// containerOf is the container (or init container) of dep's pod that the
// field at path belongs to, and the rest of the path below it.
func containerOf(dep *appsv1.Deployment, path string) (*corev1.Container, string, bool) {
	pod := &dep.Spec.Template.Spec
	for _, l := range []struct {
		prefix string
		list   []corev1.Container
	}{{"spec.template.spec.containers", pod.Containers}, {"spec.template.spec.initContainers", pod.InitContainers}} {
		if i, rest, ok := listItem(path, l.prefix); ok && i < len(l.list) {
			return &l.list[i], rest, true
		}
	}
	return nil, "", false
}

// pathFrom is base followed by rest, a field.Path's String form (".a.b[0]").
func pathFrom(base *field.Path, rest string) *field.Path {
	segs, _ := splitFieldPath(rest)
	for _, s := range segs {
		switch {
		case s.index >= 0:
			base = base.Index(s.index)
		case s.key:
			base = base.Key(s.name)
		default:
			base = base.Child(s.name)
		}
	}
	return base
}

// listItem reads "<list>[i]<rest>" off path.
func listItem(path, list string) (i int, rest string, ok bool) {
	tail, found := strings.CutPrefix(path, list+"[")
	if !found {
		return 0, "", false
	}
	end := strings.IndexByte(tail, ']')
	if end < 0 {
		return 0, "", false
	}
	i, err := strconv.Atoi(tail[:end])
	return i, tail[end+1:], err == nil
}
