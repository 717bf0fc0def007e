//go:build image

package examples

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
)

// TestImageFromRegistry is the image as users get it: pushed to a registry
// (Debian's docker-registry on loopback, plain HTTP) by make push, which
// signs it with a key pair made here and attaches each platform's SBOM as
// a signed attestation, then pulled from there by kpt and by kustomize, in
// podman stores that start empty.
//
//   - the registry serves the index make image built: the archive's digest,
//     under the tag make push gave it;
//   - cosign verifies the signature with the public key, by tag, by digest
//     and for each platform's manifest, and refuses another key;
//   - each platform's SBOM attestation verifies, names that platform's
//     manifest as its subject and holds make image's SBOM, byte for byte
//     as JSON; another key is refused;
//   - kpt fn render with "image: <registry>/eds-fn:<tag>" and with
//     "image: <registry>/eds-fn@sha256:<index>" pulls the image and leaves
//     examples/kpt/expected;
//   - kustomize's container mode pulls it (through a docker script running
//     podman) and builds every example into its expected-output.yaml;
//   - another image pushed under the same tag fails verification by tag,
//     while the signed digest still verifies.
//
// cosign runs offline: an empty signing configuration (no transparency log,
// no timestamp authority), --insecure-ignore-tlog to verify, and a proxy
// that refuses every connection, so that its attempts to reach the
// sigstore services fail at once; loopback is never proxied.
func TestImageFromRegistry(t *testing.T) {
	img := theImage(t)
	reg := startRegistry(t)
	repo := reg + "/eds-fn"
	cs := newCosign(t)

	// make push, with make image's store and a registries.conf for reg.
	pushEnv, err := podmanStore(img.store, reg)
	if err != nil {
		t.Fatal(err)
	}
	push := exec.Command("make", "push", "PODMAN_STATE="+img.store, "VERSION="+img.version,
		"IMAGE_REPO="+repo, "COSIGN_KEY="+cs.key, "COSIGN_FLAGS=--signing-config "+cs.signingConfig+" --allow-http-registry")
	push.Dir = testutil.RepoRoot()
	push.Env = append(append(os.Environ(), cs.env...), pushEnv[2]) // CONTAINERS_REGISTRIES_CONF
	out, err := push.CombinedOutput()
	if err != nil {
		t.Fatalf("make push: %v\n%s", err, out)
	}
	archive := readOCIArchive(t, img.archive)
	m := regexp.MustCompile(`(?m)^pushed and signed: (\S+)@(sha256:[0-9a-f]{64})$`).FindStringSubmatch(string(out))
	if m == nil || m[1] != repo {
		t.Fatalf("make push did not print the pushed reference:\n%s", out)
	}
	index := m[2]
	if index != archive.indexDigest {
		t.Errorf("make push pushed index %s, make image built %s", index, archive.indexDigest)
	}
	if got := registryDigest(t, reg, "eds-fn", img.version); got != index {
		t.Errorf("the registry serves %s:%s as %s, want %s", repo, img.version, got, index)
	}
	platforms := map[string]string{} // arch → manifest digest
	for _, pm := range regexp.MustCompile(`(?m)^linux/(\w+): (\S+)@(sha256:[0-9a-f]{64}) \(SBOM attested\)$`).FindAllStringSubmatch(string(out), -1) {
		platforms[pm[1]] = pm[3]
	}
	wantPlatforms := map[string]string{}
	for _, man := range archive.manifests {
		wantPlatforms[strings.TrimPrefix(man.platform, "linux/")] = man.digest
	}
	if diff := cmp.Diff(wantPlatforms, platforms); diff != "" {
		t.Fatalf("make push attested other manifests than make image built (-built +attested):\n%s", diff)
	}
	t.Logf("pushed %s@%s", repo, index)

	t.Run("signature", func(t *testing.T) {
		for ref, digest := range map[string]string{
			repo + ":" + img.version:        index,
			repo + "@" + index:              index,
			repo + "@" + platforms["amd64"]: platforms["amd64"],
			repo + "@" + platforms["arm64"]: platforms["arm64"],
		} {
			res := cs.run(t, "verify", "--key", cs.pub, "--insecure-ignore-tlog", "--allow-http-registry", ref)
			if res.Code != 0 {
				t.Errorf("cosign verify %s: exit %d\n%s", ref, res.Code, res.Stderr)
				continue
			}
			var claims []struct {
				Critical struct {
					Image struct {
						Digest string `json:"docker-manifest-digest"`
					} `json:"image"`
					Type string `json:"type"`
				} `json:"critical"`
			}
			if err := json.Unmarshal([]byte(res.Stdout), &claims); err != nil || len(claims) == 0 {
				t.Errorf("cosign verify %s printed no claims: %v\n%s", ref, err, res.Stdout)
				continue
			}
			// cosign verify also accepts an attestation made with the key
			// (the SBOM's, on each platform's manifest): a signature is
			// what cosign sign makes.
			signed := false
			for _, c := range claims {
				if c.Critical.Image.Digest != digest {
					t.Errorf("cosign verify %s: a signature of %s, want %s", ref, c.Critical.Image.Digest, digest)
				}
				signed = signed || c.Critical.Type == "https://sigstore.dev/cosign/sign/v1"
			}
			if !signed {
				t.Errorf("cosign verify %s: no signature by cosign sign, only %s", ref, res.Stdout)
			}
		}
		res := cs.run(t, "verify", "--key", cs.otherPub, "--insecure-ignore-tlog", "--allow-http-registry", repo+":"+img.version)
		if res.Code == 0 || !strings.Contains(res.Stderr, "failed to verify signature") {
			t.Errorf("cosign verify with another key: exit %d, want a failed signature\n%s", res.Code, res.Stderr)
		}
	})

	t.Run("SBOM attestations", func(t *testing.T) {
		for arch, digest := range platforms {
			ref := repo + "@" + digest
			res := cs.run(t, "verify-attestation", "--key", cs.pub, "--insecure-ignore-tlog", "--allow-http-registry", "--type", "cyclonedx", ref)
			if res.Code != 0 {
				t.Errorf("cosign verify-attestation %s: exit %d\n%s", ref, res.Code, res.Stderr)
				continue
			}
			statements := attestations(t, res.Stdout)
			if len(statements) != 1 {
				t.Errorf("%s: %d CycloneDX attestations, want 1", ref, len(statements))
			}
			for _, st := range statements {
				if st.PredicateType != "https://cyclonedx.org/bom" {
					t.Errorf("%s: predicate type %s", ref, st.PredicateType)
				}
				if len(st.Subject) != 1 || "sha256:"+st.Subject[0].Digest["sha256"] != digest {
					t.Errorf("%s: the attestation's subject is %+v", ref, st.Subject)
				}
				var got, want any
				if err := json.Unmarshal(st.Predicate, &got); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(img.sboms[arch], &want); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: the attested SBOM is not linux/%s's (-make image +attested):\n%s", ref, arch, diff)
				}
			}
			bad := cs.run(t, "verify-attestation", "--key", cs.otherPub, "--insecure-ignore-tlog", "--allow-http-registry", "--type", "cyclonedx", ref)
			if bad.Code == 0 {
				t.Errorf("cosign verify-attestation %s with another key succeeded", ref)
			}
		}
	})

	t.Run("kpt pulls it", func(t *testing.T) {
		for name, image := range map[string]string{"by tag": repo + ":" + img.version, "by digest": repo + "@" + index} {
			t.Run(name, func(t *testing.T) {
				env := freshStore(t, reg)
				toImage := func(files map[string]string) map[string]string {
					files["Kptfile"] = strings.Replace(files["Kptfile"], "- exec: eds-fn\n", "- image: "+image+"\n", 1)
					return files
				}
				want := toImage(testutil.ReadTree(t, "kpt/expected"))
				dir := t.TempDir()
				testutil.WriteTree(t, dir, toImage(testutil.ReadTree(t, "kpt/package")))
				cmd := exec.Command(testutil.KptBinary(t), "fn", "render", dir)
				cmd.Env = append(os.Environ(), append(env, "KPT_FN_RUNTIME=podman")...)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("kpt fn render with image %s: %v\n%s", image, err, out)
				}
				if diff := cmp.Diff(want, testutil.ReadTree(t, dir)); diff != "" {
					t.Errorf("the package differs from kpt/expected (-want +got):\n%s", diff)
				}
				pulled(t, env, index)
			})
		}
	})

	t.Run("kustomize pulls it", func(t *testing.T) {
		env := freshStore(t, reg)
		image := repo + ":" + img.version
		shim := t.TempDir()
		script := "#!/bin/sh\nexec env " + strings.Join(env, " ") + " podman \"$@\"\n"
		if err := os.WriteFile(filepath.Join(shim, "docker"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		containers := t.TempDir()
		copyDir(t, ".", containers)
		toContainerFunctions(t, containers, image)
		kustomize := kustomizeCLI(t)
		for _, dir := range exampleDirs(t) {
			got, _ := runKustomize(t, kustomize, filepath.Join(containers, dir), shim)
			if diff := cmp.Diff(mustRead(t, filepath.Join(dir, "expected-output.yaml")), got); diff != "" {
				t.Errorf("%s: container mode with %s differs from expected-output.yaml (-want +got):\n%s", dir, image, diff)
			}
		}
		pulled(t, env, index)
	})

	// Last: it moves the tag.
	t.Run("another image under the tag", func(t *testing.T) {
		env := freshStore(t, reg)
		tag := repo + ":" + img.version
		build := podmanCmd(env, "build", "--quiet", "--pull=never", "--platform", "linux/amd64",
			"--build-arg", "VERSION=changed", "-t", tag, testutil.RepoRoot())
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("podman build: %v\n%s", err, out)
		}
		if out, err := podmanCmd(env, "push", "--quiet", tag).CombinedOutput(); err != nil {
			t.Fatalf("podman push: %v\n%s", err, out)
		}
		if got := registryDigest(t, reg, "eds-fn", img.version); got == index {
			t.Fatalf("the tag still names %s after pushing another image", index)
		}
		res := cs.run(t, "verify", "--key", cs.pub, "--insecure-ignore-tlog", "--allow-http-registry", tag)
		if res.Code == 0 || !strings.Contains(res.Stderr, "no signatures found") {
			t.Errorf("cosign verify of the changed image: exit %d, want no signatures found\n%s", res.Code, res.Stderr)
		}
		if res := cs.run(t, "verify", "--key", cs.pub, "--insecure-ignore-tlog", "--allow-http-registry", repo+"@"+index); res.Code != 0 {
			t.Errorf("cosign verify of the signed digest after the tag moved: exit %d\n%s", res.Code, res.Stderr)
		}
	})
}

