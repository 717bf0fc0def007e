#!/usr/bin/env bash
# build.sh TOOL: builds a baseline program of bench/run into
# bench/tools/.cache/bin (or $BENCH_TOOLS_BIN) from its own pinned module
# under bench/tools/ (never the function's go.mod), only when it is missing or
# its module or Go changed since it was built, and prints its path.
#
# helm takes about 2 minutes cold on 2 cores; a warm run returns at once.
set -euo pipefail

TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="${BENCH_TOOLS_BIN:-$TOOLS/.cache/bin}"

# tool -> "module-dir package"
declare -A PKGS=(
	[helm]="helm helm.sh/helm/v3/cmd/helm"
)

tool="${1:?usage: build.sh TOOL (known: ${!PKGS[*]})}"
spec="${PKGS[$tool]:-}"
if [ -z "$spec" ]; then
	echo "build.sh: unknown tool $tool (known: ${!PKGS[*]})" >&2
	exit 2
fi
dir="$TOOLS/${spec%% *}"
pkg="${spec#* }"
ldflags="-s -w"
case "$tool" in
helm)
	# A plain build says "v3.22": stamp the module's version, as helm's own
	# release builds do.
	ldflags+=" -X helm.sh/helm/v3/internal/version.version=$(cd "$dir" && go list -m -f '{{.Version}}' helm.sh/helm/v3)"
	;;
esac
mkdir -p "$BIN"
stamp="$(cat "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-16) $pkg $(go env GOVERSION) $ldflags"
if [ ! -x "$BIN/$tool" ] || [ "$(cat "$BIN/.$tool.stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "build.sh: building $tool ($pkg) ..." >&2
	rm -f "$BIN/.$tool.stamp"
	(cd "$dir" && GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$BIN/$tool.tmp" "$pkg")
	mv "$BIN/$tool.tmp" "$BIN/$tool"
	echo "$stamp" >"$BIN/.$tool.stamp"
fi
echo "$BIN/$tool"
