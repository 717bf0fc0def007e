package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/bizmatters/eds-fn/api/v1alpha1"
	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/bizmatters/eds-fn/internal/resourcelist"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// readDefaults reads the one EventDrivenServiceDefaults of --defaults FILE.
func readDefaults(path string) (*yaml.RNode, error) {
	nodes, err := readPackage(path)
	if err != nil {
		return nil, err
	}
	list, err := resourcelist.FromItems(nodes, v1alpha1.IsDefaults)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var found []*yaml.RNode
	for _, n := range list.Items {
		if v1alpha1.IsDefaults(n) {
			found = append(found, n)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("--defaults %s: no %s (apiVersion: %s) in it", path, v1alpha1.KindEventDrivenServiceDefaults, v1alpha1.APIVersion)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("--defaults %s: %d %ss in it; one set of platform defaults applies to all services: merge them into one",
		path, len(found), v1alpha1.KindEventDrivenServiceDefaults)
}

// writeExplanation says, service by service, what each took from the
// platform defaults and which defaults it overrode: what changes for whom
// before a default is changed, and which services stand apart.
func writeExplanation(w io.Writer, expanded []generator.Expanded, defaults *yaml.RNode) error {
	var b strings.Builder
	if defaults == nil {
		b.WriteString("no EventDrivenServiceDefaults: every service stands on its own\n")
	}
	for _, e := range expanded {
		b.WriteString(v1alpha1.KindEventDrivenService + " ")
		if ns := e.Source.GetNamespace(); ns != "" {
			b.WriteString(ns + "/")
		}
		b.WriteString(e.Source.GetName())
		if f := krm.FileOf(e.Source); f != nil {
			fmt.Fprintf(&b, " (%s)", f.Path)
		}
		m := e.Defaults
		if m == nil {
			b.WriteString("\n")
			continue
		}
		fmt.Fprintf(&b, ": %d inherited, %d overridden\n", len(m.Inherited), len(m.Overridden))
		for _, in := range m.Inherited {
			from := ""
			if p, f := pathString(in.Path), pathString(in.From); p != f {
				from = " (from " + f + ")"
			}
			fmt.Fprintf(&b, "  inherits  %s%s\n", pathString(in.Path), from)
		}
		for _, o := range m.Overridden {
			switch {
			case o.By != "":
				fmt.Fprintf(&b, "  skips     %s = %s: the service sets %s instead\n", pathString(o.Path), value(o.Default), o.By)
			case o.Value == nil:
				fmt.Fprintf(&b, "  removes   %s = %s (null in the service)\n", pathString(o.Path), value(o.Default))
			default:
				fmt.Fprintf(&b, "  overrides %s = %s with %s\n", pathString(o.Path), value(o.Default), value(o.Value))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func pathString(segs []string) string {
	var b strings.Builder
	for i, s := range segs {
		switch {
		case !plainKey.MatchString(s):
			fmt.Fprintf(&b, "[%s]", s)
		case i > 0:
			b.WriteString("." + s)
		default:
			b.WriteString(s)
		}
	}
	return b.String()
}

// maxExplainedValue bounds a value quoted in the explanation.
const maxExplainedValue = 80

func value(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return krm.Clip(string(data), maxExplainedValue)
}
