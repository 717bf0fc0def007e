package generator_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/bench"
	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The in-process paths, without the ResourceList's parsing and writing (see
// internal/cli's BenchmarkRunFunction for the whole stdin→stdout path).

// BenchmarkGenerate is Generate alone: a decoded, defaulted and valid
// service to its four objects.
func BenchmarkGenerate(b *testing.B) {
	eds, errs := v1alpha1.LoadEventDrivenService(yaml.MustParse(bench.Service(1)))
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := generator.Generate(eds); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}

// BenchmarkGenerateCustomDeployment is Generate with a typical escape hatch
// (a sidecar sharing a volume, a variable and a memory limit for the worker):
// the patch is applied, decoded and checked (guardrails, Pod Security).
func BenchmarkGenerateCustomDeployment(b *testing.B) {
	svc := strings.Replace(bench.Service(1), "  scaling:\n", `  customDeployment:
    spec:
      template:
        spec:
          volumes: [{name: cache, emptyDir: {}}]
          containers:
            - name: `+bench.ServiceName(1)+`
              env: [{name: LOG_LEVEL, value: debug}]
              resources: {limits: {memory: 2Gi}}
              volumeMounts: [{name: cache, mountPath: /cache}]
            - name: proxy
              image: ghcr.io/acme/proxy:v1.4.0
              ports: [{name: proxy, containerPort: 3003}]
              securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
              volumeMounts: [{name: cache, mountPath: /cache, readOnly: true}]
  scaling:
`, 1)
	eds, errs := v1alpha1.LoadEventDrivenService(yaml.MustParse(svc))
	if len(errs) > 0 || eds.Spec.CustomDeployment == nil {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := generator.Generate(eds); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}

// BenchmarkExpand is one service node to its objects: decoding, defaults,
// validation and Generate.
func BenchmarkExpand(b *testing.B) {
	node := yaml.MustParse(bench.Service(1))
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := generator.Expand(node); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}

// BenchmarkGenerateProcessor is the generator over N services as items
// (kpt's way), and BenchmarkGenerateBulk bulk mode.
func BenchmarkGenerateProcessor(b *testing.B) {
	for _, n := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			benchProcessor(b, bench.ItemsList(n), generator.Processor{})
		})
	}
}

func BenchmarkGenerateBulk(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			benchProcessor(b, bench.BulkList(n), generator.Bulk{})
		})
	}
}

func benchProcessor(b *testing.B, in []byte, p krm.ResourceListProcessor) {
	b.Helper()
	rw := &kio.ByteReadWriter{Reader: bytesReader(in)}
	items, err := rw.Read()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		rl := &krm.ResourceList{FunctionConfig: rw.FunctionConfig.Copy()}
		for _, it := range items {
			rl.Items = append(rl.Items, it.Copy())
		}
		b.StartTimer()
		if err := p.Process(rl); err != nil {
			b.Fatal(err)
		}
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
