//go:build e2e

package ociimage

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// containerdScript imports the image into a throwaway containerd and runs
// it. It runs inside `unshare --mount --propagation private --fork`, as
// root: the tmpfs over /run exists only in that mount namespace, and
// containerd's root, state and sockets all live in it. containerd 1.6
// hard-codes /run/containerd for the shims' sockets and runc's state, hence
// a tmpfs over all of /run rather than only a config with other paths. The
// CRI plugin is disabled (no CNI, no kubelet here): the import names images
// the same way in the k8s.io namespace either way. --cgroup "" keeps runc
// from leaving a k8s.io cgroup behind in the host's cgroup tree.
const containerdScript = `set -eu
d=/run/eds-ctd
mount -t tmpfs eds-ctd /run
mkdir -p $d
printf '%s\n' 'version = 2' "root = \"$d/root\"" "state = \"$d/state\"" \
  'disabled_plugins = ["io.containerd.grpc.v1.cri"]' \
  '[grpc]' "  address = \"$d/containerd.sock\"" \
  '[ttrpc]' "  address = \"$d/containerd.sock.ttrpc\"" >$d/config.toml
containerd --config $d/config.toml >$d/log 2>&1 &
pid=$!
trap 'kill $pid; wait $pid || true; if [ -n "${FAILED:-}" ]; then cat $d/log; fi' EXIT
FAILED=1
ctr() { command ctr --address $d/containerd.sock --namespace k8s.io "$@"; }
i=0
until [ -S $d/containerd.sock ] && ctr version >/dev/null 2>&1; do
  i=$((i+1)); [ $i -lt 100 ] || { echo containerd did not start; exit 1; }
  sleep 0.1
done
echo "== import"
ctr images import "$IMAGE_TAR"
echo "== ls"
ctr images ls
echo "== run id"
ctr run --rm --cgroup "" localhost/eds-worker:v1 t1 /bin/bash -c 'cd /app && echo scripts/ci/* && echo "uid=$UID gid=${GROUPS[0]}" && : >/tmp/w && echo tmp-ok && curl --version >/dev/null && echo curl-ok'
echo "== run init"
set +e
ctr run --rm --cgroup "" localhost/eds-worker:v1 t2 /bin/bash -c 'cd /app && ./scripts/ci/run-migrations.sh'
echo "init exit $?"
set -e
FAILED=
`

// TestContainerdImportsWorkerImage builds the worker, writes its image with
// WorkerImage and shows that containerd 1.6's `ctr images import` accepts it
// under the name localhost/eds-worker:v1, and that it runs as 65532 with the
// programs copied from this machine working: bash, curl, and the init
// container's command reaches the worker's migrate mode through the
// migration script (run by dash as /bin/sh), which refuses the missing
// secret.
func TestContainerdImportsWorkerImage(t *testing.T) {
	if os.Getuid() != 0 {
		t.Fatal("needs root, for unshare, mount and containerd")
	}
	for _, bin := range []string{"containerd", "ctr", "runc", "containerd-shim-runc-v2", "unshare"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is needed: %v", bin, err)
		}
	}
	dir := t.TempDir()
	worker := filepath.Join(dir, "eds-worker")
	build := exec.Command("go", "build", "-o", worker, "../../cmd/eds-worker")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	workerBin, err := os.ReadFile(worker)
	if err != nil {
		t.Fatal(err)
	}
	img, digest, err := WorkerImage(workerBin, "localhost/eds-worker:v1")
	if err != nil {
		t.Fatal(err)
	}
	tarPath := filepath.Join(dir, "eds-worker.tar")
	if err := os.WriteFile(tarPath, img, 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "--fork", "sh", "-c", containerdScript)
	cmd.Env = append(os.Environ(), "IMAGE_TAR="+tarPath)
	outb, err := cmd.CombinedOutput()
	out := string(outb)
	t.Logf("output:\n%s", out)
	if err != nil {
		t.Fatalf("containerd script: %v", err)
	}
	ls := section(out, "== ls", "== run id")
	if !strings.Contains(ls, "localhost/eds-worker:v1") || !strings.Contains(ls, digest) {
		t.Errorf("ctr images ls does not list localhost/eds-worker:v1 at %s", digest)
	}
	if strings.Contains(ls, "import-") {
		t.Errorf("ctr named an image import-<date>:...")
	}
	run := section(out, "== run id", "== run init")
	for _, want := range []string{"run-migrations.sh", "uid=65532 gid=65532", "tmp-ok", "curl-ok"} {
		if !strings.Contains(run, want) {
			t.Errorf("run output lacks %q", want)
		}
	}
	initOut := section(out, "== run init", "")
	if !strings.Contains(initOut, "unset or empty: POSTGRES_PASSWORD") || !strings.Contains(initOut, "init exit 1") {
		t.Errorf("the init container's command did not reach migrate mode and exit 1")
	}
}

func section(s, from, to string) string {
	_, s, _ = strings.Cut(s, from)
	if to != "" {
		s, _, _ = strings.Cut(s, to)
	}
	return s
}
