package cli_test

import (
	"strings"
	"testing"
)

// TestConfigMapConfig covers kpt's ConfigMap functionConfig without kpt
// (examples/kpt_eval_test.go runs the real kpt fn eval): no data expands
// the services, data.kind=NATSHeadlessEndpoint runs the transformer with
// typed values, anything else is an error naming the key.
func TestConfigMapConfig(t *testing.T) {
	const items = `items:
- apiVersion: platform.bizmatters.io/v1alpha1
  kind: EventDrivenService
  metadata:
    name: orders
    annotations:
      config.kubernetes.io/path: orders.yaml
      internal.config.kubernetes.io/path: orders.yaml
  spec:
    image: ghcr.io/acme/orders:v1
    nats: {stream: ORDERS, consumer: orders}
`
	rl := func(cm string) string {
		return "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n" + items +
			"functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: function-input}\n" + cm
	}
	for _, tc := range []struct {
		name, cm string
		code     int
		want     []string
	}{
		{"no data", "  data: {}\n", 0, []string{"kind: ScaledObject", "path: 'orders.generated.yaml'"}},
		{"no data key", "", 0, []string{"kind: ScaledObject"}},
		{"the transformer, a boolean", "  data: {kind: NATSHeadlessEndpoint, strict: \"false\", serviceName: nats-headless}\n", 0, []string{"kind: EventDrivenService", "name: function-input"}},
		{"binaryData", "  binaryData: {kind: TkFUUw==}\n", 1, []string{"error: ConfigMap function-input: binaryData: Forbidden: a ConfigMap config of eds-fn holds its values in data"}},
		{"bad boolean", "  data: {kind: NATSHeadlessEndpoint, strict: \"True\"}\n", 1, []string{`error: ConfigMap function-input: data.strict: Unsupported value: "True": supported values: "true", "false"`}},
		{"unknown kind", "  data: {kind: ExpandEventDrivenServices}\n", 1, []string{`data.kind: Invalid value: "ExpandEventDrivenServices": supported values: "NATSHeadlessEndpoint"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, rl(tc.cm))
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out+errOut, w) {
					t.Errorf("no %q in:\n%s\n%s", w, out, errOut)
				}
			}
			if tc.code != 0 && strings.Contains(out, "kind: ScaledObject") {
				t.Errorf("a refused config generated objects:\n%s", out)
			}
		})
	}
}