// startRegistry runs Debian's docker-registry on a free loopback port,
// with its storage in a temporary directory, until the test ends, and
// returns its host:port.
func startRegistry(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("docker-registry is not on PATH (apt-get install docker-registry): %v", err)
		}
		t.Skipf("docker-registry is not on PATH: %v", err)
	}
	dir := t.TempDir()
	for attempt := 1; ; attempt++ {
		addr := freeLoopbackAddr(t)
		config := filepath.Join(dir, "config.yml")
		conf := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n",
			filepath.Join(dir, "data"), addr)
		if err := os.WriteFile(config, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		var log bytes.Buffer
		cmd := exec.Command(bin, "serve", config)
		cmd.Stdout, cmd.Stderr = &log, &log
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if err := waitForRegistry(addr, exited); err == nil {
			t.Cleanup(stop)
			return addr
		} else if attempt == 3 {
			stop()
			t.Fatalf("docker-registry did not serve on %s: %v\n%s", addr, err, log.String())
		}
		stop() // the port was taken in between: another one
	}
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func waitForRegistry(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("it exited")
		default:
		}
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("no answer on /v2/ after 20s")
}

// registryDigest is the digest the registry gives for repo:tag, as an OCI
// index (the Docker-Content-Digest of a manifest GET).
func registryDigest(t *testing.T, reg, repo, tag string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+reg+"/v2/"+repo+"/manifests/"+tag, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", req.URL, resp.Status)
	}
	return resp.Header.Get("Docker-Content-Digest")
}

