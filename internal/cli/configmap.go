package cli

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/bizmatters/eds-fn/transformers"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// kpt's imperative path, "kpt fn eval --exec eds-fn DIR [-- key=value ...]",
// always sends a ConfigMap as functionConfig (kpt names it function-input),
// with the key=value arguments as its data; a Kptfile's "configMap:" does the
// same. The kpt function catalog's convention is followed: an empty
// ConfigMap is "no config", and a ConfigMap with data stands for the config
// object its data.kind names, the other keys being its spec fields. Values
// are strings in a ConfigMap, so each is converted to its field's type here.

const (
	dataKind = "kind"

	errConfigMapKind = "supported values: \"%[1]s\"; a ConfigMap config names the config it stands for in data.kind, its spec fields as the other keys (kpt fn eval --exec eds-fn DIR -- kind=%[1]s endpoint=nats-headless.nats.svc.cluster.local:8222); a ConfigMap without data expands every EventDrivenService"
	errConfigMapKey  = "unknown key; the keys of a kind=%s ConfigMap are kind and its spec fields: %s"
	errConfigMapInt  = "spec.%s is a whole number"
	errConfigMapType = "spec.%s cannot be given as a ConfigMap value; write a %s file and pass it with --fn-config"
	errBinaryData    = "a ConfigMap config of eds-fn holds its values in data, as strings"
)

// isConfigMap reports whether n is a core ConfigMap.
func isConfigMap(n *yaml.RNode) bool {
	return n.GetApiVersion() == "v1" && n.GetKind() == "ConfigMap"
}

// configMapProcessor is the processor a ConfigMap config stands for; a
// ConfigMap that stands for none is refused with results naming its keys.
func configMapProcessor(cm *yaml.RNode) (krm.ResourceListProcessor, error) {
	data := cm.GetDataMap()
	if len(cm.GetBinaryDataMap()) > 0 {
		return refused{krm.FieldResults(cm, field.ErrorList{field.Forbidden(field.NewPath("binaryData"), errBinaryData)}, krm.Error)}, nil
	}
	if len(data) == 0 {
		return generator.Processor{}, nil
	}
	if kind := data[dataKind]; kind != v1alpha1.KindNATSHeadlessEndpoint {
		msg := fmt.Sprintf(errConfigMapKind, v1alpha1.KindNATSHeadlessEndpoint)
		return refused{krm.FieldResults(cm, field.ErrorList{field.Invalid(field.NewPath("data", dataKind), kind, msg)}, krm.Error)}, nil
	}
	cfg, errs := natsHeadlessFromData(cm.GetName(), data)
	if len(errs) > 0 {
		return refused{krm.FieldResults(cm, errs, krm.Error)}, nil
	}
	return fromConfigMap{config: cfg, cm: cm, inner: transformers.NATSHeadless{}}, nil
}

// natsHeadlessFromData is the NATSHeadlessEndpoint that a ConfigMap's data
// stands for. The keys and types are read from the API type, so a field
// added there is accepted here without a second list to keep up to date.
// Every bad key is reported at once, in key order.
func natsHeadlessFromData(name string, data map[string]string) (*yaml.RNode, field.ErrorList) {
	fields := specFields(reflect.TypeFor[v1alpha1.NATSHeadlessEndpointSpec]())
	spec := yaml.NewMapRNode(nil)
	var errs field.ErrorList
	for _, key := range slices.Sorted(maps.Keys(data)) {
		if key == dataKind {
			continue
		}
		v, p := data[key], field.NewPath("data", key)
		kind, ok := fields[key]
		if !ok {
			allowed := slices.Sorted(maps.Keys(fields))
			errs = append(errs, field.Invalid(p, v, fmt.Sprintf(errConfigMapKey, v1alpha1.KindNATSHeadlessEndpoint, strings.Join(allowed, ", "))))
			continue
		}
		var node *yaml.RNode
		switch kind {
		case reflect.String:
			node = yaml.NewStringRNode(v)
		case reflect.Bool:
			if v != "true" && v != "false" {
				errs = append(errs, field.NotSupported(p, v, []string{"true", "false"}))
				continue
			}
			node = yaml.NewScalarRNode(v)
			node.YNode().Tag = yaml.NodeTagBool
		case reflect.Int, reflect.Int32, reflect.Int64:
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				errs = append(errs, field.Invalid(p, v, fmt.Sprintf(errConfigMapInt, key)))
				continue
			}
			node = yaml.NewScalarRNode(v)
			node.YNode().Tag = yaml.NodeTagInt
		default:
			errs = append(errs, field.Invalid(p, v, fmt.Sprintf(errConfigMapType, key, v1alpha1.KindNATSHeadlessEndpoint)))
			continue
		}
		spec.YNode().Content = append(spec.YNode().Content, yaml.NewStringRNode(key).YNode(), node.YNode())
	}
	if len(errs) > 0 {
		return nil, errs
	}
	metadata := yaml.NewMapRNode(nil)
	metadata.YNode().Content = []*yaml.Node{yaml.NewStringRNode("name").YNode(), yaml.NewStringRNode(name).YNode()}
	cfg := yaml.NewMapRNode(nil)
	for _, f := range []struct {
		key  string
		node *yaml.RNode
	}{
		{"apiVersion", yaml.NewStringRNode(v1alpha1.APIVersion)},
		{"kind", yaml.NewStringRNode(v1alpha1.KindNATSHeadlessEndpoint)},
		{"metadata", metadata},
		{"spec", spec},
	} {
		cfg.YNode().Content = append(cfg.YNode().Content, yaml.NewStringRNode(f.key).YNode(), f.node.YNode())
	}
	return cfg, nil
}

// refused is a config that cannot run: its results, and nothing changes.
type refused struct{ results krm.Results }

func (p refused) Process(rl *krm.ResourceList) error {
	rl.Results = append(rl.Results, p.results...)
	return rl.Results
}

// specFields are the JSON names of a spec struct's fields and their kinds.
func specFields(t reflect.Type) map[string]reflect.Kind {
	out := map[string]reflect.Kind{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = f.Type.Kind()
	}
	return out
}

// fromConfigMap runs inner with config in place of the ConfigMap, and puts
// the ConfigMap back afterwards: kpt expects its functionConfig unchanged,
// and results about the config name the ConfigMap and its data keys, which
// are what the user wrote.
type fromConfigMap struct {
	config, cm *yaml.RNode
	inner      krm.ResourceListProcessor
}

func (p fromConfigMap) Process(rl *krm.ResourceList) error {
	rl.FunctionConfig = p.config
	defer func() { rl.FunctionConfig = p.cm }()
	err := p.inner.Process(rl)
	cfgRef, cmRef := krm.ResourceRef(p.config), krm.ResourceRef(p.cm)
	for _, r := range rl.Results {
		if r.ResourceRef == nil || *r.ResourceRef != *cfgRef {
			continue
		}
		r.ResourceRef = cmRef
		if r.Field != nil {
			if rest, ok := strings.CutPrefix(r.Field.Path, "spec."); ok {
				r.Field.Path = "data." + rest
			}
		}
	}
	return err
}
