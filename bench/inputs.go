// Package bench generates the inputs of eds-fn's benchmarks: ResourceLists
// of 1 to 10,000 EventDrivenServices, a 50-service kustomization in its three
// forms (one generator file per service, bulk mode, and the same objects
// written by hand), and a transformer input of 10,000 resources of which
// 1,000 are ScaledObjects. The Go benchmarks (*_bench_test.go) and the
// command timer (bench/run, "make bench") share them, so both measure the
// same work. See BENCHMARKS.md.
package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bizmatters/eds-fn/generator"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
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
	fmt.Fprintf(&b, `spec:
  image: ghcr.io/acme/%[1]s:v1.%[2]d.0
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
	return b.String()
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

// expandPluginConfig is expandConfig for kustomize's exec plugin API: no
// function annotation.
const expandPluginConfig = `apiVersion: platform.bizmatters.io/v1alpha1
kind: ExpandEventDrivenServices
metadata:
  name: expand
`

const natsHeadlessConfig = `apiVersion: platform.bizmatters.io/v1alpha1
kind: NATSHeadlessEndpoint
metadata:
  name: nats-headless
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: eds-fn
`

// TransformerList is the ResourceList kustomize sends to the nats-headless
// transformer for a build of total resources, of which scaled are KEDA
// ScaledObjects (each with a cron trigger and a nats-jetstream trigger that
// points at the client service, so every one is fixed); the rest are
// Deployments, Services and ConfigMaps in turn.
func TransformerList(total, scaled int) []byte {
	var b strings.Builder
	b.WriteString(rlHeader)
	b.WriteString("functionConfig:\n")
	b.WriteString(indent(natsHeadlessConfig, "  ", "  "))
	b.WriteString("items:\n")
	every := total / max(scaled, 1)
	s := 0
	for i := range total {
		var doc string
		switch {
		case s < scaled && i%every == every-1:
			doc = scaledObject(i)
			s++
		case i%3 == 0:
			doc = deploymentDoc(i)
		case i%3 == 1:
			doc = serviceDoc(i)
		default:
			doc = configMapDoc(i)
		}
		b.WriteString(indent(doc, "- ", "  "))
	}
	return []byte(b.String())
}

func scaledObject(i int) string {
	return fmt.Sprintf(`apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: app-%05[1]d-scaler
  namespace: %[2]s
spec:
  scaleTargetRef:
    name: app-%05[1]d
  minReplicaCount: 1
  maxReplicaCount: 8
  triggers:
    - type: cron
      metadata:
        timezone: Europe/Amsterdam
        start: 0 8 * * *
        end: 0 22 * * *
        desiredReplicas: "2"
    - type: nats-jetstream
      metadata:
        natsServerMonitoringEndpoint: nats.nats.svc:8222
        account: $G
        stream: ORDERS
        consumer: app-%05[1]d
        lagThreshold: "10"
`, i, Namespace)
}

func deploymentDoc(i int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%05[1]d
  namespace: %[2]s
  labels: {app: app-%05[1]d}
spec:
  selector:
    matchLabels: {app: app-%05[1]d}
  template:
    metadata:
      labels: {app: app-%05[1]d}
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/app:v%[1]d
          ports: [{containerPort: 8080, name: http}]
          env:
            - {name: A, value: "1"}
            - {name: B, value: "2"}
`, i, Namespace)
}

func serviceDoc(i int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: app-%05[1]d
  namespace: %[2]s
spec:
  selector: {app: app-%05[1]d}
  ports:
    - {name: http, port: 8080, targetPort: http}
`, i, Namespace)
}

func configMapDoc(i int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: app-%05[1]d
  namespace: %[2]s
data:
  region: eu-west-1
  index: "%[1]d"
`, i, Namespace)
}

// Kustomizations are the forms of one build of n services, and two floors:
// builds whose function does no work, that show what kustomize's function
// plumbing costs by itself.
type Kustomizations struct {
	// PerFile lists one generator file per service.
	PerFile string
	// Bulk lists the services as resources and one ExpandEventDrivenServices
	// transformer.
	Bulk string
	// HandWritten lists the 4n objects the function generates, as files.
	HandWritten string
	// BulkZeroWork is Bulk with a shell script in eds-fn's place that runs
	// eds-fn once (on PATH), keeps its output, and from then on prints that
	// output without running anything: kustomize's transformer plumbing, with
	// eds-fn's cost taken out. Build it once before timing it.
	BulkZeroWork string
	// PerFilePlugin is PerFile without the function annotations: each
	// generator file runs eds-fn as kustomize's exec plugin.
	PerFilePlugin string
	// BulkPlugin is Bulk with a config that has no function annotation:
	// kustomize runs eds-fn as its exec plugin for ExpandEventDrivenServices,
	// found under KUSTOMIZE_PLUGIN_HOME (cli.LinkPlugins lays it out).
	BulkPlugin string
	// GeneratorZeroWork is one generator whose config holds nothing but its
	// name, and a script that prints the 4n objects: the least that any
	// function in the generator position costs for this output, whatever
	// its API (eds-fn has no such one).
	GeneratorZeroWork string
}

