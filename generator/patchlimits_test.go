package generator_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestPatchBounds: a strategic-merge patch with a list over 1,000 items,
// lists over 10,000 items in all, or any patch over 1.5 MiB is refused
// before it is applied, naming the bound; at the bounds it is applied.
func TestPatchBounds(t *testing.T) {
	env := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "{name: V%d, value: x}, ", i)
		}
		return "[" + strings.TrimSuffix(b.String(), ", ") + "]"
	}
	ports := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "{name: p%d, port: %d}, ", i, 1000+i)
		}
		return "[" + strings.TrimSuffix(b.String(), ", ") + "]"
	}
	containers := func(n, envs int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "{name: s%d, image: x:1, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}, env: %s}, ", i, env(envs))
		}
		return "[" + strings.TrimSuffix(b.String(), ", ") + "]"
	}
	big := strings.Repeat("x", 1<<20)
	cases := []struct {
		name, spec string
		want       string // the error's path and words; "" for none
	}{
		{"env at the bound", "customDeployment: {spec: {template: {spec: {containers: [{name: w, env: " + env(1000) + "}]}}}}", ""},
		{"env over the bound", "customDeployment: {spec: {template: {spec: {containers: [{name: w, env: " + env(1001) + "}]}}}}",
			`error spec.customDeployment.spec.template.spec.containers[0].env: Invalid value: "(1001 items)": has 1001 items: a list of a strategic-merge patch holds at most 1000`},
		{"ports over the bound", "customService: {spec: {ports: " + ports(1001) + "}}",
			`error spec.customService.spec.ports: Invalid value: "(1001 items)"`},
		{"lists over the bound in all", "customDeployment: {spec: {template: {spec: {containers: " + containers(11, 990) + "}}}}",
			`error spec.customDeployment: Invalid value: "(10912 list items)": has 10912 list items in all: a strategic-merge patch holds at most 10000`},
		{"bytes over the bound", "customDeployment: {metadata: {annotations: {a: " + big + ", b: " + big[:600000] + "}}}",
			`error spec.customDeployment: Invalid value: "(1648620 bytes)": is 1648620 bytes: the API server stores no object over 1572864 bytes`},
		{"bytes over the bound, merge patch", "customScaledObject: {metadata: {annotations: {a: " + big + ", b: " + big[:600000] + "}}}",
			`error spec.customScaledObject: Invalid value: "(1648620 bytes)"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, items := patched(t, "  "+c.spec+"\n", "")
			var errs []string
			for _, g := range got {
				if strings.HasPrefix(g, "error ") {
					errs = append(errs, g)
				}
			}
			switch {
			case c.want == "" && (len(errs) > 0 || items != 5):
				t.Errorf("refused (%d items): %.300s", items, strings.Join(errs, "\n"))
			case c.want != "" && (len(errs) != 1 || !strings.HasPrefix(errs[0], c.want)):
				t.Errorf("got %.400s\nwant one error starting %s", strings.Join(errs, "\n"), c.want)
			}
		})
	}
}
