package transformers

import (
	"fmt"
	"net"
	"strings"

	"github.com/bizmatters/eds-fn/internal/krm"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
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
	msgEndpointSet = "set to %q (was %q): KEDA must poll the NATS headless service, because in a NATS cluster " +
		"it asks each node by its pod DNS name for the consumer leader and only a headless service has such names"
	msgEndpointAdded = "set to %q (was missing): KEDA needs the NATS monitoring endpoint, and must poll the headless service " +
		"to find the consumer leader in a NATS cluster"
	msgAuthRefEndpoint = "no natsServerMonitoringEndpoint in metadata: it comes from %s (authenticationRef), which this transformer " +
		"cannot see and does not guess at; make sure it sets natsServerMonitoringEndpoint to %q, or write " +
		"natsServerMonitoringEndpoint: %q in this trigger's metadata and remove it from %s"
	msgAuthRefPrecedence = "KEDA reads natsServerMonitoringEndpoint from %s (authenticationRef) before this metadata: " +
		"if it sets one, set it to %q there too"
	msgWrittenAs      = " (in the source, %q: kustomize renamed it)"
	msgMetadataNotMap = "must be a mapping of strings (KEDA's trigger parameters); the endpoint was not set"
)

// trigger is one nats-jetstream trigger of a ScaledObject or ScaledJob.
type trigger struct {
	obj  *yaml.RNode // the ScaledObject or ScaledJob
	node *yaml.RNode // the trigger, a mapping
	path *field.Path // spec.triggers[i]
}

// natsTriggers finds every nats-jetstream trigger of every KEDA ScaledObject
// and ScaledJob, in item order and then trigger order. Anything that is not
// shaped like a trigger is left to KEDA and the API server to refuse.
func natsTriggers(items []*yaml.RNode) []trigger {
	var out []trigger
	for _, it := range items {
		if it.YNode().Kind != yaml.MappingNode || it.GetApiVersion() != kedaAPIVersion || !scalableKinds[it.GetKind()] {
			continue
		}
		seq, err := it.Pipe(yaml.Lookup("spec", "triggers"))
		if err != nil || seq == nil || seq.YNode().Kind != yaml.SequenceNode {
			continue
		}
		for i, el := range seq.Content() {
			if el.Kind != yaml.MappingNode {
				continue
			}
			t := yaml.NewRNode(el)
			if scalarValue(t, "type") != natsTrigger {
				continue
			}
			out = append(out, trigger{obj: it, node: t, path: field.NewPath("spec", "triggers").Index(i)})
		}
	}
	return out
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
}

// apply makes the change. A scalar is changed where it stands, so its
// position, quoting and comments are kept.
func (f *fix) apply() error {
	if n := f.old; n != nil && n.Kind == yaml.ScalarNode {
		n.Value = f.value
		n.Tag = yaml.NodeTagString
		n.Style &^= yaml.LiteralStyle | yaml.FoldedStyle | yaml.TaggedStyle
		return nil
	}
	md, err := f.t.ensureMetadata()
	if err != nil {
		return err
	}
	return md.PipeE(yaml.SetField(keyEndpoint, yaml.NewStringRNode(f.value)))
}

// plan is everything one run will report and change, computed before any
// item is touched.
type plan struct {
	endpoint string // the configured endpoint
	port     string // its port
	fixes    []*fix
	findings framework.Results
	// fixResults are the info results that describe fixes: they are dropped
	// when the fixes are not made.
	fixResults map[*framework.Result]bool
}

// planAll checks every nats-jetstream trigger among items and plans the
// endpoint fixes. It changes nothing.
func planAll(items []*yaml.RNode, endpoint string) *plan {
	_, port, _ := net.SplitHostPort(endpoint)
	p := &plan{endpoint: endpoint, port: port, fixResults: map[*framework.Result]bool{}}
	for _, t := range natsTriggers(items) {
		md, ok := t.metadata()
		if !ok {
			p.add(t, t.path.Child("metadata"), msgMetadataNotMap, framework.Warning)
			continue
		}
		fixed := p.planEndpoint(t, md)
		p.checkAccount(t, md, t.authRef() != "")
		p.checkStreamAndConsumer(t, md)
		p.checkStrings(t, md, fixed)
	}
	return p
}

// planEndpoint plans the endpoint fix of one trigger and reports what was
// wrong with the old value. It reports whether the endpoint will be set.
func (p *plan) planEndpoint(t trigger, md *yaml.RNode) bool {
	path := t.path.Child("metadata", keyEndpoint)
	auth := t.authRef()
	var cur *yaml.Node
	if md != nil {
		if f := md.Field(keyEndpoint); f != nil {
			cur = f.Value.YNode()
		}
	}
	// KEDA treats a null or empty parameter as absent.
	present := cur != nil && cur.ShortTag() != yaml.NodeTagNull && !(cur.Kind == yaml.ScalarNode && cur.Value == "")

	switch {
	case !present && auth != "":
		p.add(t, t.path.Child("authenticationRef"),
			fmt.Sprintf(msgAuthRefEndpoint, auth, p.endpoint, p.endpoint, auth), framework.Warning)
		return false
	case present && cur.Kind == yaml.ScalarNode && cur.ShortTag() == yaml.NodeTagString && cur.Value == p.endpoint:
		// Already right: untouched.
	case present:
		old := describeValue(cur)
		r := p.add(t, path, fmt.Sprintf(msgEndpointSet, p.endpoint, old), framework.Info)
		r.Field.CurrentValue, r.Field.ProposedValue = old, p.endpoint
		p.fixResults[r] = true
		p.fixes = append(p.fixes, &fix{t: t, old: cur, value: p.endpoint})
		if cur.Kind == yaml.ScalarNode {
			p.checkEndpointValue(t, path, cur.Value, scalarValue(md, "useHttps") == "true")
		}
	default:
		r := p.add(t, path, fmt.Sprintf(msgEndpointAdded, p.endpoint), framework.Info)
		r.Field.ProposedValue = p.endpoint
		p.fixResults[r] = true
		p.fixes = append(p.fixes, &fix{t: t, old: cur, value: p.endpoint})
	}
	if auth != "" {
		p.add(t, t.path.Child("authenticationRef"), fmt.Sprintf(msgAuthRefPrecedence, auth, p.endpoint), framework.Info)
	}
	return true
}

// add records one result about the field at path of t's resource.
func (p *plan) add(t trigger, path *field.Path, msg string, sev framework.Severity) *framework.Result {
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
func (p *plan) withoutFixes() framework.Results {
	var out framework.Results
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
	f := n.Field(key)
	if f == nil || f.Value.YNode().Kind != yaml.ScalarNode || f.Value.YNode().ShortTag() == yaml.NodeTagNull {
		return ""
	}
	return f.Value.YNode().Value
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
