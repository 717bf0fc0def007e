package doclinks

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

const root = "../.."

// pages are the Markdown files whose links are checked: README.md and
// docs/*.md, and every other page of the repository.
func pages(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".cache", "bin", "node_modules", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".md") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"README.md", "docs/api.md", "docs/kustomize.md"} {
		found := false
		for _, p := range out {
			found = found || p == filepath.Join(root, must)
		}
		if !found {
			t.Fatalf("%s not among the pages checked", must)
		}
	}
	return out
}

var (
	inlineLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	codeSpan   = regexp.MustCompile("`+[^`]*`+")
	heading    = regexp.MustCompile(`^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$`)
	htmlAnchor = regexp.MustCompile(`<a\s+(?:name|id)="([^"]+)"`)
	linkText   = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
)

// lines are a page's lines outside fenced code blocks.
func lines(src string) []string {
	var out []string
	fence := ""
	for _, l := range strings.Split(src, "\n") {
		t := strings.TrimSpace(l)
		if fence == "" && (strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")) {
			fence = t[:3]
			continue
		}
		if fence != "" {
			if strings.HasPrefix(t, fence) {
				fence = ""
			}
			continue
		}
		out = append(out, l)
	}
	return out
}

// Anchor is GitHub's anchor of a heading: the text without its markup,
// lower case, every character but letters, digits, "-", "_" and spaces
// dropped, spaces turned into "-".
func Anchor(text string) string {
	text = linkText.ReplaceAllString(text, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors are the anchors of a page: its headings (a repeated one gets
// "-1", "-2", ...) and explicit <a name>/<a id> tags.
func anchors(src string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, l := range lines(src) {
		if m := heading.FindStringSubmatch(l); m != nil {
			a := Anchor(m[2])
			if n := seen[a]; n > 0 {
				out[fmt.Sprintf("%s-%d", a, n)] = true
			} else {
				out[a] = true
			}
			seen[a]++
		}
		for _, m := range htmlAnchor.FindAllStringSubmatch(l, -1) {
			out[m[1]] = true
		}
	}
	return out
}

func TestAnchor(t *testing.T) {
	for in, want := range map[string]string{
		"Why `$G` and the headless service":                     "why-g-and-the-headless-service",
		"Rendered manifests: `generate --output`, Flux":         "rendered-manifests-generate---output-flux",
		"Faster bulk mode: eds-fn as a kustomize exec plugin":   "faster-bulk-mode-eds-fn-as-a-kustomize-exec-plugin",
		"5. Which NATS setups KEDA can read (`matrix_test.go`)": "5-which-nats-setups-keda-can-read-matrix_testgo",
		"Compatibility, measured":                               "compatibility-measured",
		"NATS × KEDA":                                           "nats--keda",
	} {
		if got := Anchor(in); got != want {
			t.Errorf("Anchor(%q) = %q, want %q", in, got, want)
		}
	}
	a := anchors("# A\n\n```\n# not a heading\n```\n## A\n### B!\n")
	for _, want := range []string{"a", "a-1", "b"} {
		if !a[want] {
			t.Errorf("anchors: %q missing from %v", want, a)
		}
	}
	if a["not-a-heading"] {
		t.Error("a comment in a code block counted as a heading")
	}
}

// TestRelativeLinksResolve: every relative link of every page names a file
// or directory that exists, and its #anchor a heading of the target page.
func TestRelativeLinksResolve(t *testing.T) {
	cache := map[string]map[string]bool{}
	anchorsOf := func(p string) map[string]bool {
		if a, ok := cache[p]; ok {
			return a
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cache[p] = anchors(string(b))
		return cache[p]
	}
	checked := 0
	for _, page := range pages(t) {
		src, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, page)
		for _, l := range lines(string(src)) {
			l = codeSpan.ReplaceAllString(l, "")
			for _, m := range inlineLink.FindAllStringSubmatch(l, -1) {
				target := strings.Trim(m[1], "<>")
				if regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`).MatchString(target) {
					continue // https:, mailto:, ...
				}
				checked++
				file, frag, _ := strings.Cut(target, "#")
				dest := page
				if file != "" {
					dest = filepath.Join(filepath.Dir(page), filepath.FromSlash(file))
					if _, err := os.Stat(dest); err != nil {
						t.Errorf("%s: link %s: %s does not exist", rel, target, file)
						continue
					}
				}
				if frag == "" {
					continue
				}
				if !strings.HasSuffix(dest, ".md") {
					t.Errorf("%s: link %s: an anchor into a file that is not Markdown", rel, target)
					continue
				}
				if !anchorsOf(dest)[frag] {
					t.Errorf("%s: link %s: no heading in %s has the anchor #%s", rel, target, filepath.Base(dest), frag)
				}
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d relative links checked", checked)
	}
}
