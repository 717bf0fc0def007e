package v1alpha1

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Platform defaults are merged under each service as written, before it is
// decoded, so that every rule and guardrail judges the merged result, and a
// service that writes a value (even false or 0) keeps it.

const (
	msgPerService = "names one worker, so it is not a platform default: set it in each EventDrivenService"
	msgHatch      = "is an escape hatch, so it is not a platform default: set it in the EventDrivenServices that need it"
)

// perService are the EventDrivenService fields a defaults object may not
// set, and why.
var perService = map[string]string{
	"spec.image": msgPerService, "spec.command": msgPerService, "spec.args": msgPerService,
	"spec.nats.stream": msgPerService, "spec.nats.consumer": msgPerService, "spec.scaling.hpaName": msgPerService,
	"spec.initContainer": msgPerService, "spec.initContainers": msgPerService, "spec.adoption": msgPerService,
	"spec.customDeployment": msgHatch, "spec.customService": msgHatch, "spec.customScaledObject": msgHatch,
}

// unions are the mappings whose fields exclude each other: a service that
// sets one of them inherits none of the others from the defaults ("*"
// matches any key).
var unions = []struct {
	path    []string
	members []string
}{
	{[]string{"spec", "nats"}, []string{"account", "accountID"}},
	{[]string{"spec", "disruptionBudget"}, []string{"minAvailable", "maxUnavailable"}},
	{[]string{"spec", "probes", "*"}, []string{"exec", "httpGet", "tcpSocket", "grpc"}},
	{[]string{"spec", "lifecycle", "*"}, []string{"exec", "httpGet", "tcpSocket", "sleep"}},
	{[]string{"spec", "strategy"}, []string{"type", "rollingUpdate"}},
}

// Defaults is a valid EventDrivenServiceDefaults, ready to be merged under
// services.
type Defaults struct {
	// Name is the defaults object's namespace/name, for messages.
	Name string
	// spec is the spec as written, with numbers kept as written.
	spec map[string]any
}

// Inherited is one value a service took from the defaults: Path in the
// merged service, From in the defaults object.
type Inherited struct {
	Path, From []string
}

// Overridden is one default a service replaced with its own value (Value
// nil: removed with null), or did not inherit because it set another field
// of the same union.
type Overridden struct {
	Path           []string
	Default, Value any
	// By names the field of a union the service set instead, "" otherwise.
	By string
}

// Merge is what one service took from the defaults and what it overrode.
type Merge struct {
	Defaults   *Defaults
	Inherited  []Inherited
	Overridden []Overridden
}

// IsDefaults reports whether node is an EventDrivenServiceDefaults, at any
// version of our group.
func IsDefaults(node *yaml.RNode) bool {
	if node == nil || node.GetKind() != KindEventDrivenServiceDefaults {
		return false
	}
	group, _, _ := strings.Cut(node.GetApiVersion(), "/")
	return group == Group
}

// DecodeDefaults reads an EventDrivenServiceDefaults strictly: an unknown
// field, a value of the wrong type, or a field that is not a platform
// default is an error with its path.
func DecodeDefaults(node *yaml.RNode) (*Defaults, field.ErrorList) {
	if v := node.GetApiVersion(); v != APIVersion {
		return nil, field.ErrorList{field.NotSupported(field.NewPath("apiVersion"), v, []string{APIVersion})}
	}
	errs, ok := decodeStrict(node, &EventDrivenServiceDefaults{})
	reported := map[string]bool{}
	for i, e := range errs {
		if why, found := perService[e.Field]; found {
			errs[i] = field.Forbidden(field.NewPath(e.Field), why)
			reported[e.Field] = true
		}
	}
	// The ones the defaults' types have (scaling.hpaName) decode.
	for _, p := range slices.Sorted(maps.Keys(perService)) {
		if f, _ := node.Pipe(yaml.Lookup(strings.Split(p, ".")...)); f != nil && !reported[p] {
			errs = append(errs, field.Forbidden(field.NewPath(p), perService[p]))
		}
	}
	sortByField(errs)
	if !ok || len(errs) > 0 {
		return nil, errs
	}
	spec := map[string]any{}
	if f := node.Field("spec"); f != nil && !yaml.IsMissingOrNull(f.Value) {
		var err error
		if spec, err = asMap(f.Value); err != nil {
			return nil, field.ErrorList{field.Invalid(field.NewPath("spec"), "(mapping)", err.Error())}
		}
	}
	name := node.GetName()
	if ns := node.GetNamespace(); ns != "" {
		name = ns + "/" + name
	}
	return &Defaults{Name: name, spec: spec}, nil
}

