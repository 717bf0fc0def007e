package examples

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// configManagementPlugin is the part of ArgoCD's ConfigManagementPlugin
// that argocd-cmp-server reads to render an application.
type configManagementPlugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version  string `json:"version"`
		Generate struct {
			Command []string `json:"command"`
			Args    []string `json:"args"`
		} `json:"generate"`
		Discover map[string]any `json:"discover"`
	} `json:"spec"`
}

func readPlugin(t *testing.T) configManagementPlugin {
	t.Helper()
	var p configManagementPlugin
	if err := yaml.UnmarshalStrict([]byte(mustRead(t, "argocd-cmp/install/plugin.yaml")), &p); err != nil {
		t.Fatalf("plugin.yaml: %v", err)
	}
	return p
}

// TestArgoCDCMPGenerate runs the plugin's generate command the way
// argocd-cmp-server does: its command and args as written in plugin.yaml,
// in the application's directory of a repository copy it cannot write to,
// as the sidecar's user 999, with the ARGOCD_APP_* variables, and the
// 90-second timeout; eds-fn and kustomize on PATH as the sidecar has them.
// The output is examples/argocd/app's expected output, and an application
// with a mistake fails with the field named on stderr.
func TestArgoCDCMPGenerate(t *testing.T) {
	p := readPlugin(t)
	if p.APIVersion != "argoproj.io/v1alpha1" || p.Kind != "ConfigManagementPlugin" || p.Metadata.Name != "eds-fn" {
		t.Fatalf("plugin.yaml is %s %s %q", p.APIVersion, p.Kind, p.Metadata.Name)
	}
	if p.Spec.Discover != nil {
		t.Errorf("the plugin discovers applications (%v): it must only render the ones that name it", p.Spec.Discover)
	}
	gen := p.Spec.Generate
	if diff := cmp.Diff([]string{"bash", "-c"}, gen.Command); diff != "" {
		t.Errorf("generate.command (-want +got):\n%s", diff)
	}
	if len(gen.Args) != 1 || gen.Args[0] != "set -o pipefail; kustomize build --enable-alpha-plugins --enable-exec ." {
		t.Errorf("generate.args = %q", gen.Args)
	}

	root := worldReadableTempDir(t)
	tools := filepath.Join(root, "usr-local-bin")
	if out, err := exec.Command(testutil.Binary(t), "install", tools).CombinedOutput(); err != nil {
		t.Fatalf("eds-fn install: %v\n%s", err, out)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(tools, "kustomize"), "sigs.k8s.io/kustomize/kustomize/v5")
	build.Dir = testutil.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the kustomize CLI: %v\n%s", err, out)
	}
	repo := filepath.Join(root, "repo")
	copyDir(t, "argocd/app", filepath.Join(repo, "examples/argocd/app"))
	bad := strings.Replace(mustRead(t, "argocd/app/payments-worker.yaml"), "spec:\n", "spec:\n  size: xl\n", 1)
	copyDir(t, "argocd/app", filepath.Join(repo, "examples/argocd/broken"))
	testutil.WriteTree(t, filepath.Join(repo, "examples/argocd/broken"), map[string]string{"payments-worker.yaml": bad})
	before := snapshot(t, repo)
	makeReadOnly(t, repo)

	stdout, stderr, err := cmpGenerate(t, gen.Command, gen.Args, root, tools, repo, "examples/argocd/app")
	if err != nil {
		t.Fatalf("generate: %v\n%s", err, stderr)
	}
	if diff := cmp.Diff(mustRead(t, "argocd/app/expected-output.yaml"), stdout); diff != "" {
		t.Errorf("the plugin's output differs from argocd/app/expected-output.yaml (-want +got):\n%s", diff)
	}

	stdout, stderr, err = cmpGenerate(t, gen.Command, gen.Args, root, tools, repo, "examples/argocd/broken")
	if err == nil {
		t.Errorf("generate succeeded on a service with size: xl; output:\n%s", stdout)
	}
	if !strings.Contains(stderr, `spec.size: Unsupported value: "xl"`) {
		t.Errorf("stderr does not name the field:\n%s", stderr)
	}
	if diff := cmp.Diff(before, snapshot(t, repo)); diff != "" {
		t.Errorf("the plugin changed the repository copy:\n%s", diff)
	}
}

// cmpGenerate runs command+args in repo/path as argocd-cmp-server would.
func cmpGenerate(t *testing.T, command, args []string, home, tools, repo, path string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, command[0], append(command[1:], args...)...)
	cmd.Dir = filepath.Join(repo, path)
	cmd.Env = []string{
		"PATH=" + tools + ":/usr/local/bin:/usr/bin:/bin",
		"HOME=" + home,
		"ARGOCD_APP_NAME=payments-worker",
		"ARGOCD_APP_NAMESPACE=payments",
		"ARGOCD_APP_PROJECT_NAME=default",
		"ARGOCD_APP_REVISION=0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
		"ARGOCD_APP_REVISION_SHORT=0a1b2c3",
		"ARGOCD_APP_REVISION_SHORT_8=0a1b2c3d",
		"ARGOCD_APP_SOURCE_PATH=" + path,
		"ARGOCD_APP_SOURCE_REPO_URL=https://github.com/acme/platform-apps.git",
		"ARGOCD_APP_SOURCE_TARGET_REVISION=main",
		"KUBE_VERSION=1.34.0",
		"KUBE_API_VERSIONS=v1,apps/v1,keda.sh/v1alpha1",
	}
	if os.Geteuid() == 0 {
		// The sidecar's user; as root the read-only tree would not be.
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 999, Gid: 999}}
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("generate took longer than repo-server's 90 s")
	}
	return stdout.String(), stderr.String(), err
}

