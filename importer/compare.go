package importer

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	k8sappsv1 "k8s.io/kubernetes/pkg/apis/apps/v1"
	k8scorev1 "k8s.io/kubernetes/pkg/apis/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// generated is what eds-fn generates from an EventDrivenService, by kind.
type generated map[string]map[string]any

func generate(eds *v1alpha1.EventDrivenService) (*yaml.RNode, generated, error) {
	node, err := render(eds)
	if err != nil {
		return nil, nil, err
	}
	expanded, results := generator.ExpandAll([]*yaml.RNode{node.Copy()}, nil)
	if krm.HasErrors(results) {
		var msgs []string
		for _, r := range results {
			if r.Severity == krm.Error {
				msg := r.Message
				if r.Field != nil && r.Field.Path != "" {
					msg = r.Field.Path + ": " + msg
				}
				msgs = append(msgs, msg)
			}
		}
		return nil, nil, fmt.Errorf("the imported EventDrivenService does not generate: %s", strings.Join(msgs, "; "))
	}
	out := generated{}
	for _, e := range expanded {
		for _, o := range e.Objects {
			data, err := o.MarshalJSON()
			if err != nil {
				return nil, nil, err
			}
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				return nil, nil, err
			}
			out[o.GetKind()] = defaulted(o.GetKind(), m)
		}
	}
	return node, out, nil
}

// generateAndCompare generates from the mapped service, moves what no
// typed field holds into the escape hatches, and compares.
func (m *mapped) generateAndCompare(rep *Report) (*yaml.RNode, error) {
	_, gen, err := generate(&m.eds)
	if err != nil {
		return nil, err
	}
	orig, changes := m.normalisedOriginals()
	// The escape hatches: only what differs and is not a change by design.
	if p := m.deploymentPatch(orig["Deployment"], gen["Deployment"]); len(p) > 0 {
		m.eds.Spec.CustomDeployment = raw(p)
		rep.EscapeHatch = append(rep.EscapeHatch, leaves("spec.customDeployment", p)...)
	}
	if o, g := orig["Service"], gen["Service"]; o != nil && g != nil {
		p := servicePatch(o, g)
		if len(m.servicePorts) > 0 {
			if p == nil {
				p = map[string]any{}
			}
			spec, _ := p["spec"].(map[string]any)
			if spec == nil {
				spec = map[string]any{}
				p["spec"] = spec
			}
			var ports []any
			for _, sp := range m.servicePorts {
				port := map[string]any{"name": sp.Name, "port": sp.Port, "targetPort": sp.TargetPort.String()}
				if sp.Protocol != "" && sp.Protocol != corev1.ProtocolTCP {
					port["protocol"] = string(sp.Protocol)
				}
				ports = append(ports, port)
			}
			spec["ports"] = ports
		}
		if len(p) > 0 {
			m.eds.Spec.CustomService = raw(p)
			rep.EscapeHatch = append(rep.EscapeHatch, leaves("spec.customService", p)...)
		}
	}
	if p := scaledObjectPatch(orig["ScaledObject"], gen["ScaledObject"]); len(p) > 0 {
		m.eds.Spec.CustomScaledObject = raw(p)
		rep.EscapeHatch = append(rep.EscapeHatch, leaves("spec.customScaledObject", p)...)
	}
	node, gen2, err := generate(&m.eds)
	if err != nil && len(rep.EscapeHatch) > 0 {
		// Without the patches, and every field they held is lost.
		m.eds.Spec.CustomDeployment, m.eds.Spec.CustomService, m.eds.Spec.CustomScaledObject = nil, nil, nil
		rep.Notes = append(rep.Notes, "escape hatches left out, their fields are lost: "+err.Error())
		rep.EscapeHatch = nil
		node, gen2, err = generate(&m.eds)
	}
	if err != nil {
		return nil, err
	}
	rep.Differences = append(rep.Differences, changes...)
	for _, kind := range []string{"Deployment", "Service", "ServiceAccount", "ScaledObject", "PodDisruptionBudget"} {
		o := orig[kind]
		if o == nil {
			continue
		}
		name := kind + " " + m.objectName(kind)
		g := gen2[kind]
		if g == nil {
			rep.Differences = append(rep.Differences, Difference{Object: name, Path: ".", Class: ClassLost, Reason: "not generated"})
			continue
		}
		kept, diffs := compare(name, kind, normalise(kind, o), normalise(kind, g))
		rep.Kept += kept
		rep.Differences = append(rep.Differences, diffs...)
	}
	if orig["ServiceAccount"] == nil && m.eds.Spec.CreatesServiceAccount() {
		rep.Differences = append(rep.Differences, Difference{Object: "ServiceAccount " + m.eds.Name, Path: ".", Class: ClassChanged, Reason: "eds-fn generates the ServiceAccount"})
	}
	if orig["Service"] == nil && gen2["Service"] != nil {
		rep.Differences = append(rep.Differences, Difference{Object: "Service " + m.eds.Name, Path: ".", Class: ClassChanged, Reason: "eds-fn generates a Service for the HTTP port"})
	}
	for _, s := range m.w.services[min(1, len(m.w.services)):] {
		if m.claim != nil && s.name == m.claim.name+"-http" {
			rep.NotGenerated = append(rep.NotGenerated, fmt.Sprintf("%s: the composition's Service for httpPort, not generated; "+
				"move its clients to Service %s port %d, or keep it: write it out before the claim is deleted", s.id(), m.eds.Name, m.httpPort))
			continue
		}
		rep.NotGenerated = append(rep.NotGenerated, s.id()+": a second Service selecting the worker; keep applying it")
	}
	rep.Notes = append(rep.Notes, m.notes...)
	if m.w.serviceAccount != nil && !m.eds.Spec.CreatesServiceAccount() {
		rep.NotGenerated = append(rep.NotGenerated, m.w.serviceAccount.id()+": used by name (serviceAccount.create: false); keep applying it")
	}
	if m.w.triggerAuth != nil {
		rep.NotGenerated = append(rep.NotGenerated, m.w.triggerAuth.id()+": named by spec.nats.authenticationRef; keep applying it")
	}
	return node, nil
}

