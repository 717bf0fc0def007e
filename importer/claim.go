package importer

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The platform's earlier Crossplane composition (a CompositeResourceDefinition
// xeventdrivenservices.platform.bizmatters.io and the Composition
// event-driven-service, applied by provider-kubernetes) served the same
// group, version and claim kind as eds-fn's API, with other fields. Its
// claims are read here and turned into the objects the composition made of
// them, which are then imported like any other worker.
const (
	kindComposite = "XEventDrivenService"
	// compositionVersion is what the composition wrote as the pods'
	// app.kubernetes.io/version and OTEL_SERVICE_VERSION.
	compositionVersion = "v1alpha1"
	// compositionPort is the composition's HTTP port when the claim sets
	// none, and the port of the Service named after the claim always.
	compositionPort = 8080
	// labelClaimName is set by Crossplane on what a claim composes.
	labelClaimName = "crossplane.io/claim-name"
	secretSlots    = 5
)

// The claim's own fields, by the XRD: those only the earlier composition
// has, and those eds-fn's API has too.
var (
	claimOnlyFields = []string{"secret1Name", "secret2Name", "secret3Name", "secret4Name", "secret5Name",
		"httpPort", "healthPath", "readyPath", "sessionAffinity"}
	claimSharedFields = []string{"image", "size", "nats", "imagePullSecrets", "initContainer"}
	// crossplaneFields are what Crossplane adds to a claim or composite;
	// they say nothing about the worker.
	crossplaneFields = []string{"compositionRef", "compositionSelector", "compositionRevisionRef", "compositionRevisionSelector",
		"compositionUpdatePolicy", "compositeDeletePolicy", "resourceRef", "resourceRefs", "claimRef",
		"writeConnectionSecretToRef", "publishConnectionDetailsTo", "environmentConfigRefs"}
	// edsOnlyFields are the fields of eds-fn's spec the claim does not have.
	edsOnlyFields = func() []string {
		var out []string
		t := reflect.TypeOf(v1alpha1.EventDrivenServiceSpec{})
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" && !slices.Contains(claimSharedFields, name) {
				out = append(out, name)
			}
		}
		return out
	}()
	claimNATSFields = []string{"url", "stream", "consumer"}
	claimSizes      = []string{"micro", "small", "medium", "large"}
)

// claim is a claim (or composite) of the earlier composition.
type claim struct {
	obj       *object // the claim; the composite when no claim is among the inputs
	composite *object // the claim's composite, when both are among the inputs
	name      string  // the claim's name and namespace, which every composed object has
	namespace string

	image, size               string
	natsURL, stream, consumer string
	secrets                   [secretSlots]string
	pullSecrets               []string
	httpPort                  int32 // 0 when the claim sets none
	healthPath, readyPath     string
	sessionAffinity           string
	initContainer             bool

	err   string   // why the claim cannot be read, naming the field
	notes []string // what the report says besides the differences

	// composed: the objects are the composition's output for the claim,
	// not objects read back from a cluster.
	composed bool
}

func (c *claim) key() string { return c.namespace + "/" + c.name }

// isClaimKind reports whether o is of the claim's group and one of its kinds.
func isClaimKind(o *object) bool {
	group, _, _ := strings.Cut(o.apiVersion, "/")
	return group == v1alpha1.Group && (o.kind == v1alpha1.KindEventDrivenService || o.kind == kindComposite)
}

