package bench

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	sigsyaml "sigs.k8s.io/yaml"
)

// chart is a Helm chart that makes, from a values file listing services,
// the same four objects eds-fn generates for each (bench/chart): the
// baseline of "eds-fn generate" against "helm template". It is written the
// way such charts are (a range over the services per kind, helpers for the
// labels and the containers, the platform's defaults in values.yaml), not
// tuned to be slow or fast; bench/run checks that both print the same
// objects.
//
//go:embed all:chart
var chart embed.FS

// Helm is the "eds-fn generate" and "helm template" inputs of n services.
type Helm struct {
	Chart    string // the chart's directory
	Values   string // a values file listing the n services
	Services string // a directory of the n EventDrivenServices, one file each
}

// WriteHelm writes the chart, its values for n services and the same n
// services as EventDrivenService files under dir.
func WriteHelm(dir string, n int) (Helm, error) {
	h := Helm{
		Chart:    filepath.Join(dir, "chart"),
		Values:   filepath.Join(dir, "values.yaml"),
		Services: filepath.Join(dir, "services"),
	}
	err := fs.WalkDir(chart, "chart", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := chart.ReadFile(p)
		if err != nil {
			return err
		}
		return writeFile(filepath.Join(dir, filepath.FromSlash(p)), b)
	})
	if err != nil {
		return h, err
	}
	if err := writeFile(h.Values, []byte(HelmValues(n))); err != nil {
		return h, err
	}
	for i := range n {
		if err := writeFile(filepath.Join(h.Services, ServiceName(i)+".yaml"), []byte(Service(i))); err != nil {
			return h, err
		}
	}
	return h, nil
}

func writeFile(p string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}

// HelmValues is the values file of the chart for services 0 to n-1: the
// metadata and spec of each Service(i), field for field.
func HelmValues(n int) string {
	var b strings.Builder
	b.WriteString("services:\n")
	for i := range n {
		name := ServiceName(i)
		fmt.Fprintf(&b, `- name: %[1]s
  namespace: %[2]s
  labels:
    team: team-%[3]d
`, name, Namespace, i%7)
		b.WriteString(serviceSpec(name, i))
	}
	return b.String()
}

// CanonicalObjects are the objects of a YAML stream as JSON with sorted
// keys, sorted: two streams with the same objects, whatever their key
// order, comments and document order, give the same list. Types are kept
// ("1" is not 1).
func CanonicalObjects(stream []byte) ([]string, error) {
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(stream), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		s, err := n.String()
		if err != nil {
			return nil, err
		}
		j, err := sigsyaml.YAMLToJSON([]byte(s))
		if err != nil {
			return nil, err
		}
		out = append(out, string(j))
	}
	slices.Sort(out)
	return out, nil
}
