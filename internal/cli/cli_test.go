package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/bizmatters/eds-fn/internal/cli"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const goodRL = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
functionConfig:
  apiVersion: platform.bizmatters.io/v1alpha1
  kind: EventDrivenService
  metadata:
    name: orders
  spec:
    image: ghcr.io/acme/orders:v1
    nats: {stream: ORDERS, consumer: orders}
items:
- apiVersion: platform.bizmatters.io/v1alpha1
  kind: EventDrivenService
  metadata:
    name: orders
    annotations:
      config.kubernetes.io/local-config: "true"
  spec:
    image: ghcr.io/acme/orders:v1
    nats: {stream: ORDERS, consumer: orders}
`

func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestFunctionSuccess(t *testing.T) {
	out, errOut, code := run(t, goodRL)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	rl := yaml.MustParse(out)
	items, _ := rl.Pipe(yaml.Lookup("items"))
	if n := len(items.Content()); n != 5 {
		t.Errorf("got %d items, want the service and its 4 objects", n)
	}
	if rl.Field("results") != nil {
		t.Errorf("unexpected results: %s", out)
	}
}

// TestFunctionErrors: each problem is a result with its field path, a line on
// stderr (kustomize shows nothing else), exit code 1, and the items go back
// unchanged with no generated object.
func TestFunctionErrors(t *testing.T) {
	in := strings.ReplaceAll(goodRL, "stream: ORDERS,", "stream: ORDERS, account: $SYS,")
	in = strings.ReplaceAll(in, "image: ghcr.io/acme/orders:v1", "image: ghcr.io/acme/orders:v1\n    size: xl")
	out, errOut, code := run(t, in)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	wantErr := `error: EventDrivenService orders: spec.size: Unsupported value: "xl": supported values: "micro", "small", "medium", "large"
