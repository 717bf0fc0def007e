package examples

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The NATS install as the platform defaults name it, before and after a
// move to another namespace.
const (
	natsBefore = "nats://nats.messaging.svc:4222"
	monBefore  = "nats-headless.messaging.svc.cluster.local:8222"
	natsAfter  = "nats://nats.nats-v2.svc:4222"
	monAfter   = "nats-headless.nats-v2.svc.cluster.local:8222"
)

func platformDefaults(url, monitoring string) string {
	return `apiVersion: platform.bizmatters.io/v1alpha1
kind: EventDrivenServiceDefaults
metadata:
  name: platform
spec:
  nats:
    url: ` + url + `
    monitoringEndpoint: ` + monitoring + `
  size: small
  imagePullSecrets: [{name: ghcr-pull}]
`
}

// checkMoved: in before, every one of n services uses the first NATS install;
// in after, every one uses the second, and nothing else differs.
func checkMoved(t *testing.T, how, before, after string, n int) {
	t.Helper()
	for _, c := range []struct {
		out, url, mon string
	}{{before, natsBefore, monBefore}, {after, natsAfter, monAfter}} {
		if got := strings.Count(c.out, "value: "+c.url+"\n"); got != n {
			t.Errorf("%s: NATS_URL %s in %d Deployments, want %d", how, c.url, got, n)
		}
		if got := strings.Count(c.out, "natsServerMonitoringEndpoint: "+c.mon+"\n"); got != n {
			t.Errorf("%s: monitoring endpoint %s in %d ScaledObjects, want %d", how, c.mon, got, n)
		}
		if got := strings.Count(c.out, "- name: ghcr-pull\n"); got != n {
			t.Errorf("%s: the default pull secret in %d Deployments, want %d", how, got, n)
		}
	}
	moved := strings.NewReplacer(natsBefore, natsAfter, monBefore, monAfter).Replace(before)
	if diff := cmp.Diff(moved, after); diff != "" {
		t.Errorf("%s: changing the defaults' NATS install changed more than the NATS install (-want +got):\n%s", how, diff)
	}
}

// TestPlatformDefaultsMoveFiftyServices: one EventDrivenServiceDefaults
// moves 50 services to another NATS install, through the real kustomize CLI
// in bulk mode, the real kpt CLI, and eds-fn generate.
func TestPlatformDefaultsMoveFiftyServices(t *testing.T) {
	const n = 50
	t.Run("kustomize bulk mode", func(t *testing.T) {
		dir := t.TempDir()
		writeBulk(t, dir, n, "")
		kustomization := filepath.Join(dir, "kustomization.yaml")
		k, _ := os.ReadFile(kustomization)
		testutil.WriteTree(t, dir, map[string]string{
			"kustomization.yaml": strings.Replace(string(k), "resources:\n", "resources:\n- platform.yaml\n", 1),
			"platform.yaml":      platformDefaults(natsBefore, monBefore),
		})
		before := kustomizeBuild(t, dir)
		testutil.WriteTree(t, dir, map[string]string{"platform.yaml": platformDefaults(natsAfter, monAfter)})
		after := kustomizeBuild(t, dir)
		checkMoved(t, "kustomize", before, after, n)
		if strings.Contains(after, "EventDrivenService") {
			t.Error("an EventDrivenService or the defaults reached kustomize's output")
		}
	})

	t.Run("kpt package", func(t *testing.T) {
		files := map[string]string{"Kptfile": kptfile, "platform.yaml": platformDefaults(natsBefore, monBefore)}
		for i := range n {
			name := "worker-" + string(rune('a'+i/26)) + string(rune('a'+i%26))
			files["services/"+name+".yaml"] = kptService(name, "orders")
		}
		first, out, ok := kptRender(t, files)
		if !ok {
			t.Fatalf("kpt fn render failed:\n%s", out)
		}
		if yaml.MustParse(first["platform.yaml"]).GetAnnotations()["config.kubernetes.io/local-config"] != "true" {
			t.Error("the defaults object is not marked local-config: kpt live apply would send it")
		}
		first["platform.yaml"] = strings.NewReplacer(natsBefore, natsAfter, monBefore, monAfter).Replace(first["platform.yaml"])
		second, out, ok := kptRender(t, first)
		if !ok {
			t.Fatalf("second kpt fn render failed:\n%s", out)
		}
		checkMoved(t, "kpt", generatedFiles(first), generatedFiles(second), n)
	})

	t.Run("eds-fn generate", func(t *testing.T) {
		dir := t.TempDir()
		writeServices(t, dir, n, false)
		testutil.WriteTree(t, dir, map[string]string{"platform.yaml": platformDefaults(natsBefore, monBefore)})
		before := edsFn(t, "generate", "--defaults", filepath.Join(dir, "platform.yaml"), filepath.Join(dir, "services"))
		testutil.WriteTree(t, dir, map[string]string{"platform.yaml": platformDefaults(natsAfter, monAfter)})
		after := edsFn(t, "generate", "--defaults", filepath.Join(dir, "platform.yaml"), filepath.Join(dir, "services"))
		checkMoved(t, "generate", before, after, n)
		// The defaults found in the directory apply as well.
		if inDir := edsFn(t, "generate", dir); inDir != after {
			t.Error("generate DIR with the defaults inside differs from generate --defaults")
		}
	})
}

// generatedFiles is the content of every *.generated.yaml of a package, in
// path order.
func generatedFiles(pkg map[string]string) string {
	var b strings.Builder
	for _, p := range slices.Sorted(maps.Keys(pkg)) {
		if strings.HasSuffix(p, ".generated.yaml") {
			b.WriteString(pkg[p])
		}
	}
	return b.String()
}

func kustomizeBuild(t *testing.T, dir string) string {
	t.Helper()
	cmd := exec.Command(testutil.KustomizeCLI(t), "build", "--enable-alpha-plugins", "--enable-exec", dir)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(testutil.Binary(t))+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kustomize build %s: %v\n%s", dir, err, stderr.String())
	}
	return stdout.String()
}

func edsFn(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(testutil.Binary(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("eds-fn %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

// TestPlatformDefaultsAsKptConfigPath: the defaults object may be the
// function's configPath (kpt then passes it both as the config and as an
// item); a second render changes nothing.
func TestPlatformDefaultsAsKptConfigPath(t *testing.T) {
	files := map[string]string{
		"Kptfile":       strings.Replace(kptfile, "    - exec: eds-fn\n", "    - exec: eds-fn\n      configPath: platform.yaml\n", 1),
		"platform.yaml": platformDefaults(natsBefore, monBefore),
		"orders-a.yaml": kptService("orders-a", "orders"),
		"orders-b.yaml": kptService("orders-b", "orders"),
		"settings.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: untouched, namespace: orders}\ndata: {a: b}\n",
	}
	if !strings.Contains(files["Kptfile"], "configPath: platform.yaml") {
		t.Fatal("the Kptfile has no configPath")
	}
	first, out, ok := kptRender(t, files)
	if !ok {
		t.Fatalf("kpt fn render failed:\n%s", out)
	}
	if got := strings.Count(generatedFiles(first), "value: "+natsBefore+"\n"); got != 2 {
		t.Errorf("the default NATS URL is in %d Deployments, want 2:\n%s", got, generatedFiles(first))
	}
	again, out, ok := kptRender(t, first)
	if !ok {
		t.Fatalf("second kpt fn render failed:\n%s", out)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("rendering twice changed the package (-first +second):\n%s", diff)
	}
}
