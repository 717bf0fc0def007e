# eds-fn: make build | test | conformance | test-ecosystem | example | check-examples | e2e | e2e-node | generate | kube-schemas | docs | bench | image | push | test-image
GO        ?= go
BIN       := $(CURDIR)/bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
# The commit is passed too: Go's own vcs.revision is missing from a tree
# without .git and from a git worktree (Go does not recognise one, golang/go#58218).
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS   := -s -w -X github.com/bizmatters/eds-fn/internal/cli.version=$(VERSION) -X github.com/bizmatters/eds-fn/internal/cli.commit=$(COMMIT)
# Go records the commit, its time and the module's version (the tag, or a
# pseudo-version) in the binary when it can, even if GOFLAGS says
# -buildvcs=false: scanners and the SBOM read them (go version -m).
BUILDVCS  := -buildvcs=auto
KUSTOMIZE_VERSION := $(shell $(GO) list -m -f '{{.Version}}' sigs.k8s.io/kustomize/kustomize/v5)
KUSTOMIZE := $(BIN)/kustomize

.PHONY: build test example check-examples e2e e2e-node generate docs fmt tidy clean

## build: static eds-fn binary in bin/
build:
	CGO_ENABLED=0 $(GO) build $(BUILDVCS) -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/eds-fn .

## test: every unit, golden and in-process kustomize test
test:
	$(GO) test -timeout 30m ./...

## conformance: eds-fn's verdicts against kube-apiserver's own create path, in process (conformance/: its own module, k8s.io/kubernetes)
# The corpus size: CONFORMANCE_SEEDS=n (3000 per escape hatch by default); CONFORMANCE_REPORT=file keeps the grouped report.
.PHONY: conformance
conformance:
	cd conformance && $(GO) test ./...

## test-ecosystem: ArgoCD's own repo-server and argocd-cmp-server render every ArgoCD example; Flux's build and kubectl's kustomize take the Flux example and refuse generators (ecosystem/: their own modules, docs/e2e.md)
.PHONY: test-ecosystem
test-ecosystem:
	cd ecosystem/flux && $(GO) test ./...
	cd ecosystem/argocd && $(GO) test ./...

## example: the real kustomize CLI builds examples/agent-executor with bin/eds-fn on PATH
example: build $(KUSTOMIZE)
	PATH="$(BIN):$$PATH" $(KUSTOMIZE) build --enable-alpha-plugins --enable-exec examples/agent-executor

## check-examples: the real kustomize CLI output of every example equals its expected-output.yaml
check-examples: build $(KUSTOMIZE)
	@set -e; for f in $$(find examples -name expected-output.yaml | sort); do \
	  d=$$(dirname $$f); \
	  PATH="$(BIN):$$PATH" $(KUSTOMIZE) build --enable-alpha-plugins --enable-exec $$d > $(BIN)/example.out; \
	  if diff -u $$f $(BIN)/example.out; then echo "ok   $$d (kustomize $(KUSTOMIZE_VERSION) CLI)"; \
	  else echo "FAIL $$d: kustomize CLI output differs from $$f"; exit 1; fi; \
	done

# The CLI is pinned in go.mod (a "tool" line), like the libraries the tests use.
## e2e: the end-to-end suite: etcd, kube-apiserver, KEDA and nats-server on loopback (e2e/README.md)
e2e:
	e2e/run.sh

## e2e-node: the generated workers as pods on a real node: kubelet, containerd, the controllers, CoreDNS and KEDA's metrics adapter in namespaces of the suite's own (e2e/README.md)
e2e-node:
	E2E_NODE=1 e2e/run.sh

## generate: regenerate config/crd/, schema/ and docs/api.md from api/v1alpha1 (a test fails when they are stale)
generate: docs
	e2e/generate.sh

## kube-schemas: regenerate schema/kubernetes-*/ and schema/keda.sh/, the Kubernetes and KEDA schemas make test validates outputs against, from the module cache (needs python3-yaml; make e2e fails when they are stale)
.PHONY: kube-schemas
kube-schemas:
	e2e/kubeschemas.sh

## docs: regenerate docs/api.md, the API reference, from the doc comments of api/v1alpha1 (hack/apidocs; a test fails when it is stale)
docs:
	$(GO) run ./hack/apidocs -api api/v1alpha1 -out docs/api.md

