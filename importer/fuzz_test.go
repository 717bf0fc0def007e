package importer_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/importer"
	"github.com/bizmatters/eds-fn/internal/krm"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FuzzImport: whatever the manifests, import never panics, and every
// EventDrivenService it writes generates without errors.
func FuzzImport(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/input/*.yaml")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	// Claims of the earlier Crossplane composition, small enough for the
	// fuzzer to take apart: a composite with its claimRef, a claim paired
	// with a Deployment of its name, and one of every claim field.
	for _, s := range []string{
		"apiVersion: platform.bizmatters.io/v1alpha1\nkind: XEventDrivenService\nmetadata: {name: w-x1}\nspec: {claimRef: {name: w, namespace: n}, image: i:1, nats: {stream: S, consumer: c}, httpPort: 8000}\n",
		"apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata: {name: w, namespace: n}\nspec: {image: i:1, nats: {stream: S, consumer: c}, secret1Name: db}\n---\n" +
			"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, namespace: n, labels: {crossplane.io/claim-name: w}}\nspec: {template: {spec: {containers: [{name: main, image: i:1, envFrom: [{secretRef: {name: db, optional: true}}, {secretRef: {name: placeholder-secret2, optional: true}}]}]}}}\n---\n" +
			"apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: w-scaler, namespace: n}\nspec: {scaleTargetRef: {name: w}, triggers: [{type: nats-jetstream, metadata: {stream: S, consumer: c}}]}\n",
		"apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata: {name: w, namespace: n}\nspec: {image: i:1, size: large, nats: {url: \"nats://n:4222\", stream: S, consumer: c}, secret1Name: a, secret2Name: b, secret3Name: c, secret4Name: d, secret5Name: e, " +
			"imagePullSecrets: [{name: p}], httpPort: 9000, healthPath: /h, readyPath: /r, sessionAffinity: ClientIP, initContainer: {command: [sh], args: [-c, x]}}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
		if err != nil {
			return
		}
		res := importer.Import(nodes)
		_ = res.Text()
		for _, s := range res.Services {
			if s.Node == nil {
				continue
			}
			_, results := generator.ExpandAll([]*yaml.RNode{s.Node.Copy()}, nil)
			if krm.HasErrors(results) {
				out, _ := s.Node.String()
				t.Fatalf("imported %s does not generate: %v\n%s", s.Report.Worker, results, out)
			}
		}
	})
}
