package cli

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/bizmatters/eds-fn/generator"

	"github.com/bizmatters/eds-fn/internal/krm"
)

// What the KRM function (RunFunction) and the exec plugin (RunPlugin) share:
// the processor is picked and run, and its results capped, the same way;
// a panic ends the same way; so does an exec plugin started without its
// config.

// runProcessor picks the processor for rl's functionConfig and runs it over
// rl, capping its results (krm.Capped). pickErr says why none fits; then
// nothing ran.
func runProcessor(rl *krm.ResourceList, pick ProcessorFor) (pickErr, err error) {
	p, err := pick(rl.FunctionConfig)
	if err != nil {
		return err, nil
	}
	err = p.Process(rl)
	rl.Results = krm.Capped(rl.Results)
	return nil, err
}

// recoverInternal, deferred, turns a panic (a bug) into a one-line message
// and exit code 1 rather than a stack trace. Output is written only at the
// end, so there is no partial output either.
// With EDS_FN_DEBUG=1 the stack follows, for the bug report.
func recoverInternal(errOut io.Writer, code *int) {
	r := recover()
	if r == nil {
		return
	}
	fmt.Fprintf(errOut, "error: internal error: %v; please report this with the input that caused it\n", r)
	*code = 1
	if os.Getenv("EDS_FN_DEBUG") == "1" {
		stack := debug.Stack()
		if wp, ok := r.(*generator.WorkerPanic); ok {
			stack = wp.Stack
		}
		fmt.Fprintf(errOut, "%s", stack)
	}
}

// pluginArgsOK reports whether the exec plugin of kind was given its
// config file, and says what is wrong when not (exit code 2).
func pluginArgsOK(kind string, args []string, errOut io.Writer) bool {
	if len(args) == 0 {
		fmt.Fprintf(errOut, "error: "+errPluginArgs+"\n", kind)
		return false
	}
	return true
}
