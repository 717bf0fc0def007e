#!/bin/sh
# CI step: fail when examples/flux/rendered/ is not what eds-fn generates
# from examples/flux/services/. Run from the repository root, eds-fn on PATH.
# To fix a failure, run the same command without --check and commit:
#   eds-fn generate --output examples/flux/rendered examples/flux/services
set -eu
exec eds-fn generate --check --output examples/flux/rendered examples/flux/services