func (m *mapped) objectName(kind string) string {
	name := m.eds.Name
	if kind == "ScaledObject" {
		name = m.w.scaledObject.name
	}
	if m.eds.Namespace != "" {
		return m.eds.Namespace + "/" + name
	}
	return name
}

func raw(p map[string]any) *runtime.RawExtension {
	data, _ := json.Marshal(p)
	return &runtime.RawExtension{Raw: data}
}

// normalisedOriginals are the originals as JSON values, with the changes
// eds-fn makes by design already made (each one reported), so that what
// remains is what a typed field or a patch must keep.
func (m *mapped) normalisedOriginals() (map[string]map[string]any, []Difference) {
	changes := slices.Clone(m.changes)
	depName := "Deployment " + m.objectName("Deployment")
	change := func(path string, old, new any, reason string) {
		changes = append(changes, Difference{Object: depName, Path: path, Old: old, New: new, Class: ClassChanged, Reason: reason})
	}
	dep := m.dep.DeepCopy()
	if dep.Spec.Replicas != nil {
		change("spec.replicas", *dep.Spec.Replicas, nil, "replicas are KEDA's")
		dep.Spec.Replicas = nil
	}
	pod := &dep.Spec.Template.Spec
	var sidecars []corev1.Container
	var containers []corev1.Container
	for _, c := range pod.Containers {
		if c.Name == m.worker {
			if sec := m.eds.Spec.Security; sec != nil && sec.RunAsUser != nil && c.SecurityContext != nil &&
				c.SecurityContext.RunAsUser != nil && *c.SecurityContext.RunAsUser == *sec.RunAsUser {
				change("spec.template.spec.containers["+c.Name+"].securityContext.runAsUser", *sec.RunAsUser, nil,
					"the pod's runAsUser (spec.security.runAsUser) is the container's")
				c.SecurityContext = c.SecurityContext.DeepCopy()
				c.SecurityContext.RunAsUser = nil
			}
			if c.Name != m.eds.Name {
				change("spec.template.spec.containers["+c.Name+"].name", c.Name, m.eds.Name, "the worker container is named after the service")
				c.Name = m.eds.Name
			}
			containers = append(containers, c)
			continue
		}
		always := corev1.ContainerRestartPolicyAlways
		c.RestartPolicy = &always
		change("spec.template.spec.containers["+c.Name+"]", nil, "initContainers["+c.Name+"] with restartPolicy: Always", "sidecars run as native sidecars")
		sidecars = append(sidecars, c)
	}
	pod.Containers = containers
	var inits []corev1.Container
	var nativeInit []corev1.Container
	for _, c := range pod.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			nativeInit = append(nativeInit, c)
			continue
		}
		if c.Name == m.initName && m.initName != "" && c.Name != generator.InitContainerName {
			change("spec.template.spec.initContainers["+c.Name+"].name", c.Name, generator.InitContainerName, "spec.initContainer is named init")
			c.Name = generator.InitContainerName
		}
		inits = append(inits, c)
	}
	pod.InitContainers = append(append(sidecars, nativeInit...), inits...)
	resolvePorts(pod)
	if pod.ServiceAccountName == "" && pod.DeprecatedServiceAccount == "" {
		pod.ServiceAccountName = "default" // the API server's admission sets it
	}
	pod.DeprecatedServiceAccount = ""
	out := map[string]map[string]any{"Deployment": defaulted("Deployment", toMap(dep))}
	if m.svc != nil {
		svc := m.svc.DeepCopy()
		svcName := "Service " + m.objectName("Service")
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			tp := &sp.TargetPort
			if tp.Type == intstr.Int && (tp.IntVal == m.httpPort || tp.IntVal == 0 && sp.Port == m.httpPort) && m.httpPort != 0 {
				*tp = intstr.FromString("http")
			}
			// A Service port other than the HTTP port that reaches it (80
			// to 8080): the generated Service listens on spec.http.port,
			// and keeps this one as an extra port, under another name if
			// it was named http.
			if m.httpPort == 0 || tp.Type != intstr.String || tp.StrVal != "http" || sp.Port == m.httpPort || !m.eds.Spec.HTTPEnabled() {
				continue
			}
			if sp.Name == "" || sp.Name == "http" {
				key := sp.Name
				if key == "" {
					key = fmt.Sprint(i)
				}
				name := fmt.Sprintf("http-%d", sp.Port)
				changes = append(changes, Difference{Object: svcName, Path: "spec.ports[" + key + "].name", Old: sp.Name, New: name, Class: ClassChanged,
					Reason: "the port named http is spec.http.port's; this port is kept under another name in spec.customService"})
				sp.Name = name
			}
			m.servicePorts = append(m.servicePorts, *sp)
		}
		out["Service"] = defaulted("Service", toMap(svc))
	}
	if sa := m.w.serviceAccount; sa != nil && m.eds.Spec.CreatesServiceAccount() {
		out["ServiceAccount"] = sa.data
	}
	out["ScaledObject"] = scaledObjectDefaults(m.w.scaledObject.data)
	if m.pdb != nil {
		out["PodDisruptionBudget"] = toMap(m.pdb)
	}
	return out, changes
}

