# eds-fn as a KRM function container image (kustomize "container:" functions,
# kpt pipelines) and as the source of the binary for ArgoCD repo-server
# ("eds-fn install DIR" in an init container: the image has no shell or cp).
#
#   docker build -t ghcr.io/bizmatters/eds-fn:v0.1.0 --build-arg VERSION=v0.1.0 .

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/bizmatters/eds-fn/internal/cli.version=${VERSION}" \
      -o /out/eds-fn . \
 && /out/eds-fn version

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/eds-fn /usr/local/bin/eds-fn
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/eds-fn"]
