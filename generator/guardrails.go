package generator

import (
	"fmt"
	"maps"
	"slices"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The escape hatch may change anything eds-fn does not rely on. What it
// relies on: the identity of the Deployment (the ScaledObject targets it by
// API version, kind and name, next to the Service and ServiceAccount in one
// namespace), the selector and its labels on the pods (immutable once
// applied; the Service selects by them), the labels by which a later render
// recognises its own objects, KEDA's ownership of the replica count, and the
// worker container.
const (
	msgKeepIdentity = "eds-fn generates an apps/v1 Deployment, and the ScaledObject targets it by API version, kind and name; " +
		"remove %s from the patch"
	msgKeepName = "the Deployment is named after the EventDrivenService, and the Service, ServiceAccount and ScaledObject with it; " +
		"rename the EventDrivenService (metadata.name) instead"
	msgKeepNamespace = "the Deployment lives in the EventDrivenService's namespace, with its ServiceAccount, Service and ScaledObject; " +
		"set metadata.namespace of the EventDrivenService (or kustomize's namespace:) instead"
	msgKeepSelector = "the selector is immutable once the Deployment exists, and the Service selects the same pods; " +
		"remove spec.selector from the patch (add other pod labels under spec.template.metadata.labels)"
	msgKeepPodLabel = "%s=%s is the Deployment's selector (the Service selects by it too): pods without it are not the Deployment's; " +
		"leave this label alone"
	msgKeepOwnLabel = "%s=%s is how eds-fn recognises the objects it generated when it renders again (and which stale ones kpt may prune); " +
		"leave this label alone"
	msgKeepWorker = "the worker container %q is the service itself: change it with a patch entry of that name " +
		"(containers: [{name: %q, ...}]); do not remove or rename it"
	msgDupContainer = "is the name of another container or init container of the pod (the API server refuses the Deployment); " +
		"give this container another name, or use the existing name to change that container"
	msgDupPortName   = "is the name of another port of container %q (the API server refuses the Deployment%s); give this port another name"
	msgHTTPPort      = "; the worker's \"http\" is its health port %d, which the Service targets"
	msgDupPortNumber = "container %q already has port %s; give this port another number " +
		"(a patch entry with an existing containerPort changes that port)"
	msgDupEnv = "is set twice in container %q (only the last value takes effect); " +
		"use one entry of that name to change the variable, or another name"
	msgDupVolume = "is the name of another volume of the pod (the API server refuses the Deployment); give this volume another name"
	msgDupMount  = "is mounted twice in container %q (the API server refuses the Deployment); mount each path once"
	msgNoVolume  = "names no volume of the pod (the API server refuses the Deployment); " +
		"add the volume under spec.customDeployment.spec.template.spec.volumes, or fix the name"
	msgEphemeral = "a pod template cannot have ephemeral containers (the API server refuses them); add them to a running pod with kubectl debug"
)

// checkPatched returns everything wrong with the Deployment got that
// spec.customDeployment made of the generated want (merged is got as JSON
// values): what the patch may not change, what the API server would
// refuse, and what Pod Security refuses. eds-fn's own checks come first:
// they say more than the API server's of the same field.
func checkPatched(eds *v1alpha1.EventDrivenService, want, got *appsv1.Deployment, patch, merged map[string]any) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, checkContract(eds, want, got, patch)...)
	_, hasStatus := patch["status"]
	errs = append(errs, checkServerSet("Deployment", &got.ObjectMeta, hasStatus, func(segs ...string) *field.Path { return at(patch, segs...) })...)
	httpHint := ""
	if eds.Spec.HTTPEnabled() {
		httpHint = fmt.Sprintf(msgHTTPPort, httpPort(&eds.Spec))
	}
	errs = append(errs, checkAcceptable(&got.Spec.Template.Spec, patch, eds.Name, httpHint)...)
	errs = append(errs, checkPodSecurity(eds.Spec.PodSecurity, &got.Spec.Template, patch)...)
	errs = append(errs, checkProbePorts(eds, got)...)
	origin := typedOrigin(eds, got)
	errs = append(errs, errorsAt(apiServerDeploymentErrors(got), "Deployment", v1alpha1.CustomDeploymentPath,
		patch, merged, deploymentPatchMeta, errs, origin)...)
	errs = append(errs, errorsAt(apiServerPodErrors(got), "Deployment's pods", v1alpha1.CustomDeploymentPath,
		patch, merged, deploymentPatchMeta, errs, origin)...)
	return errs
}

