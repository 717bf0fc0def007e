// Package krm holds the small pieces of the KRM function protocol that every
// processor of eds-fn shares: turning field errors into results, and printing
// results for humans (kustomize never shows results, only stderr).
package krm

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ResourceRef identifies obj in a result.
func ResourceRef(obj *yaml.RNode) *yaml.ResourceIdentifier {
	if obj == nil {
		return nil
	}
	return &yaml.ResourceIdentifier{
		TypeMeta: yaml.TypeMeta{APIVersion: Clip(obj.GetApiVersion(), maxName), Kind: Clip(obj.GetKind(), maxName)},
		NameMeta: yaml.NameMeta{Name: Clip(obj.GetName(), maxName), Namespace: Clip(obj.GetNamespace(), maxName)},
	}
}

// FileOf is the file obj was read from, when the orchestrator (kpt, or
// kustomize in transformer position) said so.
func FileOf(obj *yaml.RNode) *File {
	if obj == nil {
		return nil
	}
	path, index, err := kioutil.GetFileAnnotations(obj)
	if err != nil || path == "" {
		return nil
	}
	i, _ := strconv.Atoi(index)
	return &File{Path: Clip(path, 1024), Index: i}
}

// FieldResults turns field errors found in obj into results of severity sev.
func FieldResults(obj *yaml.RNode, errs field.ErrorList, sev Severity) Results {
	out := make(Results, 0, len(errs))
	// The object's reference and file once, not once per error: each reads
	// its metadata, annotations and all, and an input can have thousands of
	// both.
	var ref *yaml.ResourceIdentifier
	var file *File
	for i, e := range errs {
		if v, ok := e.BadValue.(string); ok && len(v) > maxValue {
			short := *e
			short.BadValue = Clip(v, maxValue)
			e = &short
		}
		r := FieldResult(nil, e.Field, e.ErrorBody(), sev)
		if i == 0 {
			ref, file = ResourceRef(obj), FileOf(obj)
		}
		r.ResourceRef, r.File = ref, file
		out = append(out, r)
	}
	return out
}

// Messages quote values, paths and names from the input; these bounds keep a
// 10 MB value from becoming a 10 MB message.
const (
	maxValue   = 256
	maxName    = 253 // a Kubernetes name is at most that long
	maxMessage = 4096
)

// Clip shortens s to about n bytes, saying how long it was.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", s[:cut], len(s))
}

// FieldResult is one result about the field at path of obj.
func FieldResult(obj *yaml.RNode, path, msg string, sev Severity) *Result {
	r := &Result{
		Message:     Clip(msg, maxMessage),
		Severity:    sev,
		ResourceRef: ResourceRef(obj),
		File:        FileOf(obj),
	}
	if path != "" && path != "<nil>" {
		r.Field = &Field{Path: Clip(path, maxValue)}
	}
	return r
}

// HasErrors reports whether any result is an error.
func HasErrors(rs Results) bool {
	return rs.ExitCode() != 0
}

// Describe renders a result as one line a person can act on, for example
//
//	error: EventDrivenService agent-executor (services/agent.yaml): spec.size: Unsupported value: "xl": ...
func Describe(r *Result) string {
	var b strings.Builder
	sev := r.Severity
	if sev == "" {
		sev = Info
	}
	b.WriteString(string(sev))
	b.WriteString(": ")
	if ref := r.ResourceRef; ref != nil && (ref.Kind != "" || ref.Name != "") {
		b.WriteString(ref.Kind)
		b.WriteString(" ")
		if ref.Namespace != "" {
			b.WriteString(ref.Namespace + "/")
		}
		if ref.Name == "" {
			b.WriteString("(unnamed)")
		}
		b.WriteString(ref.Name)
		if r.File != nil && r.File.Path != "" {
			fmt.Fprintf(&b, " (%s", r.File.Path)
			if r.File.Index > 0 {
				fmt.Fprintf(&b, ", document %d", r.File.Index+1)
			}
			b.WriteString(")")
		}
		b.WriteString(": ")
	}
	if r.Field != nil && r.Field.Path != "" {
		b.WriteString(r.Field.Path)
		b.WriteString(": ")
	}
	b.WriteString(r.Message)
	return b.String()
}

// Print writes every result of at least severity min to w, one per line.
// Warnings and infos that say the same of the same field of several
// resources of one kind (1,000 services on one :latest image) are one line
// naming the first few and the count, where the first of them stood: kustomize
// and kpt show stderr whole, and a thousand identical lines hide the one
// that differs. Errors are always one line each.
func Print(w io.Writer, rs Results, min Severity) {
	rank := map[Severity]int{Error: 0, Warning: 1, Info: 2, "": 2}
	type cause struct {
		sev             Severity
		kind, path, msg string
	}
	var lines [][]*Result
	at := map[cause]int{}
	for _, r := range rs {
		if rank[r.Severity] > rank[min] {
			continue
		}
		if r.Severity == Error || r.ResourceRef == nil {
			lines = append(lines, []*Result{r})
			continue
		}
		c := cause{sev: r.Severity, kind: r.ResourceRef.Kind, msg: r.Message}
		if r.Field != nil {
			c.path = r.Field.Path
		}
		if i, ok := at[c]; ok {
			lines[i] = append(lines[i], r)
			continue
		}
		at[c] = len(lines)
		lines = append(lines, []*Result{r})
	}
	for _, same := range lines {
		fmt.Fprintln(w, describeSame(same))
	}
}

// shownOfSame is how many resources a line of repeated results names.
const shownOfSame = 3

// describeSame is Describe of results that differ only in their resource.
func describeSame(same []*Result) string {
	if len(same) == 1 {
		return Describe(same[0])
	}
	names := make([]string, 0, shownOfSame)
	for _, r := range same[:min(len(same), shownOfSame)] {
		name := r.ResourceRef.Name
		if r.ResourceRef.Namespace != "" {
			name = r.ResourceRef.Namespace + "/" + name
		}
		names = append(names, name)
	}
	who := strings.Join(names, ", ")
	if more := len(same) - len(names); more > 0 {
		who += fmt.Sprintf(" and %d more", more)
	}
	first := *same[0]
	first.ResourceRef = &yaml.ResourceIdentifier{TypeMeta: first.ResourceRef.TypeMeta,
		NameMeta: yaml.NameMeta{Name: fmt.Sprintf("%s (%d in all)", who, len(same))}}
	first.File = nil
	return Describe(&first)
}
