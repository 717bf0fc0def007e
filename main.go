// Command eds-fn is the EventDrivenService KRM function. See README.md.
package main

import (
	"os"

	"github.com/bizmatters/eds-fn/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
