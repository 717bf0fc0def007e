// Package cli is the eds-fn command line: the KRM function on stdin/stdout
// (no arguments), and the generate, install and version commands for people
// and scripts.
package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

const rootLong = `eds-fn turns an EventDrivenService (platform.bizmatters.io/v1alpha1) into the
ServiceAccount, Service, Deployment and KEDA ScaledObject of a NATS JetStream
worker, as a KRM function for kustomize, kpt and ArgoCD.

Run without arguments it is the KRM function: it reads a ResourceList on stdin
and writes one on stdout. kustomize and kpt call it that way; you rarely do.

Use it from kustomize (kustomization.yaml):

  generators:
  - agent-executor.yaml        # an EventDrivenService with this annotation:
                               #   config.kubernetes.io/function: |
                               #     exec:
                               #       path: eds-fn

  kustomize build --enable-alpha-plugins --enable-exec .

Or as kustomize's exec plugin, for configs without that annotation (faster
in bulk mode; "eds-fn install --help" sets it up):

  kustomize build --enable-alpha-plugins .

Render files directly:

  eds-fn generate service.yaml            # or a directory, or several
`

// NewRootCommand builds the eds-fn command tree.
func NewRootCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "eds-fn",
		Short:         "KRM function that turns an EventDrivenService into a NATS JetStream worker's Kubernetes objects",
		Long:          rootLong,
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if v, _ := cmd.Flags().GetBool("version"); v {
				return printVersion(cmd, false)
			}
			if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				// Nobody pipes a ResourceList by hand: teach instead of hanging.
				_ = cmd.Help()
				return exitError(2)
			}
			in, err := readInput(stdin)
			if err != nil {
				fmt.Fprintf(stderr, "error: %v\n", err)
				return exitError(1)
			}
			if code := RunFunction(in, stdout, stderr, DefaultProcessors); code != 0 {
				return exitError(code)
			}
			return nil
		},
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	// --version by hand rather than cobra's Version field, whose output is
	// a text/template: text/template makes the linker keep every exported
	// method of every type, which made the binary 40% larger.
	root.Flags().BoolP("version", "v", false, "version for eds-fn")
	root.AddCommand(newGenerateCommand(), newImportCommand(), newVersionCommand(), newInstallCommand())
	return root
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version of eds-fn",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return printVersion(cmd, true)
		},
	}
}

// exitError carries an exit code through cobra without printing anything:
// everything worth saying is already on stderr.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// runError is a command that was called right and failed (a file it cannot
// read, an output it cannot write): exit code 1, and no usage hint, which
// is for the errors cobra finds in the arguments (exit code 2).
type runError struct{ error }

func failed(err error) error { return runError{err} }

// Main runs eds-fn with the process's arguments and returns its exit code.
// A panic, which is a bug, ends as a one-line message and exit code 1
// rather than a stack trace (RunFunction writes stdout only at the end, so
// there is no partial output either).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer recoverInternal(stderr, &code)
	cmd := NewRootCommand(stdin, stdout, stderr)
	cmd.SetArgs(args)
	err := cmd.Execute()
	if err == nil {
		return 0
	}
	if code := exitError(0); errors.As(err, &code) {
		return int(code)
	}
	if errors.As(err, new(runError)) {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "error: %v\nRun 'eds-fn --help' for usage.\n", err)
	return 2
}

// readInput reads the whole of stdin for a run of the binary, and sets the
// garbage collector for its size. A run over a small input allocates a few
// megabytes and exits: with Go's default (a collection each time the heap
// doubles from 4 MB) it collects a few times for nothing. Below smallInput
// bytes (about 350 services), the heap may grow 5 times over instead of 2,
// which keeps such a run under 100 MiB; bigger inputs keep the default,
// which the memory targets need (BENCHMARKS.md). It is not done in
// RunFunction, which tests and benchmarks call in process.
func readInput(r io.Reader) (io.Reader, error) {
	data, err := readLimited(r, "stdin")
	if err != nil {
		return nil, err
	}
	if len(data) < smallInput {
		debug.SetGCPercent(400)
	}
	return bytes.NewReader(data), nil
}

const smallInput = 256 << 10
