// Package flux holds tests only: it builds eds-fn's examples with the
// kustomize code of Flux's kustomize-controller (github.com/fluxcd/pkg/kustomize,
// the generator of the kustomization.yaml a Flux Kustomization needs and
// SecureBuild, its build with plugins disabled) and with kubectl's
// (k8s.io/kubectl/pkg/cmd/kustomize for "kubectl kustomize", cli-runtime's
// resource builder for "kubectl apply -k"), all pinned in this module's
// go.mod.
//
// They prove what docs/flux.md and docs/troubleshooting.md tell users:
// Flux applies the rendered manifests of examples/flux exactly as the
// kustomize CLI builds them, and neither Flux nor kubectl runs eds-fn: a
// directory with an EventDrivenService generator fails with kustomize's
// "external plugins disabled" error, and kubectl has no --enable-exec.
//
// It is a module of its own: Flux's kustomize package needs the Kubernetes
// v0.37 libraries, and eds-fn's go.mod keeps KEDA's v0.36 line.
package flux
