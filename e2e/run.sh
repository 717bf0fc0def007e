#!/usr/bin/env bash
# run.sh [go test flags...]
#
# The end-to-end suite, as `make e2e` and .ci/run run it: builds the tools that
# are missing (e2e/build-tools.sh; about 12 minutes the first time, nothing
# afterwards), builds bin/eds-fn, and runs the tests of this module with the
# build tag e2e. Extra arguments go to go test, e.g. ./run.sh -run TestKEDA.
#
# Needs root (KEDA runs under unshare -m with its own /etc/hosts), nats-server
# and python3-yaml (Debian: apt-get install nats-server python3-yaml), Go and
# the Go module proxy. It installs nothing itself.
set -euo pipefail

E2E="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$E2E")"

progs=(go nats-server unshare mount)
if [ -n "${E2E_NODE:-}" ]; then
	# The node: containerd with runc and the CNI plugins from Debian, ip for
	# the pods' bridge, and the programs the worker image copies in (the
	# examples' init containers run bash and curl).
	progs+=(containerd ctr runc ip bash curl)
	[ -x "${E2E_CNI_BIN:-/usr/lib/cni}/bridge" ] || missing_cni=1
fi
missing=()
[ -z "${missing_cni:-}" ] || missing+=("containernetworking-plugins")
for prog in "${progs[@]}"; do
	command -v "$prog" >/dev/null 2>&1 || missing+=("$prog")
done
# kubeschemas.sh (TestKubeSchemasUpToDate) runs kubeconform's own Python script.
if ! { /usr/bin/python3 -c 'import yaml' || python3 -c 'import yaml'; } 2>/dev/null; then
	missing+=("python3-yaml")
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "e2e/run.sh: missing: ${missing[*]}" >&2
	echo "e2e/run.sh: on Debian: apt-get install -y nats-server util-linux mount python3-yaml" >&2
	echo "e2e/run.sh: and for E2E_NODE=1: apt-get install -y containerd runc containernetworking-plugins iproute2 curl" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "e2e/run.sh: must run as root: KEDA runs under unshare -m with a bind-mounted hosts file" >&2
	exit 1
fi

start=$SECONDS
echo "== e2e: tools (e2e/build-tools.sh; cached in ${E2E_TOOLS_BIN:-$E2E/.cache/bin})"
"$E2E/build-tools.sh"
echo "== e2e: tools ready after $((SECONDS - start))s"

echo "== e2e: bin/eds-fn"
(cd "$ROOT" && go build -o bin/eds-fn .)
if [ -n "${E2E_NODE:-}" ]; then
	echo "== e2e: bin/eds-worker (the node suite's worker image runs it)"
	(cd "$E2E" && CGO_ENABLED=0 go build -trimpath -o "$ROOT/bin/eds-worker" ./cmd/eds-worker)
fi

export E2E_REPO_ROOT="$ROOT"
export E2E_TOOLS_BIN="${E2E_TOOLS_BIN:-$E2E/.cache/bin}"
E2E_KEDA_CRDS="$(cd "$E2E/tools/keda" && go list -m -f '{{.Dir}}' github.com/kedacore/keda/v2)/config/crd/bases"
export E2E_KEDA_CRDS

cd "$E2E"
if [ -n "${E2E_NODE:-}" ]; then
	echo "== e2e: the worker against nats-server, its image under containerd (go test -tags e2e ./cmd/eds-worker ./internal/ociimage)"
	go test -tags e2e -count=1 -timeout 10m ./cmd/eds-worker ./internal/ociimage
	echo "== e2e: go test -tags e2e -run ^TestNode (the control plane, and a node, in namespaces of the suite's own)"
	go test -tags e2e -count=1 -timeout 30m -v -run '^TestNode' "$@" .
else
	echo "== e2e: go test -tags e2e (etcd, kube-apiserver, nats-server, KEDA on loopback)"
	go test -tags e2e -count=1 -timeout 30m -parallel 4 -v "$@" .
fi
echo "== e2e: done after $((SECONDS - start))s"