// scaledObjectDefaults drops what KEDA takes as its default anyway and
// eds-fn does not write: useHttps "false".
func scaledObjectDefaults(so map[string]any) map[string]any {
	var out map[string]any
	if decode(so, &out) != nil {
		return so
	}
	triggers, _ := dig(out, "spec")["triggers"].([]any)
	for _, t := range triggers {
		tm, _ := t.(map[string]any)
		if md := dig(tm, "metadata"); md != nil && md["useHttps"] == "false" {
			delete(md, "useHttps")
		}
	}
	return out
}

// defaulted is m with the API server's defaults of its kind, and without
// the replica count, which KEDA sets.
func defaulted(kind string, m map[string]any) map[string]any {
	switch kind {
	case "Deployment":
		var d appsv1.Deployment
		if decode(m, &d) != nil {
			return m
		}
		k8sappsv1.SetObjectDefaults_Deployment(&d)
		d.Spec.Replicas = nil
		return toMap(&d)
	case "Service":
		var s corev1.Service
		if decode(m, &s) != nil {
			return m
		}
		k8scorev1.SetObjectDefaults_Service(&s)
		return toMap(&s)
	}
	return m
}

// resolvePorts writes a probe's named port as its number, as the generated
// probes do: the same port.
func resolvePorts(pod *corev1.PodSpec) {
	for ci := range pod.Containers {
		c := &pod.Containers[ci]
		named := map[string]int32{}
		for _, p := range c.Ports {
			if p.Name != "" {
				named[p.Name] = p.ContainerPort
			}
		}
		for _, pr := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
			if pr == nil {
				continue
			}
			for _, port := range []*intstr.IntOrString{httpPortOf(pr), tcpPortOf(pr)} {
				if port != nil && port.Type == intstr.String {
					if n, ok := named[port.StrVal]; ok {
						*port = intstr.FromInt32(n)
					}
				}
			}
		}
	}
}

