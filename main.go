// Command eds-fn is the EventDrivenService KRM function. See README.md.
package main

import (
	"os"

	"github.com/bizmatters/eds-fn/internal/cli"
)

func main() {
	// Started under a kind's name, it is kustomize's exec plugin for it.
	if kind, ok := cli.PluginKind(os.Args[0]); ok {
		os.Exit(cli.PluginMain(kind, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
