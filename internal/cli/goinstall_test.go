package cli_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// TestVersionOfGoInstall: "go install github.com/bizmatters/eds-fn@<tag>"
// builds from the module zip, where there is no .git and no -X: the binary
// says the tag and that the commit was not recorded. The module is served
// from a file proxy made of the working tree (git's files, as a release
// would hold them), its dependencies from the local module cache, into a
// module cache of the test's own (nothing is added to the shared one; the
// module proxy only for what the local cache lacks). -trimpath lets the
// build reuse what the build cache holds from "make build".
func TestVersionOfGoInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary from a module zip")
	}
	root := testutil.RepoRoot()
	listed, err := exec.Command("git", "-C", root, "ls-files", "-co", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	const path, tag = "github.com/bizmatters/eds-fn", "v0.9.9"
	proxy := t.TempDir()
	dir := filepath.Join(proxy, path, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var files []zip.File
	for _, f := range strings.Split(strings.TrimSpace(string(listed)), "\n") {
		// Nested modules (e2e/, tools/) are not part of this one; zip.Create
		// refuses what a module zip may not hold, so leave them out here.
		if strings.HasPrefix(f, "e2e/") || strings.HasPrefix(f, "tools/") {
			continue
		}
		if fi, err := os.Lstat(filepath.Join(root, f)); err == nil && fi.Mode().IsRegular() {
			files = append(files, zipFile{root: root, path: f, info: fi})
		}
	}
	var buf bytes.Buffer
	if err := zip.Create(&buf, module.Version{Path: path, Version: tag}, files); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		tag + ".zip":  buf.Bytes(),
		tag + ".mod":  gomod,
		tag + ".info": []byte(`{"Version":"` + tag + `","Time":"2026-12-01T00:00:00Z"}`),
		"list":        []byte(tag + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	gobin := t.TempDir()
	install := exec.Command("go", "install", path+"@"+tag)
	install.Dir = t.TempDir()
	install.Env = append(os.Environ(),
		"GOPROXY=file://"+proxy+",file://"+filepath.Join(strings.TrimSpace(string(cache)), "cache", "download")+",https://proxy.golang.org",
		"GOMODCACHE="+t.TempDir(), "GOFLAGS=-modcacherw -trimpath", "GONOSUMDB="+path, "GOBIN="+gobin, "CGO_ENABLED=0")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(gobin, "eds-fn"), "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "eds-fn " + tag + "\ncommit: unknown (not recorded: go install of the module version " + tag + "; the tag " + tag + " names it)\ngo: go1."; !strings.HasPrefix(string(out), want) {
		t.Errorf("eds-fn version after go install printed:\n%s\nwant it to start with:\n%s", out, want)
	}
}

// zipFile is a file of the working tree for zip.Create.
type zipFile struct {
	root, path string
	info       os.FileInfo
}

func (f zipFile) Path() string                 { return f.path }
func (f zipFile) Lstat() (os.FileInfo, error)  { return f.info, nil }
func (f zipFile) Open() (io.ReadCloser, error) { return os.Open(filepath.Join(f.root, f.path)) }
