//go:build image

// The container image, run the ways users run it. These tests need podman
// (and runc) and build the image with "make image"; "make test-image" runs
// them. Without podman they skip, except under CI, where they fail.

package examples

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
)

// testImage is the name the tests give the image in their own podman store;
// any name works, since kustomize and kpt only need it to be there.
const testImage = "localhost/eds-fn:test"

var (
	imageOnce sync.Once
	imageErr  error
	image     builtImage
	imageTmp  string
)

// builtImage is one "make image" run: its archive and the podman
// environment of the store the archive was loaded into (testImage).
type builtImage struct {
	archive string
	env     []string          // CONTAINERS_CONF, CONTAINERS_STORAGE_CONF
	build   string            // make's output
	version string            // the VERSION make used: the image is localhost/eds-fn:<version> in its store
	store   string            // make's podman store (PODMAN_STATE), which holds that image
	sboms   map[string][]byte // arch → bin/linux-<arch>/eds-fn.cdx.json as this build wrote it
}

func init() {
	afterAll = append(afterAll, func() {
		if imageTmp != "" {
			_ = os.RemoveAll(imageTmp)
		}
	})
}

// podmanBinary is podman on PATH; a machine without it skips, CI fails.
func podmanBinary(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("podman")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("podman is not on PATH (apt-get install podman runc): %v", err)
		}
		t.Skipf("podman is not on PATH: %v", err)
	}
	return p
}

// podmanStore writes podman's settings (hack/podman) for a store in dir and
// returns the environment that selects them; with a registry (host:port),
// also the registries.conf that marks it insecure.
func podmanStore(dir string, registry ...string) ([]string, error) {
	out, err := exec.Command(filepath.Join(testutil.RepoRoot(), "hack/podman/setup"), append([]string{dir}, registry...)...).Output()
	if err != nil {
		return nil, fmt.Errorf("hack/podman/setup: %w", err)
	}
	// export CONTAINERS_CONF='...' CONTAINERS_STORAGE_CONF='...' [CONTAINERS_REGISTRIES_CONF='...']
	var env []string
	for _, f := range strings.Fields(strings.TrimPrefix(strings.TrimSpace(string(out)), "export ")) {
		env = append(env, strings.ReplaceAll(f, "'", ""))
	}
	if len(env) != 2+len(registry) {
		return nil, fmt.Errorf("hack/podman/setup printed %q", out)
	}
	return env, nil
}

// makeImage runs "make image" with its archive and podman store in dir.
func makeImage(dir string) (string, string, error) {
	archive := filepath.Join(dir, "eds-fn.oci.tar")
	cmd := exec.Command("make", "image", "IMAGE_ARCHIVE="+archive, "PODMAN_STATE="+filepath.Join(dir, "podman"))
	cmd.Dir = testutil.RepoRoot()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", string(out), fmt.Errorf("make image: %w\n%s", err, out)
	}
	return archive, string(out), nil
}

// theImage builds the image once per test run, loads its archive into a
// store of its own as users do (podman pull oci-archive:...) and names it
// testImage.
func theImage(t *testing.T) builtImage {
	t.Helper()
	podmanBinary(t)
	imageOnce.Do(func() {
		imageTmp, imageErr = os.MkdirTemp("", "eds-fn-image-")
		if imageErr != nil {
			return
		}
		image.archive, image.build, imageErr = makeImage(filepath.Join(imageTmp, "build"))
		if imageErr != nil {
			return
		}
		image.store = filepath.Join(imageTmp, "build", "podman")
		// ".../eds-fn.oci.tar: localhost/eds-fn:<version> index sha256:..."
		m := regexp.MustCompile(`: localhost/eds-fn:(\S+) index sha256:`).FindStringSubmatch(image.build)
		if m == nil {
			imageErr = fmt.Errorf("make image did not name its image:\n%s", image.build)
			return
		}
		image.version = m[1]
		image.sboms = map[string][]byte{}
		for _, arch := range []string{"amd64", "arm64"} {
			if image.sboms[arch], imageErr = os.ReadFile(sbomFile(arch)); imageErr != nil {
				return
			}
		}
		image.env, imageErr = podmanStore(filepath.Join(imageTmp, "store"))
		if imageErr != nil {
			return
		}
		var id []byte
		if id, imageErr = podmanCmd(image.env, "pull", "-q", "oci-archive:"+image.archive).Output(); imageErr != nil {
			imageErr = fmt.Errorf("podman pull oci-archive:%s: %w", image.archive, imageErr)
			return
		}
		if out, err := podmanCmd(image.env, "tag", strings.TrimSpace(string(id)), testImage).CombinedOutput(); err != nil {
			imageErr = fmt.Errorf("podman tag: %w\n%s", err, out)
		}
	})
	if imageErr != nil {
		t.Fatal(imageErr)
	}
	return image
}

