package transformers

import (
	"fmt"
	"net"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
)

// monitorPort is where NATS serves /varz and /jsz (nats-server -m 8222, the
// official chart's "monitor" port).
const monitorPort = "8222"

const (
	msgSchemeHTTP = "%q has the scheme http://, but KEDA adds http:// or https:// itself (from useHttps) " +
		"and would poll %q; write host:port only, %q"
	msgSchemeHTTPS = "%q has the scheme https://, but KEDA takes https from useHttps, not from the endpoint, " +
		"and would poll %q; write %q and useHttps: \"true\" (this transformer sets both)"
	msgSchemeOther = "%q has the scheme %s://, but natsServerMonitoringEndpoint is the HTTP monitoring port, " +
		"not a client URL; write host:port only, %q"
	msgPath    = "%q has a path, but KEDA appends /varz and /jsz itself; write host:port only, %q"
	msgPort    = "%q uses port %s, but NATS serves monitoring (/jsz) on port " + monitorPort + "%s; write %q"
	msgNoPort  = "%q has no port, so KEDA would poll port %s, but NATS serves monitoring (/jsz) on port " + monitorPort + "; write %q"
	msgShort   = "%q names no namespace, so KEDA resolves it in its own namespace, not this %s's; assuming NATS runs in namespace %q (spec.namespace): write %q"
	msgGuessed = "%q names Service %q, which is neither headless in this build nor the client Service of the NATS install " +
		"(a chart install names its headless Service after it, plus \"-headless\"); assuming the NATS install of namespace %q has the headless Service %q (%s): write %q"
	msgNoHeadless = "this build holds Services in namespace %q (%s) but none is headless (clusterIP: None), so %q is not among them; " +
		"in a NATS cluster whose servers do not advertise client URLs KEDA asks each node as <pod>.<endpoint host>, which resolves only under a headless Service"
	msgNotHeadless = "%q names Service %s/%s, which this build holds, but it is not headless (clusterIP: None): in a NATS cluster whose servers " +
		"do not advertise client URLs KEDA asks each node as <pod>.%s, which resolves only under a headless Service"
	msgNotService = "%q is not the DNS name of a Service (<service>, <service>.<namespace> or <service>.<namespace>.svc[.<cluster domain>]), " +
		"so this transformer cannot tell whether it reaches every NATS node and leaves the host as it is; set spec.endpoint to choose the endpoint"
	msgMoved = "spec.endpoint %q replaces %q, which pointed at %s: KEDA now polls the NATS of %s for this trigger; " +
		"check that its stream lives there, or remove spec.endpoint to repair each endpoint where it stands"
	msgNotOneHost = "%q is not one host with one port (it has %s); KEDA polls exactly one host:port, so this transformer leaves the value as it is: " +
		"write the headless Service of the NATS install, such as %q"
	msgAnchored = "%q carries the YAML anchor &%s, so other fields may share it through an alias and would change with it: " +
		"this transformer leaves it as it is; write the endpoint out here, without the anchor, as %q"
	msgAdded = "no natsServerMonitoringEndpoint: KEDA refuses the trigger without one; write %q (this transformer has set it)"
	msgSet   = "set to %q (was %q): " + v1alpha1.MsgHeadlessOnly
)

// endpoint is an endpoint split the way the transformer reasons about it.
type endpoint struct {
	scheme, host, port, path string
	// notOne says why the value is not one host with at most one port (a
	// list, a user part, more than one port), "" when it is.
	notOne string
}

func splitEndpoint(raw string) endpoint {
	var e endpoint
	rest := raw
	if s, after, ok := strings.Cut(raw, "://"); ok {
		e.scheme, rest = strings.ToLower(s), after
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest, e.path = rest[:i], rest[i:]
	}
	switch {
	case strings.Contains(rest, ","):
		e.notOne = "a comma: a list of hosts"
	case strings.Contains(rest, "@"):
		e.notOne = "an @: a user part"
	}
	if h, p, err := net.SplitHostPort(rest); err == nil {
		e.host, e.port = h, p
	} else {
		e.host = strings.TrimSuffix(rest, ":")
		if e.notOne == "" && strings.Contains(e.host, ":") {
			e.notOne = "more than one colon"
		}
	}
	return e
}

// serviceHost is a host read as the DNS name of a Service, as the
// generator reads spec.nats.monitoringEndpoint.
type serviceHost = v1alpha1.ServiceHost

// repair is the endpoint a trigger should have and why, in the
// repair-in-place mode.
type repair struct {
	value    string
	https    bool     // useHttps must become "true"
	warnings []string // on the endpoint field
}

