package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/cli"
	"github.com/bizmatters/eds-fn/internal/krm"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// A panic (a bug) is one line on stderr and exit 1; with EDS_FN_DEBUG=1
// the stack of the panic follows, for the report.
func TestPanicStackWithDebug(t *testing.T) {
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte("apiVersion: platform.bizmatters.io/v1alpha1\nkind: ExpandEventDrivenServices\nmetadata: {name: x}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := func(*yaml.RNode) (krm.ResourceListProcessor, error) {
		return krm.ResourceListProcessorFunc(func(*krm.ResourceList) error { panic("boom") }), nil
	}
	for _, debug := range []string{"", "1"} {
		t.Run("EDS_FN_DEBUG="+debug, func(t *testing.T) {
			t.Setenv("EDS_FN_DEBUG", debug)
			var out, errOut bytes.Buffer
			code := cli.RunPlugin("ExpandEventDrivenServices", []string{config}, strings.NewReader(""), &out, &errOut, boom)
			if code != 1 || out.Len() != 0 || !strings.HasPrefix(errOut.String(), "error: internal error: boom;") {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
			}
			if hasStack := strings.Contains(errOut.String(), "debug_test.go:"); hasStack != (debug == "1") {
				t.Errorf("stack printed: %v, want %v:\n%s", hasStack, debug == "1", errOut.String())
			}
		})
	}
}
