# eds-fn: make build | test | example | check-examples | e2e | generate | bench
GO        ?= go
BIN       := $(CURDIR)/bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
# The commit is passed too: Go's own vcs.revision is missing whenever GOFLAGS has -buildvcs=false.
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS   := -s -w -X github.com/bizmatters/eds-fn/internal/cli.version=$(VERSION) -X github.com/bizmatters/eds-fn/internal/cli.commit=$(COMMIT)
KUSTOMIZE_VERSION := $(shell $(GO) list -m -f '{{.Version}}' sigs.k8s.io/kustomize/kustomize/v5)
KUSTOMIZE := $(BIN)/kustomize

.PHONY: build test example check-examples e2e generate fmt tidy clean

## build: static eds-fn binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/eds-fn .

## test: every unit, golden and in-process kustomize test
test:
	$(GO) test ./...

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

## generate: regenerate config/crd/ and schema/ from api/v1alpha1 (a test fails when they are stale)
generate:
	e2e/generate.sh

$(KUSTOMIZE): go.mod go.sum
	$(GO) build -o $(KUSTOMIZE) sigs.k8s.io/kustomize/kustomize/v5

fmt:
	gofmt -l -w .

tidy:
	$(GO) mod tidy

clean:
	rm -rf $(BIN)

## bench: Go benchmarks of the in-process paths, then whole commands timed with medians and ratios (bench/run); results in BENCHMARKS.md
.PHONY: bench
bench: build $(KUSTOMIZE)
	$(GO) test -run '^$$' -bench . -benchmem ./generator ./transformers ./internal/cli ./bench
	$(GO) run ./bench/run -bin $(BIN)/eds-fn -kustomize $(KUSTOMIZE)
