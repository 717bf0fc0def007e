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
