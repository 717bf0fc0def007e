package v1alpha1

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestNATSClientServiceWarning: spec.nats.monitoringEndpoint naming the
// client Service of the chart's default install, in every shape the
// transformer repairs to nats-headless, is a warning that gives the
// transformer's reason and the endpoint it would write; every other
// endpoint is not.
func TestNATSClientServiceWarning(t *testing.T) {
	p := field.NewPath("spec", "nats", "monitoringEndpoint")
	for ep, want := range map[string]string{
		"nats.events.svc.cluster.local:8222": "nats-headless.events.svc.cluster.local:8222",
		"nats.events.svc:8222":               "nats-headless.events.svc:8222",
		"nats.nats:8222":                     "nats-headless.nats:8222",
		"nats:8222":                          "nats-headless.nats.svc.cluster.local:8222", // a short name resolves in KEDA's namespace
		"nats.nats:4222":                     "nats-headless.nats:4222",
		// Not the client Service of a chart install named nats: nothing to say.
		"nats-headless.nats.svc.cluster.local:8222": "",
		"nats-cluster.streaming:8222":               "",
		"my-nats.nats:8222":                         "",
		"natsx.nats:8222":                           "",
		"nats.example.com:8222":                     "",
		"10.0.0.7:8222":                             "",
		"nats.nats":                                 "", // no port: ValidateMonitoringEndpoint's error
	} {
		got := natsClientService(ep, p)
		if want == "" {
			if len(got) > 0 {
				t.Errorf("%s: unexpected warning %v", ep, got)
			}
			continue
		}
		if len(got) != 1 {
			t.Errorf("%s: want one warning, got %v", ep, got)
			continue
		}
		msg := got[0].Error()
		wantPrefix := `spec.nats.monitoringEndpoint: Invalid value: "` + ep + `": names Service "nats", the client Service of a NATS install, not its headless Service "nats-headless": `
		if !strings.HasPrefix(msg, wantPrefix) || !strings.Contains(msg, MsgHeadlessOnly) || !strings.HasSuffix(msg, `: write "`+want+`"`) {
			t.Errorf("%s:\n got %s\nwant %s...%s...: write %q", ep, msg, wantPrefix, MsgHeadlessOnly, want)
		}
	}
}

// TestWarningsNATSClientService: the warning reaches Warnings, once, and
// the default endpoint has none.
func TestWarningsNATSClientService(t *testing.T) {
	eds := &EventDrivenService{Spec: EventDrivenServiceSpec{
		Image: "ghcr.io/acme/orders:v1.0.0",
		NATS:  NATS{Stream: "ORDERS", Consumer: "orders", MonitoringEndpoint: "nats.nats.svc.cluster.local:8222"},
	}}
	eds.Default()
	var got []string
	for _, w := range eds.Warnings() {
		got = append(got, w.Field)
	}
	if len(got) != 1 || got[0] != "spec.nats.monitoringEndpoint" {
		t.Errorf("warnings on %v, want spec.nats.monitoringEndpoint alone", got)
	}
	eds.Spec.NATS.MonitoringEndpoint = ""
	eds.Default()
	if w := eds.Warnings(); len(w) > 0 {
		t.Errorf("the default endpoint %q is warned about: %v", eds.Spec.NATS.MonitoringEndpoint, w)
	}
}
