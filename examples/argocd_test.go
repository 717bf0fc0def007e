package examples

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
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
)

// TestArgoCDRepoServerBuild renders examples/argocd/app the way ArgoCD's
// repo-server does: the kustomize CLI pinned in go.mod, run as
// "kustomize build <path> --enable-alpha-plugins --enable-exec" from the
// repository root, eds-fn found by its bare name on PATH (installed with
// "eds-fn install DIR", as the init container does), ARGOCD_APP_* set, a
// working tree it cannot write to (as a non-root user), and repo-server's
// 90-second command timeout.
func TestArgoCDRepoServerBuild(t *testing.T) {
	root := worldReadableTempDir(t)
	tools := filepath.Join(root, "custom-tools")
	plugins := filepath.Join(tools, "kustomize-plugins")
	install := exec.Command(testutil.Binary(t), "install", tools, "--kustomize-plugin-home", plugins)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("eds-fn install: %v\n%s", err, out)
	}
	kustomize := filepath.Join(tools, "kustomize")
	build := exec.Command("go", "build", "-o", kustomize, "sigs.k8s.io/kustomize/kustomize/v5")
	build.Dir = testutil.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the kustomize CLI: %v\n%s", err, out)
	}

	// The application as written (a KRM function), and the same without
	// its function annotation (kustomize's exec plugin, found through
	// KUSTOMIZE_PLUGIN_HOME): both must render expected-output.yaml.
	repo := filepath.Join(root, "repo")
	copyDir(t, "argocd/app", filepath.Join(repo, "examples/argocd/app"))
	copyDir(t, asExecPlugin(t, "argocd/app"), filepath.Join(repo, "examples/argocd/app-exec-plugin"))
	before := snapshot(t, repo)
	makeReadOnly(t, repo)
	for _, path := range []string{"examples/argocd/app", "examples/argocd/app-exec-plugin"} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			repoServerBuild(t, root, tools, repo, path)
		})
	}
	if diff := cmp.Diff(before, snapshot(t, repo)); diff != "" {
		t.Errorf("the builds changed the working tree:\n%s", diff)
	}
}

// repoServerBuild runs kustomize build on path in repo as repo-server does,
// and compares its output with argocd/app/expected-output.yaml.
func repoServerBuild(t *testing.T, root, tools, repo, path string) {
	t.Helper()
	kustomize := filepath.Join(tools, "kustomize")
	bin := "PATH=" + tools + ":/usr/local/bin:/usr/bin:/bin"
	if strings.HasSuffix(path, "-exec-plugin") {
		// Without eds-fn on PATH, only the exec plugin can have run.
		bin = "PATH=/usr/local/bin:/usr/bin:/bin"
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, kustomize, "build", path, "--enable-alpha-plugins", "--enable-exec")
	cmd.Dir = repo
	cmd.Env = []string{
		bin,
		"HOME=" + root,
		"KUSTOMIZE_PLUGIN_HOME=" + filepath.Join(tools, "kustomize-plugins"),
		"ARGOCD_APP_NAME=payments-worker",
		"ARGOCD_APP_NAMESPACE=payments",
		"ARGOCD_APP_REVISION=0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
		"ARGOCD_APP_REVISION_SHORT=0a1b2c3",
		"ARGOCD_APP_SOURCE_PATH=" + path,
		"ARGOCD_APP_SOURCE_REPO_URL=https://github.com/acme/platform-apps.git",
		"ARGOCD_APP_SOURCE_TARGET_REVISION=main",
		"KUBE_VERSION=1.34.0",
	}
	if os.Geteuid() == 0 {
		// repo-server runs as a non-root user (999); as root the read-only
		// tree would not be read-only at all.
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr.String())
	}
	want, err := os.ReadFile("argocd/app/expected-output.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), stdout.String()); diff != "" {
		t.Errorf("repo-server build differs from expected-output.yaml (-want +got):\n%s", diff)
	}
}

