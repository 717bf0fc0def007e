package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/bench"
	"github.com/bizmatters/eds-fn/internal/krm"
	"github.com/bizmatters/eds-fn/internal/resourcelist"
	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// referenceRun is RunFunction as it was before the ResourceList was read
// and written by resourcelist.go: kyaml's framework.Execute and
// kio.ByteReadWriter, after a separate parse that checks the input. The new
// path must print the same bytes for every input both accept.
func referenceRun(data []byte, out, errOut io.Writer) int {
	if len(bytes.TrimSpace(data)) == 0 {
		fmt.Fprintf(errOut, "error: %s\n", errEmptyInput)
		return 1
	}
	var buf bytes.Buffer
	rw := &kio.ByteReadWriter{Reader: bytes.NewReader(data), Writer: &buf, KeepReaderAnnotations: true}
	var results krm.Results
	proc := krm.ResourceListProcessorFunc(func(rl *krm.ResourceList) error {
		p, err := DefaultProcessors(rl.FunctionConfig)
		if err != nil {
			rl.Results = append(rl.Results, &krm.Result{
				Message: err.Error(), Severity: krm.Error, ResourceRef: krm.ResourceRef(rl.FunctionConfig),
			})
			results = rl.Results
			return rl.Results
		}
		err = p.Process(rl)
		rl.Results = krm.Capped(rl.Results) // as RunFunction does
		results = rl.Results
		return err
	})
	err := framework.Execute(testutil.Framework(proc), rw)
	krm.Print(errOut, results, krm.Warning)
	if err != nil {
		var rs framework.Results
		if !errors.As(err, &rs) {
			fmt.Fprintf(errOut, "error: %v\n", err)
			return 1
		}
		_, _ = out.Write(buf.Bytes())
		return 1
	}
	_, _ = out.Write(buf.Bytes())
	return 0
}

