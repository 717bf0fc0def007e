// Package transformers holds the KRM transformers of eds-fn: functions that
// repair resources written by hand rather than generate new ones. Each one is
// selected by the kind of its functionConfig.
//
// The transformers are pure: they read and change the ResourceList's items
// in place (kyaml nodes, so that untouched resources and comments come out
// byte for byte as they came in) and report everything as results.
package transformers

import (
	"fmt"

	"github.com/bizmatters/eds-fn/internal/krm"
)

const errApply = "cannot set the endpoint: %v"

// NATSHeadless is the nats-headless transformer, configured by a
// NATSHeadlessEndpoint. In every nats-jetstream trigger of every KEDA
// ScaledObject and ScaledJob among the items it sets
// metadata.natsServerMonitoringEndpoint to the configured endpoint (the NATS
// headless service), and it reports the other mistakes it sees in those
// triggers as warnings, or as errors when spec.strict is true.
//
// Items are never dropped, added or reordered, and a resource without a
// nats-jetstream trigger is never touched. Every change is an info result
// with the field's old and new value. When there is any error result (an
// invalid config, or a warning under strict), no item is changed at all.
type NATSHeadless struct{}

// Process implements krm.ResourceListProcessor.
func (NATSHeadless) Process(rl *krm.ResourceList) error {
	cfg, results := loadConfig(rl.FunctionConfig)
	if krm.HasErrors(results) {
		rl.Results = append(rl.Results, results...)
		return results
	}

	// Everything is checked before anything is changed, so that a failing
	// run leaves every item exactly as it was.
	p := planAll(rl.Items, &cfg.Spec)
	if cfg.Spec.Strict {
		escalate(p.findings)
	}
	if krm.HasErrors(p.findings) {
		// The planned changes are not made, so their results are dropped.
		results = p.withoutFixes()
		rl.Results = append(rl.Results, results...)
		return results
	}
	for _, f := range p.fixes {
		if err := f.apply(); err != nil {
			// Only a malformed node gets here; the items have already been
			// checked, so this is a bug rather than bad input.
			r := krm.FieldResult(f.t.obj, f.t.path.Child("metadata", keyEndpoint).String(),
				fmt.Sprintf(errApply, err), krm.Error)
			rl.Results = append(rl.Results, r)
			return krm.Results{r}
		}
	}
	rl.Results = append(rl.Results, p.findings...)
	return nil
}
