// Package e2e is the end-to-end suite of eds-fn: it starts etcd, kube-apiserver,
// nats-server and the KEDA operator on loopback and proves that what eds-fn
// prints is accepted by a real API server and scales under a real KEDA.
//
// The tests carry the build tag "e2e"; run them with ./run.sh (or make e2e).
// See README.md.
package e2e
