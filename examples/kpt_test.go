package examples

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// kptRender does what "kpt fn render --allow-exec" does with this package's
// single exec mutator (kpt itself cannot be built here): read every resource
// of the package, Kptfile included, with path and index annotations; send
// them with the configPath resource as functionConfig to the real eds-fn
// binary; write the returned items back into files by their path.
func kptRender(t *testing.T, pkg, out string) {
	t.Helper()
	nodes, err := kio.LocalPackageReader{
		PackagePath:       pkg,
		MatchFilesGlob:    append([]string{"Kptfile"}, kio.DefaultMatch...),
		PreserveSeqIndent: true,
	}.Read()
	if err != nil {
		t.Fatal(err)
	}
	var fnConfig *yaml.RNode
	for _, n := range nodes {
		if p, _, _ := kioutil.GetFileAnnotations(n); p == "orders-worker.yaml" {
			fnConfig = n.Copy()
		}
	}
	if fnConfig == nil {
		t.Fatal("configPath orders-worker.yaml not found")
	}
	for _, a := range []string{kioutil.PathAnnotation, kioutil.IndexAnnotation, kioutil.LegacyPathAnnotation,
		kioutil.LegacyIndexAnnotation, kioutil.SeqIndentAnnotation} {
		if _, err := fnConfig.Pipe(yaml.ClearAnnotation(a)); err != nil {
			t.Fatal(err)
		}
	}
	var in bytes.Buffer
	if err := (kio.ByteWriter{Writer: &in, KeepReaderAnnotations: true, FunctionConfig: fnConfig,
		WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion}).Write(nodes); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testutil.Binary(t))
	cmd.Stdin = &in
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("eds-fn: %v\n%s", err, stderr.String())
	}
	items, err := (&kio.ByteReader{Reader: &stdout, OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	if err := (kio.LocalPackageWriter{PackagePath: out}).Write(items); err != nil {
		t.Fatal(err)
	}
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestKptPackage renders examples/kpt/package and compares every file with
// examples/kpt/expected; rendering the expected package again changes
// nothing (kpt's own test runner renders twice).
func TestKptPackage(t *testing.T) {
	first := t.TempDir()
	kptRender(t, "kpt/package", first)
	got := readTree(t, first)
	if *update {
		_ = os.RemoveAll("kpt/expected")
		for name, content := range got {
			p := filepath.Join("kpt/expected", name)
			_ = os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := readTree(t, "kpt/expected")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rendered package differs from kpt/expected (-want +got):\n%s", diff)
	}
	if yaml.MustParse(got["orders-worker.yaml"]).GetAnnotations()["config.kubernetes.io/local-config"] != "true" {
		t.Error("the EventDrivenService is not marked local-config: kpt live apply would send it")
	}

	second := t.TempDir()
	kptRender(t, "kpt/expected", second)
	if diff := cmp.Diff(want, readTree(t, second)); diff != "" {
		t.Errorf("rendering twice changed the package (-first +second):\n%s", diff)
	}
}
