// Command eds-worker is the worker image of eds-fn's node end-to-end tests: a
// small but real NATS JetStream worker that runs unchanged in the Deployment
// eds-fn generates (same env, probes, port and security context), so that a
// real kubelet can show the generated manifests work end to end.
//
// Modes:
//
//	eds-worker [run]                 the main container: binds to the
//	                                 existing pull consumer NATS_CONSUMER_GROUP
//	                                 of NATS_STREAM_NAME, processes messages,
//	                                 serves /health and /ready on :8080
//	eds-worker migrate SECRET_ENV... the init container: checks the secrets
//	                                 arrived, writes the migration marker
//	eds-worker pause                 the pod sandbox's process: waits for a
//	                                 signal (the node has no registry to pull
//	                                 registry.k8s.io/pause from)
//	node ...                         (invoked as node) run: the http-worker
//	                                 example starts `node dist/main.js`, and
//	                                 in the test image node is this worker
//
// Environment: NATS_URL, NATS_STREAM_NAME, NATS_CONSUMER_GROUP (set by
// eds-fn); optional WORKER_LISTEN (default ":$PORT", else ":8080"), WORKER_HEALTH_PATH
// (default "/health"), WORKER_READY_PATH (default "/ready"), WORKER_WORK_TIME (Go
// duration slept per message, default "0s"), WORKER_STATUS_INTERVAL
// (default "10s").
//
// Records, all JetStream-published (the publish awaits the stream's ack):
//
//	worker.processed.<consumer>       one per processed message, before its ack
//	worker.status.<run|migrate>.<consumer>  at start, every 10 s, at exit
//
// If no stream captures those subjects, the worker creates the stream
// WORKER_RECORDS on "worker.>". It never creates or changes the work stream
// or its consumer. The migration marker is the key <consumer> of the KV
// bucket "migrations".
package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

func main() {
	if filepath.Base(os.Args[0]) == "node" {
		// `node dist/main.js --mode=...`: the team's program is this one.
		os.Exit(runMode())
	}
	os.Exit(realMain(os.Args[1:]))
}

func realMain(args []string) int {
	mode := "run"
	if len(args) > 0 {
		mode, args = args[0], args[1:]
	}
	switch mode {
	case "run":
		if len(args) != 0 {
			fmt.Fprintf(os.Stderr, "eds-worker run: unexpected arguments %q\n", args)
			return 2
		}
		return runMode()
	case "migrate":
		return migrateMode(args)
	case "pause":
		return pauseMode()
	default:
		fmt.Fprintf(os.Stderr, "eds-worker: unknown mode %q\nusage: eds-worker [run] | eds-worker migrate SECRET_ENV... | eds-worker pause\n", mode)
		return 2
	}
}

// pauseMode holds a pod's namespaces, as the pause container does: it waits
// for SIGTERM or SIGINT and exits 0.
func pauseMode() int {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	<-sigs
	return 0
}
