package transformers

import (
	"fmt"
	"net"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/internal/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The checks below report the mistakes seen in hand-written nats-jetstream
// triggers (see KEDA's pkg/scalers/nats_jetstream_scaler.go). They only
// report: the endpoint is the one field the transformer changes.

const (
	msgStrict         = " (an error because spec.strict is true)"
	msgEndpointScheme = "%q has a scheme, but KEDA adds %s:// itself (from useHttps) and would poll %q; " +
		"write host:port only, %q (this transformer has replaced it)"
	msgEndpointPort = "%q uses port %s, but NATS serves monitoring (/jsz) on port %s%s; " +
		"write %q (this transformer has replaced it)"
	msgEndpointNoPort = "%q has no port, so KEDA would poll port %s, but NATS serves monitoring (/jsz) on port %s; " +
		"write %q (this transformer has replaced it)"
	msgClientPort = " (4222 is the NATS client port)"
	msgSysAccount = `"$SYS" is the NATS system account, which can never hold JetStream streams: ` +
		`KEDA would fail every poll with "consumer not found"; write %s: "$G" ` +
		`(the global account of a server without configured accounts) or the account that owns the stream`
	msgNoAccount = `no account: KEDA refuses a nats-jetstream trigger without account or accountID; ` +
		`write account: "$G" (the global account of a server without configured accounts) or the account that owns the stream`
	msgAlias       = "KEDA reads %s, not %s: it ignores this field and the trigger fails for lack of %s; write %s: %q instead"
	msgAliasDup    = "KEDA reads %s and ignores %s; remove %s"
	msgMissing     = `no %s: KEDA requires it (%s); write %s: "<name>"`
	msgNATSName    = "%q %s; write the %s's name as NATS knows it"
	msgAuthAccount = "KEDA reads %s from %s (%s) before this trigger's metadata, so the metadata's account is not what KEDA uses " +
		"and this transformer cannot check it; make sure it names the account that owns the stream (\"$G\" on a server without configured accounts), never \"$SYS\""
	msgNotStr = "%s is %s, but KEDA's trigger parameters are strings and the API server refuses the %s otherwise; write %s"
)

// checkEndpointValue is the warnings about a scheme or a wrong port in the
// endpoint a trigger had before spec.endpoint replaced it, so that the
// source can be fixed too.
func (p *plan) checkEndpointValue(old string, https bool) []string {
	scheme := "http"
	if https {
		scheme = "https"
	}
	var out []string
	hostPort := old
	if _, after, ok := strings.Cut(old, "://"); ok {
		out = append(out, fmt.Sprintf(msgEndpointScheme, old, scheme, scheme+"://"+old+"/jsz", p.cfg.Endpoint))
		hostPort = after
	}
	hostPort, _, _ = strings.Cut(hostPort, "/")
	_, port, err := net.SplitHostPort(hostPort)
	_, want, _ := net.SplitHostPort(p.cfg.Endpoint)
	switch {
	case err != nil || port == "":
		defaultPort := "80"
		if https {
			defaultPort = "443"
		}
		out = append(out, fmt.Sprintf(msgEndpointNoPort, old, defaultPort, want, p.cfg.Endpoint))
	case port != want:
		note := ""
		if port == "4222" {
			note = msgClientPort
		}
		out = append(out, fmt.Sprintf(msgEndpointPort, old, port, want, note, p.cfg.Endpoint))
	}
	return out
}

// checkAccount reports the system account, and a trigger without any
// account unless a TriggerAuthentication may provide it. KEDA reads account
// and accountID from the authentication first: when the build holds one that
// supplies them, the metadata's are moot and the authentication is named.
func (p *plan) checkAccount(t trigger, md *yaml.RNode, a *auth) {
	if a != nil {
		for _, key := range []string{"account", "accountID"} {
			if where, ok := a.supplies[key]; ok {
				p.add(t, t.path.Child("authenticationRef"), fmt.Sprintf(msgAuthAccount, key, a, where), krm.Warning)
				return
			}
		}
	}
	found := false
	for _, key := range []string{"account", "accountID"} {
		v := scalarValue(md, key)
		if v == "" {
			continue
		}
		found = true
		if v == "$SYS" {
			p.add(t, t.path.Child("metadata", key), fmt.Sprintf(msgSysAccount, key), krm.Warning)
		}
	}
	// An authentication outside the build may supply the account.
	if !found && (a != nil || t.authRef() == "") {
		p.add(t, t.path.Child("metadata", "account"), msgNoAccount, krm.Warning)
	}
}

// checkStreamAndConsumer reports streamName and consumerName, which KEDA
// ignores, and a missing stream or consumer (KEDA reads both only from the
// metadata).
func (p *plan) checkStreamAndConsumer(t trigger, md *yaml.RNode) {
	for _, c := range []struct{ key, alias, what string }{
		{"stream", "streamName", "the JetStream stream that holds the consumer"},
		{"consumer", "consumerName", "the durable consumer whose pending messages KEDA scales on"},
	} {
		has := scalarValue(md, c.key) != ""
		var alias *yaml.MapNode
		if md != nil {
			alias = md.Field(c.alias)
		}
		switch {
		case alias != nil && has:
			p.add(t, t.path.Child("metadata", c.alias), fmt.Sprintf(msgAliasDup, c.key, c.alias, c.alias), krm.Warning)
		case alias != nil:
			p.add(t, t.path.Child("metadata", c.alias),
				fmt.Sprintf(msgAlias, c.key, c.alias, c.key, c.key, describeValue(alias.Value.YNode())), krm.Warning)
		case !has:
			p.add(t, t.path.Child("metadata", c.key), fmt.Sprintf(msgMissing, c.key, c.what, c.key), krm.Warning)
		default:
			v := scalarValue(md, c.key)
			for _, e := range v1alpha1.ValidateNATSName(v, t.path.Child("metadata", c.key), c.what) {
				p.add(t, t.path.Child("metadata", c.key), fmt.Sprintf(msgNATSName, v, e.Detail, c.key), krm.Warning)
			}
		}
	}
}

// checkStrings reports every metadata value that is not a string, such as
// lagThreshold: 5: the CRD declares the metadata a map of strings. The
// endpoint is skipped when it is being replaced by a string anyway.
func (p *plan) checkStrings(t trigger, md *yaml.RNode, endpointFixed bool) {
	if md == nil {
		return
	}
	c := md.YNode().Content
	for i := 0; i+1 < len(c); i += 2 {
		key, v := c[i].Value, c[i+1]
		if key == keyEndpoint && endpointFixed {
			continue
		}
		if v.Kind == yaml.ScalarNode && v.ShortTag() == yaml.NodeTagString {
			continue
		}
		var what, write string
		switch {
		case v.Kind == yaml.MappingNode:
			what, write = "a mapping", fmt.Sprintf(`a quoted string, %s: "..."`, key)
		case v.Kind == yaml.SequenceNode:
			what, write = "a list", fmt.Sprintf(`a quoted string, %s: "..."`, key)
		case v.ShortTag() == yaml.NodeTagNull:
			what, write = "empty (null)", fmt.Sprintf(`%s: "<value>" or remove it`, key)
		case v.ShortTag() == yaml.NodeTagInt || v.ShortTag() == yaml.NodeTagFloat:
			what, write = "a number", fmt.Sprintf("%s: %q", key, v.Value)
		case v.ShortTag() == yaml.NodeTagBool:
			what, write = "a boolean", fmt.Sprintf("%s: %q", key, v.Value)
		default:
			what, write = "not a string ("+v.ShortTag()+")", fmt.Sprintf("%s: %q", key, v.Value)
		}
		subject := "the value"
		if v.Kind == yaml.ScalarNode && v.ShortTag() != yaml.NodeTagNull {
			subject = v.Value
		}
		p.add(t, t.path.Child("metadata", key), fmt.Sprintf(msgNotStr, subject, what, t.kind, write), krm.Warning)
	}
}

// escalate turns warnings into errors, for spec.strict.
func escalate(rs krm.Results) {
	for _, r := range rs {
		if r.Severity == krm.Warning {
			r.Severity = krm.Error
			r.Message += msgStrict
		}
	}
}