$(KUSTOMIZE): go.mod go.sum
	$(GO) build -o $(KUSTOMIZE) sigs.k8s.io/kustomize/kustomize/v5

fmt:
	gofmt -l -w .

tidy:
	$(GO) mod tidy

clean:
	rm -rf $(BIN)

## bench: Go benchmarks of the in-process paths, then whole commands timed with medians and ratios (bench/run), written into BENCHMARKS.md and bench/curve.svg
# BENCH_FLAGS go to bench/run, e.g. BENCH_FLAGS=-base-ref=abc1234 (default: 559d873, the last build with the hand-written YAML paths).
BENCH_FLAGS ?=
.PHONY: bench
bench: build $(KUSTOMIZE)
	$(GO) test -run '^$$' -bench . -benchmem ./generator ./transformers ./internal/cli ./bench
	$(GO) run ./bench/run -bin $(BIN)/eds-fn -kustomize $(KUSTOMIZE) -write BENCHMARKS.md -svg bench/curve.svg $(BENCH_FLAGS)

# The container image (docs/image.md). The binaries are
# cross-compiled here; the Dockerfile only copies them, so podman needs no
# emulation and no registry. Each platform is built on its own, in this order,
# so that the index lists them in the same order every time (a parallel
# multi-platform build lists whichever finished first). The timestamps are
# the commit's, and the store is emptied first: no cache, and two builds of
# one commit give the same digests (make test-image proves it).
IMAGE_ARCHES      := amd64 arm64
IMAGE_NAME        ?= localhost/eds-fn:$(VERSION)
IMAGE_ARCHIVE     ?= $(BIN)/eds-fn.oci.tar
PODMAN_STATE      ?= $(BIN)/podman
REVISION          ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

.PHONY: binaries sbom image push test-image

## binaries: static linux binaries for the image, bin/linux-$$ARCH/eds-fn
binaries:
	@set -e; for a in $(IMAGE_ARCHES); do \
	  echo "go build linux/$$a"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$a $(GO) build $(BUILDVCS) -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/linux-$$a/eds-fn .; \
	done

## sbom: a CycloneDX SBOM of each image binary, bin/linux-$$ARCH/eds-fn.cdx.json (cyclonedx-gomod, built from tools/cyclonedx-gomod)
# From the binary itself (go version -m): the modules linked in, with their
# versions and hashes, the Go standard library, the build settings and the
# licences found in each module's source (go mod download: the module cache,
# else the module proxy; eds-fn's own once its version is published). The main module's
# version is the one Go recorded (the tag, or a pseudo-version); where Go
# recorded none (a git worktree, a tree without .git) it is $(VERSION). The
# package URLs take GOOS and GOARCH from go env, hence the platform's in the
# environment. No serial number and no timestamp: two builds give the same file.
sbom: binaries
	@tools/build.sh cyclonedx-gomod
	@set -e; for a in $(IMAGE_ARCHES); do \
	  b=$(BIN)/linux-$$a/eds-fn; \
	  v=$$($(GO) version -m $$b | awk '$$1 == "mod" {print $$3}'); \
	  if [ "$$v" = "(devel)" ] || [ -z "$$v" ]; then v=$(VERSION); set -- -version $(VERSION); else set --; fi; \
	  GOOS=linux GOARCH=$$a $(BIN)/cyclonedx-gomod bin -json -licenses -std -noserial -notimestamp "$$@" -output $$b.cdx.json $$b 2>$$b.cdx.log || { cat $$b.cdx.log; exit 1; }; \
	  echo "$$b.cdx.json: github.com/bizmatters/eds-fn $$v"; \
	done