// repairEndpoint applies the rules of the repair-in-place mode to one
// endpoint (README, "NATSHeadlessEndpoint"): strip a scheme and a path, keep
// a headless service, make the service of a namespace-qualified name that
// install's headless Service, qualify a short name with spec.namespace, and
// use the monitoring port. kind is the trigger's resource kind, for messages.
func (p *plan) repairEndpoint(raw, kind string) repair {
	e := splitEndpoint(raw)
	if e.notOne != "" {
		// Rewriting it would guess which host was meant, and garble the rest.
		example := serviceHost{Service: p.cfg.ServiceName, Namespace: p.cfg.Namespace, Suffix: ".svc.cluster.local"}
		return repair{value: raw, warnings: []string{fmt.Sprintf(msgNotOneHost, raw, e.notOne, net.JoinHostPort(example.String(), monitorPort))}}
	}
	r := repair{https: e.scheme == "https"}
	host := e.host
	h, isService := v1alpha1.ParseServiceHost(e.host)
	var renamed, source string
	if isService {
		ns, suffix := h.Namespace, h.Suffix
		if ns == "" {
			ns, suffix = p.cfg.Namespace, ".svc.cluster.local"
		}
		svc, from := p.headlessService(h.Service, ns)
		if svc != h.Service && !p.chartClient(h.Service, svc) {
			renamed, source = h.Service, from
		}
		h = serviceHost{Service: svc, Namespace: ns, Suffix: suffix}
		host = h.String()
	}
	r.value = net.JoinHostPort(host, monitorPort)

	warn := func(format string, args ...any) { r.warnings = append(r.warnings, fmt.Sprintf(format, args...)) }
	switch e.scheme {
	case "":
	case "http":
		warn(msgSchemeHTTP, raw, "http://"+raw+"/jsz", r.value)
	case "https":
		warn(msgSchemeHTTPS, raw, "http://"+raw+"/jsz", r.value)
	default:
		warn(msgSchemeOther, raw, e.scheme, r.value)
	}
	if e.path != "" && e.path != "/" {
		warn(msgPath, raw, r.value)
	}
	switch {
	case !isService:
		warn(msgNotService, e.host)
	case splitNamespace(e.host) == "":
		warn(msgShort, raw, kind, h.Namespace, r.value)
	}
	if renamed != "" {
		warn(msgGuessed, raw, renamed, h.Namespace, h.Service, source, r.value)
	}
	if isService {
		r.warnings = append(r.warnings, p.checkHeadless(raw, h)...)
	}
	switch {
	case e.port == "" && r.https:
		warn(msgNoPort, raw, "443", r.value)
	case e.port == "":
		warn(msgNoPort, raw, "80", r.value)
	case e.port != monitorPort:
		note := ""
		if e.port == "4222" {
			note = msgClientPort
		}
		warn(msgPort, raw, e.port, note, r.value)
	}
	return r
}

// splitNamespace is the namespace a Service host names, "" for a short name.
func splitNamespace(host string) string {
	_, rest, _ := strings.Cut(host, ".")
	ns, _, _ := strings.Cut(rest, ".")
	return ns
}

// chartClient reports whether old is the client Service of the NATS chart
// install whose headless Service is svc: its name minus "-headless", or the
// client Service of spec.serviceName's install. Renaming it is no guess.
func (p *plan) chartClient(old, svc string) bool {
	return v1alpha1.IsNATSClientService(old, svc) || v1alpha1.IsNATSClientService(old, p.cfg.ServiceName)
}

// headlessService is the headless Service an endpoint naming Service old in
// namespace ns should name, and where that name comes from.
func (p *plan) headlessService(old, ns string) (svc, source string) {
	if strings.HasSuffix(old, v1alpha1.NATSHeadlessSuffix) {
		return old, ""
	}
	if _, headless := p.inv.serviceIn(ns, old); headless {
		return old, ""
	}
	if svc := p.inv.headlessIn(ns, old+v1alpha1.NATSHeadlessSuffix, p.cfg.ServiceName); svc != "" {
		return svc, "the headless Service this build holds there"
	}
	return p.cfg.ServiceName, "spec.serviceName"
}

// checkHeadless reports what the build shows about the Service the
// endpoint will name: that it is there but not headless, or that its
// namespace holds Services but no headless one.
func (p *plan) checkHeadless(raw string, h serviceHost) []string {
	found, headless := p.inv.serviceIn(h.Namespace, h.Service)
	switch {
	case found && !headless:
		return []string{fmt.Sprintf(msgNotHeadless, raw, h.Namespace, h.Service, h.String())}
	case found:
		return nil
	}
	var names []string
	for _, s := range p.inv.services[orDefault(h.Namespace)] {
		if s.headless {
			return nil
		}
		names = append(names, s.name)
	}
	if len(names) == 0 {
		return nil
	}
	return []string{fmt.Sprintf(msgNoHeadless, h.Namespace, strings.Join(names, ", "), h.String())}
}

// namespaceOf describes where an endpoint points, for msgMoved, and the
// namespace ("" when it names none or is not a Service).
func namespaceOf(raw string) (ns, where string) {
	h, ok := v1alpha1.ParseServiceHost(splitEndpoint(raw).host)
	switch {
	case !ok:
		return "", "a host that is not a Service name"
	case h.Namespace == "":
		return "", "KEDA's own namespace (the name has none)"
	}
	return h.Namespace, fmt.Sprintf("namespace %q", h.Namespace)
}