func httpPortOf(p *corev1.Probe) *intstr.IntOrString {
	if p.HTTPGet != nil {
		return &p.HTTPGet.Port
	}
	return nil
}

func tcpPortOf(p *corev1.Probe) *intstr.IntOrString {
	if p.TCPSocket != nil {
		return &p.TCPSocket.Port
	}
	return nil
}

// deploymentPatch is the strategic-merge patch that makes the generated
// Deployment hold what the original holds beyond the typed fields: none of
// what eds-fn owns or changes by design, and nothing the generated one
// already has.
func (m *mapped) deploymentPatch(orig, gen map[string]any) map[string]any {
	p := specPatch(orig, gen, &appsv1.Deployment{})
	spec, _ := p["spec"].(map[string]any)
	if spec == nil {
		return nil
	}
	delete(spec, "replicas")
	delete(spec, "selector")
	if tm := dig(spec, "template", "metadata"); tm != nil {
		delete(tm, "annotations")
		if l, ok := tm["labels"].(map[string]any); ok {
			for k := range l {
				if k == v1alpha1.LabelName || k == v1alpha1.LabelManagedBy || m.eds.Spec.Adoption != nil && hasKey(m.eds.Spec.Adoption.Selector, k) {
					delete(l, k)
				}
			}
		}
	}
	if ps := dig(spec, "template", "spec"); ps != nil {
		delete(ps, "securityContext")
		for _, list := range []string{"containers", "initContainers"} {
			items, _ := ps[list].([]any)
			for _, it := range items {
				if c, ok := it.(map[string]any); ok {
					for _, k := range []string{"env", "envFrom", "securityContext", "resources", "restartPolicy"} {
						delete(c, k)
					}
				}
			}
		}
	}
	out, _ := prune(p).(map[string]any)
	return out
}

