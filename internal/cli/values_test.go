package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/resourcelist"
	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// dataOf decodes the data of the ConfigMap named keep in a ResourceList or
// a stream.
func dataOf(t *testing.T, out string) map[string]string {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("no ConfigMap keep in the output (%v):\n%s", err, out)
		}
		objs := []any{doc}
		if items, ok := doc["items"].([]any); ok {
			objs = items
		}
		for _, o := range objs {
			m, _ := o.(map[string]any)
			md, _ := m["metadata"].(map[string]any)
			if m["kind"] == "ConfigMap" && md["name"] == "keep" {
				data := map[string]string{}
				for k, v := range m["data"].(map[string]any) {
					data[k], _ = v.(string)
				}
				return data
			}
		}
	}
}

// TestValuesSurvive: a ConfigMap eds-fn does not change comes out with the
// same values however often it goes through, as kpt renders a package
// again and again: in function mode (the transformer, and bulk mode) and
// as the exec plugin.
func TestValuesSurvive(t *testing.T) {
	data, want := testutil.FragileData(t, "    ")
	cm := "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: keep\n  data:\n" + data
	for _, config := range []string{
		"functionConfig: {apiVersion: platform.bizmatters.io/v1alpha1, kind: NATSHeadlessEndpoint, metadata: {name: n}, spec: {endpoint: 'nats-headless.nats.svc:8222'}}\n",
		"functionConfig: {apiVersion: platform.bizmatters.io/v1alpha1, kind: ExpandEventDrivenServices, metadata: {name: x}}\n",
	} {
		in := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n" + config + "items:\n" + cm
		for pass := 1; pass <= 3; pass++ {
			var out, errOut bytes.Buffer
			if code := RunFunction(strings.NewReader(in), &out, &errOut, DefaultProcessors); code != 0 {
				t.Fatalf("pass %d: exit %d: %s", pass, code, errOut.String())
			}
			if diff := cmp.Diff(want, dataOf(t, out.String())); diff != "" {
				t.Fatalf("function mode, %s pass %d changed values (-in +out):\n%s\n%s", config, pass, diff, out.String())
			}
			in = out.String()
		}
	}

	cfg := filepath.Join(t.TempDir(), "expand.yaml")
	if err := os.WriteFile(cfg, []byte("apiVersion: platform.bizmatters.io/v1alpha1\nkind: ExpandEventDrivenServices\nmetadata:\n  name: expand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, _ = testutil.FragileData(t, "  ")
	in := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\ndata:\n" + data
	for pass := 1; pass <= 3; pass++ {
		var out, errOut bytes.Buffer
		if code := RunPlugin("ExpandEventDrivenServices", []string{cfg}, strings.NewReader(in), &out, &errOut, DefaultProcessors); code != 0 {
			t.Fatalf("plugin pass %d: exit %d: %s", pass, code, errOut.String())
		}
		if diff := cmp.Diff(want, dataOf(t, out.String())); diff != "" {
			t.Fatalf("exec plugin, pass %d changed values (-in +out):\n%s\n%s", pass, diff, out.String())
		}
		in = out.String()
	}
}

// TestGeneratedValuesSurvive: values a service hands to the objects it
// generates (here pod annotations, through customDeployment) arrive as they
// were written, in function mode over three renders and from "eds-fn
// generate": the generator's decoding writes and reads the service once
// more, which alone changed them.
func TestGeneratedValuesSurvive(t *testing.T) {
	data, want := testutil.FragileData(t, "            ")
	svc := "apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata:\n  name: orders\nspec:\n  image: ghcr.io/acme/orders:v1\n  nats: {stream: ORDERS, consumer: orders}\n" +
		"  customDeployment:\n    spec:\n      template:\n        metadata:\n          annotations:\n" + data
	podAnnotations := func(out string) map[string]string {
		t.Helper()
		got := map[string]string{}
		dec := yaml.NewDecoder(strings.NewReader(out))
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("no Deployment in the output (%v):\n%s", err, out)
			}
			objs := []any{doc}
			if items, ok := doc["items"].([]any); ok {
				objs = items
			}
			for _, o := range objs {
				m, _ := o.(map[string]any)
				if m["kind"] != "Deployment" {
					continue
				}
				tmpl := m["spec"].(map[string]any)["template"].(map[string]any)
				for k, v := range tmpl["metadata"].(map[string]any)["annotations"].(map[string]any) {
					if _, ok := want[k]; ok {
						got[k], _ = v.(string)
					}
				}
				return got
			}
		}
	}

	in := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + "- " + strings.ReplaceAll(svc, "\n", "\n  ")
	in = strings.TrimSuffix(in, "  ")
	for pass := 1; pass <= 3; pass++ {
		var out, errOut bytes.Buffer
		if code := RunFunction(strings.NewReader(in), &out, &errOut, DefaultProcessors); code != 0 {
			t.Fatalf("pass %d: exit %d: %s\n%s", pass, code, errOut.String(), in)
		}
		if diff := cmp.Diff(want, podAnnotations(out.String())); diff != "" {
			t.Fatalf("function mode, pass %d changed values (-in +out):\n%s", pass, diff)
		}
		in = out.String()
	}

	file := filepath.Join(t.TempDir(), "svc.yaml")
	if err := os.WriteFile(file, []byte(svc), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Main([]string{"generate", file}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errOut.String())
	}
	if diff := cmp.Diff(want, podAnnotations(out.String())); diff != "" {
		t.Fatalf("generate changed values (-in +out):\n%s", diff)
	}
}

// restyles reports whether data holds a scalar keepValues restyles.
func restyles(data []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if dec.Decode(&doc) != nil {
			return false
		}
		if resourcelist.KeepValues(&doc) > 0 {
			return true
		}
	}
}
