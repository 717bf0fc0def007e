// Package testutil runs eds-fn the way users do in tests: the real binary,
// called by a real in-process kustomize build.
package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
	buildOut  []byte
)

// RepoRoot is the module root, found from this file's location.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Binary builds eds-fn once per test process and returns its path. The
// directory holding it is removed by the caller's TestMain through Cleanup.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		declareSources()
		binDir, buildErr = os.MkdirTemp("", "eds-fn-test-bin-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, "eds-fn"), ".")
		cmd.Dir = RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("building eds-fn: %v\n%s", buildErr, buildOut)
	}
	return filepath.Join(binDir, "eds-fn")
}

// declareSources stats every source file of the binary. go test caches a
// package's result keyed on the files the test opened; the binary is built
// by a child process, so without this an edited generator would not
// invalidate a cached examples test.
func declareSources() {
	_ = filepath.WalkDir(RepoRoot(), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := d.Name()
		if d.IsDir() && (strings.HasPrefix(name, ".") || name == "bin" || name == "e2e" || name == "testdata" || name == "examples") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(name, ".go") || name == "go.mod" || name == "go.sum" {
			_, _ = os.Stat(p)
		}
		return nil
	})
}

var (
	kustomizeOnce sync.Once
	kustomizeErr  error
)

// KustomizeCLI builds the kustomize CLI pinned in go.mod (its "tool" line,
// the one make example and make check-examples run) once per test process,
// next to the eds-fn binary, and returns its path.
func KustomizeCLI(t testing.TB) string {
	t.Helper()
	path := filepath.Join(filepath.Dir(Binary(t)), "kustomize")
	kustomizeOnce.Do(func() {
		cmd := exec.Command("go", "build", "-o", path, "sigs.k8s.io/kustomize/kustomize/v5")
		cmd.Dir = RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			kustomizeErr = fmt.Errorf("building the kustomize CLI: %w\n%s", err, out)
		}
	})
	if kustomizeErr != nil {
		t.Fatal(kustomizeErr)
	}
	return path
}

// Cleanup removes the binaries built by Binary and KustomizeCLI. Call it
// from TestMain.
func Cleanup() {
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
}

// OnPath puts the eds-fn binary on PATH for the rest of the test, so that
// kustomize finds "exec: {path: eds-fn}" the way it does on a user's machine.
func OnPath(t testing.TB) {
	t.Helper()
	bin := Binary(t)
	t.Setenv("PATH", filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// Kustomize runs "kustomize build --enable-alpha-plugins --enable-exec dir"
// in process, with eds-fn on PATH, and returns the YAML it prints.
func Kustomize(t testing.TB, dir string) (string, error) {
	t.Helper()
	OnPath(t)
	return Build(t, dir)
}

// Build is Kustomize without touching PATH, for tests that put their own
// eds-fn there.
func Build(t testing.TB, dir string) (string, error) {
	t.Helper()
	opts := krusty.MakeDefaultOptions()
	opts.PluginConfig = types.EnabledPluginConfig(types.BploUseStaticallyLinked)
	opts.PluginConfig.FnpLoadingOptions.EnableExec = true
	// As the kustomize CLI (and so ArgoCD) orders output without --reorder:
	// legacy order unless the kustomization sets sortOptions, so that golden
	// files equal what users see.
	opts.Reorder = krusty.ReorderOptionUnspecified
	// Exec functions run with the kustomization directory as working
	// directory; krusty resolves that from an absolute path.
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), abs)
	if err != nil {
		return "", err
	}
	out, err := m.AsYaml()
	return string(out), err
}

// WriteTree writes files (path relative to dir → content) under dir.
func WriteTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.TrimLeft(content, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// CaptureStderr runs fn with os.Stderr sent to a file and returns what was
// written. kustomize's exec runner hands a function's stderr straight to the
// process's stderr (its error only says "exit status 1"), so this is where a
// user reads eds-fn's messages. Tests using it must not run in parallel.
func CaptureStderr(t *testing.T, fn func()) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = f
	defer func() { os.Stderr = saved }()
	fn()
	os.Stderr = saved
	_ = f.Close()
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
