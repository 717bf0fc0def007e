// Command apidocs writes docs/api.md, the API reference of
// platform.bizmatters.io/v1alpha1, from the doc comments and markers of the
// Go types in api/v1alpha1 ("make docs"). A test fails when docs/api.md is
// stale.
//
//	go run ./hack/apidocs [-api api/v1alpha1] [-out docs/api.md]
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	api := flag.String("api", "api/v1alpha1", "the API package's directory")
	out := flag.String("out", "docs/api.md", "the file to write")
	flag.Parse()
	b, _, err := Generate(*api)
	if err != nil {
		fmt.Fprintln(os.Stderr, "apidocs:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "apidocs:", err)
		os.Exit(1)
	}
}
