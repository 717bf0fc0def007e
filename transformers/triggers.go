package transformers

import (
	"fmt"
	"net"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/internal/krm"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// What the transformer looks for. KEDA's own Go types are deliberately not
// imported: they would link client-go and controller-runtime into the
// function and nearly triple its size.
const (
	kedaAPIVersion = "keda.sh/v1alpha1"
	natsTrigger    = "nats-jetstream"
	keyEndpoint    = "natsServerMonitoringEndpoint"
)

// scalableKinds are the KEDA kinds whose spec.triggers the transformer fixes.
var scalableKinds = map[string]bool{"ScaledObject": true, "ScaledJob": true}

const (
	keyUseHTTPS = "useHttps"

	msgEndpointAdded   = "set to %q (was missing)"
	msgEndpointNotStr  = "%s is not a string: KEDA needs the host:port of the NATS monitoring port; write %q (this transformer has set it)"
	msgAuthRefEndpoint = "no natsServerMonitoringEndpoint in metadata: it comes from %s (authenticationRef), which is not in this build, " +
		"so this transformer cannot see it and does not guess at it; make sure it sets natsServerMonitoringEndpoint to %q, or write " +
		"natsServerMonitoringEndpoint: %q in this trigger's metadata and remove it from %s"
	msgAuthRefPrecedence = "KEDA reads natsServerMonitoringEndpoint from %s (authenticationRef) before this metadata: " +
		"if it sets one, set it to %q there too"
	msgAuthSupplies = "KEDA reads natsServerMonitoringEndpoint from %s (%s) before this trigger's metadata, so this transformer " +
		"leaves the metadata as it is: rewriting it would not change what KEDA polls; "
	msgAuthHintMetadata = "make sure the value there is %q (this trigger's metadata endpoint, repaired)"
	msgAuthHintNone     = "make sure the value there is host:port of the headless Service of that NATS install, without a scheme, " +
		"such as %q"
	msgTriggersNotList = "must be a list of triggers: KEDA and the API server refuse anything else; nothing in it was checked or changed"
	msgWrittenAs       = " (in the source, %q: kustomize renamed it)"
	msgMetadataNotMap  = "must be a mapping of strings (KEDA's trigger parameters); the endpoint was not set"
)

// trigger is one nats-jetstream trigger of a ScaledObject or ScaledJob.
type trigger struct {
	obj  *yaml.RNode // the ScaledObject or ScaledJob
	kind string      // obj's kind
	node *yaml.RNode // the trigger, a mapping
	path *field.Path // spec.triggers[i]
}

// metadata returns the trigger's metadata mapping, nil when it is absent or
// null, and ok=false when it is something else.
func (t trigger) metadata() (md *yaml.RNode, ok bool) {
	f := t.node.Field("metadata")
	if f == nil || yaml.IsMissingOrNull(f.Value) {
		return nil, true
	}
	if f.Value.YNode().Kind != yaml.MappingNode {
		return nil, false
	}
	return f.Value, true
}

// authRef describes the trigger's authenticationRef, for example
// `TriggerAuthentication "nats-auth"`, or "" when it has none.
func (t trigger) authRef() string {
	f := t.node.Field("authenticationRef")
	if f == nil || yaml.IsMissingOrNull(f.Value) {
		return ""
	}
	kind := scalarValue(f.Value, "kind")
	if kind == "" {
		kind = "TriggerAuthentication"
	}
	if name := scalarValue(f.Value, "name"); name != "" {
		return fmt.Sprintf("%s %q", kind, name)
	}
	return "an unnamed " + kind
}

// ensureMetadata returns the trigger's metadata mapping, creating it (or
// turning a null into an empty mapping, where it stands) when needed.
func (t trigger) ensureMetadata() (*yaml.RNode, error) {
	if f := t.node.Field("metadata"); f != nil {
		n := f.Value.YNode()
		if n.Kind != yaml.MappingNode {
			*n = yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap,
				HeadComment: n.HeadComment, LineComment: n.LineComment, FootComment: n.FootComment}
		}
		return f.Value, nil
	}
	md := yaml.NewMapRNode(nil)
	if err := t.node.PipeE(yaml.SetField("metadata", md)); err != nil {
		return nil, err
	}
	return md, nil
}

// fix is one planned change: the trigger's endpoint becomes value.
type fix struct {
	t     trigger
	old   *yaml.Node // the current value; nil when the field is absent
	value string
	https bool // useHttps becomes "true" as well
}

// apply makes the change. A scalar is changed where it stands, so its
// position, quoting and comments are kept.
func (f *fix) apply() error {
	if f.old != nil && f.old.Kind == yaml.ScalarNode && !f.https {
		return setString(nil, f.old, keyEndpoint, f.value)
	}
	md, err := f.t.ensureMetadata()
	if err != nil {
		return err
	}
	if err := setString(md, f.old, keyEndpoint, f.value); err != nil {
		return err
	}
	if !f.https {
		return nil
	}
	var cur *yaml.Node
	if h := md.Field(keyUseHTTPS); h != nil {
		cur = h.Value.YNode()
	}
	return setString(md, cur, keyUseHTTPS, "true")
}

