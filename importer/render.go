package importer

import (
	"encoding/json"
	"fmt"
	"maps"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

type outMeta struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

type outEDS struct {
	APIVersion string                          `json:"apiVersion"`
	Kind       string                          `json:"kind"`
	Metadata   outMeta                         `json:"metadata"`
	Spec       v1alpha1.EventDrivenServiceSpec `json:"spec"`
}

// render is the EventDrivenService as a YAML node in block style, its
// fields in the API's order.
func render(eds *v1alpha1.EventDrivenService) (*yaml.RNode, error) {
	data, err := json.Marshal(outEDS{
		APIVersion: eds.APIVersion, Kind: eds.Kind,
		Metadata: outMeta{Name: eds.Name, Namespace: eds.Namespace, Labels: maps.Clone(eds.Labels)},
		Spec:     eds.Spec,
	})
	if err != nil {
		return nil, fmt.Errorf("cannot write the EventDrivenService: %w", err)
	}
	node, err := yaml.Parse(string(data))
	if err != nil {
		return nil, fmt.Errorf("cannot write the EventDrivenService: %w", err)
	}
	blockStyle(node.YNode())
	return node, nil
}

func blockStyle(n *yaml.Node) {
	if n == nil {
		return
	}
	// Plain or block style throughout; the encoder still quotes a string
	// that would read as another type.
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}
