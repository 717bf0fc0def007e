//go:build library_yaml

package generator

import (
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// render is the libraries' way of turning a typed object into a YAML node,
// which render.go reproduces faster: see there.
func render(obj any) (*yaml.RNode, error) {
	b, err := sigsyaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	return yaml.Parse(string(b))
}
