package conformance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// checkedKinds are the kinds apiServerErrors knows; eds-fn's other objects
// (the ScaledObject) are KEDA's, validated by its webhook, not here.
var checkedKinds = map[string]bool{"Deployment": true, "Service": true, "ServiceAccount": true, "PodDisruptionBudget": true}

// TestGoldenOutputsPassAPIServerValidation: every object of every golden
// success case of the generator (generator/testdata/*/expected.yaml) and of
// every example (examples/**/expected-output.yaml) is created by the API
// server, and so is a pod of every Deployment.
func TestGoldenOutputsPassAPIServerValidation(t *testing.T) {
	files, err := filepath.Glob("../generator/testdata/*/expected.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir("../examples", func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "expected-output.yaml" {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found only %d golden files: has the layout changed?", len(files))
	}
	checked := 0
	for _, f := range files {
		name := strings.TrimPrefix(f, "../")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			nodes, err := (&kio.ByteReader{Reader: strings.NewReader(string(b)), OmitReaderAnnotations: true}).Read()
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range nodes {
				if !checkedKinds[n.GetKind()] {
					continue
				}
				checked++
				if errs := nodeErrors(t, n); len(errs) > 0 {
					t.Errorf("the API server refuses %s %s/%s:\n%s", n.GetKind(), n.GetNamespace(), n.GetName(), format(errs))
				}
			}
		})
	}
	t.Logf("%d objects of %d files accepted", checked, len(files))
}

func nodeErrors(t testing.TB, n *yaml.RNode) field.ErrorList {
	t.Helper()
	j, err := n.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if n.GetKind() == "Deployment" {
		dep, pod := apiServerDeploymentErrors(j)
		return append(dep, pod...)
	}
	return apiServerErrors(n.GetKind(), j)
}