error: EventDrivenService orders: spec.nats.account: Invalid value: "$SYS": "$SYS" is the NATS system account, which can never hold JetStream streams: KEDA would fail every poll with "consumer not found" and never scale. Use "$G" (the default: the global account of a server without configured accounts) or the name of the account that owns the stream
`
	if diff := cmp.Diff(wantErr, errOut); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
	rl := yaml.MustParse(out)
	items, _ := rl.Pipe(yaml.Lookup("items"))
	if n := len(items.Content()); n != 1 {
		t.Errorf("got %d items, want only the input back", n)
	}
	results, _ := rl.Pipe(yaml.Lookup("results"))
	if results == nil || len(results.Content()) != 2 {
		t.Fatalf("want 2 results, got:\n%s", out)
	}
	first := yaml.NewRNode(results.Content()[0])
	for path, want := range map[string]string{
		"severity": "error", "field.path": "spec.size",
		"resourceRef.kind": "EventDrivenService", "resourceRef.name": "orders",
		"resourceRef.apiVersion": "platform.bizmatters.io/v1alpha1",
	} {
		n, err := first.Pipe(yaml.Lookup(strings.Split(path, ".")...))
		if err != nil || n == nil || yaml.GetValue(n) != want {
			t.Errorf("results[0].%s = %v, want %q", path, n, want)
		}
	}
}

func TestBadInput(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"empty":            {"", "stdin is empty"},
		"whitespace":       {"\n  \n", "stdin is empty"},
		"not yaml":         {"{{{ not: yaml", "cannot read the ResourceList"},
		"not a list":       {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "is not a KRM ResourceList"},
		"items not a list": {"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: b}\n", "items must be a list"},
		"scalar item":      {"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [3]\n", "items[0] is not a mapping"},
		"unknown config": {"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: {apiVersion: v1, kind: Secret, metadata: {name: x}}\nitems: []\n",
			`functionConfig: kind "v1 Secret" is not a config of eds-fn; use one of: EventDrivenService`},
	} {
		t.Run(name, func(t *testing.T) {
			out, errOut, code := run(t, tc.in)
			if code == 0 {
				t.Errorf("exit 0, want non-zero")
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q does not contain %q", errOut, tc.want)
			}
			if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic") {
				t.Errorf("stack trace on stderr: %s", errOut)
			}
			if name != "unknown config" && out != "" {
				t.Errorf("partial output: %q", out)
			}
		})
	}
}

func TestGenerateCommand(t *testing.T) {
	dir := t.TempDir()
	svc := "apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata: {name: orders}\nspec:\n  image: ghcr.io/acme/orders:v1\n  nats: {stream: ORDERS, consumer: orders}\n"
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(svc+"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ignored}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "", "generate", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := strings.Count(out, "\nkind: "); got != 4 || strings.Contains(out, "ConfigMap") || strings.Contains(out, "config.kubernetes.io") {
		t.Errorf("output:\n%s", out)
	}

	bad := filepath.Join(dir, "sub", "bad.yaml")
	_ = os.MkdirAll(filepath.Dir(bad), 0o755)
	if err := os.WriteFile(bad, []byte(strings.Replace(svc, "consumer: orders}", "consumer: orders}\n  size: xl", 1)+"  sise: small\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = run(t, "", "generate", dir)
	if code != 1 || out != "" {
		t.Errorf("exit %d, output %q: want 1 and no output", code, out)
	}
	for _, want := range []string{"(sub/bad.yaml): spec.sise: Invalid value", `did you mean "size"?`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr %q lacks %q", errOut, want)
		}
	}

	_, errOut, code = run(t, "", "generate", filepath.Join(dir, "missing.yaml"))
	if code != 1 || !strings.Contains(errOut, "missing.yaml") || strings.Contains(errOut, "--help") {
		t.Errorf("a missing file: exit %d, stderr %q; want 1 and no usage hint (it is not a usage error)", code, errOut)
	}
}

// TestGenerateFiles: generate reads *.json as --help says, never opens what
// is not a regular file (a FIFO would block it forever), and names a file
// it cannot read.
func TestGenerateFiles(t *testing.T) {
	dir := t.TempDir()
	json := `{"apiVersion": "platform.bizmatters.io/v1alpha1", "kind": "EventDrivenService", "metadata": {"name": "from-json"},
	  "spec": {"image": "ghcr.io/acme/j:v1", "nats": {"stream": "S", "consumer": "j"}}}`
	if err := os.WriteFile(filepath.Join(dir, "svc.json"), []byte(json), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "", "generate", dir)
	if code != 0 || !strings.Contains(out, "name: from-json\n") {
		t.Fatalf("a directory with a JSON file and a FIFO: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	_, errOut, code = run(t, "", "generate", filepath.Join(dir, "pipe.yaml"))
	if code != 1 || !strings.Contains(errOut, "pipe.yaml: it is a named pipe (FIFO), not a file or a directory") {
		t.Errorf("a FIFO as the argument: exit %d, stderr %q", code, errOut)
	}
	if err := os.Symlink("nowhere.yaml", filepath.Join(dir, "broken.yaml")); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = run(t, "", "generate", dir)
	if code != 1 || !strings.Contains(errOut, filepath.Join(dir, "broken.yaml")) || strings.Contains(errOut, "--help") {
		t.Errorf("a broken link: exit %d, stderr %q", code, errOut)
	}
}

// TestExitCodes: a usage error is 2 with a hint; a command that cannot do
// its work (I/O) is 1, without one.
func TestExitCodes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		hint bool
	}{
		{[]string{"generate", "--bogus"}, 2, true},
		{[]string{"generate"}, 2, true},
		{[]string{"install"}, 2, true},
		{[]string{"install", filepath.Join(file, "sub")}, 1, false},
		{[]string{"install", t.TempDir(), "--kustomize-plugin-home", filepath.Join(file, "plugins")}, 1, false},
		{[]string{"generate", filepath.Join(file, "missing.yaml")}, 1, false},
	} {
		_, errOut, code := run(t, "", tc.args...)
		if code != tc.code || strings.Contains(errOut, "eds-fn --help") != tc.hint || !strings.HasPrefix(errOut, "error: ") {
			t.Errorf("%v: exit %d, stderr %q; want exit %d, usage hint %v", tc.args, code, errOut, tc.code, tc.hint)
		}
	}
}

func TestVersionAndHelp(t *testing.T) {
	out, _, code := run(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "eds-fn "+cli.Version()+"\ncommit: ") || !strings.Contains(out, "\ngo: go1.") {
		t.Errorf("version: %d %q", code, out)
	}
	out, _, code = run(t, "", "--help")
	if code != 0 || !strings.Contains(out, "kustomize build --enable-alpha-plugins --enable-exec") || !strings.Contains(out, "generate") {
		t.Errorf("help: %d %q", code, out)
	}
}

func TestInstall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tools")
	dst, err := cli.Install(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dst)
	if err != nil || fi.Mode().Perm() != 0o755 || fi.Size() == 0 {
		t.Fatalf("installed file: %v %v", fi, err)
	}
	self, _ := os.Executable()
	a, _ := os.ReadFile(self)
	b, _ := os.ReadFile(dst)
	if !bytes.Equal(a, b) {
		t.Error("installed binary differs from the running one")
	}
}

// TestInstallPluginHome: --kustomize-plugin-home links the installed binary
// under every kind, relatively, where kustomize looks for exec plugins:
// inside the binary's directory (ArgoCD's layout), and through a symbolic
// link to a directory at another depth (a ~/.config managed elsewhere).
func TestInstallPluginHome(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(deep, filepath.Join(root, "config")); err != nil {
		t.Fatal(err)
	}
	for name, home := range map[string]string{
		"inside":  filepath.Join(root, "tools", "kustomize-plugins"),
		"symlink": filepath.Join(root, "config", "kustomize", "plugin"),
	} {
		t.Run(name, func(t *testing.T) { checkPluginHome(t, filepath.Join(root, "tools"), home) })
	}
}

func checkPluginHome(t *testing.T, tools, home string) {
	out, errOut, code := run(t, "", "install", tools, "--kustomize-plugin-home", home)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, kind := range cli.PluginKinds() {
		link := filepath.Join(cli.PluginDir(home, kind), kind)
		target, err := os.Readlink(link)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if filepath.IsAbs(target) {
			t.Errorf("%s links to %s, want a relative link", link, target)
		}
		want, _ := filepath.EvalSymlinks(filepath.Join(tools, "eds-fn"))
		if resolved, err := filepath.EvalSymlinks(link); err != nil || resolved != want {
			t.Errorf("%s resolves to %q (%v), want %s", link, resolved, err, want)
		}
		if !strings.Contains(out, "linked "+link) {
			t.Errorf("output %q does not name %s", out, link)
		}
	}
}

// TestLinkPluginsConcurrently: runs that lay out the same plugin home at
// once (init containers, parallel CI jobs) all succeed.
func TestLinkPluginsConcurrently(t *testing.T) {
	tools := t.TempDir()
	bin, err := cli.Install(tools)
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(tools, "plugins")
	errs := make(chan error, 200*5)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range 5 {
				_, err := cli.LinkPlugins(home, bin)
				errs <- err
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	checkPluginHome(t, tools, home)
	entries, _ := os.ReadDir(cli.PluginDir(home, cli.PluginKinds()[0]))
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

// TestGenerateRefusesWhatFunctionModeRefuses: files read by "eds-fn
// generate" get the checks of a ResourceList on stdin, so an alias bomb is
// refused at once instead of being expanded by the decoding (it once ran
// for minutes and gigabytes), and a key written twice is refused too.
func TestGenerateRefusesWhatFunctionModeRefuses(t *testing.T) {
	svc := "apiVersion: platform.bizmatters.io/v1alpha1\nkind: EventDrivenService\nmetadata: {name: orders, namespace: shop}\n" +
		"spec:\n  image: ghcr.io/example/orders:v1.2.3\n  nats: {stream: ORDERS, consumer: orders-workers}\n"
	for name, tc := range map[string]struct{ doc, want string }{
		"alias bomb":   {svc + "  podAnnotations:\n" + billionLaughs("    "), "alias bomb"},
		"repeated key": {svc + "  image: ghcr.io/example/other:v1\n", `"image"`},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "svc.yaml"), []byte(tc.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			out, errOut, code := run(t, "", "generate", dir)
			if code != 1 || out != "" || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "EventDrivenService shop/orders") {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1, nothing on stdout, and an error naming the service and %s", code, clip(out), errOut, tc.want)
			}
		})
	}
}
