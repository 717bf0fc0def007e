package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/module"
)

// version and commit are set at link time by the Makefile:
// -ldflags "-X github.com/bizmatters/eds-fn/internal/cli.version=v1.2.3".
// commit is for builds whose source has no .git (an image built from a
// copy of the tree): elsewhere Go records the revision itself.
var (
	version = ""
	commit  = ""
)

// BuildInfo is what "eds-fn version" says about the binary.
type BuildInfo struct {
	Version   string // the -X version, else the module version, else "devel"
	Commit    string // full revision, or "" when the build does not know it
	Modified  bool   // built from a tree with uncommitted changes
	GoVersion string // the toolchain that built it
	Platform  string // GOOS/GOARCH
	// CommitFrom says where Commit came from, or why there is none.
	CommitFrom string
}

// ReadBuildInfo is the binary's BuildInfo.
func ReadBuildInfo() BuildInfo {
	bi, _ := debug.ReadBuildInfo()
	return buildInfo(bi, version, commit)
}

// buildInfo works out the BuildInfo from what Go recorded (bi, nil when
// nothing was) and the link-time values. Each way eds-fn is built leaves
// something else: "make build" in a git checkout has the -X version and
// Go's vcs.revision; "go install github.com/bizmatters/eds-fn@v1.2.3" has
// the module version and no VCS data (the module zip holds no .git), the
// revision then being the tag's; "@<commit>" has a pseudo-version, which
// ends in the commit's first 12 hex digits; "go build" in a tree without
// .git has neither.
func buildInfo(bi *debug.BuildInfo, linkVersion, linkCommit string) BuildInfo {
	info := BuildInfo{Version: linkVersion, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	var modVersion string
	if bi != nil {
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			modVersion = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Commit, info.CommitFrom = s.Value, "vcs.revision"
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if info.Commit == "" && linkCommit != "" {
		info.Commit, info.CommitFrom = linkCommit, "set at link time"
	}
	if info.Version == "" {
		info.Version = modVersion
	}
	if info.Commit == "" && modVersion != "" {
		if module.IsPseudoVersion(modVersion) {
			if rev, err := module.PseudoVersionRev(modVersion); err == nil {
				info.Commit, info.CommitFrom = rev, "the pseudo-version "+modVersion
			}
		} else {
			info.CommitFrom = "not recorded: go install of the module version " + modVersion + "; the tag " + strings.TrimSuffix(modVersion, "+incompatible") + " names it"
		}
	}
	if info.Version == "" {
		info.Version = "devel"
		if info.Commit != "" {
			info.Version = "devel+" + short(info.Commit)
		}
	}
	if info.Commit == "" && info.CommitFrom == "" {
		info.CommitFrom = "not recorded: built without VCS information (no .git, or -buildvcs=false)"
	}
	return info
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// Version is the build's version, as "eds-fn --version" prints it.
func Version() string { return ReadBuildInfo().Version }

// String is the text of "eds-fn version".
func (b BuildInfo) String() string {
	c := b.Commit
	switch {
	case c == "":
		c = "unknown (" + b.CommitFrom + ")"
	case b.Modified:
		c += " (modified: built with uncommitted changes)"
	}
	return fmt.Sprintf("eds-fn %s\ncommit: %s\ngo: %s %s\n", b.Version, c, b.GoVersion, b.Platform)
}

// printVersion writes "eds-fn VERSION" (--version), or with full, what
// "eds-fn version" prints.
func printVersion(cmd *cobra.Command, full bool) error {
	b := ReadBuildInfo()
	text := "eds-fn " + b.Version + "\n"
	if full {
		text = b.String()
	}
	if _, err := fmt.Fprint(cmd.OutOrStdout(), text); err != nil {
		return failed(fmt.Errorf("cannot write the version: %w", err))
	}
	return nil
}