## image: bin/eds-fn.oci.tar, an OCI archive of the linux/amd64 + linux/arm64 index, built with podman (hack/podman), and the SBOMs of make sbom
image: sbom
	@set -e; eval "$$(hack/podman/setup $(PODMAN_STATE))"; \
	podman rmi --all --force >/dev/null 2>&1 || true; \
	podman manifest rm $(IMAGE_NAME) >/dev/null 2>&1 || true; \
	for a in $(IMAGE_ARCHES); do \
	  podman build --quiet --no-cache --pull=never --timestamp $(SOURCE_DATE_EPOCH) --platform linux/$$a \
	    --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) --manifest $(IMAGE_NAME) . >/dev/null; \
	done; \
	tmp=$$(mktemp -d $(BIN)/image.XXXXXX); trap 'rm -rf "$$tmp"' EXIT; \
	podman manifest push --quiet --all --format oci $(IMAGE_NAME) oci-archive:$$tmp/push.tar; \
	mkdir $$tmp/layout; tar -xf $$tmp/push.tar -C $$tmp/layout; \
	tar -cf $$tmp/eds-fn.oci.tar -C $$tmp/layout --sort=name --mtime=@$(SOURCE_DATE_EPOCH) \
	  --owner=0 --group=0 --numeric-owner --mode=go-w,a+rX .; \
	mv $$tmp/eds-fn.oci.tar $(IMAGE_ARCHIVE); \
	echo "$(IMAGE_ARCHIVE): $(IMAGE_NAME) index $$(sed -n 's/.*"digest":"\([^"]*\)".*/\1/p' $$tmp/layout/index.json)"

## push: push the image of make image to $$IMAGE_REPO:$$VERSION, sign it with $$COSIGN_KEY and attach each platform's SBOM as a signed CycloneDX attestation (cosign, built from tools/cosign)
# IMAGE_REPO is a repository (ghcr.io/bizmatters/eds-fn), COSIGN_KEY anything
# "cosign sign --key" takes (a key file, whose password comes from
# COSIGN_PASSWORD, or a KMS URI); COSIGN_FLAGS go to cosign sign and attest.
# The index is pushed as make image built it (its digest is the archive's)
# and signed by digest, with every platform's manifest (--recursive); each
# platform's manifest gets the SBOM of its own binary. Prints the reference
# to deploy: IMAGE_REPO@sha256:<index digest>.
IMAGE_REPO  ?=
COSIGN_KEY  ?=
COSIGN_FLAGS ?=
push:
	@test -n "$(IMAGE_REPO)" -a -n "$(COSIGN_KEY)" || { echo "make push: set IMAGE_REPO (e.g. ghcr.io/bizmatters/eds-fn) and COSIGN_KEY" >&2; exit 2; }
	@tools/build.sh cosign
	@set -e; eval "$$(hack/podman/setup $(PODMAN_STATE))"; \
	tmp=$$(mktemp -d $(BIN)/push.XXXXXX); trap 'rm -rf "$$tmp"' EXIT; \
	podman manifest push --quiet --all --format oci --digestfile $$tmp/digest $(IMAGE_NAME) docker://$(IMAGE_REPO):$(VERSION); \
	ref=$(IMAGE_REPO)@$$(cat $$tmp/digest); \
	$(BIN)/cosign sign --yes --recursive --key $(COSIGN_KEY) $(COSIGN_FLAGS) $$ref; \
	podman manifest inspect $$ref > $$tmp/index.json; \
	for a in $(IMAGE_ARCHES); do \
	  d=$$(awk -v a=$$a '/"digest"/ {gsub(/[",]/, "", $$2); d = $$2} /"architecture"/ {gsub(/[",]/, "", $$2); if ($$2 == a) print d}' $$tmp/index.json); \
	  test -n "$$d" || { echo "make push: no linux/$$a manifest in $$ref" >&2; exit 1; }; \
	  $(BIN)/cosign attest --yes --key $(COSIGN_KEY) $(COSIGN_FLAGS) --type cyclonedx \
	    --predicate $(BIN)/linux-$$a/eds-fn.cdx.json $(IMAGE_REPO)@$$d; \
	  echo "linux/$$a: $(IMAGE_REPO)@$$d (SBOM attested)"; \
	done; \
	echo "pushed and signed: $$ref"

## test-image: the image as kustomize, kpt, orchestrators and ArgoCD run it, from its archive and from a loopback registry, signed and with its SBOMs (podman, docker-registry, cosign; examples/image*_test.go)
# cosign is built first (about 7 minutes cold), outside go test's time limit.
test-image:
	@tools/build.sh cosign cyclonedx-gomod
	$(GO) test -tags image -count=1 -timeout 30m -run '^TestImage' ./examples/