// freshStore is an empty podman store that knows reg as an insecure registry.
// Its path is short: under a test's long TempDir, the container's attach
// socket path is too long for a Unix socket and every run waits 20 seconds.
func freshStore(t *testing.T, reg string) []string {
	t.Helper()
	dir, err := os.MkdirTemp("", "eds-fn-store-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	env, err := podmanStore(dir, reg)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := podmanCmd(env, "images", "-q").Output(); err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Fatalf("a new store is not empty: %v %s", err, out)
	}
	return env
}

// pulled fails the test unless the store holds the image of the index
// digest: it was pulled from the registry, not found in some other store.
func pulled(t *testing.T, env []string, index string) {
	t.Helper()
	out, err := podmanCmd(env, "images", "--digests", "--format", "{{.Repository}} {{.Digest}}").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), index) {
		t.Errorf("the store holds no image of %s:\n%s", index, out)
	}
}

// cosignTool is cosign v3 (tools/cosign), a throwaway key pair, another
// key, an empty signing configuration and an environment that keeps it
// on this machine.
type cosignTool struct {
	bin, key, pub, otherPub, signingConfig string
	env                                    []string
}

func newCosign(t *testing.T) cosignTool {
	t.Helper()
	root := testutil.RepoRoot()
	if out, err := exec.Command(filepath.Join(root, "tools", "build.sh"), "cosign").CombinedOutput(); err != nil {
		t.Fatalf("tools/build.sh cosign: %v\n%s", err, out)
	}
	dir := t.TempDir()
	docker := filepath.Join(dir, "docker")
	if err := os.MkdirAll(docker, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(docker, "config.json"), []byte(`{"auths": {}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	deadProxy := "http://" + freeLoopbackAddr(t) // nothing listens there
	c := cosignTool{
		bin:           filepath.Join(root, "bin", "cosign"),
		key:           filepath.Join(dir, "signer.key"),
		pub:           filepath.Join(dir, "signer.pub"),
		otherPub:      filepath.Join(dir, "other.pub"),
		signingConfig: filepath.Join(dir, "signing-config.json"),
		env: []string{
			"COSIGN_PASSWORD=", "DOCKER_CONFIG=" + docker, "TUF_ROOT=" + filepath.Join(dir, "tuf"),
			"HTTPS_PROXY=" + deadProxy, "HTTP_PROXY=" + deadProxy, "https_proxy=" + deadProxy, "http_proxy=" + deadProxy,
			"NO_PROXY=", "no_proxy=",
		},
	}
	for _, prefix := range []string{"signer", "other"} {
		if res := c.run(t, "generate-key-pair", "--output-key-prefix", filepath.Join(dir, prefix)); res.Code != 0 {
			t.Fatalf("cosign generate-key-pair: exit %d\n%s", res.Code, res.Stderr)
		}
	}
	if res := c.run(t, "signing-config", "create", "--out", c.signingConfig); res.Code != 0 {
		t.Fatalf("cosign signing-config create: exit %d\n%s", res.Code, res.Stderr)
	}
	return c
}

func (c cosignTool) run(t *testing.T, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), c.env...)
	return runWith(t, cmd, "")
}

type inTotoStatement struct {
	PredicateType string `json:"predicateType"`
	Subject       []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	Predicate json.RawMessage `json:"predicate"`
}

// attestations decodes what cosign verify-attestation prints: one DSSE
// envelope per line, its payload an in-toto statement.
func attestations(t *testing.T, stdout string) []inTotoStatement {
	t.Helper()
	var out []inTotoStatement
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var env struct {
			PayloadType string `json:"payloadType"`
			Payload     string `json:"payload"`
		}
		if err := json.Unmarshal([]byte(line), &env); err != nil {
			t.Fatalf("cosign verify-attestation printed %q: %v", line, err)
		}
		payload, err := base64.StdEncoding.DecodeString(env.Payload)
		if err != nil {
			t.Fatal(err)
		}
		var st inTotoStatement
		if err := json.Unmarshal(payload, &st); err != nil {
			t.Fatal(err)
		}
		out = append(out, st)
	}
	return out
}