// setString sets md[key], whose current value is cur (nil when absent), to
// the string value.
func setString(md *yaml.RNode, cur *yaml.Node, key, value string) error {
	if cur != nil && cur.Kind == yaml.ScalarNode {
		cur.Value = value
		cur.Tag = yaml.NodeTagString
		cur.Style &^= yaml.LiteralStyle | yaml.FoldedStyle | yaml.TaggedStyle
		return nil
	}
	return md.PipeE(yaml.SetField(key, yaml.NewStringRNode(value)))
}

// plan is everything one run will report and change, computed before any
// item is touched.
type plan struct {
	cfg      *v1alpha1.NATSHeadlessEndpointSpec
	inv      *inventory
	fallback string // the endpoint of a trigger without one
	// repairs memoizes repairEndpoint: a build repeats a few endpoints
	// many times.
	repairs  map[[2]string]repair
	fixes    []*fix
	findings krm.Results
	// fixResults are the info results that describe fixes: they are dropped
	// when the fixes are not made.
	fixResults map[*krm.Result]bool
}

// planAll checks every nats-jetstream trigger among items and plans the
// endpoint fixes. It changes nothing.
func planAll(items []*yaml.RNode, cfg *v1alpha1.NATSHeadlessEndpointSpec) *plan {
	triggers, inv, bad := scanItems(items)
	p := &plan{cfg: cfg, inv: inv, fixResults: map[*krm.Result]bool{}, repairs: map[[2]string]repair{}}
	p.fallback = p.defaultEndpoint()
	for _, obj := range bad {
		r := krm.FieldResult(obj, "spec.triggers", msgTriggersNotList+writtenAs(obj), krm.Warning)
		p.findings = append(p.findings, r)
	}
	for _, t := range triggers {
		md, ok := t.metadata()
		if !ok {
			p.add(t, t.path.Child("metadata"), msgMetadataNotMap, krm.Warning)
			continue
		}
		a := inv.authOf(t)
		fixed := p.planEndpoint(t, md, a)
		p.checkAccount(t, md, a)
		p.checkStreamAndConsumer(t, md)
		p.checkStrings(t, md, fixed)
	}
	return p
}

// defaultEndpoint is what a trigger without an endpoint gets: spec.endpoint,
// or the headless Service of spec.namespace.
func (p *plan) defaultEndpoint() string {
	if p.cfg.Endpoint != "" {
		return p.cfg.Endpoint
	}
	svc, _ := p.headlessService("", p.cfg.Namespace)
	return net.JoinHostPort(svc+"."+p.cfg.Namespace+".svc.cluster.local", monitorPort)
}

