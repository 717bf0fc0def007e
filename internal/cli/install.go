package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

const installLong = `Copy the running eds-fn binary into DIR (as DIR/eds-fn, mode 0755).

The container image is FROM scratch: it has no shell and no cp. An ArgoCD
repo-server init container runs this command to put eds-fn on a volume that
repo-server has on its PATH:

  initContainers:
  - name: install-eds-fn
    image: ghcr.io/bizmatters/eds-fn:VERSION
    args: ["install", "/custom-tools"]

With --kustomize-plugin-home HOME it also lays out kustomize's exec plugin
directory: HOME/platform.bizmatters.io/v1alpha1/<kind>/<Kind>, a link to the
installed binary for every config kind (EventDrivenService,
ExpandEventDrivenServices, NATSHeadlessEndpoint). kustomize runs those when a
config has no function annotation and KUSTOMIZE_PLUGIN_HOME is HOME; what
bulk mode adds to a build is about halved that way (README, "Faster bulk
mode").
`

func newInstallCommand() *cobra.Command {
	var pluginHome string
	cmd := &cobra.Command{
		Use:   "install DIR",
		Short: "Copy this binary into DIR (for ArgoCD repo-server init containers)",
		Long:  installLong,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dst, err := Install(args[0])
			if err != nil {
				return failed(err)
			}
			if _, err = fmt.Fprintf(cmd.OutOrStdout(), "installed %s\n", dst); err != nil {
				return failed(err)
			}
			if pluginHome == "" {
				return nil
			}
			links, err := LinkPlugins(pluginHome, dst)
			for _, l := range links {
				fmt.Fprintf(cmd.OutOrStdout(), "linked %s\n", l)
			}
			if err != nil {
				return failed(err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&pluginHome, "kustomize-plugin-home", "", "also link the binary into this kustomize exec plugin directory (KUSTOMIZE_PLUGIN_HOME)")
	return cmd
}

// LinkPlugins makes, for every kind of PluginKinds, the file kustomize runs
// as that kind's exec plugin under home: a symbolic link to binary. The
// link is relative, computed between the real (symlink-free) paths, so
// that a directory holding both can be mounted elsewhere (ArgoCD's
// /custom-tools); each link is checked to reach the binary. An existing
// link is replaced.
func LinkPlugins(home, binary string) ([]string, error) {
	realBin, err := filepath.EvalSymlinks(binary)
	if err != nil {
		return nil, fmt.Errorf("cannot find %s: %w", binary, err)
	}
	if realBin, err = filepath.Abs(realBin); err != nil {
		return nil, err
	}
	var links []string
	for _, kind := range PluginKinds() {
		dir := PluginDir(home, kind)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return links, fmt.Errorf("cannot create %s: %w", dir, err)
		}
		realDir, err := filepath.EvalSymlinks(dir)
		if err == nil {
			realDir, err = filepath.Abs(realDir)
		}
		if err != nil {
			return links, fmt.Errorf("cannot resolve %s: %w", dir, err)
		}
		target, err := filepath.Rel(realDir, realBin)
		if err != nil {
			target = realBin
		}
		link := filepath.Join(dir, kind)
		if err := replaceLink(target, link); err != nil {
			return links, fmt.Errorf("cannot link %s: %w", link, err)
		}
		if fi, err := os.Stat(link); err != nil || !fi.Mode().IsRegular() {
			return links, fmt.Errorf("%s does not reach %s (%v)", link, binary, err)
		}
		links = append(links, link)
	}
	return links, nil
}

// replaceLink makes link a symbolic link to target, atomically: a new link
// under a name of its own, renamed over the old one. Init containers and
// CI jobs may install into the same directory at once: a fixed temporary
// name made one run remove or rename another's.
func replaceLink(target, link string) error {
	for {
		tmp := fmt.Sprintf("%s.tmp-%d-%x", link, os.Getpid(), rand.Uint64())
		err := os.Symlink(target, tmp)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.Rename(tmp, link); err != nil {
			_ = os.Remove(tmp)
			return err
		}
		return nil
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
