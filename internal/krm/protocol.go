package krm

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The ResourceList a function is given and its results, as the KRM
// functions specification defines them (the field names and YAML keys of
// kyaml's fn/framework, so the output is the same bytes). They are eds-fn's
// own rather than fn/framework's because that package also holds the
// framework's OpenAPI validation: importing it links kube-openapi's
// validator, whose package initialisers (format regexps) were a third of
// eds-fn's start-up.

// Severity is how serious a result is.
type Severity string

// The severities of the specification.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Result is one entry of a ResourceList's results.
type Result struct {
	Message     string                   `yaml:"message,omitempty" json:"message,omitempty"`
	Severity    Severity                 `yaml:"severity,omitempty" json:"severity,omitempty"`
	ResourceRef *yaml.ResourceIdentifier `yaml:"resourceRef,omitempty" json:"resourceRef,omitempty"`
	Field       *Field                   `yaml:"field,omitempty" json:"field,omitempty"`
	File        *File                    `yaml:"file,omitempty" json:"file,omitempty"`
	Tags        map[string]string        `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// File is the file a result's resource was read from.
type File struct {
	Path  string `yaml:"path,omitempty" json:"path,omitempty"`
	Index int    `yaml:"index,omitempty" json:"index,omitempty"`
}

// Field is the field of the resource a result is about.
type Field struct {
	Path          string `yaml:"path,omitempty" json:"path,omitempty"`
	CurrentValue  any    `yaml:"currentValue,omitempty" json:"currentValue,omitempty"`
	ProposedValue any    `yaml:"proposedValue,omitempty" json:"proposedValue,omitempty"`
}

// String is "[severity] apiVersion/kind/namespace/name field: message", the
// parts that are set, as fn/framework writes a result.
func (r Result) String() string {
	sev := r.Severity
	if sev == "" {
		sev = Info
	}
	s := "[" + string(sev) + "]"
	if ref := r.ResourceRef; ref != nil {
		var id []string
		for _, p := range []string{ref.APIVersion, ref.Kind, ref.Namespace, ref.Name} {
			if p != "" {
				id = append(id, p)
			}
		}
		if len(id) > 0 {
			s += " " + strings.Join(id, "/")
		}
	}
	if r.Field != nil {
		s += " " + r.Field.Path
	}
	return fmt.Sprintf("%s: %s", s, r.Message)
}

// Results are a ResourceList's results; as an error, a processor's
// findings (the ResourceList still goes out, with them).
type Results []*Result

// Error is every result's String, a blank line apart.
func (rs Results) Error() string {
	msgs := make([]string, len(rs))
	for i, r := range rs {
		msgs[i] = r.String()
	}
	return strings.Join(msgs, "\n\n")
}

// ExitCode is 1 when any result is an error, else 0.
func (rs Results) ExitCode() int {
	for _, r := range rs {
		if r.Severity == Error {
			return 1
		}
	}
	return 0
}

// ResourceList is what a processor works on: the items, which it may
// change, add to or remove, its config, and the results it adds.
type ResourceList struct {
	Items          []*yaml.RNode `yaml:"items" json:"items"`
	FunctionConfig *yaml.RNode   `yaml:"functionConfig,omitempty" json:"functionConfig,omitempty"`
	Results        Results       `yaml:"results,omitempty" json:"results,omitempty"`
}

// ResourceListProcessor is a generator or a transformer.
type ResourceListProcessor interface {
	Process(rl *ResourceList) error
}

// ResourceListProcessorFunc is a function as a ResourceListProcessor.
type ResourceListProcessorFunc func(rl *ResourceList) error

// Process calls p.
func (p ResourceListProcessorFunc) Process(rl *ResourceList) error { return p(rl) }