// TestArgoCDRepoServerPatch applies install/repo-server.yaml to ArgoCD's
// repo-server Deployment with a real kustomize build: the init container and
// the mount are added, and nothing of repo-server's own hardening is lost.
func TestArgoCDRepoServerPatch(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "argocd/testdata/argocd-repo-server.yaml", filepath.Join(dir, "repo-server-deployment.yaml"))
	copyFile(t, "argocd/install/repo-server.yaml", filepath.Join(dir, "repo-server.yaml"))
	testutil.WriteTree(t, dir, map[string]string{"kustomization.yaml": "resources: [repo-server-deployment.yaml]\npatches:\n- path: repo-server.yaml\n"})
	out, err := testutil.Kustomize(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := testutil.Typed(out)
	if err != nil {
		t.Fatal(err)
	}
	dep := objs["Deployment/argocd-repo-server"].(*appsv1.Deployment)
	orig, err := testutil.Typed(mustRead(t, "argocd/testdata/argocd-repo-server.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	before := orig["Deployment/argocd-repo-server"].(*appsv1.Deployment)

	pod := dep.Spec.Template.Spec
	// The two init containers are independent; kustomize's merge puts the
	// added one first.
	var ic corev1.Container
	for _, c := range pod.InitContainers {
		if c.Name == "install-eds-fn" {
			ic = c
		}
	}
	if got := names(pod.InitContainers); len(got) != 2 || ic.Name == "" {
		t.Fatalf("init containers: %v, want copyutil and install-eds-fn", got)
	}
	if diff := cmp.Diff([]string{"install", "/custom-tools", "--kustomize-plugin-home", "/custom-tools/kustomize-plugins"}, ic.Args); diff != "" {
		t.Errorf("init args: %s", diff)
	}
	repo := pod.Containers[0]
	if diff := cmp.Diff(before.Spec.Template.Spec.Containers[0].SecurityContext, repo.SecurityContext); diff != "" {
		t.Errorf("repo-server's security context changed:\n%s", diff)
	}
	if diff := cmp.Diff(before.Spec.Template.Spec.Containers[0].SecurityContext, ic.SecurityContext); diff != "" {
		t.Errorf("the init container is not as hardened as repo-server:\n%s", diff)
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range repo.VolumeMounts {
		mounts[m.MountPath] = m
	}
	if m := mounts["/usr/local/bin/eds-fn"]; m.Name != "eds-fn" || m.SubPath != "eds-fn" {
		t.Errorf("eds-fn is not mounted on PATH: %v", repo.VolumeMounts)
	}
	if m := mounts["/custom-tools"]; m.Name != "eds-fn" || !m.ReadOnly {
		t.Errorf("the plugin directory is not mounted read-only at /custom-tools: %v", repo.VolumeMounts)
	}
	var home string
	for _, e := range repo.Env {
		if e.Name == "KUSTOMIZE_PLUGIN_HOME" {
			home = e.Value
		}
	}
	if home != "/custom-tools/kustomize-plugins" {
		t.Errorf("KUSTOMIZE_PLUGIN_HOME = %q, want /custom-tools/kustomize-plugins", home)
	}
	if len(repo.Env) != len(before.Spec.Template.Spec.Containers[0].Env)+1 {
		t.Errorf("repo-server's own environment was lost: %v", repo.Env)
	}
	if len(repo.VolumeMounts) != len(before.Spec.Template.Spec.Containers[0].VolumeMounts)+2 {
		t.Errorf("repo-server's own mounts were lost: %v", repo.VolumeMounts)
	}
	if len(pod.Volumes) != len(before.Spec.Template.Spec.Volumes)+1 {
		t.Errorf("volumes: %v", pod.Volumes)
	}
}

func names(cs []corev1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// worldReadableTempDir is a temporary directory another user can enter.
func worldReadableTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "eds-fn-argocd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				_ = os.Chmod(p, 0o755)
			}
			return nil
		})
		_ = os.RemoveAll(dir)
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		copyFile(t, p, filepath.Join(to, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func makeReadOnly(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := os.FileMode(0o444)
		if d.IsDir() {
			mode = 0o555
		}
		return os.Chmod(p, mode)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot records every file and directory with its content hash and
// modification time.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := ""
		if !d.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum = fmt.Sprintf("%x", sha256.Sum256(b))
		}
		out[rel] = fmt.Sprintf("%s %s", sum, fi.ModTime().UTC().Format(time.RFC3339Nano))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
