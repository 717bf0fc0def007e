package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// KindExpandEventDrivenServices is the config of bulk mode.
const KindExpandEventDrivenServices = "ExpandEventDrivenServices"

// ExpandEventDrivenServices configures bulk mode: listed under "transformers:"
// in a kustomization.yaml, it expands every EventDrivenService among the
// resources (listed under "resources:") into its objects and removes the
// EventDrivenServices themselves; every other resource passes through
// untouched. A kustomization with fifty services then starts eds-fn once
// instead of fifty times.
//
// +kubebuilder:object:root=true
type ExpandEventDrivenServices struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata. Only the function annotation
	// (config.kubernetes.io/function) matters; the name is for people.
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is reserved; it has no fields yet.
	// +optional
	Spec ExpandEventDrivenServicesSpec `json:"spec,omitempty"`
}

// ExpandEventDrivenServicesSpec has no fields yet. It exists so that a field
// added later is a change of this type, and so that a misplaced field written
// today is reported as unknown instead of being ignored.
type ExpandEventDrivenServicesSpec struct{}

// DecodeExpandEventDrivenServices reads the config strictly.
func DecodeExpandEventDrivenServices(node *yaml.RNode) (*ExpandEventDrivenServices, field.ErrorList) {
	cfg := &ExpandEventDrivenServices{}
	if errs := DecodeStrict(node, cfg); len(errs) > 0 {
		return nil, errs
	}
	return cfg, nil
}