var deploymentPatchMeta = must(strategicpatch.NewPatchMetaFromStruct(appsv1.Deployment{}))

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// at is the path in the patch of the field at segs of the Deployment: the
// field itself, or what removes it.
func at(patch map[string]any, segs ...string) *field.Path {
	p, _, _ := v1alpha1.WalkPatch(patch, v1alpha1.CustomDeploymentPath, segs...)
	return p
}

// atKey is at for one key of a mapping of free-form keys (labels).
func atKey(patch map[string]any, key string, segs ...string) *field.Path {
	p, v, touched := v1alpha1.WalkPatch(patch, v1alpha1.CustomDeploymentPath, segs...)
	if m, ok := v.(map[string]any); ok && touched {
		if _, has := m[key]; has {
			return p.Key(key)
		}
		if m["$patch"] == "replace" {
			return p.Child("$patch")
		}
	}
	return p
}

func checkContract(eds *v1alpha1.EventDrivenService, want, got *appsv1.Deployment, patch map[string]any) field.ErrorList {
	var errs field.ErrorList
	if got.APIVersion != want.APIVersion {
		errs = append(errs, field.Forbidden(at(patch, "apiVersion"), fmt.Sprintf(msgKeepIdentity, "apiVersion")))
	}
	if got.Kind != want.Kind {
		errs = append(errs, field.Forbidden(at(patch, "kind"), fmt.Sprintf(msgKeepIdentity, "kind")))
	}
	if got.Name != want.Name {
		errs = append(errs, field.Forbidden(at(patch, "metadata", "name"), msgKeepName))
	}
	if got.Namespace != want.Namespace {
		errs = append(errs, field.Forbidden(at(patch, "metadata", "namespace"), msgKeepNamespace))
	}
	for _, k := range []string{v1alpha1.LabelName, v1alpha1.LabelManagedBy} {
		if v := want.Labels[k]; got.Labels[k] != v {
			errs = append(errs, field.Forbidden(atKey(patch, k, "metadata", "labels"), fmt.Sprintf(msgKeepOwnLabel, k, v)))
		}
	}
	if !equality.Semantic.DeepEqual(got.Spec.Selector, want.Spec.Selector) {
		errs = append(errs, field.Forbidden(at(patch, "spec", "selector"), msgKeepSelector))
	}
	for _, k := range slices.Sorted(maps.Keys(want.Spec.Selector.MatchLabels)) {
		if v := want.Spec.Selector.MatchLabels[k]; got.Spec.Template.Labels[k] != v {
			errs = append(errs, field.Forbidden(atKey(patch, k, "spec", "template", "metadata", "labels"), fmt.Sprintf(msgKeepPodLabel, k, v)))
		}
	}
	if !slices.ContainsFunc(got.Spec.Template.Spec.Containers, func(c corev1.Container) bool { return c.Name == eds.Name }) {
		errs = append(errs, field.Forbidden(workerRemovedAt(patch, eds.Name), fmt.Sprintf(msgKeepWorker, eds.Name, eds.Name)))
	}
	return errs
}

