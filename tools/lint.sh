#!/usr/bin/env bash
# lint.sh: golangci-lint v2, built from its own tools module (tools/golangci-lint,
# never the function's go.mod), over the whole module with .golangci.yml.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/bin"
mkdir -p "$BIN"
# go build is a no-op link when nothing changed (the build cache holds it).
(cd "$ROOT/tools/golangci-lint" && GOFLAGS=-mod=readonly go build -o "$BIN/golangci-lint" github.com/golangci/golangci-lint/v2/cmd/golangci-lint)
cd "$ROOT"
"$BIN/golangci-lint" run ./...
