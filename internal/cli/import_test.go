package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const corpus = "../../importer/testdata/"

func TestImportStdinAndFiles(t *testing.T) {
	data, err := os.ReadFile(corpus + "kubectl-plain/input/worker.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fromStdin, stderr, code := run(t, string(data), "import", "-")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if !strings.HasPrefix(fromStdin, "apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\n") {
		t.Errorf("stdout is not one EventDrivenService:\n%s", fromStdin)
	}
	if !strings.Contains(stderr, "imported Deployment nats-jetstream/sub:") {
		t.Errorf("no report on stderr:\n%s", stderr)
	}
	if strings.Contains(fromStdin+stderr, "do-not-copy-me") {
		t.Error("a Secret's value reached the output")
	}
	fromFile, _, _ := run(t, "", "import", corpus+"kubectl-plain/input/worker.yaml")
	if fromFile != fromStdin {
		t.Errorf("a file and stdin give different output:\n%s\n---\n%s", fromFile, fromStdin)
	}
	// The same file twice is the same objects once.
	twice, _, code := run(t, "", "import", corpus+"kubectl-plain/input/worker.yaml", corpus+"kubectl-plain/input")
	if code != 0 || twice != fromStdin {
		t.Errorf("the same file given twice: exit %d\n%s", code, twice)
	}
	// What it wrote generates.
	out := filepath.Join(t.TempDir(), "sub.yaml")
	if err := os.WriteFile(out, []byte(fromStdin), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := run(t, "", "generate", out); code != 0 {
		t.Errorf("generate of the imported service: exit %d\n%s", code, stderr)
	}
}

func TestImportRefusesByName(t *testing.T) {
	stdout, stderr, code := run(t, "", "import", corpus+"kafka-refused/input")
	if code != 1 {
		t.Errorf("exit %d, want 1 (workers refused)", code)
	}
	for _, want := range []string{
		"refused Deployment streams/kafka-consumer: its ScaledObject kafka-scaledobject scales on kafka, not nats-jetstream",
		"refused Deployment streams/cron-like: no KEDA ScaledObject scales it",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "name: events\n") || strings.Contains(stdout, "kafka-consumer") {
		t.Errorf("stdout should hold the NATS worker only:\n%s", stdout)
	}
}

const lossy = `apiVersion: apps/v1
kind: Deployment
metadata: {name: w, namespace: n}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: w}}
  template:
    metadata: {labels: {app.kubernetes.io/name: w}}
    spec:
      securityContext: {runAsUser: 0}
      containers:
      - name: w
        image: img:1
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: w, namespace: n}
spec:
  selector: {app.kubernetes.io/name: w}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: w-scaler, namespace: n}
spec:
  scaleTargetRef: {name: w}
  triggers:
  - type: nats-jetstream
    metadata: {stream: S, consumer: c, natsServerMonitoringEndpoint: "nats-headless.nats.svc.cluster.local:8222"}
`

func TestImportLossNeedsAllowLoss(t *testing.T) {
	stdout, stderr, code := run(t, lossy, "import", "-")
	if code != 1 || stdout != "" {
		t.Errorf("exit %d, stdout %q: a lossy worker is written only with --allow-loss", code, stdout)
	}
	if !strings.Contains(stderr, "lost     Deployment n/w spec.template.spec.securityContext.runAsUser: 0 -> (none)") {
		t.Errorf("the lost root user is not named:\n%s", stderr)
	}
	// The Service's port 80 to the HTTP port 8080 is kept, as an extra port.
	if !strings.Contains(stderr, "patch    spec.customService.spec.ports[http-80].port") || strings.Contains(stderr, "lost     Service") {
		t.Errorf("the Service's port 80 is not kept:\n%s", stderr)
	}
	stdout, _, code = run(t, lossy, "import", "--allow-loss", "-")
	if code != 0 || !strings.Contains(stdout, "name: w\n") {
		t.Errorf("--allow-loss: exit %d, stdout:\n%s", code, stdout)
	}
}

func TestImportOutputAndReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	report := filepath.Join(t.TempDir(), "report.json")
	args := []string{"import", "--output", dir, "--report", report, corpus + "iam-serviceaccount/input"}
	stdout, stderr, code := run(t, "", args...)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	first, err := os.ReadFile(filepath.Join(dir, "archive.archiver.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(first), "# Written by eds-fn import --output;") {
		t.Errorf("no header:\n%s", first)
	}
	var rep struct {
		Services []struct {
			Report struct{ Worker string } `json:"report"`
		} `json:"services"`
	}
	data, err := os.ReadFile(report)
	if err != nil || json.Unmarshal(data, &rep) != nil || len(rep.Services) != 2 || rep.Services[0].Report.Worker != "archive/archiver" {
		t.Errorf("--report: %v\n%s", err, data)
	}
	// Its own file is overwritten, byte for byte the same.
	if _, stderr, code := run(t, "", args...); code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, stderr)
	}
	again, _ := os.ReadFile(filepath.Join(dir, "archive.archiver.yaml"))
	if string(again) != string(first) {
		t.Error("the second run wrote other bytes")
	}
	// An edited file (header removed) is the user's: never overwritten.
	edited := strings.SplitN(string(first), "\n", 2)[1]
	if err := os.WriteFile(filepath.Join(dir, "archive.archiver.yaml"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = run(t, "", args...)
	if code != 1 || !strings.Contains(stderr, "refusing to overwrite it") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	kept, _ := os.ReadFile(filepath.Join(dir, "archive.archiver.yaml"))
	if string(kept) != edited {
		t.Error("the edited file was overwritten")
	}
}

// A worker whose imported service does not generate is named with the
// reason, nothing is written for it, and the others still go through.
func TestImportDoesNotGenerate(t *testing.T) {
	in := strings.Replace(lossy, "image: img:1", `image: ""`, 1) + `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ok, namespace: n}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: ok}}
  template:
    metadata: {labels: {app.kubernetes.io/name: ok}}
    spec:
      containers: [{name: ok, image: "img:2"}]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: ok-scaler, namespace: n}
spec:
  scaleTargetRef: {name: ok}
  triggers:
  - type: nats-jetstream
    metadata: {stream: S, consumer: ok, natsServerMonitoringEndpoint: "nats-headless.nats.svc.cluster.local:8222"}
`
	stdout, stderr, code := run(t, in, "import", "-")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr, "not imported Deployment n/w: the imported EventDrivenService does not generate: spec.image") {
		t.Errorf("the reason is not given:\n%s", stderr)
	}
	if !strings.Contains(stdout, "name: ok\n") || strings.Contains(stdout, "name: w\n") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

// TestImportClaims: claims of the earlier Crossplane composition, from a
// cluster dump with their composed objects and alone; what is written
// generates, and eds-fn's own EventDrivenService is refused.
func TestImportClaims(t *testing.T) {
	stdout, stderr, code := run(t, "", "import", corpus+"crossplane-claim-composed/input", corpus+"crossplane-claim-alone/input")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	out := filepath.Join(t.TempDir(), "claims.yaml")
	if err := os.WriteFile(out, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := run(t, "", "generate", out); code != 0 {
		t.Errorf("generate of the imported claims: exit %d\n%s", code, stderr)
	}
	_, stderr, code = run(t, stdout, "import", "-")
	if code != 1 || !strings.Contains(stderr, "refused EventDrivenService billing/invoice-renderer: it is an EventDrivenService of eds-fn's API already") {
		t.Errorf("importing what import wrote: exit %d\n%s", code, stderr)
	}
}