// readClaim reads o as a claim of the earlier composition. A refusal says
// why o is none: an EventDrivenService of eds-fn's own API, or one that
// mixes both.
func readClaim(o *object) (*claim, string) {
	c := &claim{obj: o, name: o.name, namespace: o.namespace}
	spec, _ := o.data["spec"].(map[string]any)
	sp := field.NewPath("spec")
	if o.kind == kindComposite {
		ref := dig(spec, "claimRef")
		c.name, c.namespace = str(ref, "name"), str(ref, "namespace")
		if c.name == "" || c.namespace == "" {
			return nil, "it has no spec.claimRef with a name and namespace: the earlier composition names every object it makes after the claim, so there is nothing to import from a composite without one"
		}
	} else {
		var own, eds []string
		for _, k := range slices.Sorted(mapKeys(spec)) {
			switch {
			case slices.Contains(claimOnlyFields, k):
				own = append(own, sp.Child(k).String())
			case slices.Contains(edsOnlyFields, k):
				eds = append(eds, sp.Child(k).String())
			}
		}
		for _, k := range slices.Sorted(mapKeys(dig(spec, "nats"))) {
			if !slices.Contains(claimNATSFields, k) {
				eds = append(eds, sp.Child("nats", k).String())
			}
		}
		if _, ok := dig(spec, "initContainer")["image"]; ok {
			eds = append(eds, sp.Child("initContainer", "image").String())
		}
		switch {
		case len(eds) > 0 && len(own) > 0:
			return nil, fmt.Sprintf("it mixes fields of the earlier Crossplane composition's claim (%s) with fields of eds-fn's API (%s): write it in one of the two",
				strings.Join(own, ", "), strings.Join(eds, ", "))
		case len(eds) > 0:
			return nil, fmt.Sprintf("it is an EventDrivenService of eds-fn's API already (%s): there is nothing to import; generate from it as it is",
				strings.Join(eds, ", "))
		}
	}
	if spec == nil {
		c.err = field.Required(sp, "a claim has a spec with image and nats").Error()
		return c, ""
	}
	errs := c.readSpec(spec, sp)
	if len(errs) > 0 {
		msgs := make([]string, 0, len(errs))
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		c.err = strings.Join(msgs, "; ")
	}
	return c, ""
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// readSpec reads and checks the claim's fields as the XRD does.
func (c *claim) readSpec(spec map[string]any, sp *field.Path) field.ErrorList {
	var errs field.ErrorList
	text := func(m map[string]any, p *field.Path, k string, required bool) string {
		v, ok := m[k]
		if !ok || v == nil {
			if required {
				errs = append(errs, field.Required(p.Child(k), ""))
			}
			return ""
		}
		s, ok := v.(string)
		if !ok {
			errs = append(errs, field.Invalid(p.Child(k), v, "must be a string"))
			return ""
		}
		if required && s == "" {
			errs = append(errs, field.Required(p.Child(k), ""))
		}
		return s
	}
	path := func(k, def string) string {
		s := text(spec, sp, k, false)
		if s == "" {
			return def
		}
		if !strings.HasPrefix(s, "/") {
			errs = append(errs, field.Invalid(sp.Child(k), s, "must start with /"))
		}
		return s
	}
	c.image = text(spec, sp, "image", true)
	c.size = text(spec, sp, "size", false)
	if c.size == "" {
		c.size = string(v1alpha1.DefaultSize) // the XRD's default too
	} else if !slices.Contains(claimSizes, c.size) {
		errs = append(errs, field.NotSupported(sp.Child("size"), c.size, claimSizes))
	}
	np := sp.Child("nats")
	switch nats := spec["nats"].(type) {
	case map[string]any:
		c.natsURL = text(nats, np, "url", false)
		if c.natsURL == "" {
			c.natsURL = v1alpha1.DefaultNATSURL // the XRD's default too
		}
		c.stream = text(nats, np, "stream", true)
		c.consumer = text(nats, np, "consumer", true)
	case nil:
		errs = append(errs, field.Required(np, "stream and consumer"))
	default:
		errs = append(errs, field.Invalid(np, nats, "must be a mapping with url, stream and consumer"))
	}
	for i := range secretSlots {
		k := "secret" + strconv.Itoa(i+1) + "Name"
		s := text(spec, sp, k, false)
		for _, msg := range validation.IsDNS1123Subdomain(s) {
			if s != "" {
				errs = append(errs, field.Invalid(sp.Child(k), s, msg))
			}
		}
		c.secrets[i] = s
	}
	if v, ok := spec["imagePullSecrets"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			errs = append(errs, field.Invalid(sp.Child("imagePullSecrets"), v, "must be a list of {name: ...}"))
		}
		for i, it := range list {
			ip := sp.Child("imagePullSecrets").Index(i)
			m, ok := it.(map[string]any)
			if !ok {
				errs = append(errs, field.Invalid(ip, it, "must be a mapping with name"))
				continue
			}
			c.pullSecrets = append(c.pullSecrets, text(m, ip, "name", true))
		}
	}
	if v, ok := spec["httpPort"]; ok && v != nil {
		n, isNum := v.(float64)
		if !isNum || n != math.Trunc(n) || n < 1 || n > 65535 {
			errs = append(errs, field.Invalid(sp.Child("httpPort"), v, "must be an integer from 1 to 65535"))
		} else {
			c.httpPort = int32(n)
		}
	}
	c.healthPath = path("healthPath", v1alpha1.DefaultHealthPath)
	c.readyPath = path("readyPath", v1alpha1.DefaultReadyPath)
	c.sessionAffinity = text(spec, sp, "sessionAffinity", false)
	if c.sessionAffinity != "" && c.sessionAffinity != "None" && c.sessionAffinity != "ClientIP" {
		errs = append(errs, field.NotSupported(sp.Child("sessionAffinity"), c.sessionAffinity, []string{"None", "ClientIP"}))
	}
	if v, ok := spec["initContainer"]; ok && v != nil {
		ip := sp.Child("initContainer")
		m, ok := v.(map[string]any)
		if !ok {
			errs = append(errs, field.Invalid(ip, v, "must be a mapping with command and args"))
		} else {
			c.initContainer = true
			strs := func(k string, required bool) {
				list, ok := m[k].([]any)
				if _, set := m[k]; !set {
					if required {
						errs = append(errs, field.Required(ip.Child(k), ""))
					}
					return
				}
				if !ok || required && len(list) == 0 {
					errs = append(errs, field.Invalid(ip.Child(k), m[k], "must be a list of strings"))
					return
				}
				for i, s := range list {
					if _, ok := s.(string); !ok {
						errs = append(errs, field.Invalid(ip.Child(k).Index(i), s, "must be a string"))
					}
				}
			}
			strs("command", true)
			strs("args", false)
		}
	}
	for _, k := range slices.Sorted(mapKeys(spec)) {
		if slices.Contains(claimOnlyFields, k) || slices.Contains(claimSharedFields, k) || slices.Contains(crossplaneFields, k) {
			continue
		}
		c.notes = append(c.notes, fmt.Sprintf("%s: not a field of the earlier composition's claim; the API server dropped it, so it never took effect; not imported", sp.Child(k)))
	}
	return errs
}

