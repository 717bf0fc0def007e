package conformance

import "testing"

func TestAPIServerErrorsSmoke(t *testing.T) {
	good := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w","namespace":"team"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"w","image":"x"}]}}}}`
	if errs := apiServerErrors("Deployment", []byte(good)); len(errs) > 0 {
		t.Errorf("good deployment refused: %v", errs)
	}
	bad := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w","namespace":"team"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"restartPolicy":"Never","containers":[{"name":"w","image":"","ports":[{"containerPort":70000}]}]}}}}`
	errs := apiServerErrors("Deployment", []byte(bad))
	if len(errs) == 0 {
		t.Errorf("bad deployment accepted")
	}
	t.Logf("bad deployment: %v", errs)
	svc := `{"apiVersion":"v1","kind":"Service","metadata":{"name":"w","namespace":"team"},"spec":{"selector":{"a":"b"},"ports":[{"name":"http","port":80,"targetPort":8080}]}}`
	if errs := apiServerErrors("Service", []byte(svc)); len(errs) > 0 {
		t.Errorf("good service refused: %v", errs)
	}
	badSvc := `{"apiVersion":"v1","kind":"Service","metadata":{"name":"w","namespace":"team","resourceVersion":"5"},"spec":{"type":"ExternalName","selector":{"a":"b"},"ports":[{"name":"http","port":80,"targetPort":8080,"nodePort":40000}]}}`
	t.Logf("bad service: %v", apiServerErrors("Service", []byte(badSvc)))
	rv := `{"apiVersion":"v1","kind":"Service","metadata":{"name":"w","namespace":"team","resourceVersion":"5"},"spec":{"selector":{"a":"b"},"ports":[{"name":"http","port":80,"targetPort":8080}]}}`
	t.Logf("rv service: %v", apiServerErrors("Service", []byte(rv)))
	np := `{"apiVersion":"v1","kind":"Service","metadata":{"name":"w","namespace":"team"},"spec":{"type":"NodePort","selector":{"a":"b"},"ports":[{"name":"http","port":80,"targetPort":8080,"nodePort":30001}]}}`
	for i := 0; i < 3; i++ {
		if errs := apiServerErrors("Service", []byte(np)); len(errs) > 0 {
			t.Errorf("nodeport service refused (allocation leaked?): %v", errs)
		}
	}
}

func TestAPIServerPodErrors(t *testing.T) {
	// A template the Deployment's validation takes and no pod of it is
	// created: a trailing space in the image. The template's ownerReferences
	// are not the pod's (GetPodFromTemplate does not copy them), so one
	// without a kind refuses nothing.
	dep := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w","namespace":"team"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"},"ownerReferences":[{"apiVersion":"v1","kind":"","name":"o","uid":"1"}]},"spec":{"containers":[{"name":"w","image":"x "}]}}}}`
	depErrs, podErrs := apiServerDeploymentErrors([]byte(dep))
	if len(depErrs) > 0 {
		t.Errorf("deployment refused: %v", depErrs)
	}
	if len(podErrs) != 1 || podErrs[0].Field != "spec.template.spec.containers[0].image" {
		t.Errorf("pod errors = %v, want one at spec.template.spec.containers[0].image", podErrs)
	}
	good := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w","namespace":"team"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"},"finalizers":["example.com/f"]},"spec":{"containers":[{"name":"w","image":"x"}]}}}}`
	if depErrs, podErrs := apiServerDeploymentErrors([]byte(good)); len(depErrs)+len(podErrs) > 0 {
		t.Errorf("good deployment or its pod refused: %v %v", depErrs, podErrs)
	}
	bad := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w","namespace":"team"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"},"finalizers":["bad"]},"spec":{"containers":[{"name":"w","image":"x"}]}}}}`
	if _, podErrs := apiServerDeploymentErrors([]byte(bad)); len(podErrs) != 1 || podErrs[0].Field != "spec.template.metadata.finalizers[0]" {
		t.Errorf("pod errors = %v, want one at spec.template.metadata.finalizers[0]", podErrs)
	}
}
