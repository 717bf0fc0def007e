//go:build !library_yaml

package generator

import (
	"encoding/json"
	"errors"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// render turns a typed object into the YAML node that the libraries make of
// it (sigs.k8s.io/yaml.Marshal, then kyaml's yaml.Parse), without their cost:
// typedToNode walks the object once, and jsonToNode reads encoding/json's
// output for the few types it does not handle. Building with
// "-tags library_yaml" uses the libraries instead (render_library.go); "make
// bench" times both, and the equivalence tests and fuzz targets compare them.
func render(obj any) (*yaml.RNode, error) {
	n, err := typedToNode(obj)
	if errors.Is(err, errUnsupported) {
		var b []byte
		if b, err = json.Marshal(obj); err == nil {
			n, err = jsonToNode(b)
		}
	}
	return n, err
}
