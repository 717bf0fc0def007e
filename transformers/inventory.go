package transformers

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The trigger parameters a TriggerAuthentication can supply that change what
// the transformer may conclude: KEDA reads each of them from the
// authentication before the trigger's metadata (order=authParams;triggerMetadata
// in pkg/scalers/nats_jetstream_scaler.go).
var authParams = []string{keyEndpoint, "account", "accountID"}

const (
	kindTriggerAuth        = "TriggerAuthentication"
	kindClusterTriggerAuth = "ClusterTriggerAuthentication"
)

// inventory is what the build holds besides the triggers that the endpoint
// decisions depend on: its Services and its KEDA authentications.
type inventory struct {
	// services are the Services of each namespace, in item order.
	services map[string][]service
	auths    map[authKey]*auth
}

type service struct {
	name     string
	headless bool // spec.clusterIP: None
}

// authKey names a TriggerAuthentication (namespaced) or a
// ClusterTriggerAuthentication (namespace "").
type authKey struct{ kind, namespace, name string }

// auth is a TriggerAuthentication of the build and the parameters it
// supplies: parameter name → where, for example spec.secretTargetRef[0].
type auth struct {
	key      authKey
	supplies map[string]string
}

func (a *auth) String() string {
	if a.key.namespace == "" {
		return fmt.Sprintf("%s %q", a.key.kind, a.key.name)
	}
	return fmt.Sprintf("%s %s/%s", a.key.kind, a.key.namespace, a.key.name)
}

// scanItems finds, in one pass over the items, every nats-jetstream trigger
// (in item order, then trigger order), the Services and the authentications;
// and reports KEDA objects whose spec.triggers is not a list.
func scanItems(items []*yaml.RNode) (triggers []trigger, inv *inventory, bad []*yaml.RNode) {
	inv = &inventory{services: map[string][]service{}, auths: map[authKey]*auth{}}
	for _, it := range withListItems(items) {
		n := it.YNode()
		if n.Kind != yaml.MappingNode {
			continue
		}
		apiVersion, kind := scalarOf(child(n, "apiVersion")), scalarOf(child(n, "kind"))
		switch {
		case apiVersion == "v1" && kind == "Service":
			md := child(n, "metadata")
			ns := orDefault(scalarOf(child(md, "namespace")))
			inv.services[ns] = append(inv.services[ns], service{
				name:     scalarOf(child(md, "name")),
				headless: scalarOf(child(child(n, "spec"), "clusterIP")) == "None",
			})
		case apiVersion == kedaAPIVersion && (kind == kindTriggerAuth || kind == kindClusterTriggerAuth):
			key := authKey{kind: kind, name: it.GetName()}
			if kind == kindTriggerAuth {
				key.namespace = orDefault(it.GetNamespace())
			}
			a := &auth{key: key, supplies: map[string]string{}}
			if spec := child(it.YNode(), "spec"); spec != nil {
				findParams(spec, field.NewPath("spec"), a.supplies)
			}
			inv.auths[key] = a
		case apiVersion == kedaAPIVersion && scalableKinds[kind]:
			ts, ok := triggersOf(it, kind)
			if !ok {
				bad = append(bad, it)
			}
			triggers = append(triggers, ts...)
		}
	}
	return triggers, inv, bad
}

// withListItems is items with the objects of every "kind: List" item
// after it: kpt keeps a file holding a List as one item, and kubectl applies
// each object of it, so its ScaledObjects, Services and authentications are
// the build's as much as any other. They are changed where they stand, in
// the List.
func withListItems(items []*yaml.RNode) []*yaml.RNode {
	var out []*yaml.RNode
	for _, it := range items {
		out = append(out, it)
		n := it.YNode()
		if n.Kind != yaml.MappingNode || scalarOf(child(n, "apiVersion")) != "v1" || scalarOf(child(n, "kind")) != "List" {
			continue
		}
		if seq := child(n, "items"); seq != nil && seq.Kind == yaml.SequenceNode {
			for _, el := range seq.Content {
				if el.Kind == yaml.MappingNode {
					out = append(out, yaml.NewRNode(el))
				}
			}
		}
	}
	return out
}

// triggersOf is the nats-jetstream triggers of a ScaledObject or ScaledJob;
// ok is false when spec.triggers is there but not a list. Anything else that
// is not shaped like a trigger is left to KEDA and the API server to refuse.
func triggersOf(it *yaml.RNode, kind string) (out []trigger, ok bool) {
	seq := child(child(it.YNode(), "spec"), "triggers")
	if seq == nil || seq.ShortTag() == yaml.NodeTagNull {
		return nil, true
	}
	if seq.Kind != yaml.SequenceNode {
		return nil, false
	}
	for i, el := range seq.Content {
		if el.Kind != yaml.MappingNode || scalarOf(child(el, "type")) != natsTrigger {
			continue
		}
		out = append(out, trigger{obj: it, kind: kind, node: yaml.NewRNode(el), path: field.NewPath("spec", "triggers").Index(i)})
	}
	return out, true
}

// findParams records where a TriggerAuthentication's spec maps one of
// authParams: any mapping with such a "parameter" (secretTargetRef, env,
// configMapTargetRef, hashiCorpVault.secrets, azureKeyVault.secrets, ...),
// so that a source KEDA adds later is found too. The first place wins.
func findParams(n *yaml.Node, p *field.Path, out map[string]string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			if k == "parameter" && v.Kind == yaml.ScalarNode && slices.Contains(authParams, v.Value) {
				if _, seen := out[v.Value]; !seen {
					out[v.Value] = p.String()
				}
				continue
			}
			findParams(v, p.Child(k), out)
		}
	case yaml.SequenceNode:
		for i, el := range n.Content {
			findParams(el, p.Index(i), out)
		}
	}
}

// authOf is the authentication the trigger's authenticationRef names when
// the build holds it, else nil.
func (inv *inventory) authOf(t trigger) *auth {
	f := t.node.Field("authenticationRef")
	if f == nil || f.Value.YNode().Kind != yaml.MappingNode {
		return nil
	}
	key := authKey{kind: scalarValue(f.Value, "kind"), name: scalarValue(f.Value, "name")}
	if key.kind == "" {
		key.kind = kindTriggerAuth
	}
	if key.kind == kindTriggerAuth {
		key.namespace = orDefault(t.obj.GetNamespace())
	}
	return inv.auths[key]
}

// orDefault is the namespace an object of a namespaced kind written
// without one lands in: "default", unless kustomize's or kpt's namespace
// setting gives it one before it is applied. A test NATS install is often
// written that way, and so is a TriggerAuthentication beside a
// ScaledObject; matching them to "default" is what kpt package mode does.
func orDefault(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

// headlessIn is the name of the headless Service of namespace ns the
// endpoint's service should become: the one named want if the build holds
// it, else fallback if the build holds that, else the first in item order;
// "" when the build holds no headless Service there.
func (inv *inventory) headlessIn(ns, want, fallback string) string {
	ns = orDefault(ns)
	first := ""
	hasFallback := false
	for _, s := range inv.services[ns] {
		if !s.headless {
			continue
		}
		if s.name == want {
			return want
		}
		if first == "" {
			first = s.name
		}
		hasFallback = hasFallback || s.name == fallback
	}
	if hasFallback {
		return fallback
	}
	return first
}

// serviceIn reports whether the build holds a Service name in namespace ns,
// and whether it is headless.
func (inv *inventory) serviceIn(ns, name string) (found, headless bool) {
	for _, s := range inv.services[orDefault(ns)] {
		if s.name == name {
			return true, s.headless
		}
	}
	return false, false
}
