// Command k8sjsonschema turns the OpenAPI v3 documents that Kubernetes ships
// in its module (k8s.io/kubernetes/api/openapi-spec/v3/*.json) into JSON
// Schema files for kubeconform, one per kind, laid out as kubeconform's
// default schema location lays them out:
//
//	OUT/<kind lowercased><suffix>.json    deployment-apps-v1.json, service-v1.json
//
// which kubeconform finds offline with
//
//	-schema-location 'OUT/{{.ResourceKind}}{{.KindSuffix}}.json'
//
// Each file is standalone: the kind's schema with every definition it reaches
// under "definitions" (references rewritten from #/components/schemas/ to
// #/definitions/). It is made as strict as kubectl's and the API server's
// strict field validation, by the rule of kubeconform's own
// openapi2jsonschema.py: every schema that lists its properties and says
// nothing of others gets "additionalProperties": false (unless it preserves
// unknown fields). Descriptions and the x-kubernetes-* extensions are left
// out: they validate nothing. The output is the same for the same input.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

const refPrefix = "#/components/schemas/"

func main() {
	out := flag.String("out", "", "directory to write the JSON schemas into")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: k8sjsonschema -out DIR OPENAPI-V3.json...")
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "k8sjsonschema:", err)
		os.Exit(1)
	}
	n := 0
	for _, path := range flag.Args() {
		written, err := convert(path, *out)
		if err != nil {
			fmt.Fprintf(os.Stderr, "k8sjsonschema: %s: %v\n", path, err)
			os.Exit(1)
		}
		n += written
	}
	if n == 0 {
		fmt.Fprintln(os.Stderr, "k8sjsonschema: no kind found in", flag.Args())
		os.Exit(1)
	}
}

// docName is the group and version of a document from its file name:
// api__v1_openapi.json is the core group, apis__apps__v1_openapi.json apps/v1.
var docName = regexp.MustCompile(`^(?:api__(v[0-9a-z]+)|apis__([a-z0-9.-]+)__(v[0-9a-z]+))_openapi\.json$`)

type gvk struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

// convert writes a file for every kind of the document's own group and
// version (a document also holds the definitions it borrows from others),
// and returns how many it wrote. Documents of no group version (the
// discovery ones, api_openapi.json) are skipped.
func convert(path, out string) (int, error) {
	m := docName.FindStringSubmatch(filepath.Base(path))
	if m == nil {
		return 0, nil
	}
	group, version := m[2], m[1]+m[3]
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var doc struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return 0, err
	}
	defs := doc.Components.Schemas
	written := 0
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		// The meta types (DeleteOptions, WatchEvent, ...) carry a kind for
		// every group; they are nothing anyone writes in a manifest.
		if strings.HasPrefix(name, "io.k8s.apimachinery.pkg.apis.meta.") {
			continue
		}
		for _, k := range kinds(defs[name]) {
			if k.Group != group || k.Version != version {
				continue
			}
			schema, err := standalone(defs, name)
			if err != nil {
				return written, fmt.Errorf("%s: %w", name, err)
			}
			suffix := "-" + k.Version
			if k.Group != "" {
				suffix = "-" + strings.Split(k.Group, ".")[0] + suffix
			}
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", " ")
			if err := enc.Encode(schema); err != nil {
				return written, err
			}
			file := filepath.Join(out, strings.ToLower(k.Kind)+suffix+".json")
			if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
				return written, err
			}
			written++
		}
	}
	return written, nil
}

func kinds(s map[string]any) []gvk {
	raw, _ := json.Marshal(s["x-kubernetes-group-version-kind"])
	var out []gvk
	_ = json.Unmarshal(raw, &out)
	return out
}

// standalone is the schema of definition name with every definition it
// reaches, cleaned and made strict.
func standalone(defs map[string]map[string]any, name string) (map[string]any, error) {
	reached := map[string]any{}
	var visit func(n string) error
	visit = func(n string) error {
		if _, ok := reached[n]; ok {
			return nil
		}
		d, ok := defs[n]
		if !ok {
			return fmt.Errorf("reference to %s, which the document does not define", n)
		}
		var refs []string
		reached[n] = clean(d, &refs)
		for _, r := range refs {
			if err := visit(r); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit(name); err != nil {
		return nil, err
	}
	root := reached[name].(map[string]any)
	delete(reached, name)
	if len(reached) > 0 {
		root["definitions"] = reached
	}
	return root, nil
}

// clean copies a schema without descriptions and extensions, rewrites its
// references (collecting the names they point at) and forbids properties it
// does not list.
func clean(s map[string]any, refs *[]string) map[string]any {
	out := map[string]any{}
	for k, v := range s {
		switch {
		case k == "description" || strings.HasPrefix(k, "x-"):
			continue
		case k == "$ref":
			r, _ := v.(string)
			name := strings.TrimPrefix(r, refPrefix)
			*refs = append(*refs, name)
			out[k] = "#/definitions/" + name
		case k == "properties" || k == "patternProperties":
			props := map[string]any{}
			for p, ps := range v.(map[string]any) {
				props[p] = cleanAny(ps, refs)
			}
			out[k] = props
		case k == "items" || k == "additionalProperties" || k == "not" || k == "allOf" || k == "anyOf" || k == "oneOf":
			out[k] = cleanAny(v, refs)
		default: // type, format, enum, default, required, minimum, ...
			out[k] = v
		}
	}
	_, listed := s["properties"]
	_, said := s["additionalProperties"]
	preserve, _ := s["x-kubernetes-preserve-unknown-fields"].(bool)
	if listed && !said && !preserve {
		out["additionalProperties"] = false
	}
	return out
}

// cleanAny cleans a value that holds schemas: a schema (items,
// additionalProperties, not) or a list of them (allOf, anyOf, oneOf).
func cleanAny(v any, refs *[]string) any {
	switch x := v.(type) {
	case map[string]any:
		return clean(x, refs)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cleanAny(e, refs)
		}
		return out
	default: // additionalProperties: true
		return v
	}
}
