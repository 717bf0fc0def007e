package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/bench"
	"github.com/bizmatters/eds-fn/generator"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/bizmatters/eds-fn/internal/resourcelist"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// TestWriteStreamMatchesByteWriter: the exec plugin's output, written by
// writeStream, is what kio.ByteWriter writes for the same items: every
// equivalence input, after the function has run over it (so generated
// objects are in), and the input items alone.
func TestWriteStreamMatchesByteWriter(t *testing.T) {
	var inputs, outputs int
	defer func() {
		// Most inputs are valid ResourceLists the function accepts.
		if inputs < 100 || outputs < 50 {
			t.Errorf("compared %d inputs and %d outputs; the equivalence inputs changed?", inputs, outputs)
		}
	}()
	for name, data := range equivalenceInputs(t) {
		in, err := resourcelist.Read(data, generator.IsEventDrivenService)
		if err != nil {
			continue
		}
		check := func(what string) {
			var want bytes.Buffer
			if err := (kio.ByteWriter{Writer: &want, KeepReaderAnnotations: true}).Write(in.Items); err != nil {
				t.Fatalf("%s (%s): kio.ByteWriter: %v", name, what, err)
			}
			var got bytes.Buffer
			if err := resourcelist.WriteStream(&got, in.Items); err != nil {
				t.Fatalf("%s (%s): writeStream: %v", name, what, err)
			}
			if got.String() != want.String() {
				t.Errorf("%s (%s): writeStream differs from kio.ByteWriter:\n--- want\n%s\n--- got\n%s", name, what, want.String(), got.String())
			}
		}
		check("input")
		inputs++
		if p, err := DefaultProcessors(in.FunctionConfig); err == nil {
			rl := &krm.ResourceList{Items: in.Items, FunctionConfig: in.FunctionConfig}
			if p.Process(rl) == nil {
				in.Items = rl.Items
				check("output")
				outputs++
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

// TestRunPluginBulk: the exec plugin replaces each service by its objects,
// passes other resources through, prints warnings on stderr (kustomize
// shows them only when the plugin fails) and errors without any output.
func TestRunPluginBulk(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "expand.yaml")
	if err := os.WriteFile(cfg, []byte("apiVersion: platform.bizmatters.io/v1alpha1\nkind: ExpandEventDrivenServices\nmetadata:\n  name: expand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	service := func(name, image string) string {
		return "apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata:\n  name: " + name +
			"\n  annotations:\n    kustomize.config.k8s.io/id: |\n      kind: EventDrivenService\n      name: " + name +
			"\nspec:\n  image: " + image + "\n  nats: {stream: S, consumer: " + name + "}\n"
	}
	configMap := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\ndata:\n  a: b\n"

	var out, errOut bytes.Buffer
	in := configMap + "---\n" + service("orders", "ghcr.io/acme/orders:latest")
	if code := RunPlugin("ExpandEventDrivenServices", []string{cfg}, strings.NewReader(in), &out, &errOut, DefaultProcessors); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), configMap+"---\n") {
		t.Errorf("the ConfigMap did not pass through first, untouched:\n%s", out.String())
	}
	for _, kind := range []string{"ServiceAccount", "Service", "Deployment", "ScaledObject"} {
		if !strings.Contains(out.String(), "\nkind: "+kind+"\n") {
			t.Errorf("no %s in the output:\n%s", kind, out.String())
		}
	}
	if strings.Contains(out.String(), "EventDrivenService") {
		t.Errorf("the service itself reached the output:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "warning: EventDrivenService orders: spec.image") {
		t.Errorf("no warning for :latest on stderr: %q", errOut.String())
	}

	out.Reset()
	errOut.Reset()
	in = service("orders", "ghcr.io/acme/orders:v1") + "---\n" + service("Billing", "ghcr.io/acme/billing:v1")
	if code := RunPlugin("ExpandEventDrivenServices", []string{cfg}, strings.NewReader(in), &out, &errOut, DefaultProcessors); code != 1 {
		t.Fatalf("exit %d for an invalid name, want 1", code)
	}
	if out.Len() != 0 {
		t.Errorf("output despite an error:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "error: EventDrivenService Billing: metadata.name") {
		t.Errorf("stderr lacks the error: %q", errOut.String())
	}
}

// FuzzExecPlugin: whatever the resources on stdin, the bulk exec plugin
// ends without an internal error, prints nothing when it fails, and what it
// prints on success is a stable stream: run again over its own output (no
// service is left to expand), it prints the same bytes.
func FuzzExecPlugin(f *testing.F) {
	f.Add([]byte(bench.Service(0)))
	f.Add([]byte(bench.Service(1) + "---\n" + bench.Service(2)))
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep # comment\ndata: {a: b, c: \"x\\ny\"}\n---\n" + bench.Service(3)))
	f.Add([]byte(strings.Replace(bench.Service(4), "size: small", "size: jumbo", 1)))
	f.Add([]byte("- not\n- an object\n"))
	// Aliases within the byte budget, and beyond it (50 KiB written 30 times).
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  big: &b " + strings.Repeat("x", 50<<10) + "\n  k1: *b\n  k2: *b\n"))
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  big: &b " + strings.Repeat("x", 50<<10) + strings.Repeat("\n  k: *b", 30) + "\n"))
	cfg := filepath.Join(f.TempDir(), "expand.yaml")
	if err := os.WriteFile(cfg, []byte("apiVersion: platform.bizmatters.io/v1alpha1\nkind: ExpandEventDrivenServices\nmetadata:\n  name: expand\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		var out, errOut bytes.Buffer
		code := RunPlugin("ExpandEventDrivenServices", []string{cfg}, bytes.NewReader(data), &out, &errOut, DefaultProcessors)
		if strings.Contains(errOut.String(), "internal error") {
			t.Fatalf("internal error: %s", errOut.String())
		}
		// Bounded: a few results per resource, and no alias makes the
		// output much larger than what was written (services become
		// about six times their size in objects).
		if n := strings.Count(errOut.String(), "\n"); n > krm.MaxResults+1 {
			t.Fatalf("%d lines on stderr", n)
		}
		if out.Len() > 64*len(data)+1<<20 { // 1 MiB: what aliases may always add
			t.Fatalf("%d bytes out of %d", out.Len(), len(data))
		}
		if code != 0 {
			if code != 1 || out.Len() != 0 {
				t.Fatalf("exit %d with %d bytes on stdout", code, out.Len())
			}
			return
		}
		var again, errAgain bytes.Buffer
		if code := RunPlugin("ExpandEventDrivenServices", []string{cfg}, bytes.NewReader(out.Bytes()), &again, &errAgain, DefaultProcessors); code != 0 {
			t.Fatalf("its own output refused (exit %d): %s\n%s", code, errAgain.String(), out.String())
		}
		if again.String() != out.String() {
			t.Fatalf("a second run changed the output:\n%s", cmp.Diff(out.String(), again.String()))
		}
	})
}
