package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// TestWriteStreamMatchesByteWriter: the exec plugin's output, written by
// writeStream, is what kio.ByteWriter writes for the same items: every
// equivalence input, after the function has run over it (so generated
// objects are in), and the input items alone.
func TestWriteStreamMatchesByteWriter(t *testing.T) {
	for name, data := range equivalenceInputs(t) {
		in, err := readResourceList(data)
		if err != nil {
			continue
		}
		check := func(what string) {
			var want bytes.Buffer
			if err := (kio.ByteWriter{Writer: &want, KeepReaderAnnotations: true}).Write(in.items); err != nil {
				t.Fatalf("%s (%s): kio.ByteWriter: %v", name, what, err)
			}
			var got bytes.Buffer
			if err := writeStream(&got, in.items); err != nil {
				t.Fatalf("%s (%s): writeStream: %v", name, what, err)
			}
			if got.String() != want.String() {
				t.Errorf("%s (%s): writeStream differs from kio.ByteWriter:\n--- want\n%s\n--- got\n%s", name, what, want.String(), got.String())
			}
		}
		check("input")
		if p, err := DefaultProcessors(in.fnConfig); err == nil {
			rl := &framework.ResourceList{Items: in.items, FunctionConfig: in.fnConfig}
			if p.Process(rl) == nil {
				in.items = rl.Items
				check("output")
			}
		}
	}
}

func TestRunPluginArguments(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := RunPlugin("ExpandEventDrivenServices", nil, strings.NewReader(""), &out, &errOut, DefaultProcessors); code != 2 ||
		!strings.Contains(errOut.String(), "without a config file") || out.Len() != 0 {
		t.Errorf("no arguments: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	out.Reset()
	errOut.Reset()
	missing := filepath.Join(t.TempDir(), "gone.yaml")
	if code := RunPlugin("ExpandEventDrivenServices", []string{missing}, strings.NewReader(""), &out, &errOut, DefaultProcessors); code != 1 ||
		!strings.Contains(errOut.String(), "cannot read the plugin config "+missing) || out.Len() != 0 {
		t.Errorf("missing config: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	cfg := filepath.Join(t.TempDir(), "cfg.yaml")
	if err := os.WriteFile(cfg, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if code := RunPlugin("ExpandEventDrivenServices", []string{cfg}, strings.NewReader(""), &out, &errOut, DefaultProcessors); code != 1 ||
		!strings.Contains(errOut.String(), "one YAML document") || out.Len() != 0 {
		t.Errorf("two configs: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

func TestPluginKind(t *testing.T) {
	for argv0, want := range map[string]string{
		"/home/u/.config/kustomize/plugin/platform.bizmatters.io/v1alpha1/expandeventdrivenservices/ExpandEventDrivenServices": "ExpandEventDrivenServices",
		"EventDrivenService":    "EventDrivenService",
		"NATSHeadlessEndpoint":  "NATSHeadlessEndpoint",
		"/usr/local/bin/eds-fn": "",
		"eventdrivenservice":    "",
	} {
		got, ok := PluginKind(argv0)
		if got != want || ok != (want != "") {
			t.Errorf("PluginKind(%q) = %q, %v; want %q", argv0, got, ok, want)
		}
	}
	if got := PluginDir("/p", "ExpandEventDrivenServices"); got != "/p/platform.bizmatters.io/v1alpha1/expandeventdrivenservices" {
		t.Errorf("PluginDir = %q", got)
	}
}
