#!/usr/bin/env bash
# kubeschemas.sh [OUT]
#
# Regenerates, offline from the Go module cache (the modules are fetched from
# the module proxy once, like any Go module), the JSON schemas that
# kubeconform validates eds-fn's output against (make test, the
# kubeconform tests of examples/ and generator/):
#
#   OUT/schema/kubernetes-<version>/<kind><suffix>.json
#       Kubernetes' own OpenAPI v3 documents, as k8s.io/kubernetes ships them
#       in api/openapi-spec/v3/ (the version e2e/tools/k8s pins), turned into
#       strict standalone schemas by e2e/cmd/k8sjsonschema; only the kinds
#       in KINDS below: the ones eds-fn writes and the examples hold
#   OUT/schema/keda.sh/<kind>_v1alpha1.json
#       the CRDs of KEDA (config/crd/bases of the version e2e/tools/keda
#       pins), converted by kubeconform's own scripts/openapi2jsonschema.py
#       (the version e2e/tools/kubeconform pins), with additional properties
#       denied at the root too
#
# OUT defaults to the repository root. Needs Python 3 with PyYAML (Debian:
# apt-get install python3-yaml). TestKubeSchemasUpToDate (make e2e) runs it
# into a temporary directory and fails when the checked-in files differ:
# after changing a pinned version or KINDS, run make kube-schemas and commit
# the result.
set -euo pipefail

E2E="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$E2E")"
OUT="$(mkdir -p "${1:-$ROOT}" && cd "${1:-$ROOT}" && pwd)"

KINDS=(
	deployment-apps-v1
	service-v1
	serviceaccount-v1
	poddisruptionbudget-policy-v1
	configmap-v1
)

# Debian's python3 first (python3-yaml is installed for it), then the one on PATH.
if [ -z "${PYTHON:-}" ]; then
	for p in /usr/bin/python3 python3; do
		if "$p" -c 'import yaml' 2>/dev/null; then
			PYTHON="$p"
			break
		fi
	done
fi
if [ -z "${PYTHON:-}" ] || ! "$PYTHON" -c 'import yaml' 2>/dev/null; then
	echo "kubeschemas.sh: needs Python 3 with PyYAML (Debian: apt-get install python3-yaml; or set PYTHON)" >&2
	exit 1
fi

# moddir TOOLS-MODULE MODULE: the module's directory in the module cache, at
# the version the tools module pins.
moddir() {
	(cd "$E2E/tools/$1" && go mod download "$2" && go list -m -f '{{.Dir}}' "$2")
}
k8s="$(moddir k8s k8s.io/kubernetes)"
k8s_version="$(cd "$E2E/tools/k8s" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
keda="$(moddir keda github.com/kedacore/keda/v2)"
kubeconform="$(moddir kubeconform github.com/yannh/kubeconform)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$E2E" && go run ./cmd/k8sjsonschema -out "$tmp/kubernetes" "$k8s"/api/openapi-spec/v3/*.json)
mkdir -p "$tmp/keda.sh"
# The script writes into the current directory, one file per kind and version.
(cd "$tmp/keda.sh" && DENY_ROOT_ADDITIONAL_PROPERTIES=1 FILENAME_FORMAT='{kind}_{version}' \
	"$PYTHON" "$kubeconform/scripts/openapi2jsonschema.py" "$keda"/config/crd/bases/keda.sh_*.yaml >/dev/null)

# Only the directories this script writes are replaced: schema/ holds others.
rm -rf "$OUT"/schema/kubernetes-* "$OUT/schema/keda.sh"
mkdir -p "$OUT/schema/kubernetes-$k8s_version"
for k in "${KINDS[@]}"; do
	cp "$tmp/kubernetes/$k.json" "$OUT/schema/kubernetes-$k8s_version/"
done
cp -r "$tmp/keda.sh" "$OUT/schema/keda.sh"
