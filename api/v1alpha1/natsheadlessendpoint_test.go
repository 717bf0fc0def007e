package v1alpha1

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func decodeNHE(t *testing.T, src string) (*NATSHeadlessEndpoint, []string) {
	t.Helper()
	node, err := yaml.Parse(src)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	cfg, errs := DecodeNATSHeadlessEndpoint(node)
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	return cfg, msgs
}

const nheHeader = `apiVersion: platform.bizmatters.io/v1alpha1
kind: NATSHeadlessEndpoint
metadata:
  name: nats-headless
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: eds-fn
    config.kubernetes.io/local-config: "true"
`

func TestNATSHeadlessEndpointDefaults(t *testing.T) {
	for name, src := range map[string]string{
		"no spec":    nheHeader,
		"null spec":  nheHeader + "spec:\n",
		"empty spec": nheHeader + "spec: {}\n",
	} {
		t.Run(name, func(t *testing.T) {
			cfg, errs := decodeNHE(t, src)
			if len(errs) > 0 {
				t.Fatalf("unexpected errors: %v", errs)
			}
			cfg.Default()
			want := NATSHeadlessEndpointSpec{ServiceName: "nats-headless", Namespace: "nats"}
			if cfg.Spec != want {
				t.Errorf("defaulted spec = %+v, want %+v (no endpoint: each trigger is repaired where it stands)", cfg.Spec, want)
			}
			if cfg.Spec.Strict {
				t.Error("strict should default to false")
			}
			if errs := cfg.Validate(); len(errs) > 0 {
				t.Errorf("defaulted config is invalid: %v", errs)
			}
			// Default is idempotent.
			cfg.Default()
			if cfg.Spec != want {
				t.Errorf("second Default changed the spec to %+v", cfg.Spec)
			}
		})
	}
}

func TestNATSHeadlessEndpointKeepsUserValues(t *testing.T) {
	cfg, errs := decodeNHE(t, nheHeader+"spec:\n  endpoint: nats-headless.messaging.svc:9222\n  strict: true\n")
	if len(errs) > 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	cfg.Default()
	if want := (NATSHeadlessEndpointSpec{Endpoint: "nats-headless.messaging.svc:9222", Strict: true}); cfg.Spec != want {
		t.Errorf("got %+v, want %+v (an endpoint gets no service name or namespace)", cfg.Spec, want)
	}
	cfg, errs = decodeNHE(t, nheHeader+"spec:\n  serviceName: my-nats-headless\n  namespace: messaging\n")
	if len(errs) > 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	cfg.Default()
	if want := (NATSHeadlessEndpointSpec{ServiceName: "my-nats-headless", Namespace: "messaging"}); cfg.Spec != want {
		t.Errorf("got %+v, want %+v", cfg.Spec, want)
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		t.Errorf("unexpected errors: %v", errs)
	}
}

func TestNATSHeadlessEndpointInvalid(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		want       []string // substrings, one per expected error, in order
	}{
		{"unknown field with suggestion", "spec:\n  endpont: a:8222\n",
			[]string{`spec.endpont`, `did you mean "endpoint"?`}},
		{"unknown top-level field", "spec: {}\nstatus: {}\n",
			[]string{`status`, `unknown field`}},
		{"wrong type", "spec:\n  strict: \"yes\"\n",
			[]string{`spec.strict`, `must be true or false`}},
		{"scheme", "spec:\n  endpoint: http://nats-headless.nats:8222\n",
			[]string{`spec.endpoint`, `without a scheme`}},
		{"no port", "spec:\n  endpoint: nats-headless.nats.svc.cluster.local\n",
			[]string{`spec.endpoint`, `the port is required`}},
		{"bad port", "spec:\n  endpoint: nats-headless:99999\n",
			[]string{`spec.endpoint`, `not a port number`}},
		{"bad host", "spec:\n  endpoint: NATS_Headless:8222\n",
			[]string{`spec.endpoint`, `host "NATS_Headless"`}},
		{"endpoint and service name", "spec:\n  endpoint: nats-headless.nats:8222\n  serviceName: nats-headless\n  namespace: nats\n",
			[]string{`spec.namespace: Forbidden`, `spec.serviceName: Forbidden`}},
		{"bad service name", "spec:\n  serviceName: 1nats\n",
			[]string{`spec.serviceName`, `a Service name`}},
		{"bad namespace", "spec:\n  namespace: NATS\n",
			[]string{`spec.namespace`, `a namespace name`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, errs := decodeNHE(t, nheHeader+tc.spec)
			if len(errs) == 0 {
				cfg.Default()
				for _, e := range cfg.Validate() {
					errs = append(errs, e.Error())
				}
			}
			if len(errs) == 0 {
				t.Fatal("expected an error")
			}
			all := strings.Join(errs, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("errors %q do not mention %q", all, w)
				}
			}
		})
	}
}
