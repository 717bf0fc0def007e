#!/usr/bin/env bash
# generate.sh [OUT]
#
# Regenerates, from the Go types in api/v1alpha1 (the single source of truth of
# the API):
#   OUT/config/crd/platform.bizmatters.io_eventdrivenservices.yaml
#   OUT/config/crd/platform.bizmatters.io_eventdrivenservicedefaults.yaml
#       the CustomResourceDefinitions of EventDrivenService and of the
#       platform defaults (controller-gen), for clusters and tools that
#       validate custom resources
#   OUT/schema/platform.bizmatters.io/<kind>_v1alpha1.json
#       JSON Schemas for editors and kubeconform, one for every kind of the
#       package: EventDrivenService and the functionConfig kinds of the
#       transformers, which are never sent to a cluster and so get no CRD
# OUT defaults to the repository root. The e2e suite runs it into a temporary
# directory and fails when the checked-in files differ (TestGeneratedFilesUpToDate).
set -euo pipefail

E2E="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$E2E")"
OUT="$(mkdir -p "${1:-$ROOT}" && cd "${1:-$ROOT}" && pwd)"
BIN="${E2E_TOOLS_BIN:-$E2E/.cache/bin}"

"$E2E/build-tools.sh" controller-gen

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$ROOT" && "$BIN/controller-gen" crd:crdVersions=v1 paths=./api/... output:crd:artifacts:config="$tmp/crd")

mkdir -p "$OUT/config/crd" "$OUT/schema"
# Only the files this script writes are replaced: config/crd/ may hold others.
rm -f "$OUT"/config/crd/platform.bizmatters.io_*.yaml
rm -rf "$OUT/schema/platform.bizmatters.io"
cp "$tmp/crd/platform.bizmatters.io_eventdrivenservices.yaml" "$tmp/crd/platform.bizmatters.io_eventdrivenservicedefaults.yaml" "$OUT/config/crd/"
(cd "$E2E" && go run ./cmd/crd2jsonschema -out "$OUT/schema" "$tmp"/crd/platform.bizmatters.io_*.yaml)
