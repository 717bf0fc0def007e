package transformers

import (
	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/internal/krm"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const errNoConfig = "the nats-headless transformer needs its config as functionConfig: " +
	"a " + v1alpha1.KindNATSHeadlessEndpoint + " (apiVersion " + v1alpha1.APIVersion + ") listed under transformers: in kustomization.yaml"

// loadConfig decodes, defaults and validates the functionConfig. Any problem
// is an error result naming the config's field.
func loadConfig(fnConfig *yaml.RNode) (*v1alpha1.NATSHeadlessEndpoint, krm.Results) {
	if fnConfig == nil || yaml.IsMissingOrNull(fnConfig) || fnConfig.YNode().Kind != yaml.MappingNode {
		return nil, krm.Results{{Message: errNoConfig, Severity: krm.Error}}
	}
	if errs := checkTypeMeta(fnConfig); len(errs) > 0 {
		return nil, krm.FieldResults(fnConfig, errs, krm.Error)
	}
	cfg, errs := v1alpha1.DecodeNATSHeadlessEndpoint(fnConfig)
	if len(errs) > 0 {
		return nil, krm.FieldResults(fnConfig, errs, krm.Error)
	}
	cfg.Default()
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, krm.FieldResults(fnConfig, errs, krm.Error)
	}
	return cfg, nil
}

// checkTypeMeta refuses a config of another version (the dispatcher only
// matched the group and kind): its fields could mean something else.
func checkTypeMeta(n *yaml.RNode) field.ErrorList {
	var errs field.ErrorList
	if v := n.GetApiVersion(); v != v1alpha1.APIVersion {
		errs = append(errs, field.NotSupported(field.NewPath("apiVersion"), v, []string{v1alpha1.APIVersion}))
	}
	if k := n.GetKind(); k != v1alpha1.KindNATSHeadlessEndpoint {
		errs = append(errs, field.NotSupported(field.NewPath("kind"), k, []string{v1alpha1.KindNATSHeadlessEndpoint}))
	}
	return errs
}
