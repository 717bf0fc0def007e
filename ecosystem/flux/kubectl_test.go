package flux

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/resource"
	kubectlkustomize "k8s.io/kubectl/pkg/cmd/kustomize"
)

// TestKubectlKustomize runs kubectl's own kustomize command ("kubectl
// kustomize") on examples/agent-executor: it has --enable-alpha-plugins but
// no --enable-exec, so it never runs eds-fn. Without the flag the build
// fails with the error Flux gives; with it, the exec function is skipped
// and the build prints nothing at all, with success.
func TestKubectlKustomize(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "examples/agent-executor")
	for _, c := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "no flags", args: []string{dir}, wantErr: pluginsDisabled + "EventDrivenService'"},
		{name: "--enable-exec", args: []string{"--enable-alpha-plugins", "--enable-exec", dir}, wantErr: "unknown flag: --enable-exec"},
		{name: "--enable-alpha-plugins", args: []string{"--enable-alpha-plugins", dir}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			cmd := kubectlkustomize.NewCmdKustomize(genericiooptions.IOStreams{Out: &out, ErrOut: &errOut})
			cmd.SetArgs(c.args)
			cmd.SetOut(&errOut)
			cmd.SetErr(&errOut)
			err := cmd.Execute()
			if c.wantErr == "" {
				if err != nil || out.Len() != 0 {
					t.Errorf("kubectl kustomize %s: %v, output:\n%s", strings.Join(c.args, " "), err, out.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("kubectl kustomize %s: error %v, want %q; output:\n%s", strings.Join(c.args, " "), err, c.wantErr, out.String())
			}
		})
	}
}

// TestKubectlApplyK reads examples/agent-executor as "kubectl apply -k"
// does (cli-runtime's resource builder, locally: no server is needed to
// fail): kustomize's default options, plugins disabled, no flag to change
// them.
func TestKubectlApplyK(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "examples/agent-executor")
	_, err := resource.NewLocalBuilder().Unstructured().
		FilenameParam(false, &resource.FilenameOptions{Kustomize: dir}).
		Do().Infos()
	if err == nil || !strings.Contains(err.Error(), pluginsDisabled+"EventDrivenService'") {
		t.Errorf("kubectl apply -k %s: error %v, want %q", dir, err, pluginsDisabled+"EventDrivenService'")
	}
}
