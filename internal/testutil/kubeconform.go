package testutil

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	kubeconformOnce sync.Once
	kubeconformPath string
	kubeconformErr  error
	kubeconformOut  []byte
)

// KubeconformBinary builds kubeconform from its pinned tools module
// (e2e/build-tools.sh kubeconform: about 10 seconds the first time, nothing
// afterwards) and returns its path.
func KubeconformBinary(t testing.TB) string {
	t.Helper()
	kubeconformOnce.Do(func() {
		root := RepoRoot()
		bin := os.Getenv("E2E_TOOLS_BIN")
		if bin == "" {
			bin = filepath.Join(root, "e2e", ".cache", "bin")
		}
		cmd := exec.Command("bash", filepath.Join(root, "e2e", "build-tools.sh"), "kubeconform")
		cmd.Env = append(os.Environ(), "E2E_TOOLS_BIN="+bin)
		kubeconformOut, kubeconformErr = cmd.CombinedOutput()
		kubeconformPath = filepath.Join(bin, "kubeconform")
	})
	if kubeconformErr != nil {
		t.Fatalf("e2e/build-tools.sh kubeconform: %v\n%s", kubeconformErr, kubeconformOut)
	}
	return kubeconformPath
}

// SchemaLocations are kubeconform's -schema-location templates for the
// schemas checked in under schema/, and nothing else: Kubernetes' own kinds
// (schema/kubernetes-<version>/, one directory), KEDA's and eds-fn's
// (schema/<group>/). kubeconform never fetches a schema with these.
func SchemaLocations(t testing.TB) []string {
	t.Helper()
	root := RepoRoot()
	k8s, err := filepath.Glob(filepath.Join(root, "schema", "kubernetes-v*"))
	if err != nil || len(k8s) != 1 {
		t.Fatalf("want one schema/kubernetes-v* directory, found %v (%v): run make kube-schemas", k8s, err)
	}
	// go test caches a result on the files the test opened; kubeconform
	// reads the schemas in a child process.
	_ = filepath.WalkDir(filepath.Join(root, "schema"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			_, _ = os.ReadFile(p)
		}
		return nil
	})
	return []string{
		filepath.Join(k8s[0], "{{.ResourceKind}}{{.KindSuffix}}.json"),
		filepath.Join(root, "schema", "{{.Group}}", "{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"),
	}
}

// KubeconformResource is kubeconform's verdict on one object.
type KubeconformResource struct {
	Filename string `json:"filename"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Status   string `json:"status"` // statusValid, statusInvalid, statusError, statusSkipped, statusEmpty
	Msg      string `json:"msg"`
}

// Kubeconform validates files offline with "kubeconform -strict" against
// the schemas of SchemaLocations, skipping the kinds in skip
// ("group/version/Kind"), and returns its verdict on every object.
func Kubeconform(t testing.TB, skip []string, files ...string) []KubeconformResource {
	t.Helper()
	args := []string{"-strict", "-output", "json", "-verbose"}
	for _, loc := range SchemaLocations(t) {
		args = append(args, "-schema-location", loc)
	}
	if len(skip) > 0 {
		args = append(args, "-skip", strings.Join(skip, ","))
	}
	for _, f := range files {
		if _, err := os.ReadFile(f); err != nil { // and declares it to go test's cache
			t.Fatal(err)
		}
	}
	cmd := exec.Command(KubeconformBinary(t), append(args, files...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	// It exits 1 when an object is invalid: the verdicts say which.
	if ee := new(exec.ExitError); err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 1) {
		t.Fatalf("kubeconform: %v\n%s%s", err, out, stderr.String())
	}
	var report struct {
		Resources []KubeconformResource `json:"resources"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("kubeconform's report: %v\n%s%s", err, out, stderr.String())
	}
	return report.Resources
}