// TestArgoCDCMPInstall builds examples/argocd-cmp/install over ArgoCD's
// repo-server Deployment (the remote install.yaml replaced by the trimmed
// copy in argocd/testdata): a sidecar running argocd-cmp-server as 999 from
// ArgoCD's image, with plugin.yaml from the generated ConfigMap, eds-fn from
// an init container of the eds-fn image, a /tmp of its own; repo-server's
// own container unchanged, and argocd-cm not touched.
func TestArgoCDCMPInstall(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "argocd-cmp/install", dir)
	copyFile(t, "argocd/testdata/argocd-repo-server.yaml", filepath.Join(dir, "argocd-repo-server.yaml"))
	k := mustRead(t, "argocd-cmp/install/kustomization.yaml")
	const remote = "https://raw.githubusercontent.com/argoproj/argo-cd/v3.1.0/manifests/install.yaml"
	if !strings.Contains(k, remote) {
		t.Fatalf("the kustomization no longer names %s; update this test", remote)
	}
	testutil.WriteTree(t, dir, map[string]string{"kustomization.yaml": strings.Replace(k, remote, "argocd-repo-server.yaml", 1)})
	out, err := testutil.Kustomize(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := testutil.Typed(out)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := testutil.Typed(mustRead(t, "argocd/testdata/argocd-repo-server.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	before := orig["Deployment/argocd-repo-server"].(*appsv1.Deployment).Spec.Template.Spec
	pod := objs["Deployment/argocd-repo-server"].(*appsv1.Deployment).Spec.Template.Spec

	var cm *corev1.ConfigMap
	for key, o := range objs {
		if strings.HasPrefix(key, "ConfigMap/eds-fn-cmp-plugin-") {
			cm = o.(*corev1.ConfigMap)
		}
	}
	if cm == nil || len(objs) != 2 {
		t.Fatalf("objects %v: want the Deployment and the eds-fn-cmp-plugin ConfigMap (with its hash)", keys(objs))
	}
	if cm.Namespace != "argocd" || cm.Data["plugin.yaml"] != mustRead(t, "argocd-cmp/install/plugin.yaml") {
		t.Errorf("ConfigMap %s/%s does not hold plugin.yaml as written", cm.Namespace, cm.Name)
	}

	containers := map[string]corev1.Container{}
	for _, c := range append(pod.InitContainers, pod.Containers...) {
		containers[c.Name] = c
	}
	if diff := cmp.Diff(before.Containers[0], containers["argocd-repo-server"]); diff != "" {
		t.Errorf("repo-server's own container changed (-before +after):\n%s", diff)
	}
	init := containers["install-eds-fn-cmp"]
	if diff := cmp.Diff([]string{"install", "/custom-tools"}, init.Args); diff != "" || !strings.HasPrefix(init.Image, "ghcr.io/bizmatters/eds-fn:v") {
		t.Errorf("init container %s args %v", init.Image, init.Args)
	}
	if diff := cmp.Diff(before.Containers[0].SecurityContext, init.SecurityContext); diff != "" {
		t.Errorf("the init container is not as hardened as repo-server:\n%s", diff)
	}
	side, ok := containers["eds-fn-cmp"]
	if !ok {
		t.Fatalf("no eds-fn-cmp sidecar: %v", names(pod.Containers))
	}
	if side.Image != before.Containers[0].Image {
		t.Errorf("sidecar image %s, want repo-server's %s (it has bash and kustomize)", side.Image, before.Containers[0].Image)
	}
	if diff := cmp.Diff([]string{"/var/run/argocd/argocd-cmp-server"}, side.Command); diff != "" {
		t.Errorf("sidecar command: %s", diff)
	}
	sc := side.SecurityContext
	if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != 999 || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("sidecar security context %+v: want user 999, non-root, read-only root, no escalation", sc)
	}

	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range side.VolumeMounts {
		mounts[m.MountPath] = m
		if _, ok := volumes[m.Name]; !ok {
			t.Errorf("sidecar mounts %s from volume %q, which the pod does not have", m.MountPath, m.Name)
		}
	}
	if m := mounts["/var/run/argocd"]; m.Name != "var-files" {
		t.Errorf("argocd-cmp-server (var-files) is not mounted: %v", side.VolumeMounts)
	}
	if m := mounts["/home/argocd/cmp-server/plugins"]; m.Name != "plugins" {
		t.Errorf("the plugins socket directory is not mounted: %v", side.VolumeMounts)
	}
	if m := mounts["/home/argocd/cmp-server/config/plugin.yaml"]; m.SubPath != "plugin.yaml" ||
		volumes[m.Name].ConfigMap == nil || volumes[m.Name].ConfigMap.Name != cm.Name {
		t.Errorf("plugin.yaml is not mounted from ConfigMap %s: %+v", cm.Name, m)
	}
	if m := mounts["/tmp"]; volumes[m.Name].EmptyDir == nil || m.Name == "tmp" {
		t.Errorf("the sidecar's /tmp must be an emptyDir of its own, not repo-server's: %+v", m)
	}
	tools := mounts["/usr/local/bin/eds-fn"]
	if tools.SubPath != "eds-fn" || len(init.VolumeMounts) != 1 || init.VolumeMounts[0].Name != tools.Name || init.VolumeMounts[0].MountPath != "/custom-tools" {
		t.Errorf("eds-fn is not on the sidecar's PATH from the init container's volume: sidecar %+v, init %+v", tools, init.VolumeMounts)
	}
}