// equivalenceInputs are ResourceLists of every kind the function handles:
// the benchmark inputs (across the encoder's batch size), every golden case
// of the generator and the transformer, and inputs with comments.
func equivalenceInputs(t testing.TB) map[string][]byte {
	in := map[string][]byte{
		"generator-position": bench.GeneratorList(3),
		"transformer-small":  bench.TransformerList(300, 40),
	}
	for _, n := range []int{0, 1, 2, resourcelist.ItemsPerEncoder - 1, resourcelist.ItemsPerEncoder, resourcelist.ItemsPerEncoder + 1, 3*resourcelist.ItemsPerEncoder + 5} {
		in[fmt.Sprintf("items-%d", n)] = bench.ItemsList(n)
		in[fmt.Sprintf("bulk-%d", n)] = bench.BulkList(n)
	}
	// kpt packages: path and index annotations on every item, a second
	// render over the first's output, and a renamed service.
	kpt, _ := filepath.Glob(filepath.Join("testdata", "kpt", "*", "*.yaml"))
	for _, f := range kpt {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		in["kpt/"+filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f)] = data
		// One spelling of the annotations only.
		for _, drop := range []string{" internal.config.kubernetes.io/", " config.kubernetes.io/"} {
			var kept []string
			for _, line := range strings.Split(string(data), "\n") {
				if !strings.Contains(line, drop+"path:") && !strings.Contains(line, drop+"index:") {
					kept = append(kept, line)
				}
			}
			in["kpt-without"+drop+"/"+filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f)] = []byte(strings.Join(kept, "\n"))
		}
	}
	// Odd shapes: complex keys, flow style, comments, anchors.
	odd := func(items string) []byte {
		return []byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: {apiVersion: platform.bizmatters.io/v1alpha1, kind: NATSHeadlessEndpoint, metadata: {name: n}}\nitems:\n" + items)
	}
	in["odd/complex-keys"] = odd("- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {? [x, y] : z, ? {a: b} : c}}\n")
	in["odd/nested-sequences"] = odd("- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  x:\n  - - a\n    - b\n  - []\n  - {}\n  - [c, [d, {e: f}]]\n")
	in["odd/scalars"] = odd("- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {a: '', b: ' x', c: \"yes\", d: 'on', e: \"1\", f: \"a: b\", g: \"#x\", h: \"x #y\", i: \"- x\", j: \"[x]\", k: \"\\t\", l: \"é\", m: \"a\\nb\", n: !!binary aGk=, o: !custom x, p: 0x1F, q: 1e3, r: .inf, s: ~, t: 2001-12-14, u: \"\\u2028\"}\n")
	in["odd/literal-blocks"] = odd("- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data:\n    a: |\n      line\n\n      after blank\n    b: >-\n      folded\n      text\n    c: |+\n      keep\n\n")
	in["odd/tags-and-styles"] = odd("- !!map {apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: !!map {a: !!str 1, b: !!int 2}, list: !!seq [a]}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n  data: {\"quoted key\": 'single', 'k2': \"double\"}\n")
	in["odd/long-strings"] = odd("- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {a: " + strings.Repeat("word ", 300) + "end, " + strings.Repeat("k", 200) + ": v}\n")
	root := filepath.Join("..", "..")
	configs, _ := filepath.Glob(filepath.Join(root, "generator", "testdata", "*", "config.yaml"))
	for _, c := range configs {
		data, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		in["generator/"+filepath.Base(filepath.Dir(c))] = generatorList(t, string(data))
	}
	inputs, _ := filepath.Glob(filepath.Join(root, "transformers", "testdata", "*", "input.yaml"))
	for _, f := range inputs {
		cfg, err := os.ReadFile(filepath.Join(filepath.Dir(f), "config.yaml"))
		if err != nil {
			continue
		}
		items, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(filepath.Dir(f))
		in["transformer/"+name] = listOf(t, string(cfg), string(items), 1)
		in["transformer-repeated/"+name] = listOf(t, string(cfg), string(items), resourcelist.ItemsPerEncoder/2+3)
		in["transformer-inner-comments/"+name] = listOf(t, string(cfg), string(items), -(resourcelist.ItemsPerEncoder/2 + 3))
	}
	return in
}

