package argocd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	cmpserver "github.com/argoproj/argo-cd/v3/cmd/argocd-cmp-server/commands"
	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/reposerver"
	"github.com/argoproj/argo-cd/v3/reposerver/apiclient"
	reposervercache "github.com/argoproj/argo-cd/v3/reposerver/cache"
	"github.com/argoproj/argo-cd/v3/reposerver/metrics"
	"github.com/argoproj/argo-cd/v3/reposerver/repository"
	cacheutil "github.com/argoproj/argo-cd/v3/util/cache"
	"github.com/argoproj/argo-cd/v3/util/git"
	"github.com/argoproj/argo-cd/v3/util/settings"
	"github.com/google/go-cmp/cmp"
	log "github.com/sirupsen/logrus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"
)

// eds-fn's error for the service of examples/argocd/broken.
const brokenErr = `error: EventDrivenService payments-worker: spec.size: Unsupported value: "xl"`

// The child process of this test binary that runs argocd-cmp-server.
const roleEnv = "EDS_FN_TEST_ROLE"

func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) == "argocd-cmp-server" {
		// ArgoCD's argocd-cmp-server command, as the sidecar runs it
		// (/var/run/argocd/argocd-cmp-server is ArgoCD's binary under that
		// name, which runs exactly this command).
		cmd := cmpserver.NewCommand()
		cmd.SetArgs(os.Args[1:])
		if err := cmd.Execute(); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	log.SetLevel(log.WarnLevel) // repo-server logs every request at info
	os.Exit(m.Run())
}

// app is an Application of the examples, the request the application
// controller sends for it, and what the test expects back.
type app struct {
	name        string
	application string // the Application manifest, in the repository
	path        string // replaces spec.source.path when set
	sourceType  string
	wantErr     string // a part of the error; empty: success
}