// workerRemovedAt finds what in the patch removed the worker: its own
// "$patch: delete" entry, a "$patch: replace" entry of the list, or the list
// itself.
func workerRemovedAt(patch map[string]any, name string) *field.Path {
	p, v, touched := v1alpha1.WalkPatch(patch, v1alpha1.CustomDeploymentPath, podSpecPath("containers")...)
	list, ok := v.([]any)
	if !touched || !ok {
		return p
	}
	for i, item := range list {
		m, _ := item.(map[string]any)
		switch {
		case m["$patch"] == "replace":
			return p.Index(i).Child("$patch")
		case m["name"] == name && m["$patch"] == "delete":
			return p.Index(i).Child("$patch")
		}
	}
	return p
}

func podSpecPath(segs ...string) []string {
	return append([]string{"spec", "template", "spec"}, segs...)
}

// patchList finds the items of a list in the patch by their merge key,
// each lookup in constant time: a patch can list thousands of volumes,
// mounts or variables, and each item of the patched Deployment is looked up.
type patchList struct {
	path  *field.Path
	items []any
	byKey map[string][]int // merge key's value → indexes, in order
}

func newPatchList(list any, listPath *field.Path, mergeKey string) *patchList {
	l := &patchList{path: listPath, byKey: map[string][]int{}}
	l.items, _ = list.([]any)
	for i, item := range l.items {
		if m, ok := item.(map[string]any); ok && m[mergeKey] != nil {
			k := fmt.Sprint(m[mergeKey])
			l.byKey[k] = append(l.byKey[k], i)
		}
	}
	return l
}

// item is the path in the patch of the nth item (or the last, if there are
// fewer) whose merge key is value, or of the list when the patch has no
// such item.
func (l *patchList) item(value any, nth int) (*field.Path, map[string]any) {
	at := l.byKey[fmt.Sprint(value)]
	if len(at) == 0 {
		return l.path, nil
	}
	i := at[min(nth, len(at)-1)]
	return l.path.Index(i), l.items[i].(map[string]any)
}

// containerAt is the path in the patch of the container named name in the
// pod's list kind (containers, initContainers), and its patch entry if any;
// nth counts earlier containers of that name in the list.
func containerAt(patch map[string]any, kind, name string, nth int) (*field.Path, map[string]any) {
	p, v, _ := v1alpha1.WalkPatch(patch, v1alpha1.CustomDeploymentPath, podSpecPath(kind)...)
	return newPatchList(v, p, "name").item(name, nth)
}

// checkAcceptable does the API server's checks of a pod template that a
// patch can break and that a strategic merge does not keep: names that must
// be unique (a patch entry with a new merge key is added, not merged: a
// second port named "http" on another number), and mounts of volumes that
// exist. Each is exact and small; the API server's own validation package is
// not importable.
func checkAcceptable(pod *corev1.PodSpec, patch map[string]any, worker, httpHint string) field.ErrorList {
	var errs field.ErrorList
	if len(pod.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(at(patch, podSpecPath("ephemeralContainers")...), msgEphemeral))
	}
	volumes := map[string]int{}
	firstVolume := map[string]placed{}
	vp, vv, _ := v1alpha1.WalkPatch(patch, v1alpha1.CustomDeploymentPath, podSpecPath("volumes")...)
	patchVolumes := newPatchList(vv, vp, "name")
	for _, v := range pod.Volumes {
		p, m := patchVolumes.item(v.Name, volumes[v.Name])
		volumes[v.Name]++
		cur := placed{path: p, inPatch: m != nil}
		errs = append(errs, dnsLabel(p.Child("name"), v.Name)...)
		if first, dup := firstVolume[v.Name]; dup {
			errs = append(errs, field.Invalid(blameDup(cur, first).Child("name"), v.Name, msgDupVolume))
		} else {
			firstVolume[v.Name] = cur
		}
	}
	firstContainer := map[string]placed{}
	for _, kind := range []string{"initContainers", "containers"} {
		list := pod.InitContainers
		if kind == "containers" {
			list = pod.Containers
		}
		seen := map[string]int{}
		for i := range list {
			c := &list[i]
			p, entry := containerAt(patch, kind, c.Name, seen[c.Name])
			seen[c.Name]++
			cur := placed{path: p, inPatch: entry != nil}
			errs = append(errs, dnsLabel(p.Child("name"), c.Name)...)
			if first, dup := firstContainer[c.Name]; dup {
				errs = append(errs, field.Invalid(blameDup(cur, first).Child("name"), c.Name, msgDupContainer))
			} else {
				firstContainer[c.Name] = cur
			}
			hint := ""
			if kind == "containers" && c.Name == worker {
				hint = httpHint
			}
			errs = append(errs, checkContainer(c, p, entry, volumes, hint)...)
		}
	}
	return errs
}

