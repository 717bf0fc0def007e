// Package bench generates the inputs of eds-fn's benchmarks: ResourceLists
// of 1 to 10,000 EventDrivenServices, a 50-service kustomization in its three
// forms (one generator file per service, bulk mode, and the same objects
// written by hand), a transformer input of 10,000 resources of which
// 1,000 are ScaledObjects, and a Helm chart with a values file of the same
// services (helm.go). The Go benchmarks (*_bench_test.go) and the
// command timer (bench/run, "make bench") share them, so both measure the
// same work. See BENCHMARKS.md.
package bench

import (
	"fmt"
	"strings"
)

// Namespace is where every generated service lives.
const Namespace = "bench"

// ServiceName is the name of the i-th service: a valid DNS-1035 label.
func ServiceName(i int) string { return fmt.Sprintf("worker-%05d", i) }

// Service is a typical EventDrivenService, the README's example: two
// secrets (one key by key, one whole), a pull secret, a migration init
// container and explicit scaling. annotations are extra metadata
// annotations, one "key: value" per line (may be empty).
func Service(i int, annotations ...string) string {
	name := ServiceName(i)
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenService
metadata:
  name: %[1]s
  namespace: %[2]s
  labels:
    team: team-%[3]d
`, name, Namespace, i%7)
	if len(annotations) > 0 {
		b.WriteString("  annotations:\n")
		for _, a := range annotations {
			b.WriteString("    " + a + "\n")
		}
	}
	b.WriteString("spec:\n")
	b.WriteString(serviceSpec(name, i))
	return b.String()
}

// serviceSpec is the spec of Service(i) at an indent of two spaces: the
// EventDrivenService's and, in the same words, the Helm values entry's.
func serviceSpec(name string, i int) string {
	return fmt.Sprintf(`  image: ghcr.io/acme/%[1]s:v1.%[2]d.0
  size: small
  nats:
    stream: STREAM_%[2]d
    consumer: %[1]s
  secretRefs:
    - name: %[1]s-db
      env:
        - {secretKey: endpoint, envName: POSTGRES_HOST}
        - {secretKey: password, envName: POSTGRES_PASSWORD}
    - name: %[1]s-keys
      envFrom: true
  imagePullSecrets:
    - name: ghcr-pull-secret
  initContainer:
    command: ["/bin/sh", "-c"]
    args: ["./migrate up"]
  scaling:
    minReplicas: 1
    maxReplicas: 20
    lagThreshold: 50
`, name, i)
}

const rlHeader = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"

// indent prefixes every line of a YAML document so that it becomes an
// element of a block sequence at the given depth.
func indent(doc, first, rest string) string {
	lines := strings.Split(strings.TrimRight(doc, "\n"), "\n")
	var b strings.Builder
	for i, l := range lines {
		if i == 0 {
			b.WriteString(first)
		} else {
			b.WriteString(rest)
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// GeneratorList is the ResourceList kustomize sends to the generator for
// one generator file: the service as functionConfig, and again as the only
// item, marked local-config.
func GeneratorList(i int) []byte {
	var b strings.Builder
	b.WriteString(rlHeader)
	b.WriteString("functionConfig:\n")
	b.WriteString(indent(Service(i, `config.kubernetes.io/function: "exec:\n  path: eds-fn\n"`), "  ", "  "))
	b.WriteString("items:\n")
	b.WriteString(indent(Service(i, `config.kubernetes.io/function: "exec:\n  path: eds-fn\n"`,
		`config.kubernetes.io/local-config: "true"`), "- ", "  "))
	return []byte(b.String())
}

// ItemsList is a ResourceList of n services as items and no functionConfig,
// as kpt passes a package: the services are generated in place.
func ItemsList(n int) []byte {
	var b strings.Builder
	b.WriteString(rlHeader)
	b.WriteString("items:\n")
	for i := range n {
		b.WriteString(indent(Service(i), "- ", "  "))
	}
	return []byte(b.String())
}

// BulkList is the ResourceList of bulk mode, as kustomize sends it to the
// ExpandEventDrivenServices transformer: n services among the items.
func BulkList(n int) []byte {
	var b strings.Builder
	b.WriteString(rlHeader)
	b.WriteString("functionConfig:\n")
	b.WriteString(indent(expandConfig, "  ", "  "))
	b.WriteString("items:\n")
	for i := range n {
		b.WriteString(indent(Service(i), "- ", "  "))
	}
	return []byte(b.String())
}

const expandConfig = `apiVersion: platform.bizmatters.io/v1alpha1
kind: ExpandEventDrivenServices
metadata:
  name: expand
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: eds-fn
`