// TestArgoCD renders the ArgoCD examples through ArgoCD v3's own
// repo-server, over its gRPC API, from a file:// Git repository holding
// them, with the settings the application controller reads from the
// argocd-cm that examples/argocd/install makes:
//
//   - examples/argocd (native kustomize options): the application as
//     written, with ArgoCD's default tracking (the tracking-id
//     annotation) and with label tracking (app.kubernetes.io/instance);
//   - the same application without its function annotation, eds-fn found
//     only as kustomize's exec plugin (KUSTOMIZE_PLUGIN_HOME);
//   - examples/argocd-cmp: the application through the eds-fn Config
//     Management Plugin, run by ArgoCD's argocd-cmp-server with the
//     plugin.yaml of the install kustomization;
//   - a service with a mistake, by both ways: the error ArgoCD shows in the
//     Application's ComparisonError names eds-fn's field.
//
// Each output is the kustomize CLI's output of the same directory (which is
// the example's expected-output.yaml) plus ArgoCD's tracking metadata and
// nothing else.
func TestArgoCD(t *testing.T) {
	e := newEnv(t)

	repo := e.gitRepo(t)
	url := "file://" + repo

	// The kustomize CLI's output, with eds-fn on PATH, is what ArgoCD
	// must produce (plus its tracking metadata).
	cli := e.kustomizeCLI(t, filepath.Join(repo, "examples/argocd/app"))
	if want := readFile(t, filepath.Join(e.repoRoot, "examples/argocd/app/expected-output.yaml")); cli != want {
		t.Fatalf("the kustomize CLI does not print examples/argocd/app/expected-output.yaml:\n%s", cmp.Diff(want, cli))
	}
	wantObjs := parseYAMLStream(t, cli)
	if len(wantObjs) != 4 {
		t.Fatalf("the kustomize CLI printed %d objects, want 4", len(wantObjs))
	}

	native := e.installNative(t)
	e.installCMP(t) // serves on the plugins volume, which repo-server shares

	for _, tracking := range []string{"", "label"} {
		cm := native.argocdCM.DeepCopy()
		if tracking != "" {
			cm.Data["application.resourceTrackingMethod"] = tracking
		}
		s := controllerSettings(t, cm)
		for _, a := range []app{
			{name: "native", application: "examples/argocd/application.yaml", sourceType: "Kustomize"},
			{name: "native-exec-plugin", application: "examples/argocd/application.yaml", path: "examples/argocd/app-exec-plugin", sourceType: "Kustomize"},
			{name: "cmp", application: "examples/argocd-cmp/application.yaml", sourceType: "Plugin"},
			{name: "native-broken", application: "examples/argocd/application.yaml", path: "examples/argocd/broken", wantErr: brokenErr},
			{name: "cmp-broken", application: "examples/argocd-cmp/application.yaml", path: "examples/argocd/broken", wantErr: brokenErr},
		} {
			name := a.name + "/tracking=" + s.trackingMethod
			t.Run(name, func(t *testing.T) {
				env := native.env
				if a.name == "native-exec-plugin" {
					// eds-fn is not on PATH: only kustomize's exec plugin
					// can have run it.
					env = native.envWithoutPath
				}
				for k, v := range env {
					t.Setenv(k, v)
				}
				resp, err := e.generate(t, s, a, url, repo)
				if a.wantErr != "" {
					if err == nil {
						t.Fatalf("ArgoCD rendered a service with size: xl:\n%v", resp.Manifests)
					}
					// The application controller puts this, after its
					// own prefix, into the Application's ComparisonError
					// condition (controller/state.go).
					t.Logf("ComparisonError: Failed to load target state: failed to generate manifest for source 1 of 1: %v", err)
					if !strings.Contains(err.Error(), a.wantErr) {
						t.Errorf("ArgoCD's error does not carry eds-fn's message %q:\n%v", a.wantErr, err)
					}
					if strings.Contains(err.Error(), e.root) {
						t.Errorf("ArgoCD's error shows a path of repo-server's disk (its sanitizer should replace it):\n%v", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("GenerateManifest: %v", err)
				}
				if resp.SourceType != a.sourceType {
					t.Errorf("source type %q, want %q", resp.SourceType, a.sourceType)
				}
				if a.sourceType == "Kustomize" && !slices.ContainsFunc(resp.Commands, func(c string) bool {
					return strings.HasSuffix(c, " --enable-alpha-plugins --enable-exec")
				}) {
					t.Errorf("kustomize ran without argocd-cm's build options: %q", resp.Commands)
				}
				got := make([]map[string]any, 0, len(resp.Manifests))
				for _, m := range resp.Manifests {
					var obj map[string]any
					if err := json.Unmarshal([]byte(m), &obj); err != nil {
						t.Fatalf("manifest %q: %v", m, err)
					}
					stripTracking(t, obj, s, "payments-worker")
					got = append(got, obj)
				}
				if diff := cmp.Diff(wantObjs, got); diff != "" {
					t.Errorf("ArgoCD's manifests, without its tracking metadata, differ from the kustomize CLI's output (-cli +argocd):\n%s", diff)
				}
			})
		}
	}
}

// controller holds what the application controller reads from argocd-cm
// for every manifest request.
type controller struct {
	appLabelKey, trackingMethod, installationID string
	kustomize                                   *v1alpha1.KustomizeOptions
	sourceTypes                                 map[string]bool
}

// controllerSettings reads argocd-cm through ArgoCD's settings manager, as
// the application controller does (it lists the ConfigMaps labelled
// app.kubernetes.io/part-of: argocd).
func controllerSettings(t *testing.T, cm *corev1.ConfigMap) controller {
	t.Helper()
	cm = cm.DeepCopy()
	cm.Namespace = "argocd"
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	mgr := settings.NewSettingsManager(ctx, fake.NewClientset(cm), "argocd")
	var c controller
	var err error
	if c.appLabelKey, err = mgr.GetAppInstanceLabelKey(); err != nil {
		t.Fatal(err)
	}
	if c.trackingMethod, err = mgr.GetTrackingMethod(); err != nil {
		t.Fatal(err)
	}
	if c.installationID, err = mgr.GetInstallationID(); err != nil {
		t.Fatal(err)
	}
	if c.kustomize, err = mgr.GetKustomizeSettings(); err != nil {
		t.Fatal(err)
	}
	if c.sourceTypes, err = mgr.GetEnabledSourceTypes(); err != nil {
		t.Fatal(err)
	}
	return c
}

// generate sends the application controller's manifest request for the
// Application a to repo-server's gRPC API.
func (e *env) generate(t *testing.T, s controller, a app, url, repo string) (*apiclient.ManifestResponse, error) {
	t.Helper()
	var application v1alpha1.Application
	if err := yaml.UnmarshalStrict([]byte(readFile(t, filepath.Join(repo, a.application))), &application); err != nil {
		t.Fatalf("%s: %v", a.application, err)
	}
	source := application.Spec.GetSource()
	source.RepoURL = url
	if a.path != "" {
		source.Path = a.path
	}
	closer, client, err := apiclient.NewRepoServerClientset(e.repoServer, 90, apiclient.TLSConfiguration{DisableTLS: true}).NewRepoServerClient()
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return client.GenerateManifest(ctx, &apiclient.ManifestRequest{
		Repo:               &v1alpha1.Repository{Repo: url},
		Revision:           source.TargetRevision,
		AppLabelKey:        s.appLabelKey,
		AppName:            application.InstanceName("argocd"),
		Namespace:          application.Spec.Destination.Namespace,
		ApplicationSource:  &source,
		KustomizeOptions:   s.kustomize,
		KubeVersion:        "1.34.0",
		ApiVersions:        []string{"v1", "apps/v1", "keda.sh/v1alpha1"},
		TrackingMethod:     s.trackingMethod,
		EnabledSourceTypes: s.sourceTypes,
		ProjectName:        application.Spec.Project,
		ProjectSourceRepos: []string{"*"},
		InstallationID:     s.installationID,
	})
}

// stripTracking checks and removes the metadata ArgoCD's resource tracking
// adds to obj: with the annotation method (ArgoCD 3's default) the
// argocd.argoproj.io/tracking-id annotation, "<app>:<group>/<kind>:<namespace>/<name>";
// with the label method the app instance label.
func stripTracking(t *testing.T, obj map[string]any, s controller, appName string) {
	t.Helper()
	meta, _ := obj["metadata"].(map[string]any)
	labels, _ := meta["labels"].(map[string]any)
	annotations, _ := meta["annotations"].(map[string]any)
	group := ""
	if gv, _ := obj["apiVersion"].(string); strings.Contains(gv, "/") {
		group = gv[:strings.Index(gv, "/")]
	}
	id := fmt.Sprintf("%s:%s/%s:%s/%s", appName, group, obj["kind"], meta["namespace"], meta["name"])
	switch s.trackingMethod {
	case "annotation":
		if got := annotations["argocd.argoproj.io/tracking-id"]; got != id {
			t.Errorf("%s: tracking-id %v, want %s", id, got, id)
		}
		delete(annotations, "argocd.argoproj.io/tracking-id")
		if len(annotations) == 0 {
			delete(meta, "annotations")
		}
	case "label":
		if got := labels[s.appLabelKey]; got != appName {
			t.Errorf("%s: label %s=%v, want %s", id, s.appLabelKey, got, appName)
		}
		delete(labels, s.appLabelKey)
	default:
		t.Fatalf("tracking method %q", s.trackingMethod)
	}
}

// env is the test's world: a directory another user can enter (root),
// eds-fn and the kustomize CLI built from the main module, and repo-server
// serving on loopback.
type env struct {
	root       string // every file of the test
	repoRoot   string // the eds-fn checkout
	edsFn      string
	kustomize  string
	repoServer string // repo-server's gRPC address
	sockets    string // the plugins volume: argocd-cmp-server's socket
}

func newEnv(t *testing.T) *env {
	e := &env{root: worldReadableTempDir(t)}
	var err error
	if e.repoRoot, err = filepath.Abs("../.."); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readFile(t, filepath.Join(e.repoRoot, "go.mod")), "module github.com/bizmatters/eds-fn\n") {
		t.Fatalf("%s is not the eds-fn checkout", e.repoRoot)
	}
	declareSources(e.repoRoot)

	// eds-fn as make build makes it, and the kustomize CLI of eds-fn's go.mod.
	build := filepath.Join(e.root, "build")
	e.edsFn = filepath.Join(build, "eds-fn")
	e.kustomize = filepath.Join(build, "kustomize")
	for _, args := range [][]string{
		{"build", "-trimpath", "-o", e.edsFn, "."},
		{"build", "-o", e.kustomize, "sigs.k8s.io/kustomize/kustomize/v5"},
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = e.repoRoot
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	e.sockets = e.volume(t, "plugins")
	e.startRepoServer(t)
	return e
}

// startRepoServer runs ArgoCD's repo-server (its gRPC server, with the
// default settings of its command) on a loopback port. Its cache is in
// memory instead of Redis; its clones go to TMPDIR/_argocd-repo.
func (e *env) startRepoServer(t *testing.T) {
	tmp := filepath.Join(e.root, "repo-server-tmp")
	mkdir(t, tmp)
	t.Setenv("TMPDIR", tmp)
	t.Setenv("ARGOCD_PLUGINSOCKFILEPATH", e.sockets)
	cache := reposervercache.NewCache(cacheutil.NewCache(cacheutil.NewInMemoryCache(time.Hour)), 24*time.Hour, 3*time.Minute, 10*time.Second)
	server, err := reposerver.NewServer(metrics.NewMetricsServer(), cache, nil, repository.RepoServerInitConstants{
		PauseGenerationAfterFailedGenerationAttempts: 3,
		PauseGenerationOnFailureForMinutes:           60,
		PauseGenerationOnFailureForRequests:          2,
		MaxCombinedDirectoryManifestsSize:            resource.MustParse("10M"),
		StreamedManifestMaxTarSize:                   100e6,
		StreamedManifestMaxExtractedSize:             1e9,
		HelmManifestMaxExtractedSize:                 1e9,
		HelmRegistryMaxIndexSize:                     1e9,
		OCIManifestMaxExtractedSize:                  1e9,
		EnableBuiltinGitConfig:                       true,
	}, git.NoopCredsStore{})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	grpcServer := server.CreateGRPC()
	go func() { _ = grpcServer.Serve(lis) }()
	t.Cleanup(grpcServer.Stop)
	e.repoServer = lis.Addr().String()
}

// native is repo-server as examples/argocd/install sets it up.
type native struct {
	argocdCM       *corev1.ConfigMap
	env            map[string]string // repo-server's PATH and environment
	envWithoutPath map[string]string // the same, without eds-fn on PATH
}

// installNative builds examples/argocd/install over ArgoCD's argocd-cm and
// repo-server Deployment (its remote install.yaml replaced by copies of
// those two objects) and sets up repo-server as the result says: the init
// container's eds-fn install into the eds-fn volume, repo-server's mounts
// of it and its environment.
func (e *env) installNative(t *testing.T) native {
	objs := e.buildInstall(t, "examples/argocd/install")
	var n native
	n.argocdCM = objs["ConfigMap/argocd-cm"].(*corev1.ConfigMap)
	if n.argocdCM.Data["kustomize.buildOptions"] != "--enable-alpha-plugins --enable-exec" {
		t.Errorf("argocd-cm: kustomize.buildOptions is %q", n.argocdCM.Data["kustomize.buildOptions"])
	}
	pod := objs["Deployment/argocd-repo-server"].(*appsv1.Deployment).Spec.Template.Spec
	fsys := e.runPod(t, "repo-server", pod, "install-eds-fn", "argocd-repo-server")
	bin := filepath.Join(fsys.root, "usr/local/bin")
	// ArgoCD's image ships kustomize in /usr/local/bin.
	link(t, e.kustomize, filepath.Join(bin, "kustomize"))
	kbin := filepath.Join(e.root, "kustomize-only")
	link(t, e.kustomize, filepath.Join(kbin, "kustomize"))
	n.env = map[string]string{"PATH": bin + ":/usr/bin:/bin", "HOME": filepath.Join(e.root, "repo-server-home")}
	mkdir(t, n.env["HOME"])
	for _, v := range fsys.env {
		n.env[v.Name] = v.Value
		if strings.HasPrefix(v.Value, "/") {
			n.env[v.Name] = fsys.path(t, v.Value)
		}
	}
	if n.env["KUSTOMIZE_PLUGIN_HOME"] == "" {
		t.Errorf("repo-server has no KUSTOMIZE_PLUGIN_HOME: %v", fsys.env)
	}
	n.envWithoutPath = map[string]string{}
	for k, v := range n.env {
		n.envWithoutPath[k] = v
	}
	n.envWithoutPath["PATH"] = kbin + ":/usr/bin:/bin"
	return n
}

// installCMP builds examples/argocd-cmp/install the same way and starts
// its sidecar: ArgoCD's argocd-cmp-server with plugin.yaml from the
// generated ConfigMap, eds-fn from the init container's volume, its own
// /tmp, the plugins socket directory shared with repo-server, and (as
// root) the sidecar's user 999.
func (e *env) installCMP(t *testing.T) {
	objs := e.buildInstall(t, "examples/argocd-cmp/install")
	var plugin *corev1.ConfigMap
	for k, o := range objs {
		if strings.HasPrefix(k, "ConfigMap/eds-fn-cmp-plugin-") {
			plugin = o.(*corev1.ConfigMap)
		}
	}
	if plugin == nil {
		t.Fatalf("examples/argocd-cmp/install makes no eds-fn-cmp-plugin ConfigMap: %v", slices.Sorted(func(y func(string) bool) {
			for k := range objs {
				if !y(k) {
					return
				}
			}
		}))
	}
	dep := objs["Deployment/argocd-repo-server"].(*appsv1.Deployment)
	pod := dep.Spec.Template.Spec
	for i, v := range pod.Volumes {
		if v.ConfigMap != nil && v.ConfigMap.Name == plugin.Name {
			// The ConfigMap's content as a volume of files.
			dir := e.volume(t, v.Name)
			for k, data := range plugin.Data {
				writeFile(t, filepath.Join(dir, k), data)
			}
			pod.Volumes[i].ConfigMap = nil
			pod.Volumes[i].EmptyDir = &corev1.EmptyDirVolumeSource{}
		}
	}
	fsys := e.runPod(t, "cmp", pod, "install-eds-fn-cmp", "eds-fn-cmp")
	bin := filepath.Join(fsys.root, "usr/local/bin")
	link(t, e.kustomize, filepath.Join(bin, "kustomize"))

	// /var/run/argocd/argocd-cmp-server: ArgoCD's binary, here this test
	// binary, which runs argocd-cmp-server's command (TestMain).
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	server := filepath.Join(e.root, "argocd-cmp-server")
	copyFile(t, self, server, 0o755)
	var c corev1.Container
	for _, x := range pod.Containers {
		if x.Name == "eds-fn-cmp" {
			c = x
		}
	}
	if len(c.Command) != 1 || c.Command[0] != "/var/run/argocd/argocd-cmp-server" || len(c.Args) != 0 {
		t.Fatalf("the sidecar runs %q %q; this test runs argocd-cmp-server with its defaults", c.Command, c.Args)
	}
	cmd := exec.Command(server,
		// Its defaults, /home/argocd/cmp-server/config and
		// /home/argocd/cmp-server/plugins, in the test's directories.
		"--config-dir-path", filepath.Join(fsys.root, "home/argocd/cmp-server/config"),
		"--loglevel", "info", "--logformat", "text")
	cmd.Env = []string{
		roleEnv + "=argocd-cmp-server",
		"PATH=" + bin + ":/usr/bin:/bin",
		"HOME=" + fsys.path(t, "/tmp"),
		"TMPDIR=" + fsys.path(t, "/tmp"),
		"ARGOCD_PLUGINSOCKFILEPATH=" + fsys.path(t, "/home/argocd/cmp-server/plugins"),
	}
	if fsys.path(t, "/home/argocd/cmp-server/plugins") != e.sockets {
		t.Fatalf("the sidecar's plugins directory is not the plugins volume")
	}
	if os.Geteuid() == 0 && c.SecurityContext != nil && c.SecurityContext.RunAsUser != nil {
		uid := uint32(*c.SecurityContext.RunAsUser)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
		for _, d := range []string{fsys.path(t, "/tmp"), e.sockets} {
			if err := os.Chown(d, int(uid), int(uid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		// argocd-cmp-server removes its socket on SIGTERM and serves on
		// until the kubelet kills it after the grace period.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(2 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("argocd-cmp-server's log:\n%s", logs.String())
		}
	})
	sock := filepath.Join(e.sockets, "eds-fn.sock")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			return
		}
		select {
		case <-exited:
			t.Fatalf("argocd-cmp-server exited:\n%s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("argocd-cmp-server did not open %s:\n%s", sock, logs.String())
		}
	}
}

// syncBuffer is a bytes.Buffer that a child's output and the test may use
// at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// buildInstall builds an install kustomization of the examples with the
// kustomize CLI, its remote ArgoCD install.yaml replaced by argocd-cm as
// install.yaml has it and the repo-server Deployment of
// examples/argocd/testdata.
func (e *env) buildInstall(t *testing.T, dir string) map[string]any {
	const remote = "https://raw.githubusercontent.com/argoproj/argo-cd/v3.1.0/manifests/install.yaml"
	tmp := t.TempDir()
	copyTree(t, filepath.Join(e.repoRoot, dir), tmp)
	k := readFile(t, filepath.Join(tmp, "kustomization.yaml"))
	if !strings.Contains(k, remote) {
		t.Fatalf("%s/kustomization.yaml no longer names %s; update this test", dir, remote)
	}
	writeFile(t, filepath.Join(tmp, "kustomization.yaml"), strings.Replace(k, remote, "argocd-install.yaml", 1))
	writeFile(t, filepath.Join(tmp, "argocd-install.yaml"), `apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    app.kubernetes.io/name: argocd-cm
    app.kubernetes.io/part-of: argocd
  name: argocd-cm
---
`+readFile(t, filepath.Join(e.repoRoot, "examples/argocd/testdata/argocd-repo-server.yaml")))
	out, err := exec.Command(e.kustomize, "build", tmp).CombinedOutput()
	if err != nil {
		t.Fatalf("kustomize build %s: %v\n%s", dir, err, out)
	}
	objs := map[string]any{}
	for _, doc := range strings.Split(string(out), "\n---\n") {
		var meta struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatal(err)
		}
		var obj any
		switch meta.Kind {
		case "ConfigMap":
			obj = &corev1.ConfigMap{}
		case "Deployment":
			obj = &appsv1.Deployment{}
		default:
			t.Fatalf("%s makes a %s", dir, meta.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Fatalf("%s %s: %v", meta.Kind, meta.Metadata.Name, err)
		}
		objs[meta.Kind+"/"+meta.Metadata.Name] = obj
	}
	return objs
}

// podFS is a container's view of its volumes: each mount a link under root
// to the volume's directory (or, with subPath, its file).
type podFS struct {
	root   string
	mounts []corev1.VolumeMount
	vols   map[string]string
	env    []corev1.EnvVar
}

// path is where the container's path p is in the test's directories.
func (f podFS) path(t *testing.T, p string) string {
	t.Helper()
	for _, m := range f.mounts {
		if p == m.MountPath || strings.HasPrefix(p, m.MountPath+"/") {
			return filepath.Join(f.vols[m.Name], m.SubPath, strings.TrimPrefix(p, m.MountPath))
		}
	}
	t.Fatalf("%s is not on a volume of the container", p)
	return ""
}

// runPod gives every emptyDir volume of pod a directory, runs the eds-fn
// init container init (its args, with the paths of its mounts) and returns
// the view of container main.
func (e *env) runPod(t *testing.T, name string, pod corev1.PodSpec, init, main string) podFS {
	vols := map[string]string{}
	for _, v := range pod.Volumes {
		if v.EmptyDir != nil {
			vols[v.Name] = e.volume(t, v.Name)
		}
	}
	var ic, mc *corev1.Container
	for i := range pod.InitContainers {
		if pod.InitContainers[i].Name == init {
			ic = &pod.InitContainers[i]
		}
	}
	for i := range pod.Containers {
		if pod.Containers[i].Name == main {
			mc = &pod.Containers[i]
		}
	}
	if ic == nil || mc == nil {
		t.Fatalf("%s: no init container %s or container %s", name, init, main)
	}
	if !strings.HasPrefix(ic.Image, "ghcr.io/bizmatters/eds-fn:") || len(ic.Command) != 0 {
		t.Fatalf("%s: init container %s runs %s %q, not the eds-fn image's entrypoint", name, init, ic.Image, ic.Command)
	}
	initFS := podFS{mounts: ic.VolumeMounts, vols: vols}
	args := make([]string, len(ic.Args))
	for i, a := range ic.Args {
		args[i] = a
		if strings.HasPrefix(a, "/") {
			args[i] = initFS.path(t, a)
		}
	}
	// The image's entrypoint is eds-fn.
	if out, err := exec.Command(e.edsFn, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: eds-fn %s: %v\n%s", init, strings.Join(ic.Args, " "), err, out)
	}
	f := podFS{root: filepath.Join(e.root, "fs-"+name), mounts: mc.VolumeMounts, vols: vols, env: mc.Env}
	for _, m := range mc.VolumeMounts {
		if _, ok := vols[m.Name]; !ok {
			continue // a volume of ArgoCD's own
		}
		link(t, filepath.Join(vols[m.Name], m.SubPath), filepath.Join(f.root, m.MountPath))
	}
	return f
}

func (e *env) volume(t *testing.T, name string) string {
	dir := filepath.Join(e.root, "volumes", name)
	if _, err := os.Stat(dir); err == nil {
		return dir
	}
	mkdir(t, dir)
	return dir
}

// gitRepo commits the ArgoCD examples, and two variants of the
// application, to a new Git repository on branch main (the Applications'
// targetRevision):
//   - examples/argocd/app-exec-plugin: without the function annotation;
//   - examples/argocd/broken: a service with size: xl.
func (e *env) gitRepo(t *testing.T) string {
	repo := filepath.Join(e.root, "platform-apps")
	for _, d := range []string{"examples/argocd", "examples/argocd-cmp"} {
		copyTree(t, filepath.Join(e.repoRoot, d), filepath.Join(repo, d))
	}
	service := readFile(t, filepath.Join(repo, "examples/argocd/app/payments-worker.yaml"))
	copyTree(t, filepath.Join(repo, "examples/argocd/app"), filepath.Join(repo, "examples/argocd/app-exec-plugin"))
	writeFile(t, filepath.Join(repo, "examples/argocd/app-exec-plugin/payments-worker.yaml"), withoutFunctionAnnotation(t, service))
	copyTree(t, filepath.Join(repo, "examples/argocd/app"), filepath.Join(repo, "examples/argocd/broken"))
	bad := strings.Replace(service, "spec:\n", "spec:\n  size: xl\n", 1)
	if bad == service {
		t.Fatal("payments-worker.yaml has no spec")
	}
	writeFile(t, filepath.Join(repo, "examples/argocd/broken/payments-worker.yaml"), bad)
	for _, args := range [][]string{
		{"init", "--quiet", "--initial-branch=main"},
		{"add", "."},
		{"commit", "--quiet", "-m", "the ArgoCD examples"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com",
			"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return repo
}

// withoutFunctionAnnotation drops config.kubernetes.io/function from the
// service: kustomize then runs it as an exec plugin, found by its kind in
// KUSTOMIZE_PLUGIN_HOME.
func withoutFunctionAnnotation(t *testing.T, service string) string {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(service), &obj); err != nil {
		t.Fatal(err)
	}
	meta := obj["metadata"].(map[string]any)
	annotations, _ := meta["annotations"].(map[string]any)
	if _, ok := annotations["config.kubernetes.io/function"]; !ok {
		t.Fatal("payments-worker.yaml has no function annotation")
	}
	delete(annotations, "config.kubernetes.io/function")
	if len(annotations) == 0 {
		delete(meta, "annotations")
	}
	b, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// kustomizeCLI runs the pinned kustomize CLI on dir with exec functions on
// and eds-fn on PATH.
func (e *env) kustomizeCLI(t *testing.T, dir string) string {
	t.Helper()
	cmd := exec.Command(e.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(e.edsFn)+":/usr/bin:/bin")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kustomize build %s: %v\n%s", dir, err, stderr.String())
	}
	return string(out)
}

func parseYAMLStream(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, doc := range strings.Split(s, "\n---\n") {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatal(err)
		}
		out = append(out, obj)
	}
	return out
}

// declareSources stats every file the eds-fn binary is built from and
// every example: go test caches a result keyed on the files the test
// opened, and the binary is built by a child process.
func declareSources(root string) {
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "bin", ".cache", "ecosystem", "e2e", "conformance", "bench", "docs":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".yaml") || d.Name() == "go.mod" || d.Name() == "go.sum" {
			_, _ = os.Stat(p)
		}
		return nil
	})
}

// worldReadableTempDir is a temporary directory another user can enter.
func worldReadableTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "eds-fn-argocd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, target, name string) {
	t.Helper()
	mkdir(t, filepath.Dir(name))
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	mkdir(t, filepath.Dir(p))
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	mkdir(t, filepath.Dir(to))
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		copyFile(t, p, filepath.Join(to, rel), 0o644)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
