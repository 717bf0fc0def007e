package cli

import (
	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/transformers"
)

// The transformers live in their own package; registering them here keeps
// the dispatch table in function.go free of their imports.
func init() {
	registeredKinds = append(registeredKinds, registered{
		kind:      v1alpha1.KindNATSHeadlessEndpoint,
		processor: transformers.NATSHeadless{},
	})
}
