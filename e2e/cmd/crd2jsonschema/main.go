// Command crd2jsonschema turns CustomResourceDefinitions written by
// controller-gen (see e2e/generate.sh) into JSON Schema files for editors
// (yaml-language-server) and kubeconform, one per kind and version, laid out as
//
//	OUT/<group>/<kind lowercased>_<version>.json
//
// which kubeconform finds with
//
//	-schema-location 'OUT/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'
//
// The schema is the CRD's openAPIV3Schema, made as strict as the API server is
// under --validate=strict: every object that lists its properties and does not
// preserve unknown fields gets "additionalProperties": false, and apiVersion and
// kind may only be the CRD's own.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

type crd struct {
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Schema struct {
				OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

func main() {
	out := flag.String("out", "schema", "directory to write the JSON schemas into")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: crd2jsonschema -out DIR CRD.yaml...")
		os.Exit(2)
	}
	for _, path := range flag.Args() {
		if err := convert(path, *out); err != nil {
			fmt.Fprintf(os.Stderr, "crd2jsonschema: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

func convert(path, out string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	data = bytes.TrimPrefix(bytes.TrimSpace(data), []byte("---"))
	var c crd
	if err := yaml.Unmarshal(data, &c); err != nil {
		return err
	}
	if c.Spec.Group == "" || c.Spec.Names.Kind == "" || len(c.Spec.Versions) == 0 {
		return fmt.Errorf("not a CustomResourceDefinition with a group, a kind and versions")
	}
	for _, v := range c.Spec.Versions {
		s := v.Schema.OpenAPIV3Schema
		if s == nil {
			return fmt.Errorf("version %s has no openAPIV3Schema", v.Name)
		}
		strict(s)
		props, _ := s["properties"].(map[string]any)
		if props == nil {
			return fmt.Errorf("version %s: the schema has no properties", v.Name)
		}
		props["apiVersion"] = withEnum(props["apiVersion"], c.Spec.Group+"/"+v.Name)
		props["kind"] = withEnum(props["kind"], c.Spec.Names.Kind)
		s["required"] = union(s["required"], "apiVersion", "kind")
		s["$schema"] = "http://json-schema.org/draft-07/schema#"
		s["title"] = c.Spec.Names.Kind + " (" + c.Spec.Group + "/" + v.Name + ")"

		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			return err
		}
		dir := filepath.Join(out, c.Spec.Group)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		name := strings.ToLower(c.Spec.Names.Kind) + "_" + v.Name + ".json"
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// strict forbids properties a schema does not list, as the API server does
// with fieldValidation=Strict, except where the CRD preserves unknown fields.
func strict(node map[string]any) {
	if props, ok := node["properties"].(map[string]any); ok {
		if _, set := node["additionalProperties"]; !set && node["x-kubernetes-preserve-unknown-fields"] != true {
			node["additionalProperties"] = false
		}
		for _, p := range props {
			if m, ok := p.(map[string]any); ok {
				strict(m)
			}
		}
	}
	for _, key := range []string{"items", "additionalProperties"} {
		if m, ok := node[key].(map[string]any); ok {
			strict(m)
		}
	}
	for _, key := range []string{"allOf", "anyOf", "oneOf"} {
		if list, ok := node[key].([]any); ok {
			for _, item := range list {
				if m, ok := item.(map[string]any); ok {
					strict(m)
				}
			}
		}
	}
}

func withEnum(prop any, value string) map[string]any {
	m, _ := prop.(map[string]any)
	if m == nil {
		m = map[string]any{"type": "string"}
	}
	m["enum"] = []any{value}
	return m
}

func union(list any, names ...string) []any {
	out, _ := list.([]any)
	for _, n := range names {
		found := false
		for _, have := range out {
			if have == n {
				found = true
			}
		}
		if !found {
			out = append(out, n)
		}
	}
	return out
}