// zeroWorkScript prints what eds-fn printed for the same input, the first
// time: kustomize sends the same ResourceList to the transformer on every
// build of the same tree.
const zeroWorkScript = `#!/bin/sh
if [ ! -s eds-fn-output.yaml ]; then
  eds-fn > eds-fn-output.tmp || exit 1
  mv eds-fn-output.tmp eds-fn-output.yaml
  exec cat eds-fn-output.yaml
fi
cat > /dev/null
exec cat eds-fn-output.yaml
`

// WriteKustomizations writes the kustomizations of n services under dir.
// The hand-written objects are what eds-fn generates for the same services
// (in-process), so every build prints the same objects.
func WriteKustomizations(dir string, n int) (Kustomizations, error) {
	k := Kustomizations{
		PerFile:           filepath.Join(dir, "per-file"),
		Bulk:              filepath.Join(dir, "bulk"),
		HandWritten:       filepath.Join(dir, "hand-written"),
		BulkZeroWork:      filepath.Join(dir, "bulk-zero-work"),
		GeneratorZeroWork: filepath.Join(dir, "generator-zero-work"),
		BulkPlugin:        filepath.Join(dir, "bulk-plugin"),
		PerFilePlugin:     filepath.Join(dir, "per-file-plugin"),
	}
	files := map[string]string{}
	var gens, res, hand []string
	var objects strings.Builder
	objects.WriteString(rlHeader + "items:\n")
	for i := range n {
		name := ServiceName(i)
		files["per-file/"+name+".yaml"] = Service(i, `config.kubernetes.io/function: "exec:\n  path: eds-fn\n"`)
		files["per-file-plugin/"+name+".yaml"] = Service(i)
		gens = append(gens, name+".yaml")
		files["bulk/services/"+name+".yaml"] = Service(i)
		files["bulk-zero-work/services/"+name+".yaml"] = Service(i)
		files["bulk-plugin/services/"+name+".yaml"] = Service(i)
		res = append(res, "services/"+name+".yaml")

		objs, errs := generator.Expand(yaml.MustParse(Service(i)))
		if len(errs) > 0 {
			return k, fmt.Errorf("service %d: %v", i, errs.ToAggregate())
		}
		var buf bytes.Buffer
		if err := (kio.ByteWriter{Writer: &buf}).Write(objs); err != nil {
			return k, err
		}
		files["hand-written/"+name+".yaml"] = buf.String()
		hand = append(hand, name+".yaml")
		for _, o := range objs {
			objects.WriteString(indent(o.MustString(), "- ", "  "))
		}
	}
	files["per-file/kustomization.yaml"] = kustomization("generators", gens)
	files["per-file-plugin/kustomization.yaml"] = files["per-file/kustomization.yaml"]
	files["bulk/kustomization.yaml"] = kustomization("resources", res) + "transformers:\n- expand.yaml\n"
	files["bulk/expand.yaml"] = expandConfig
	files["bulk-zero-work/kustomization.yaml"] = files["bulk/kustomization.yaml"]
	files["bulk-zero-work/expand.yaml"] = strings.Replace(expandConfig, "path: eds-fn", "path: ./zero-work.sh", 1)
	files["bulk-zero-work/zero-work.sh"] = zeroWorkScript
	files["bulk-plugin/kustomization.yaml"] = files["bulk/kustomization.yaml"]
	files["bulk-plugin/expand.yaml"] = expandPluginConfig
	files["generator-zero-work/kustomization.yaml"] = kustomization("generators", []string{"services.yaml"})
	files["generator-zero-work/services.yaml"] = generatorConfig
	files["generator-zero-work/objects.yaml"] = objects.String()
	files["generator-zero-work/zero-work.sh"] = "#!/bin/sh\ncat > /dev/null\nexec cat objects.yaml\n"
	files["hand-written/kustomization.yaml"] = kustomization("resources", hand)
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return k, err
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			return k, err
		}
	}
	return k, nil
}

// generatorConfig is the config of GeneratorZeroWork's generator.
const generatorConfig = `apiVersion: bench.example.com/v1
kind: Workers
metadata:
  name: workers
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ./zero-work.sh
`

func kustomization(key string, files []string) string {
	var b strings.Builder
	b.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" + key + ":\n")
	for _, f := range files {
		b.WriteString("- " + f + "\n")
	}
	return b.String()
}
