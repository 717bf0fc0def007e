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
//	bash -c SCRIPT                   (invoked through /bin/bash) re-executes
//	                                 busybox sh, see bashShim
//
// Environment: NATS_URL, NATS_STREAM_NAME, NATS_CONSUMER_GROUP (set by
// eds-fn); optional WORKER_LISTEN (default ":8080"), WORKER_WORK_TIME (Go
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
	"path/filepath"
	"syscall"
)

// busyboxPath is the static busybox of the worker image.
const busyboxPath = "/bin/busybox"

func main() {
	if filepath.Base(os.Args[0]) == "bash" {
		bashShim(os.Args[1:])
	}
	os.Exit(realMain(os.Args[1:]))
}

// bashShim replaces the process with busybox sh. The example's init
// container runs `/bin/bash -c "cd /app && ./scripts/ci/run-migrations.sh"`
// and eds-fn passes that command through unchanged, but the image is FROM
// scratch: there is no static bash to put in it, and Debian's busybox-static
// has an `sh` applet and no `bash` one. So /bin/bash is a link to this
// binary, and when it is started under that name it becomes `busybox sh`
// with the same arguments: `-c SCRIPT` means the same to both shells.
func bashShim(args []string) {
	argv := shimArgv(args)
	err := syscall.Exec(busyboxPath, argv, os.Environ())
	fmt.Fprintf(os.Stderr, "eds-worker: bash shim: exec %s: %v\n", busyboxPath, err)
	os.Exit(127)
}

// shimArgv is busybox's argv for the bash arguments args: argv[0] "sh"
// selects busybox's sh applet.
func shimArgv(args []string) []string {
	return append([]string{"sh"}, args...)
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
	default:
		fmt.Fprintf(os.Stderr, "eds-worker: unknown mode %q\nusage: eds-worker [run] | eds-worker migrate SECRET_ENV...\n", mode)
		return 2
	}
}