// Apply merges the defaults under service and returns the merged copy and
// what it took; service is only read. A service whose spec is not a mapping
// is returned as it is, for the decoding to report.
func (d *Defaults) Apply(service *yaml.RNode) (*yaml.RNode, *Merge) {
	m := &Merge{Defaults: d}
	obj, err := asMap(service)
	if err != nil {
		return service, m
	}
	spec, ok := obj["spec"].(map[string]any)
	if !ok {
		return service, m
	}
	specDefaults := maps.Clone(d.spec)
	delete(specDefaults, "labels")
	delete(specDefaults, "annotations")
	obj["spec"] = m.under(spec, specDefaults, []string{"spec"}, []string{"spec"})

	for _, k := range []string{"labels", "annotations"} {
		def, ok := d.spec[k].(map[string]any)
		if !ok {
			continue
		}
		md, ok := obj["metadata"].(map[string]any)
		if !ok {
			md = map[string]any{}
			obj["metadata"] = md
		}
		own, _ := md[k].(map[string]any)
		if md[k] != nil && own == nil {
			continue // not a mapping: the decoding says so
		}
		if merged := m.under(own, def, []string{"metadata", k}, []string{"spec", k}); len(merged) > 0 {
			md[k] = merged
		}
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return service, &Merge{Defaults: d}
	}
	// JSON is YAML: numbers stay as written (kyaml's ConvertJSONToYamlNode
	// would turn them into floats).
	n, err := yaml.Parse(string(data))
	if err != nil {
		return service, &Merge{Defaults: d}
	}
	return n, m
}

// under merges def under own (own wins), recording what was taken.
func (m *Merge) under(own, def map[string]any, path, from []string) map[string]any {
	out := make(map[string]any, len(own)+len(def))
	for k, v := range own {
		if v != nil {
			out[k] = v
		}
	}
	members := unionAt(path)
	setMember := ""
	for _, k := range members {
		if own[k] != nil {
			setMember = k
			break
		}
	}
	for _, k := range slices.Sorted(maps.Keys(def)) {
		dv := def[k]
		p, f := append(slices.Clip(path), k), append(slices.Clip(from), k)
		ov, present := own[k]
		switch {
		case !present && setMember != "" && slices.Contains(members, k):
			m.Overridden = append(m.Overridden, Overridden{Path: p, Default: dv, By: setMember})
		case !present:
			out[k] = dv
			m.Inherited = append(m.Inherited, Inherited{Path: p, From: f})
		case ov == nil:
			m.Overridden = append(m.Overridden, Overridden{Path: p, Default: dv})
		default:
			om, ok1 := ov.(map[string]any)
			dm, ok2 := dv.(map[string]any)
			if ok1 && ok2 {
				out[k] = m.under(om, dm, p, f)
			} else if !reflect.DeepEqual(ov, dv) {
				m.Overridden = append(m.Overridden, Overridden{Path: p, Default: dv, Value: ov})
			}
		}
	}
	return out
}

func unionAt(path []string) []string {
	for _, u := range unions {
		if len(u.path) != len(path) {
			continue
		}
		match := true
		for i, s := range u.path {
			if s != "*" && s != path[i] {
				match = false
				break
			}
		}
		if match {
			return u.members
		}
	}
	return nil
}

// asMap is node as JSON values, numbers kept as written.
func asMap(node *yaml.RNode) (map[string]any, error) {
	data, err := node.MarshalJSON()
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("must be a mapping: %w", err)
	}
	return m, nil
}
