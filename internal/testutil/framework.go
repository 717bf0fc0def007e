package testutil

import (
	"errors"

	"github.com/bizmatters/eds-fn/internal/krm"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// Framework runs p under kyaml's fn/framework (framework.Execute), the
// reference the equivalence tests hold eds-fn's own ResourceList path to.
// eds-fn's processors use internal/krm's copy of the framework's types,
// which keeps the framework's OpenAPI validator out of the binary.
func Framework(p krm.ResourceListProcessor) framework.ResourceListProcessor {
	return framework.ResourceListProcessorFunc(func(rl *framework.ResourceList) error {
		own := &krm.ResourceList{Items: rl.Items, FunctionConfig: rl.FunctionConfig, Results: FromFramework(rl.Results)}
		err := p.Process(own)
		rl.Items, rl.FunctionConfig, rl.Results = own.Items, own.FunctionConfig, ToFramework(own.Results)
		var rs krm.Results
		if errors.As(err, &rs) {
			return ToFramework(rs)
		}
		return err
	})
}

// FromFramework converts fn/framework's results to internal/krm's.
func FromFramework(rs framework.Results) krm.Results {
	if rs == nil {
		return nil
	}
	out := make(krm.Results, len(rs))
	for i, r := range rs {
		out[i] = &krm.Result{Message: r.Message, Severity: krm.Severity(r.Severity), ResourceRef: r.ResourceRef, Tags: r.Tags}
		if r.Field != nil {
			out[i].Field = &krm.Field{Path: r.Field.Path, CurrentValue: r.Field.CurrentValue, ProposedValue: r.Field.ProposedValue}
		}
		if r.File != nil {
			out[i].File = &krm.File{Path: r.File.Path, Index: r.File.Index}
		}
	}
	return out
}

// ToFramework converts internal/krm's results to fn/framework's.
func ToFramework(rs krm.Results) framework.Results {
	if rs == nil {
		return nil
	}
	out := make(framework.Results, len(rs))
	for i, r := range rs {
		out[i] = &framework.Result{Message: r.Message, Severity: framework.Severity(r.Severity), ResourceRef: r.ResourceRef, Tags: r.Tags}
		if r.Field != nil {
			out[i].Field = &framework.Field{Path: r.Field.Path, CurrentValue: r.Field.CurrentValue, ProposedValue: r.Field.ProposedValue}
		}
		if r.File != nil {
			out[i].File = &framework.File{Path: r.File.Path, Index: r.File.Index}
		}
	}
	return out
}