// looksShared reports whether the claim has nothing that only a claim of
// the earlier composition has: no field of its own and nothing Crossplane
// set.
func (c *claim) looksShared() bool {
	spec, _ := c.obj.data["spec"].(map[string]any)
	for k := range spec {
		if slices.Contains(claimOnlyFields, k) || slices.Contains(crossplaneFields, k) {
			return false
		}
	}
	return c.obj.kind == v1alpha1.KindEventDrivenService
}

// pairs reports whether the Deployment dep is the one the composition made
// for the claim: the claim's name and namespace, and Crossplane's claim
// label, when it has one, naming the claim.
func (c *claim) pairs(dep *object) bool {
	if dep.kind != "Deployment" || !strings.HasPrefix(dep.apiVersion, "apps/") || dep.namespace != c.namespace || dep.name != c.name {
		return false
	}
	l := labelsOf(dig(dep.data, "metadata"), "labels")
	v, ok := l[labelClaimName]
	return !ok || v == c.name
}

// port is the HTTP port the composition gave the container.
func (c *claim) port() int32 {
	if c.httpPort != 0 {
		return c.httpPort
	}
	return compositionPort
}

// composedObjects are the objects the earlier composition makes of the
// claim: a ServiceAccount, a Deployment, a Service, a second Service for
// the claim's httpPort, and a ScaledObject.
func (c *claim) composedObjects() []*object {
	name, ns := c.name, c.namespace
	labels := func(version bool) map[string]any {
		l := map[string]any{
			v1alpha1.LabelName:            name,
			"app.kubernetes.io/component": "event-driven-worker",
			v1alpha1.LabelManagedBy:       "crossplane",
		}
		if version {
			l["app.kubernetes.io/version"] = compositionVersion
		}
		return l
	}
	meta := func(n string, version bool) map[string]any {
		return map[string]any{"name": n, "namespace": ns, "labels": labels(version)}
	}
	port := strconv.Itoa(int(c.port()))
	var envFrom []any
	for i, s := range c.secrets {
		if s == "" {
			s = "placeholder-secret" + strconv.Itoa(i+1) // the composition's base, when the slot is not set
		}
		envFrom = append(envFrom, map[string]any{"secretRef": map[string]any{"name": s, "optional": true}})
	}
	preset := v1alpha1.Sizes[v1alpha1.Size(c.size)]
	probe := func(path string, delay, period, timeout, failure int) map[string]any {
		return map[string]any{
			"httpGet":             map[string]any{"path": path, "port": float64(c.port())},
			"initialDelaySeconds": float64(delay), "periodSeconds": float64(period),
			"timeoutSeconds": float64(timeout), "failureThreshold": float64(failure),
		}
	}
	env := func(k, v string) any { return map[string]any{"name": k, "value": v} }
	container := map[string]any{
		"name":            "main",
		"image":           c.image,
		"imagePullPolicy": "IfNotPresent",
		"ports":           []any{map[string]any{"name": "http", "containerPort": float64(c.port()), "protocol": "TCP"}},
		"env": []any{
			env("NATS_URL", c.natsURL), env("NATS_STREAM_NAME", c.stream), env("NATS_CONSUMER_GROUP", c.consumer),
			env("PORT", port),
			env("OTEL_SERVICE_NAME", name), env("OTEL_SERVICE_VERSION", compositionVersion),
			env("OTEL_RESOURCE_ATTRIBUTES", "service.name="+name+",service.version="+compositionVersion+",deployment.environment=production"),
		},
		"envFrom": envFrom,
		"resources": map[string]any{
			"requests": map[string]any{"cpu": preset.RequestCPU.String(), "memory": preset.RequestMemory.String()},
			"limits":   map[string]any{"cpu": preset.LimitCPU.String(), "memory": preset.LimitMemory.String()},
		},
		"securityContext": map[string]any{
			"runAsNonRoot": true, "runAsUser": float64(1000), "allowPrivilegeEscalation": false,
			"capabilities": map[string]any{"drop": []any{"ALL"}}, "seccompProfile": map[string]any{"type": "RuntimeDefault"},
		},
		"livenessProbe":  probe(c.healthPath, 10, 10, 5, 3),
		"readinessProbe": probe(c.readyPath, 5, 5, 3, 2),
	}
	pod := map[string]any{
		"serviceAccountName": name,
		"securityContext":    map[string]any{"runAsNonRoot": true, "runAsUser": float64(1000), "fsGroup": float64(1000)},
		"containers":         []any{container},
	}
	if len(c.pullSecrets) > 0 {
		var ps []any
		for _, s := range c.pullSecrets {
			ps = append(ps, map[string]any{"name": s})
		}
		pod["imagePullSecrets"] = ps
	}
	scrape := func(port string) map[string]any {
		return map[string]any{"prometheus.io/scrape": "true", "prometheus.io/port": port, "prometheus.io/path": "/metrics"}
	}
	service := func(n string, port int32, annotations map[string]any) map[string]any {
		m := meta(n, true)
		m["annotations"] = annotations
		return map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": m, "spec": map[string]any{
			"type":     "ClusterIP",
			"selector": map[string]any{v1alpha1.LabelName: name},
			"ports":    []any{map[string]any{"name": "http", "port": float64(port), "targetPort": "http", "protocol": "TCP"}},
		}}
	}
	out := []map[string]any{
		{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(name, false), "automountServiceAccountToken": false},
		{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name, false), "spec": map[string]any{
			"replicas": float64(1),
			"selector": map[string]any{"matchLabels": map[string]any{v1alpha1.LabelName: name}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": labels(true), "annotations": scrape(port)},
				"spec":     pod,
			},
		}},
		// The Service named after the claim keeps the composition's port
		// and scrape annotation, whatever the claim's httpPort.
		service(name, compositionPort, scrape(strconv.Itoa(compositionPort))),
		{"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": meta(name+"-scaler", false), "spec": map[string]any{
			"scaleTargetRef":  map[string]any{"name": name},
			"minReplicaCount": float64(1), "maxReplicaCount": float64(10), "cooldownPeriod": float64(30), "pollingInterval": float64(5),
			"triggers": []any{map[string]any{"type": TriggerNATS, "metadata": map[string]any{
				"natsServerMonitoringEndpoint": v1alpha1.DefaultMonitoringEndpoint, "account": v1alpha1.DefaultAccount,
				"stream": c.stream, "consumer": c.consumer, "lagThreshold": "5", "activationLagThreshold": "0",
			}}},
		}},
	}
	if c.httpPort != 0 {
		// Only with httpPort: the composition's patch of its port is
		// required.
		svc := service(name+"-http", c.httpPort, scrape(port))
		spec := svc["spec"].(map[string]any)
		spec["sessionAffinity"] = "None"
		if c.sessionAffinity != "" {
			spec["sessionAffinity"] = c.sessionAffinity
		}
		out = append(out, svc)
	}
	var objs []*object
	for _, m := range out {
		objs = append(objs, fromMap(m)...)
	}
	slices.SortStableFunc(objs, func(a, b *object) int { return strings.Compare(a.id(), b.id()) })
	return objs
}