// specPatch is the strategic-merge patch from gen to orig, objects of the
// type of schema, without metadata and status; nil when there is none.
func specPatch(orig, gen map[string]any, schema any) map[string]any {
	gj, _ := json.Marshal(gen)
	oj, _ := json.Marshal(orig)
	data, err := strategicpatch.CreateTwoWayMergePatch(gj, oj, schema)
	if err != nil {
		return nil
	}
	var p map[string]any
	if json.Unmarshal(data, &p) != nil {
		return nil
	}
	delete(p, "metadata")
	delete(p, "status")
	return p
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// servicePatch keeps the Service's fields that eds-fn does not set, other
// than its ports and selector.
func servicePatch(orig, gen map[string]any) map[string]any {
	p := specPatch(orig, gen, &corev1.Service{})
	if spec, ok := p["spec"].(map[string]any); ok {
		delete(spec, "selector")
		delete(spec, "ports")
		// The API server's default for ClientIP affinity.
		if t, ok := dig(spec, "sessionAffinityConfig", "clientIP")["timeoutSeconds"].(float64); ok && t == float64(corev1.DefaultClientIPServiceAffinitySeconds) {
			delete(spec, "sessionAffinityConfig")
		}
	}
	out, _ := prune(p).(map[string]any)
	return out
}

// scaledObjectPatch keeps the ScaledObject's fields no typed field holds:
// a JSON merge patch of what the original has and the generated one not.
func scaledObjectPatch(orig, gen map[string]any) map[string]any {
	o, _ := orig["spec"].(map[string]any)
	g, _ := gen["spec"].(map[string]any)
	if o == nil || g == nil {
		return nil
	}
	d := mergeDiff(g, o)
	dm, _ := d.(map[string]any)
	if dm == nil {
		return nil
	}
	for _, k := range []string{"triggers", "scaleTargetRef", "minReplicaCount", "maxReplicaCount"} {
		delete(dm, k)
	}
	out, _ := prune(map[string]any{"spec": dm}).(map[string]any)
	return out
}

// mergeDiff is what of o differs from g, mappings key by key; nil when
// nothing does. Keys only g has are left alone.
func mergeDiff(g, o any) any {
	om, ok1 := o.(map[string]any)
	gm, ok2 := g.(map[string]any)
	if ok1 && ok2 {
		out := map[string]any{}
		for k, ov := range om {
			if d := mergeDiff(gm[k], ov); d != nil {
				out[k] = d
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	if reflect.DeepEqual(g, o) {
		return nil
	}
	return o
}

// prune drops nulls (what the generated object has and the original not:
// reported, not undone), patch directives, list entries that hold only
// their key, and empty mappings.
func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			if x == nil || strings.HasPrefix(k, "$") {
				continue
			}
			if p := prune(x); p != nil {
				out[k] = p
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, x := range t {
			if xm, ok := x.(map[string]any); ok {
				if _, directive := xm["$patch"]; directive {
					continue
				}
				p, _ := prune(xm).(map[string]any)
				if p == nil || onlyKey(p) {
					continue
				}
				out = append(out, p)
				continue
			}
			out = append(out, x)
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return v
}

func onlyKey(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for _, k := range []string{"name", "containerPort", "mountPath", "port", "ip"} {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

// leaves lists the paths of the scalar fields of v.
func leaves(prefix string, v any) []string {
	flat := map[string]any{}
	flatten(prefix, v, flat)
	var out []string
	for _, p := range slices.Sorted(maps.Keys(flat)) {
		// A list entry's merge key names the entry; it is no field kept.
		if !strings.HasSuffix(p, "].name") {
			out = append(out, p)
		}
	}
	return out
}

// normalise drops what no author writes and the generated object never
// has: apiVersion and kind are the same by construction.
func normalise(kind string, m map[string]any) map[string]any {
	out := maps.Clone(m)
	delete(out, "status")
	if meta, ok := out["metadata"].(map[string]any); ok {
		meta = maps.Clone(meta)
		delete(meta, "creationTimestamp")
		out["metadata"] = meta
	}
	if kind == "Deployment" {
		if t := dig(out, "spec", "template", "metadata"); t != nil {
			delete(t, "creationTimestamp")
		}
	}
	return out
}

// flatten writes every scalar (and list of scalars) of v at its path.
// Lists of named items are keyed by name, so that their order is not a
// difference.
func flatten(prefix string, v any, out map[string]any) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			return
		}
		for k, x := range t {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			if strings.ContainsAny(k, "./") {
				p = prefix + "[" + k + "]"
			}
			flatten(p, x, out)
		}
	case []any:
		if len(t) == 0 {
			return
		}
		for i, x := range t {
			key := fmt.Sprint(i)
			if xm, ok := x.(map[string]any); ok {
				if n, ok := xm["name"].(string); ok {
					key = n
				} else if n, ok := xm["containerPort"]; ok {
					key = fmt.Sprint(n)
				} else if n, ok := xm["mountPath"].(string); ok {
					key = n
				}
			} else {
				out[prefix] = t
				return
			}
			flatten(prefix+"["+key+"]", x, out)
		}
	case nil:
	default:
		out[prefix] = t
	}
}

// compare is every leaf of orig and gen: how many are equal, and each
// difference classified.
func compare(object, kind string, orig, gen map[string]any) (int, []Difference) {
	o, g := map[string]any{}, map[string]any{}
	flatten("", orig, o)
	flatten("", gen, g)
	kept := 0
	var diffs []Difference
	for _, p := range slices.Sorted(maps.Keys(o)) {
		ov := o[p]
		gv, ok := g[p]
		switch {
		case ok && reflect.DeepEqual(ov, gv):
			kept++
		case ok:
			diffs = append(diffs, classify(object, kind, p, ov, gv))
		default:
			diffs = append(diffs, classify(object, kind, p, ov, nil))
		}
	}
	for _, p := range slices.Sorted(maps.Keys(g)) {
		if _, ok := o[p]; !ok {
			diffs = append(diffs, classify(object, kind, p, nil, g[p]))
		}
	}
	if kind == "Deployment" {
		if d, ok := envOrder(object, orig, gen); ok {
			diffs = append(diffs, d)
		}
	}
	return kept, diffs
}

func envOrder(object string, orig, gen map[string]any) (Difference, bool) {
	names := func(m map[string]any) []string {
		var out []string
		cs, _ := dig(m, "spec", "template", "spec")["containers"].([]any)
		if len(cs) == 0 {
			return nil
		}
		env, _ := cs[0].(map[string]any)["env"].([]any)
		for _, e := range env {
			if em, ok := e.(map[string]any); ok {
				out = append(out, str(em, "name"))
			}
		}
		return out
	}
	on, gn := names(orig), names(gen)
	var common []string
	for _, n := range gn {
		if slices.Contains(on, n) {
			common = append(common, n)
		}
	}
	var oc []string
	for _, n := range on {
		if slices.Contains(gn, n) {
			oc = append(oc, n)
		}
	}
	if slices.Equal(oc, common) {
		return Difference{}, false
	}
	return Difference{Object: object, Path: "spec.template.spec.containers[0].env", Old: strings.Join(oc, ","), New: strings.Join(common, ","),
		Class: ClassChanged, Reason: "env order: NATS, plain, secrets, ConfigMaps"}, true
}

// classify says why a field differs.
func classify(object, kind, path string, old, new any) Difference {
	d := Difference{Object: object, Path: path, Old: old, New: new, Class: ClassChanged}
	added := old == nil
	switch {
	case strings.Contains(path, "labels["+v1alpha1.LabelName+"]") || strings.Contains(path, "labels["+v1alpha1.LabelManagedBy+"]"):
		d.Reason = "eds-fn labels"
	case kind == "ServiceAccount" && path == "automountServiceAccountToken":
		d.Reason = "the generated ServiceAccount does not mount its token into pods"
	case strings.Contains(path, "securityContext") || strings.HasSuffix(path, ".automountServiceAccountToken"):
		if added || !strings.Contains(path, "runAsUser") {
			d.Reason = "restricted Pod Security"
		}
	case strings.Contains(path, "initContainers[init].env") || strings.Contains(path, "initContainers[init].envFrom") || strings.Contains(path, "initContainers[init].resources") || strings.Contains(path, "initContainers[init].volumeMounts"):
		d.Reason = "the init container runs with the worker's environment, resources and volume mounts"
	case added && strings.Contains(path, "metadata.labels"):
		d.Reason = "the EventDrivenService's labels go on every object"
	case added && (strings.Contains(path, "Probe.") || strings.HasSuffix(path, "Probe")):
		d.Reason = "probes added"
	case added && strings.Contains(path, ".env[NATS_"):
		d.Reason = "NATS_URL, NATS_STREAM_NAME and NATS_CONSUMER_GROUP come from spec.nats"
	case strings.Contains(path, ".resources.") && added:
		d.Reason = "the size preset sets what the original left out"
	case added && kind == "Service" && strings.HasPrefix(path, "spec.ports[http]"):
		d.Reason = "the Service listens on the HTTP port (spec.http.port) too"
	case added && strings.Contains(path, ".ports[") && kind == "Deployment":
		d.Reason = "the HTTP port is named http"
	case kind == "ScaledObject" && (strings.HasPrefix(path, "spec.triggers[0].name") || strings.HasPrefix(path, "spec.triggers[0].metadata")) && added:
		d.Reason = "the nats-jetstream trigger as eds-fn writes it"
	case kind == "ScaledObject" && (path == "spec.scaleTargetRef.apiVersion" || path == "spec.scaleTargetRef.kind") && added:
		d.Reason = "the nats-jetstream trigger as eds-fn writes it"
	case added && kind == "ScaledObject" && (path == "spec.minReplicaCount" || path == "spec.maxReplicaCount"):
		d.Reason = "KEDA's default, written out"
	case added && kind == "ScaledObject" && strings.HasPrefix(path, "spec.triggers[0].metadata"):
		d.Reason = "KEDA's default, written out"
	case added:
		d.Reason = "set by eds-fn"
	default:
		d.Class = ClassLost
	}
	if d.Reason == "" {
		d.Class = ClassLost
	}
	return d
}
