package testutil

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FragileScalars are block scalars as they are written in a file, which
// yaml.v3 (alone) does not write back with the same value.
var FragileScalars = map[string]string{
	"folded, a more-indented line":     ">\n  a\n    more indented\n  b\n",
	"folded, more-indented then blank": ">-\n  a\n\n    b\n  c\n",
	"folded, kept trailing blank":      ">+\n  x\n\n\n",
	"folded, leading blank lines":      ">\n\n\n  after blanks\n",
	"folded, trailing spaces":          ">\n  trailing   \n  next\n",
	"folded, indented first line":      ">2\n    indented first\n  b\n",
	"folded, a tab-indented line":      ">\n  a\n  \tb\n",
	"double-quoted, starts with a tab": "\"\\tx\\n  y\\n\"",
	"literal, kept blank":              "|+\n  a\n\n",
	"literal, leading spaces":          "|2\n    lead\n  x\n",
	"plain folded over lines":          "a\n    b",
	"folded, plain text":               ">\n  just one\n  paragraph\n",
	"double-quoted, tab and newline":   "\"\\tx\\ny\"",
}

// FragileData is a mapping of every fragile scalar, each line indented by
// indent, and the values it holds.
func FragileData(t testing.TB, indent string) (string, map[string]string) {
	t.Helper()
	names := make([]string, 0, len(FragileScalars))
	for name := range FragileScalars {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, name := range names {
		fmt.Fprintf(&b, "k%02d: %s\n", i, FragileScalars[name])
	}
	var want map[string]string
	if err := yaml.Unmarshal([]byte(b.String()), &want); err != nil {
		t.Fatal(err)
	}
	return indentLines(b.String(), indent), want
}

func indentLines(doc, indent string) string {
	lines := strings.SplitAfter(doc, "\n")
	for i, l := range lines {
		if l != "" && l != "\n" {
			lines[i] = indent + l
		}
	}
	return strings.Join(lines, "")
}