// generatorList is kustomize's generator input for one config file.
func generatorList(t testing.TB, config string) []byte {
	t.Helper()
	cfg, err := yaml.Parse(config)
	if err != nil {
		t.Fatal(err)
	}
	item := cfg.Copy()
	_ = item.PipeE(yaml.SetAnnotation("config.kubernetes.io/local-config", "true"))
	var b bytes.Buffer
	w := kio.ByteWriter{Writer: &b, FunctionConfig: cfg, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion, KeepReaderAnnotations: true}
	if err := w.Write([]*yaml.RNode{item}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// listOf wraps the documents of stream (repeated n times) and a config into
// a ResourceList, keeping their comments. A negative n drops the comments of
// the items themselves (not of their fields), so that they are written in
// batches.
func listOf(t testing.TB, config, stream string, n int) []byte {
	t.Helper()
	inner := n < 0
	if inner {
		n = -n
	}
	cfg, err := yaml.Parse(config)
	if err != nil {
		t.Fatal(err)
	}
	var items []*yaml.RNode
	for range n {
		docs, err := (&kio.ByteReader{Reader: strings.NewReader(stream), OmitReaderAnnotations: true}).Read()
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, docs...)
	}
	for _, it := range items {
		if inner {
			it.YNode().HeadComment, it.YNode().LineComment, it.YNode().FootComment = "", "", ""
		}
	}
	var b bytes.Buffer
	w := kio.ByteWriter{Writer: &b, FunctionConfig: cfg, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion, KeepReaderAnnotations: true}
	if err := w.Write(items); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestEquivalentToKyamlExecute: the same stdout, stderr and exit code as
// the reference for every input, byte for byte.
func TestEquivalentToKyamlExecute(t *testing.T) {
	for name, data := range equivalenceInputs(t) {
		t.Run(name, func(t *testing.T) { checkEquivalent(t, data) })
	}
}

func checkEquivalent(t *testing.T, data []byte) {
	t.Helper()
	var wantOut, wantErr, gotOut, gotErr bytes.Buffer
	wantCode := referenceRun(data, &wantOut, &wantErr)
	gotCode := RunFunction(bytes.NewReader(data), &gotOut, &gotErr, DefaultProcessors)
	if gotCode != wantCode {
		t.Errorf("exit %d, reference %d (stderr %q, reference %q)", gotCode, wantCode, gotErr.String(), wantErr.String())
	}
	if diff := cmp.Diff(wantErr.String(), gotErr.String()); diff != "" {
		t.Errorf("stderr (-reference +new):\n%s", diff)
	}
	if diff := cmp.Diff(wantOut.String(), gotOut.String()); diff != "" {
		t.Errorf("stdout (-reference +new):\n%s", diff)
	}
}

// FuzzEquivalentToKyamlExecute: for any input that both paths accept, the
// same output. Inputs with aliases are skipped (the new path expands those
// that would point out of their item), and so is what the new path refuses
// as it reads (duplicate keys, alias bombs, several documents, ...), and
// so are inputs with scalars the old path does not write back as they were
// (FuzzKeepValues) or an empty document before the ResourceList (which
// kio.ByteReader then takes for a loose object).
func FuzzEquivalentToKyamlExecute(f *testing.F) {
	for _, data := range equivalenceInputs(f) {
		if len(data) < 64<<10 {
			f.Add(data)
		}
	}
	// More results than are shown: one ScaledObject with 400 bad triggers.
	var triggers strings.Builder
	triggers.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: {apiVersion: platform.bizmatters.io/v1alpha1, kind: NATSHeadlessEndpoint, metadata: {name: n}, spec: {endpoint: 'nats-headless.nats.svc:8222'}}\n")
	triggers.WriteString("items:\n- apiVersion: keda.sh/v1alpha1\n  kind: ScaledObject\n  metadata: {name: many}\n  spec:\n    triggers:\n")
	for i := range 400 {
		fmt.Fprintf(&triggers, "    - {type: nats-jetstream, metadata: [%d]}\n", i)
	}
	f.Add([]byte(triggers.String()))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 || bytes.ContainsAny(data, "*&") || restyles(data) || emptyFirst(data) {
			return
		}
		var gotOut, gotErr bytes.Buffer
		gotCode := RunFunction(bytes.NewReader(data), &gotOut, &gotErr, DefaultProcessors)
		if n := strings.Count(gotErr.String(), "\n"); n > krm.MaxResults+1 {
			t.Fatalf("%d lines on stderr: the results are not capped", n)
		}
		if gotCode != 0 && gotOut.Len() == 0 {
			return // refused: the hostile-input tests cover the messages
		}
		var wantOut, wantErr bytes.Buffer
		wantCode, panicked := func() (code int, panicked bool) {
			defer func() {
				if recover() != nil {
					panicked = true
				}
			}()
			return referenceRun(data, &wantOut, &wantErr), false
		}()
		if panicked {
			return // the old path's own crash
		}
		if wantCode != 0 && gotCode != 0 {
			// Both refuse; the old path reads the wrapper itself as an
			// object (and may trip over its metadata), the new one does
			// not: their messages may differ.
			return
		}
		if gotCode != wantCode || gotOut.String() != wantOut.String() {
			t.Fatalf("exit %d, reference %d\nstdout (-reference +new):\n%s", gotCode, wantCode, cmp.Diff(wantOut.String(), gotOut.String()))
		}
	})
}

// emptyFirst reports whether data starts with an empty document.
func emptyFirst(data []byte) bool {
	var doc yaml.Node
	err := yaml.NewDecoder(bytes.NewReader(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")))).Decode(&doc)
	return err == nil && yaml.IsYNodeEmptyDoc(&doc)
}
