// Package v1alpha1 holds the platform.bizmatters.io/v1alpha1 API served by
// eds-fn: the EventDrivenService resource, its defaults and its validation.
//
// The types are the single source of truth for the API: the API reference
// (docs/api.md, "make docs"), the strict decoder (unknown fields are errors) and the generated
// CRD schema are all derived from them, so a field documented here is a field
// the function understands, and nothing else is.
//
// +kubebuilder:object:generate=false
// +groupName=platform.bizmatters.io
package v1alpha1

const (
	// Group is the API group of every kind this function reads.
	Group = "platform.bizmatters.io"
	// Version is the only version of the API so far.
	Version = "v1alpha1"
	// APIVersion is what a manifest writes in its apiVersion field.
	APIVersion = Group + "/" + Version

	// KindEventDrivenService is the generator input.
	KindEventDrivenService = "EventDrivenService"
)