func dnsLabel(p *field.Path, name string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

// checkContainer checks one container's ports, environment and mounts; p
// and entry are its place in the patch (entry is nil when the patch has no
// entry for it), httpHint what to say of a second "http" port (the worker's).
func checkContainer(c *corev1.Container, p *field.Path, entry map[string]any, volumes map[string]int, httpHint string) field.ErrorList {
	var errs field.ErrorList
	occurrences := map[string]int{}
	lists := map[string]*patchList{}
	where := func(list, key string, value any) placed {
		if entry == nil {
			return placed{path: p}
		}
		id := list + "/" + fmt.Sprint(value)
		n := occurrences[id]
		occurrences[id]++
		if lists[list] == nil {
			lists[list] = newPatchList(entry[list], p.Child(list), key)
		}
		ip, m := lists[list].item(value, n)
		return placed{path: ip, inPatch: m != nil}
	}
	portNames := map[string]placed{}
	portNumbers := map[string]placed{}
	for _, port := range c.Ports {
		pp := where("ports", "containerPort", port.ContainerPort)
		if port.Name != "" {
			for _, msg := range validation.IsValidPortName(port.Name) {
				errs = append(errs, field.Invalid(pp.path.Child("name"), port.Name, msg))
			}
			if first, dup := portNames[port.Name]; dup {
				hint := ""
				if port.Name == HTTPPortName {
					hint = httpHint
				}
				errs = append(errs, field.Invalid(blameDup(pp, first).Child("name"), port.Name, fmt.Sprintf(msgDupPortName, c.Name, hint)))
			} else {
				portNames[port.Name] = pp
			}
		}
		proto := port.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		key := fmt.Sprintf("%d/%s", port.ContainerPort, proto)
		if first, dup := portNumbers[key]; dup {
			errs = append(errs, field.Invalid(blameDup(pp, first).Child("containerPort"), port.ContainerPort, fmt.Sprintf(msgDupPortNumber, c.Name, key)))
		} else {
			portNumbers[key] = pp
		}
	}
	env := map[string]placed{}
	for _, e := range c.Env {
		ep := where("env", "name", e.Name)
		if first, dup := env[e.Name]; dup {
			errs = append(errs, field.Invalid(blameDup(ep, first).Child("name"), e.Name, fmt.Sprintf(msgDupEnv, c.Name)))
		} else {
			env[e.Name] = ep
		}
	}
	mounts := map[string]placed{}
	for _, m := range c.VolumeMounts {
		mp := where("volumeMounts", "mountPath", m.MountPath)
		if volumes[m.Name] == 0 {
			errs = append(errs, field.Invalid(mp.path.Child("name"), m.Name, msgNoVolume))
		}
		if first, dup := mounts[m.MountPath]; dup {
			errs = append(errs, field.Invalid(blameDup(mp, first).Child("mountPath"), m.MountPath, fmt.Sprintf(msgDupMount, c.Name)))
		} else {
			mounts[m.MountPath] = mp
		}
	}
	return errs
}

// placed is where an item of the patched Deployment is in the patch.
type placed struct {
	path    *field.Path
	inPatch bool
}

// blameDup picks, of two items with the same name, the one the patch wrote:
// strategic merge may put the patch's new item before the generated one.
func blameDup(cur, first placed) *field.Path {
	if !cur.inPatch && first.inPatch {
		return first.path
	}
	return cur.path
}
