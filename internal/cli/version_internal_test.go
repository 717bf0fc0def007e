package cli

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBuildInfo: every way eds-fn is built prints something true about
// its version and commit (the real binary: TestVersionOfBuiltBinary).
func TestBuildInfo(t *testing.T) {
	const rev = "0555fbe1234567890abcdef0123456789abcdef0"
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "false"}}
	for _, tc := range []struct {
		name              string
		bi                *debug.BuildInfo
		linkVer, linkRev  string
		version, commitLn string
	}{
		{"make build in a checkout", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "v0.1.0-3-g0555fbe", "",
			"v0.1.0-3-g0555fbe", "commit: " + rev},
		{"make build with uncommitted changes", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "true"}}}, "v0.1.0-dirty", "",
			"v0.1.0-dirty", "commit: " + rev + " (modified: built with uncommitted changes)"},
		{"go build in a checkout", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "", "",
			"devel+0555fbe12345", "commit: " + rev},
		{"go install @tag", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.2.0"}}, "", "",
			"v0.2.0", "commit: unknown (not recorded: go install of the module version v0.2.0; the tag v0.2.0 names it)"},
		{"go install @commit", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261201101500-0555fbe12345"}}, "", "",
			"v0.0.0-20261201101500-0555fbe12345", "commit: 0555fbe12345"},
		{"image build without .git, commit at link time", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, "v0.2.0", rev,
			"v0.2.0", "commit: " + rev},
		{"go build without .git", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, "", "",
			"devel", "commit: unknown (not recorded: built without VCS information (no .git, or -buildvcs=false))"},
		{"no build info", nil, "", "", "devel", "commit: unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := buildInfo(tc.bi, tc.linkVer, tc.linkRev)
			lines := strings.Split(b.String(), "\n")
			if len(lines) != 4 || lines[3] != "" {
				t.Fatalf("not three lines: %q", b.String())
			}
			if diff := cmp.Diff([]string{"eds-fn " + tc.version, tc.commitLn}, []string{lines[0], lines[1][:min(len(lines[1]), len(tc.commitLn))]}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(lines[2], "go: go1.") {
				t.Errorf("go line: %q", lines[2])
			}
		})
	}
}
