// Package argocd holds tests only: it renders every ArgoCD example of
// eds-fn (examples/argocd, examples/argocd-cmp) through ArgoCD's own code,
// pinned in this module's go.mod (github.com/argoproj/argo-cd/v3).
//
// The test runs what an ArgoCD installation runs, in one process and on
// loopback: repo-server's gRPC server (reposerver.NewServer over
// repository.Service, an in-memory cache instead of Redis), fetching a
// file:// Git repository the test commits the examples to; the settings
// the application controller reads from argocd-cm (util/settings over a
// fake clientset holding the argocd-cm that examples/argocd/install makes);
// and, for the Config Management Plugin, argocd-cmp-server's own command
// (cmd/argocd-cmp-server) in a child process, with the plugin.yaml of
// examples/argocd-cmp. eds-fn and the kustomize CLI are the main module's,
// built by the test and put on PATH as the install examples do.
//
// It is a module of its own so that ArgoCD's dependencies (its Kubernetes
// and kustomize lines among them) never reach eds-fn's go.mod.
package argocd
