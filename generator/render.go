//go:build !library_yaml

package generator

import "sigs.k8s.io/kustomize/kyaml/yaml"

// render turns a typed object into the YAML node that the libraries make of
// it (sigs.k8s.io/yaml.Marshal, then kyaml's yaml.Parse), without writing and
// parsing YAML text (jsonNode) and without encoding/json's encoders for
// every type a Deployment can hold (typedNode). Building with
// "-tags library_yaml" uses the libraries instead (render_library.go);
// "make bench" times both, and the equivalence tests and fuzz targets
// compare them.
func render(obj any) (*yaml.RNode, error) { return typedNode(obj) }