func podmanCmd(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command("podman", args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = nil
	return cmd
}

// TestImageReproducible builds the image a second time, in a store of its
// own, and finds the same digests: the index, every platform's manifest,
// config and layers (they are the blobs of the archive), and the archive's
// own bytes.
func TestImageReproducible(t *testing.T) {
	first := theImage(t)
	archive, _, err := makeImage(filepath.Join(imageTmp, "second"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := readOCIArchive(t, first.archive), readOCIArchive(t, archive)
	if a.indexDigest != b.indexDigest {
		t.Errorf("index digests differ: %s, then %s", a.indexDigest, b.indexDigest)
	}
	if diff := cmp.Diff(a.manifestDigests(), b.manifestDigests()); diff != "" {
		t.Errorf("platform manifests differ between two builds (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(sortedKeys(a.blobs), sortedKeys(b.blobs)); diff != "" {
		t.Errorf("blobs differ between two builds (-first +second):\n%s", diff)
	}
	if sumFile(t, first.archive) != sumFile(t, archive) {
		t.Errorf("the two archives differ in bytes")
	}
	for arch, sbom := range first.sboms {
		if !bytes.Equal(sbom, []byte(mustRead(t, sbomFile(arch)))) {
			t.Errorf("the SBOMs of linux/%s differ between two builds", arch)
		}
	}
	t.Logf("index %s; %s", a.indexDigest, strings.Join(a.manifestDigests(), "; "))
}

// TestImageLayout opens the archive itself: an OCI index of linux/amd64 and
// linux/arm64, each image FROM scratch with only /etc/passwd, /etc/group
// and the static binary of its architecture (no shell), a numeric USER, and
// the OCI labels.
func TestImageLayout(t *testing.T) {
	img := readOCIArchive(t, theImage(t).archive)
	var platforms []string
	for _, m := range img.manifests {
		platforms = append(platforms, m.platform)
	}
	if diff := cmp.Diff([]string{"linux/amd64", "linux/arm64"}, platforms); diff != "" {
		t.Fatalf("index platforms (-want +got):\n%s", diff)
	}
	revision, err := exec.Command("git", "-C", testutil.RepoRoot(), "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range img.manifests {
		t.Run(m.platform, func(t *testing.T) {
			checkPlatformImage(t, m, strings.TrimSpace(string(revision)))
		})
	}
}

// TestImageAsOrchestratorsRunIt runs the image as kustomize and kpt do, and
// as a locked-down pod would: no network, user nobody, a read-only root,
// no privilege escalation, no capabilities, the ResourceList on stdin. Its
// stdout, stderr and exit code are the binary's, for a generator, the
// transformer and an input with errors.
func TestImageAsOrchestratorsRunIt(t *testing.T) {
	img := theImage(t)
	for name, in := range orchestratorInputs(t) {
		t.Run(name, func(t *testing.T) {
			want := runWith(t, exec.Command(testutil.Binary(t)), in)
			got := runWith(t, podmanCmd(img.env, "run", "--rm", "-i", "--network", "none", "--user", "nobody",
				"--read-only", "--security-opt", "no-new-privileges", "--cap-drop", "ALL", testImage), in)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the image differs from the binary (-binary +image):\n%s", diff)
			}
			if name == "errors" && got.Code != 1 {
				t.Errorf("exit code %d on bad input, want 1", got.Code)
			}
		})
	}
}

// TestImageArgoCDInitContainer runs the image as the repo-server init
// container of examples/argocd does: as the image's own user (runAsNonRoot
// needs the numeric USER), read-only root, "install /custom-tools
// --kustomize-plugin-home ..." into a world-writable emptyDir. The copied
// binary is the image's, and it runs, directly and through the plugin links.
func TestImageArgoCDInitContainer(t *testing.T) {
	img := theImage(t)
	tools := worldReadableTempDir(t)
	if err := os.Chmod(tools, 0o777); err != nil { // an emptyDir
		t.Fatal(err)
	}
	out, err := podmanCmd(img.env, "run", "--rm", "--network", "none", "--read-only",
		"--security-opt", "no-new-privileges", "--cap-drop", "ALL", "-v", tools+":/custom-tools",
		testImage, "install", "/custom-tools", "--kustomize-plugin-home", "/custom-tools/kustomize-plugins").CombinedOutput()
	if err != nil {
		t.Fatalf("podman run ... install: %v\n%s", err, out)
	}
	copied := filepath.Join(tools, "eds-fn")
	if sumFile(t, copied) != sumFile(t, filepath.Join(testutil.RepoRoot(), "bin/linux-amd64/eds-fn")) {
		t.Errorf("%s is not the image's binary", copied)
	}
	fi, err := os.Stat(copied)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o755 {
		t.Errorf("copied binary mode %v, want 0755", fi.Mode().Perm())
	}
	in := orchestratorInputs(t)["generator"]
	want := runWith(t, exec.Command(testutil.Binary(t)), in)
	if diff := cmp.Diff(want, runWith(t, exec.Command(copied), in)); diff != "" {
		t.Errorf("the copied binary differs from the binary (-binary +copied):\n%s", diff)
	}
	// The links were made inside the container, at /custom-tools: relative,
	// they reach the binary wherever the volume is mounted.
	for _, kind := range []string{"EventDrivenService", "ExpandEventDrivenServices", "NATSHeadlessEndpoint"} {
		link := filepath.Join(tools, "kustomize-plugins/platform.bizmatters.io/v1alpha1", strings.ToLower(kind), kind)
		li, err := os.Stat(link)
		if err != nil || !os.SameFile(li, fi) {
			t.Errorf("%s does not reach the copied binary: %v", link, err)
		}
	}
}

// TestImageKustomizeContainerMode builds every example with the kustomize
// CLI in container mode ("container: image:" in each function config, a
// docker shim that runs podman first on PATH, no --enable-exec) and in exec
// mode: the same stdout, equal to the example's expected-output.yaml, and
// the same stderr.
func TestImageKustomizeContainerMode(t *testing.T) {
	img := theImage(t)
	kustomize := kustomizeCLI(t)
	shim := t.TempDir()
	script := "#!/bin/sh\nexec env " + strings.Join(img.env, " ") + " podman \"$@\"\n"
	if err := os.WriteFile(filepath.Join(shim, "docker"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	containers := t.TempDir()
	copyDir(t, ".", containers)
	rewritten := toContainerFunctions(t, containers, testImage)

	dirs := exampleDirs(t)
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			if rewritten[strings.Split(filepath.ToSlash(dir), "/")[0]] == 0 {
				t.Fatalf("%s runs no eds-fn function that could be made a container: write a container variant", dir)
			}
			execOut, execErr := runKustomize(t, kustomize, dir, filepath.Dir(testutil.Binary(t)), "--enable-exec")
			ctrOut, ctrErr := runKustomize(t, kustomize, filepath.Join(containers, dir), shim)
			want := mustRead(t, filepath.Join(dir, "expected-output.yaml"))
			if diff := cmp.Diff(want, execOut); diff != "" {
				t.Errorf("exec mode differs from expected-output.yaml (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(execOut, ctrOut); diff != "" {
				t.Errorf("container mode differs from exec mode (-exec +container):\n%s", diff)
			}
			if diff := cmp.Diff(execErr, ctrErr); diff != "" {
				t.Errorf("container mode's stderr differs from exec mode's (-exec +container):\n%s", diff)
			}
		})
	}
}

// TestImageKptRender renders examples/kpt/package with "image:" in its
// Kptfile and KPT_FN_RUNTIME=podman: the package kpt leaves is
// examples/kpt/expected (with the same Kptfile), and a second render
// changes nothing.
func TestImageKptRender(t *testing.T) {
	img := theImage(t)
	kpt := testutil.KptBinary(t)
	toImage := func(files map[string]string) map[string]string {
		k := files["Kptfile"]
		if strings.Count(k, "- exec: eds-fn\n") != 1 {
			t.Fatalf("examples/kpt's Kptfile no longer says \"- exec: eds-fn\" once; update this test:\n%s", k)
		}
		files["Kptfile"] = strings.Replace(k, "- exec: eds-fn\n", "- image: "+testImage+"\n", 1)
		return files
	}
	want := toImage(testutil.ReadTree(t, "kpt/expected"))
	pkg := toImage(testutil.ReadTree(t, "kpt/package"))
	for i := range 2 {
		dir := t.TempDir()
		testutil.WriteTree(t, dir, pkg)
		cmd := exec.Command(kpt, "fn", "render", dir)
		cmd.Env = append(os.Environ(), append(img.env, "KPT_FN_RUNTIME=podman")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("render %d: kpt fn render: %v\n%s", i+1, err, out)
		}
		got := testutil.ReadTree(t, dir)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("render %d: the package differs from kpt/expected (-want +got):\n%s", i+1, diff)
		}
		pkg = got
	}
}

// toContainerFunctions rewrites every "exec: path: eds-fn" function
// annotation under root into "container: image: <image>" and returns how
// many it rewrote in each example (by its first directory: overlays/base
// counts for overlays/production). A function annotation left in another
// form fails the test: it would silently not run in container mode.
func toContainerFunctions(t *testing.T, root, image string) map[string]int {
	t.Helper()
	execFn := regexp.MustCompile(`(?m)^(\s+)exec:\n(\s+)path: eds-fn\n`)
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") || strings.HasPrefix(d.Name(), "expected") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte("config.kubernetes.io/function:")) {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out := execFn.ReplaceAll(b, []byte("${1}container:\n${2}image: "+image+"\n"))
		if bytes.Contains(out, []byte("exec:")) {
			t.Errorf("%s has an exec function this test cannot turn into a container; write its container variant", rel)
		}
		counts[strings.Split(filepath.ToSlash(rel), "/")[0]] += len(execFn.FindAll(b, -1))
		return os.WriteFile(p, out, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

// exampleDirs are the directories holding an expected-output.yaml.
func exampleDirs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*/expected-output.yaml")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("*/*/expected-output.yaml")
	var dirs []string
	for _, f := range append(files, more...) {
		dirs = append(dirs, filepath.Dir(f))
	}
	if len(dirs) == 0 {
		t.Fatal("no example has an expected-output.yaml")
	}
	return dirs
}

// runKustomize runs the kustomize CLI as a user does, with pathDir first
// on PATH, and returns stdout and stderr; a failure fails the test.
func runKustomize(t *testing.T, kustomize, dir, pathDir string, flags ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(kustomize, append([]string{"build", dir, "--enable-alpha-plugins"}, flags...)...)
	cmd.Env = append(os.Environ(), "PATH="+pathDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kustomize build %s %v: %v\n%s", dir, flags, err, stderr.String())
	}
	return stdout.String(), stderr.String()
}

var (
	kustomizeOnce sync.Once
	kustomizePath string
	kustomizeErr  error
)

// kustomizeCLI builds the kustomize CLI pinned in go.mod, once.
func kustomizeCLI(t *testing.T) string {
	t.Helper()
	kustomizeOnce.Do(func() {
		kustomizePath = filepath.Join(filepath.Dir(theImage(t).archive), "kustomize")
		cmd := exec.Command("go", "build", "-o", kustomizePath, "sigs.k8s.io/kustomize/kustomize/v5")
		cmd.Dir = testutil.RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			kustomizeErr = fmt.Errorf("building the kustomize CLI: %w\n%s", err, out)
		}
	})
	if kustomizeErr != nil {
		t.Fatal(kustomizeErr)
	}
	return kustomizePath
}

type runResult struct {
	Stdout, Stderr string
	Code           int
}

func runWith(t *testing.T, cmd *exec.Cmd, stdin string) runResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee := new(exec.ExitError); errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return runResult{stdout.String(), stderr.String(), code}
}

// orchestratorInputs are ResourceLists as kustomize sends them: the
// agent-executor example in generator position, the nats-headless example's
// transformer over its resources, and a service with two errors.
func orchestratorInputs(t *testing.T) map[string]string {
	t.Helper()
	eds := mustRead(t, "agent-executor/agent-executor.yaml")
	local := strings.Replace(eds, "  annotations:\n", "  annotations:\n    config.kubernetes.io/local-config: \"true\"\n", 1)
	bad := strings.Replace(strings.Replace(local, "stream: AGENT_EXECUTION", "stream: AGENT.EXECUTION", 1), "  image: ", "  size: xl\n  image: ", 1)
	var items []string
	for _, f := range []string{"scaledobject.yaml", "scaledjob.yaml", "deployment.yaml"} {
		items = append(items, mustRead(t, filepath.Join("nats-headless", f)))
	}
	return map[string]string{
		"generator":   resourceList(eds, local),
		"transformer": resourceList(mustRead(t, "nats-headless/nats-headless.yaml"), items...),
		"errors":      resourceList(bad, bad),
	}
}

func resourceList(config string, items ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n")
	b.WriteString(indent(config, "  "))
	b.WriteString("items:\n")
	for _, it := range items {
		for _, doc := range strings.Split(it, "\n---\n") {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			b.WriteString("- ")
			b.WriteString(strings.TrimPrefix(indent(doc, "  "), "  "))
		}
	}
	return b.String()
}

func indent(s, by string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "---" {
			continue
		}
		b.WriteString(by + line + "\n")
	}
	return b.String()
}

func sumFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// TestImageKptEval runs the image imperatively, "kpt fn eval --image" with
// KPT_FN_RUNTIME=podman: without a config (kpt passes an empty ConfigMap) it
// leaves examples/kpt/package exactly as a render does (examples/kpt/expected,
// Kptfile untouched), twice; with "-- kind=NATSHeadlessEndpoint endpoint=..."
// it changes only the endpoint line.
func TestImageKptEval(t *testing.T) {
	img := theImage(t)
	kpt := testutil.KptBinary(t)
	eval := func(pkg map[string]string, fnArgs ...string) map[string]string {
		t.Helper()
		dir := t.TempDir()
		testutil.WriteTree(t, dir, pkg)
		args := []string{"fn", "eval", "--image", testImage, dir}
		if len(fnArgs) > 0 {
			args = append(append(args, "--"), fnArgs...)
		}
		cmd := exec.Command(kpt, args...)
		cmd.Env = append(os.Environ(), append(img.env, "KPT_FN_RUNTIME=podman")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("kpt %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return testutil.ReadTree(t, dir)
	}
	want := testutil.ReadTree(t, "kpt/expected")
	got := eval(testutil.ReadTree(t, "kpt/package"))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kpt fn eval --image left the package otherwise than render (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(got, eval(got)); diff != "" {
		t.Errorf("a second kpt fn eval --image changed the package (-first +second):\n%s", diff)
	}

	const old, repaired = "natsServerMonitoringEndpoint: nats-headless.nats.svc.cluster.local:8222", "natsServerMonitoringEndpoint: nats-headless.streaming.svc:8222"
	wantT := copyTree(want)
	replace(wantT, "orders-worker.generated.yaml", old, repaired)
	gotT := eval(want, "kind=NATSHeadlessEndpoint", "endpoint=nats-headless.streaming.svc:8222")
	if diff := cmp.Diff(wantT, gotT); diff != "" {
		t.Errorf("kpt fn eval --image of the transformer changed more or less than the endpoint (-want +got):\n%s", diff)
	}
}
