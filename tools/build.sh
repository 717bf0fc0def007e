#!/usr/bin/env bash
# tools/build.sh TOOL...
#
# Builds each TOOL into bin/ (or $TOOLS_BIN) from its own pinned tools module
# under tools/, and only when it is missing or its module changed since it was
# built: a stamp beside it holds the hash of the module's go.mod and go.sum,
# the package and the Go version. Prints nothing when every tool is current.
#
#   cyclonedx-gomod  the SBOM of the image binaries (make image)
#   cosign           signs and verifies the pushed image (make push, make test-image)
#
# On 2 cores with an empty Go build cache cosign takes about 7 minutes (15 with
# other builds sharing the cores) and cyclonedx-gomod 1 to 2; with a warm build
# cache and no bin/ (a fresh checkout) they relink in about 40 and 5 seconds;
# when current, this returns at once.
set -euo pipefail

TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="${TOOLS_BIN:-$(dirname "$TOOLS")/bin}"

# tool -> package (the module is tools/<tool>)
declare -A PKG=(
	[cyclonedx-gomod]="github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod"
	[cosign]="github.com/sigstore/cosign/v3/cmd/cosign"
)

if [ $# -eq 0 ]; then
	echo "usage: tools/build.sh TOOL... (known: ${!PKG[*]})" >&2
	exit 2
fi

mkdir -p "$BIN"
goversion="$(go env GOVERSION)"
for tool in "$@"; do
	pkg="${PKG[$tool]:-}"
	if [ -z "$pkg" ]; then
		echo "tools/build.sh: unknown tool $tool (known: ${!PKG[*]})" >&2
		exit 2
	fi
	dir="$TOOLS/$tool"
	stamp="$(cat "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-16) $pkg $goversion"
	if [ -x "$BIN/$tool" ] && [ "$(cat "$BIN/.$tool.stamp" 2>/dev/null)" = "$stamp" ]; then
		continue
	fi
	echo "tools/build.sh: building $tool ($pkg) ..." >&2
	start=$SECONDS
	rm -f "$BIN/.$tool.stamp"
	(cd "$dir" && GOFLAGS=-mod=readonly go build -o "$BIN/$tool.tmp.$$" "$pkg")
	mv "$BIN/$tool.tmp.$$" "$BIN/$tool"
	echo "$stamp" >"$BIN/.$tool.stamp"
	echo "tools/build.sh: built $tool in $((SECONDS - start))s" >&2
done