// planEndpoint plans the endpoint fix of one trigger and reports what was
// wrong with the old value. a is the authentication the trigger names when
// the build holds it. It reports whether the endpoint will be set.
func (p *plan) planEndpoint(t trigger, md *yaml.RNode, a *auth) bool {
	path := t.path.Child("metadata", keyEndpoint)
	authRef := t.authRef()
	var cur, alias *yaml.Node
	if md != nil {
		if f := md.Field(keyEndpoint); f != nil {
			cur = f.Value.YNode()
		}
	}
	if cur != nil && cur.Kind == yaml.AliasNode && cur.Alias != nil {
		// The value is read where its anchor is; a fix replaces the alias
		// alone.
		alias, cur = cur, cur.Alias
	}
	// KEDA treats a null or empty parameter as absent.
	present := cur != nil && cur.ShortTag() != yaml.NodeTagNull && !(cur.Kind == yaml.ScalarNode && cur.Value == "")
	scalar := present && cur.Kind == yaml.ScalarNode

	// What the endpoint should be, and what was wrong with it.
	value, https := p.fallback, false
	var warnings []string
	switch {
	case scalar && p.cfg.Endpoint != "":
		value = p.cfg.Endpoint
		if cur.Value != value {
			warnings = p.explicitWarnings(cur.Value, scalarValue(md, keyUseHTTPS) == "true")
		}
		if h, ok := v1alpha1.ParseServiceHost(splitEndpoint(value).host); ok && h.Namespace != "" {
			warnings = append(warnings, p.checkHeadless(value, h)...)
		}
	case scalar:
		key := [2]string{cur.Value, t.kind}
		r, ok := p.repairs[key]
		if !ok {
			r = p.repairEndpoint(cur.Value, t.kind)
			p.repairs[key] = r
		}
		value, warnings = r.value, r.warnings
		https = r.https && scalarValue(md, "useHttps") != "true"
	case present:
		warnings = []string{fmt.Sprintf(msgEndpointNotStr, describeValue(cur), value)}
	}

	if a != nil {
		if where, ok := a.supplies[keyEndpoint]; ok {
			hint := fmt.Sprintf(msgAuthHintMetadata, value)
			if !present {
				hint = fmt.Sprintf(msgAuthHintNone, value)
			}
			p.add(t, t.path.Child("authenticationRef"), fmt.Sprintf(msgAuthSupplies, a, where)+hint, krm.Warning)
			return false
		}
	}
	if !present && a == nil && authRef != "" {
		p.add(t, t.path.Child("authenticationRef"),
			fmt.Sprintf(msgAuthRefEndpoint, authRef, value, value, authRef), krm.Warning)
		return false
	}
	for _, w := range warnings {
		p.add(t, path, w, krm.Warning)
	}
	switch {
	case scalar && cur.ShortTag() == yaml.NodeTagString && cur.Value == value && !https:
		// Already right: untouched.
	case alias == nil && cur != nil && cur.Anchor != "":
		// Changed where it stands, it would change every alias of it too.
		p.add(t, path, fmt.Sprintf(msgAnchored, cur.Value, cur.Anchor, value), krm.Warning)
		return false
	case present:
		old := describeValue(cur)
		r := p.add(t, path, fmt.Sprintf(msgSet, value, old), krm.Info)
		r.Field.CurrentValue, r.Field.ProposedValue = old, value
		p.fixResults[r] = true
		target := cur
		if alias != nil {
			target = alias
		}
		p.fixes = append(p.fixes, &fix{t: t, old: target, value: value, https: https})
	default:
		p.add(t, path, fmt.Sprintf(msgAdded, value), krm.Warning)
		r := p.add(t, path, fmt.Sprintf(msgEndpointAdded, value), krm.Info)
		r.Field.ProposedValue = value
		p.fixResults[r] = true
		p.fixes = append(p.fixes, &fix{t: t, old: cur, value: value})
	}
	if authRef != "" && a == nil {
		p.add(t, t.path.Child("authenticationRef"), fmt.Sprintf(msgAuthRefPrecedence, authRef, value), krm.Info)
	}
	return true
}

// explicitWarnings are the warnings about an endpoint that spec.endpoint
// replaces: a scheme or port mistake, and a move to another namespace.
func (p *plan) explicitWarnings(old string, https bool) []string {
	warnings := p.checkEndpointValue(old, https)
	oldNS, oldWhere := namespaceOf(old)
	newNS, newWhere := namespaceOf(p.cfg.Endpoint)
	if oldWhere != newWhere || oldNS != newNS {
		warnings = append(warnings, fmt.Sprintf(msgMoved, p.cfg.Endpoint, old, oldWhere, newWhere))
	}
	return warnings
}

// add records one result about the field at path of t's resource.
func (p *plan) add(t trigger, path *field.Path, msg string, sev krm.Severity) *krm.Result {
	r := krm.FieldResult(t.obj, path.String(), msg+writtenAs(t.obj), sev)
	p.findings = append(p.findings, r)
	return r
}

// annoPreviousNames is where kustomize records the names an object had
// before namePrefix, nameSuffix or a patch renamed it, oldest first.
const annoPreviousNames = "internal.config.kubernetes.io/previousNames"

// writtenAs names the object as its author wrote it when kustomize has
// renamed it (a namePrefix in a base), because that is the name to look for
// in the source files.
func writtenAs(obj *yaml.RNode) string {
	first, _, _ := strings.Cut(obj.GetAnnotations()[annoPreviousNames], ",")
	if first == "" || first == obj.GetName() {
		return ""
	}
	return fmt.Sprintf(msgWrittenAs, first)
}

// withoutFixes is the findings minus the results of fixes, for a run that
// changes nothing.
func (p *plan) withoutFixes() krm.Results {
	var out krm.Results
	for _, r := range p.findings {
		if !p.fixResults[r] {
			out = append(out, r)
		}
	}
	return out
}

// scalarValue is the value of the scalar field key of mapping n, or "".
func scalarValue(n *yaml.RNode, key string) string {
	if n == nil {
		return ""
	}
	return scalarOf(child(n.YNode(), key))
}

// scalarOf is the value of a scalar node, or "" for anything else.
func scalarOf(v *yaml.Node) string {
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() == yaml.NodeTagNull {
		return ""
	}
	return v.Value
}

// child is the value of field key of mapping n, or nil. It reads the nodes
// directly: the lookups run for every item of the build, and RNode.Field
// allocates three wrappers a call. (The first match is the only one: the
// YAML decoder refuses a mapping with a duplicate key.)
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// describeValue renders a value for a message: a scalar as it is, anything
// else as flow YAML.
func describeValue(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	flow := *n
	flow.Style = yaml.FlowStyle
	s, err := yaml.NewRNode(&flow).String()
	if err != nil {
		return "(unreadable)"
	}
	return strings.TrimSpace(s)
}
