#!/usr/bin/env bash
# build-tools.sh [TOOL...]
#
# Builds the programs the end-to-end suite runs into e2e/.cache/bin (or
# $E2E_TOOLS_BIN), each from its own pinned module under e2e/tools/, and only
# those that are missing or whose module changed since they were built. With no
# arguments it builds all of them.
#
# A cold build takes about 12 minutes on 2 cores (the KEDA operator about 6,
# kube-apiserver about 4); a warm run checks the stamps and returns at once.
set -euo pipefail

E2E="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="${E2E_TOOLS_BIN:-$E2E/.cache/bin}"

# tool -> "module-dir package"
declare -A TOOLS=(
	[etcd]="etcd go.etcd.io/etcd/server/v3"
	[kube-apiserver]="k8s k8s.io/kubernetes/cmd/kube-apiserver"
	[kubectl]="k8s k8s.io/kubernetes/cmd/kubectl"
	[keda-operator]="keda github.com/kedacore/keda/v2/cmd/operator"
	[controller-gen]="controller-gen sigs.k8s.io/controller-tools/cmd/controller-gen"
	[kubeconform]="kubeconform github.com/yannh/kubeconform/cmd/kubeconform"
	[kustomize]="kustomize sigs.k8s.io/kustomize/kustomize/v5"
	# The matrix (matrix_test.go): current nats-server lines, and KEDA's
	# admission webhooks from the operator's own module.
	[nats-server-2.10]="nats-2.10 github.com/nats-io/nats-server/v2"
	[nats-server-2.12]="nats-2.12 github.com/nats-io/nats-server/v2"
	[nats-server-2.12.7]="nats-2.12.7 github.com/nats-io/nats-server/v2"
	[nats-server-2.15]="nats-2.15 github.com/nats-io/nats-server/v2"
	[keda-webhooks]="keda github.com/kedacore/keda/v2/cmd/webhooks"
	# The node suite (node_test.go): a kubelet and the controllers that act
	# on what the API server stores, KEDA's metrics adapter for the HPA, and
	# CoreDNS for the pods' cluster.local names.
	[kubelet]="k8s k8s.io/kubernetes/cmd/kubelet"
	[kube-controller-manager]="k8s k8s.io/kubernetes/cmd/kube-controller-manager"
	[kube-scheduler]="k8s k8s.io/kubernetes/cmd/kube-scheduler"
	[keda-adapter]="keda github.com/kedacore/keda/v2/cmd/adapter"
	[coredns]="coredns github.com/bizmatters/eds-fn/e2e/tools/coredns/cmd/coredns"
)
ORDER=(etcd controller-gen kubeconform kustomize kubectl kube-apiserver keda-operator nats-server-2.10 nats-server-2.12 nats-server-2.12.7 nats-server-2.15 keda-webhooks kubelet kube-controller-manager kube-scheduler keda-adapter coredns)

if [ $# -eq 0 ]; then
	set -- "${ORDER[@]}"
fi

mkdir -p "$BIN"
goversion="$(go env GOVERSION)"
for tool in "$@"; do
	spec="${TOOLS[$tool]:-}"
	if [ -z "$spec" ]; then
		echo "build-tools.sh: unknown tool $tool (known: ${ORDER[*]})" >&2
		exit 2
	fi
	dir="$E2E/tools/${spec%% *}"
	pkg="${spec#* }"
	ldflags=""
	case "$tool" in
	kube-apiserver | kubectl | kubelet | kube-controller-manager | kube-scheduler)
		# A plain go build reports v0.0.0-master, which kubectl version and
		# KEDA's server-version check cannot parse: stamp the real version.
		v="$(cd "$dir" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
		minor="${v#v1.}"
		minor="${minor%%.*}"
		for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
			ldflags+=" -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
		done
		;;
	keda-operator | keda-webhooks | keda-adapter)
		ldflags="-X github.com/kedacore/keda/v2/version.Version=$(cd "$dir" && go list -m -f '{{.Version}}' github.com/kedacore/keda/v2)"
		;;
	esac
	stamp="$(cat "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-16) $pkg $goversion$ldflags"
	if [ -x "$BIN/$tool" ] && [ "$(cat "$BIN/.$tool.stamp" 2>/dev/null)" = "$stamp" ]; then
		continue
	fi
	echo "build-tools.sh: building $tool ($pkg) ..." >&2
	start=$SECONDS
	rm -f "$BIN/.$tool.stamp"
	# A temporary name of this process's own: make test's packages may build
	# the same tool at once (kubeconform), and mv replaces it atomically.
	(cd "$dir" && go build -ldflags="$ldflags" -o "$BIN/$tool.tmp.$$" "$pkg")
	mv "$BIN/$tool.tmp.$$" "$BIN/$tool"
	echo "$stamp" >"$BIN/.$tool.stamp"
	echo "build-tools.sh: built $tool in $((SECONDS - start))s" >&2
done
