// The end-to-end suite of eds-fn: a module of its own, so that its
// dependencies (and the tools under tools/) stay out of the function's go.mod.
module github.com/bizmatters/eds-fn/e2e

go 1.26.8

require (
	github.com/nats-io/jwt/v2 v2.8.2
	github.com/nats-io/nats.go v1.55.0
	github.com/nats-io/nkeys v0.4.16
	sigs.k8s.io/yaml v1.6.0
)

require (
	github.com/klauspost/compress v1.20.0 // indirect
	github.com/nats-io/nuid v1.0.1 // indirect
	go.yaml.in/yaml/v2 v2.4.2 // indirect
	golang.org/x/crypto v0.57.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
)
