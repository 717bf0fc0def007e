# eds-fn as a KRM function container image (kustomize "container:" functions,
# kpt pipelines) and as the source of the binary for ArgoCD repo-server
# ("eds-fn install DIR" in an init container: the image has no shell or cp).
#
# Nothing is compiled or pulled here: the static binaries are cross-compiled
# by make (bin/linux-$TARGETARCH/eds-fn) and the image is FROM scratch, so a
# multi-platform build needs no emulation and no registry, and podman
# ("make image") and docker buildx build the same layers:
#
#   make binaries VERSION=v0.1.0
#   docker buildx build --platform linux/amd64,linux/arm64 \
#     --build-arg VERSION=v0.1.0 --build-arg REVISION=$(git rev-parse HEAD) \
#     -t ghcr.io/bizmatters/eds-fn:v0.1.0 --push .
#
# .dockerignore admits only the binaries and hack/image/ into the context.

FROM scratch
ARG TARGETARCH
ARG VERSION=devel
ARG REVISION=unknown
# kustomize and kpt run functions as "--user nobody": the name must resolve.
# 65532 is distroless' "nonroot", the image's own user.
COPY --chmod=0644 hack/image/passwd hack/image/group /etc/
COPY --chmod=0755 bin/linux-${TARGETARCH}/eds-fn /usr/local/bin/eds-fn
LABEL org.opencontainers.image.title="eds-fn" \
      org.opencontainers.image.description="KRM function: EventDrivenService to Deployment, Service, ServiceAccount and KEDA ScaledObject" \
      org.opencontainers.image.source="https://github.com/bizmatters/eds-fn" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0"
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/eds-fn"]