// findClaims reads every claim and composite of the earlier composition
// among objs; a composite whose claim is among them too is the same
// service.
func findClaims(objs []*object) ([]*claim, []Refusal) {
	var claims []*claim
	var refused []Refusal
	byKey := map[string]*claim{}
	var composites []*object
	for _, o := range objs {
		if !isClaimKind(o) {
			continue
		}
		if o.kind == kindComposite {
			composites = append(composites, o)
			continue
		}
		c, refusal := readClaim(o)
		if refusal != "" {
			refused = append(refused, Refusal{Object: o.id(), Reason: refusal})
			continue
		}
		claims = append(claims, c)
		byKey[c.key()] = c
	}
	for _, o := range composites {
		ref := dig(o.data, "spec", "claimRef")
		if c := byKey[str(ref, "namespace")+"/"+str(ref, "name")]; c != nil {
			if c.composite == nil {
				c.composite = o
				continue
			}
		}
		c, refusal := readClaim(o)
		if refusal == "" && byKey[c.key()] != nil {
			refusal = fmt.Sprintf("another composite among the inputs has the same claim %s: import one of them", c.key())
		}
		if refusal != "" {
			refused = append(refused, Refusal{Object: o.id(), Reason: refusal})
			continue
		}
		claims = append(claims, c)
		byKey[c.key()] = c
	}
	return claims, refused
}

