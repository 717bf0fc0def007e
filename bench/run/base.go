package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// buildBase builds eds-fn from commit ref of the repository at repo, beside
// the binary measured, into the temporary directory: the source is taken
// with "git archive" (nothing is checked out in the repository), built
// with the Makefile's flags, and removed. A ref that the repository does
// not have (a shallow clone) is no error: the comparisons with it are
// skipped and the report says why.
func (r *runner) buildBase(repo, ref string) error {
	if ref == "" {
		r.baseNote = "-base-ref is empty"
		return nil
	}
	out, err := exec.Command("git", "-C", repo, "rev-parse", "--verify", "--quiet", ref+"^{commit}").Output()
	if err != nil {
		if abs, err := filepath.Abs(repo); err == nil {
			repo = abs
		}
		r.baseNote = fmt.Sprintf("commit %s is not in %s; a shallow clone? `git fetch --unshallow` brings it", ref, repo)
		r.progress("%s: the comparison with the base build is skipped", r.baseNote)
		return nil
	}
	commit := strings.TrimSpace(string(out))
	desc, err := exec.Command("git", "-C", repo, "log", "-1", "--format=%h (%cs, %s)", commit).Output()
	if err != nil {
		return fmt.Errorf("git log %s: %v", commit, err)
	}
	r.baseDesc = strings.TrimSpace(string(desc))
	r.progress("building eds-fn at %s", r.baseDesc)

	src := filepath.Join(r.dir, "base-src")
	if err := os.Mkdir(src, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(src)
	// The tree is a few MiB: held in memory between git and tar.
	tree, err := exec.Command("git", "-C", repo, "archive", "--format=tar", commit).Output()
	if err != nil {
		return fmt.Errorf("git archive %s: %v", commit, err)
	}
	untar := exec.Command("tar", "-x", "-C", src)
	untar.Stdin = bytes.NewReader(tree)
	if out, err := untar.CombinedOutput(); err != nil {
		return fmt.Errorf("extracting %s: %v\n%s", commit, err, out)
	}
	bin := filepath.Join(r.dir, "eds-fn-base")
	if err := goBuild(src, bin, "."); err != nil {
		return fmt.Errorf("eds-fn at %s: %v", commit[:7], err)
	}
	r.base = bin
	return nil
}

// baseName names the base build in tables: "eds-fn at 559d873".
func (r *runner) baseName() string {
	if r.base == "" {
		return ""
	}
	return "eds-fn at " + strings.Fields(r.baseDesc)[0]
}
