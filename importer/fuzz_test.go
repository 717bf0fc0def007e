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
