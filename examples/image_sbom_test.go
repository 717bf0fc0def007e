//go:build image

package examples

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizmatters/eds-fn/internal/testutil"
	"github.com/google/go-cmp/cmp"
)

// sbomFile is the SBOM make image writes beside a platform's binary.
func sbomFile(arch string) string {
	return filepath.Join(testutil.RepoRoot(), "bin", "linux-"+arch, "eds-fn.cdx.json")
}

// cdxBOM is the part of a CycloneDX document the tests read.
type cdxBOM struct {
	BOMFormat   string `json:"bomFormat"`
	SpecVersion string `json:"specVersion"`
	Metadata    struct {
		Component  cdxComponent `json:"component"`
		Properties []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"properties"`
	} `json:"metadata"`
	Components []cdxComponent `json:"components"`
}

type cdxComponent struct {
	Name     string       `json:"name"`
	Version  string       `json:"version"`
	PURL     string       `json:"purl"`
	Licenses []cdxLicense `json:"licenses"`
	Evidence struct {
		Licenses []cdxLicense `json:"licenses"`
	} `json:"evidence"`
}

type cdxLicense struct {
	License struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"license"`
}

func (c cdxComponent) licences() []string {
	var out []string
	for _, l := range append(c.Licenses, c.Evidence.Licenses...) {
		out = append(out, l.License.ID+l.License.Name)
	}
	return out
}

func (b cdxBOM) property(name string) string {
	for _, p := range b.Metadata.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// TestImageSBOM reads the CycloneDX SBOM make image writes for each
// platform's binary: it names eds-fn with the version Go recorded in the
// binary (or make's VERSION, where Go could record none), lists exactly
// the modules the binary was linked from, with their versions, and the Go
// standard library, gives every module its licence, and describes this
// binary (its hash and platform).
func TestImageSBOM(t *testing.T) {
	img := theImage(t)
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run("linux/"+arch, func(t *testing.T) {
			binary := filepath.Join(testutil.RepoRoot(), "bin", "linux-"+arch, "eds-fn")
			var bom cdxBOM
			if err := json.Unmarshal(img.sboms[arch], &bom); err != nil {
				t.Fatalf("%s: %v", sbomFile(arch), err)
			}
			if bom.BOMFormat != "CycloneDX" || bom.SpecVersion != "1.6" {
				t.Errorf("format %s %s, want CycloneDX 1.6", bom.BOMFormat, bom.SpecVersion)
			}
			main, deps, goVersion, settings := goVersionM(t, binary)
			wantVersion := main
			if main == "(devel)" {
				wantVersion = img.version
				if !inLinkedWorktree(t) {
					t.Errorf("go recorded no version in %s, though this is a git checkout (-buildvcs)", binary)
				}
			} else if settings["vcs.revision"] != gitHead(t) {
				t.Errorf("vcs.revision %q in the binary, want HEAD %s", settings["vcs.revision"], gitHead(t))
			}
			mc := bom.Metadata.Component
			if mc.Name != "github.com/bizmatters/eds-fn" || mc.Version != wantVersion {
				t.Errorf("main component %s %s, want github.com/bizmatters/eds-fn %s", mc.Name, mc.Version, wantVersion)
			}
			if !strings.Contains(mc.PURL, "goarch="+arch) {
				t.Errorf("main component's package URL %s is not for %s", mc.PURL, arch)
			}
			got := map[string]string{}
			var unlicensed []string
			for _, c := range bom.Components {
				got[c.Name] = c.Version
				if c.Name != "std" && len(c.licences()) == 0 {
					unlicensed = append(unlicensed, c.Name)
				}
			}
			want := map[string]string{"std": goVersion}
			for path, v := range deps {
				want[path] = v
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("components differ from the binary's modules (go version -m) (-binary +sbom):\n%s", diff)
			}
			if len(unlicensed) > 0 {
				t.Errorf("no licence found for %d modules: %v", len(unlicensed), unlicensed)
			}
			if got := bom.property("cdx:gomod:binary:hash:SHA-256"); got != sumFile(t, binary) {
				t.Errorf("binary hash %s, want %s (sha256 of %s)", got, sumFile(t, binary), binary)
			}
			if got := bom.property("cdx:gomod:build:env:GOARCH"); got != arch {
				t.Errorf("GOARCH %q, want %s", got, arch)
			}
			t.Logf("%d modules, main version %s", len(bom.Components)-1, mc.Version)
		})
	}
}

// goVersionM is what "go version -m" reads from a binary: the main
// module's version, every dependency's version (after replacements), the
// Go version and the build settings.
func goVersionM(t *testing.T, binary string) (main string, deps map[string]string, goVersion string, settings map[string]string) {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", binary).Output()
	if err != nil {
		t.Fatalf("go version -m %s: %v", binary, err)
	}
	deps, settings = map[string]string{}, map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	first := true
	for sc.Scan() {
		f := strings.Split(strings.TrimSpace(sc.Text()), "\t")
		switch {
		case first:
			goVersion = strings.TrimSpace(strings.TrimPrefix(f[0], binary+":"))
			first = false
		case f[0] == "mod" && len(f) >= 3:
			main = f[2]
		case f[0] == "dep" && len(f) >= 3:
			deps[f[1]] = f[2]
		case f[0] == "=>":
			// go.mod has no replace directive; if one comes, decide what
			// the SBOM should name and teach this test
			t.Fatalf("%s was built with a replaced module, which this test does not know: %s", binary, sc.Text())
		case f[0] == "build" && len(f) >= 2:
			if k, v, ok := strings.Cut(f[1], "="); ok {
				settings[k] = v
			}
		}
	}
	return main, deps, goVersion, settings
}

func gitHead(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "-C", testutil.RepoRoot(), "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// inLinkedWorktree: a git worktree's .git is a file, which Go does not take
// for a repository (golang/go#58218), so it records no VCS data there.
func inLinkedWorktree(t *testing.T) bool {
	t.Helper()
	out, err := exec.Command("git", "-C", testutil.RepoRoot(), "rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir").Output()
	if err != nil {
		return false
	}
	dirs := strings.Fields(string(out))
	return len(dirs) == 2 && dirs[0] != dirs[1]
}