// claimReport starts the report of worker w (nil when the claim cannot be
// read) and of claim c (nil for a worker of no claim).
func claimReport(c *claim, w *worker) Report {
	var rep Report
	if c != nil {
		rep.Worker = c.key()
		rep.Claim = c.obj.id()
		rep.Sources = append(rep.Sources, c.obj.id())
		if c.composite != nil {
			rep.Sources = append(rep.Sources, c.composite.id())
		}
		rep.Error = c.err
		rep.Notes = append(rep.Notes, c.notes...)
		if c.composed && c.looksShared() {
			rep.Notes = append(rep.Notes, "read as a claim of the earlier Crossplane composition: it has only fields eds-fn's API has too, "+
				"and the composition's objects are not among the inputs; if it is eds-fn's already, leave it out of the inputs")
		}
	}
	if w != nil {
		rep.Worker = w.deployment.namespace + "/" + w.deployment.name
		for _, o := range w.objects() {
			id := o.id()
			if c != nil && c.composed {
				id += " (as the composition makes it)"
			}
			rep.Sources = append(rep.Sources, id)
		}
	}
	return rep
}

// placeholderSecret is the name the composition leaves in a secret slot
// the claim does not set.
func placeholderSecret(name string) bool {
	n, ok := strings.CutPrefix(name, "placeholder-secret")
	return ok && len(n) == 1 && n[0] >= '1' && n[0] <= '0'+secretSlots
}
