package v1alpha1

import (
	"fmt"
	"net"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// What the generator and the nats-headless transformer both know of the
// Services of a NATS install, so that they recognise the same endpoints and
// say the same of them.

// NATSHeadlessSuffix ends the headless Service's name in the official NATS
// chart: "<release>" is the client Service, "<release>-headless" the
// headless one.
const NATSHeadlessSuffix = "-headless"

// MsgHeadlessOnly is why the monitoring endpoint must name a headless
// Service. The transformer gives it for every endpoint it sets; the
// generator for an endpoint naming the client Service.
const MsgHeadlessOnly = "KEDA reads the consumer's lag from the NATS monitoring port, and in a NATS cluster whose servers " +
	"do not advertise client URLs (the official chart's default) it asks each node by its pod DNS name, which only a headless Service has"

const msgNATSClientService = "names Service %q, the client Service of a NATS install, not its headless Service %q: " + MsgHeadlessOnly +
	"; it works only where the servers advertise client URLs or NATS runs as one server: write %q"

// ServiceHost is a host read as the DNS name of a Service: "<service>",
// "<service>.<namespace>" or "<service>.<namespace>.svc[.<cluster domain>]".
type ServiceHost struct {
	Service, Namespace string
	Suffix             string // what follows the namespace, as written: "", ".svc", ".svc.cluster.local"
}

// ParseServiceHost reads host as the DNS name of a Service; ok is false for
// an IP address or a name that is not one of a Service (nats.example.com).
func ParseServiceHost(host string) (h ServiceHost, ok bool) {
	if host == "" || net.ParseIP(host) != nil || len(validation.IsDNS1123Subdomain(host)) > 0 {
		return ServiceHost{}, false
	}
	labels := strings.SplitN(host, ".", 3)
	switch len(labels) {
	case 1:
		return ServiceHost{Service: labels[0]}, true
	case 2:
		return ServiceHost{Service: labels[0], Namespace: labels[1]}, true
	}
	if labels[2] != "svc" && !strings.HasPrefix(labels[2], "svc.") {
		return ServiceHost{}, false
	}
	return ServiceHost{Service: labels[0], Namespace: labels[1], Suffix: "." + labels[2]}, true
}

func (h ServiceHost) String() string {
	if h.Namespace == "" {
		return h.Service
	}
	return h.Service + "." + h.Namespace + h.Suffix
}

// IsNATSClientService reports whether service is the client Service of the
// NATS install whose headless Service is headless: the chart names them
// "<release>" and "<release>-headless".
func IsNATSClientService(service, headless string) bool {
	return service+NATSHeadlessSuffix == headless
}

// natsClientService warns of a monitoring endpoint naming the client Service
// of the official chart's default install ("nats", "nats.<namespace>",
// "nats.<namespace>.svc.cluster.local"), the shapes the transformer repairs
// to nats-headless: it works on a NATS that advertises client URLs, and
// fails on a cluster that does not. The endpoint it proposes is the one the
// transformer writes by default (a short name gets the namespace nats); the
// port is kept. An endpoint that is not host:port is ValidateMonitoringEndpoint's.
func natsClientService(ep string, p *field.Path) field.ErrorList {
	host, port, err := net.SplitHostPort(ep)
	if err != nil || port == "" {
		return nil
	}
	h, ok := ParseServiceHost(host)
	if !ok || !IsNATSClientService(h.Service, DefaultNATSHeadlessService) {
		return nil
	}
	client := h.Service
	h.Service = DefaultNATSHeadlessService
	if h.Namespace == "" {
		h.Namespace, h.Suffix = DefaultNATSNamespace, ".svc.cluster.local"
	}
	return field.ErrorList{field.Invalid(p, ep, fmt.Sprintf(msgNATSClientService, client, DefaultNATSHeadlessService, net.JoinHostPort(h.String(), port)))}
}
