package generator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/kio"
	sigsyaml "sigs.k8s.io/yaml"
)

// TestGeneratedObjectsPassAPIServerValidation: every Deployment and Service
// of the golden cases, patched or not, is one the API server stores. Only
// patched objects are checked when eds-fn runs: this keeps the rest valid.
func TestGeneratedObjectsPassAPIServerValidation(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/expected.yaml")
	if len(files) < 10 {
		t.Fatalf("found only %d golden outputs", len(files))
	}
	checked := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		nodes, err := (&kio.ByteReader{Reader: strings.NewReader(string(data)), OmitReaderAnnotations: true}).Read()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, n := range nodes {
			s, err := n.String()
			if err != nil {
				t.Fatal(err)
			}
			var errs field.ErrorList
			switch n.GetKind() {
			case "Deployment":
				var d appsv1.Deployment
				if err := sigsyaml.UnmarshalStrict([]byte(s), &d); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				errs = apiServerDeploymentErrors(&d)
			case "Service":
				var svc corev1.Service
				if err := sigsyaml.UnmarshalStrict([]byte(s), &svc); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				errs = apiServerServiceErrors(&svc)
			default:
				continue
			}
			checked[n.GetKind()]++
			for _, e := range errs {
				t.Errorf("%s: %s %s: %v", f, n.GetKind(), n.GetName(), e)
			}
		}
	}
	if checked["Deployment"] < 10 || checked["Service"] < 5 {
		t.Errorf("checked too few objects: %v", checked)
	}
	t.Logf("checked %v", checked)
}

// TestAPIServerValidationRefuses keeps the wiring honest: the library
// refuses what the API server refuses once it is defaulted and converted.
func TestAPIServerValidationRefuses(t *testing.T) {
	d := &appsv1.Deployment{}
	d.Name = "w"
	d.Spec.Selector = nil
	if errs := apiServerDeploymentErrors(d); len(errs) == 0 {
		t.Error("an empty Deployment passed")
	}
	svc := &corev1.Service{}
	svc.Name = "Bad_Name"
	if errs := apiServerServiceErrors(svc); len(errs) == 0 {
		t.Error("a Service named Bad_Name without ports passed")
	}
}
