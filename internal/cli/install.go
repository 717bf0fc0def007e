package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

const installLong = `Copy the running eds-fn binary into DIR (as DIR/eds-fn, mode 0755).

The container image is distroless: it has no shell and no cp. An ArgoCD
repo-server init container runs this command to put eds-fn on a volume that
repo-server has on its PATH:

  initContainers:
  - name: install-eds-fn
    image: ghcr.io/bizmatters/eds-fn:VERSION
    args: ["install", "/custom-tools"]
`

func newInstallCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "install DIR",
		Short: "Copy this binary into DIR (for ArgoCD repo-server init containers)",
		Long:  installLong,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dst, err := Install(args[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "installed %s\n", dst)
			return err
		},
	}
}

// Install copies the running executable to dir/eds-fn atomically: it writes a
// temporary file in dir and renames it, so a concurrent reader never sees
// half a binary.
func Install(dir string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find the running binary: %w", err)
	}
	src, err := os.Open(self)
	if err != nil {
		return "", fmt.Errorf("cannot read the running binary: %w", err)
	}
	defer src.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cannot create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".eds-fn-*")
	if err != nil {
		return "", fmt.Errorf("cannot write into %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, src); err != nil {
		tmp.Close()
		return "", fmt.Errorf("cannot copy the binary into %s: %w", dir, err)
	}
	if err := tmp.Chmod(0o755); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	dst := filepath.Join(dir, "eds-fn")
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", fmt.Errorf("cannot install %s: %w", dst, err)
	}
	return dst, nil
}
