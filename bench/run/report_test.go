package main

import (
	"strings"
	"testing"
)

// TestReplaceSection: -write replaces what stands between the markers and
// nothing else, and refuses a file without exactly one pair of them.
func TestReplaceSection(t *testing.T) {
	doc := "# Page\n\nintro\n\n" + startMarker + "\nold figures\n" + endMarker + "\n\nafter\n"
	got, err := replaceSection([]byte(doc), []byte("| new | table |\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "# Page\n\nintro\n\n" + startMarker + "\n| new | table |\n" + endMarker + "\n\nafter\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	again, err := replaceSection(got, []byte("| new | table |"))
	if err != nil || string(again) != want {
		t.Errorf("a second write changes the page: %v\n%s", err, again)
	}
	for _, bad := range []string{
		"no markers\n",
		endMarker + "\n" + startMarker + "\n",
		startMarker + "\n" + endMarker + "\n" + startMarker + "\n" + endMarker + "\n",
		startMarker + "\n",
	} {
		if _, err := replaceSection([]byte(bad), nil); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}

// TestReportOrder: the targets come first, in BENCHMARKS.md's order,
// whatever order the sections measured them in; a figure not measured
// says why.
func TestReportOrder(t *testing.T) {
	r := &runner{}
	r.row(row{Order: "z", What: "one service", Figure: "7 ms", Target: "≤ 10 ms", Met: true})
	r.row(row{Order: "b1", What: "1,000 services", Figure: "400 ms", Target: "≤ 2×", Met: false})
	r.row(row{Order: "c", What: "10,000 services", Missing: "left out of a smoke run"})
	r.row(row{Order: "a1", What: "kustomize", Figure: "120 ms", Target: "≤ 1.25×", Met: true})
	r.row(row{Order: "z", What: "size", Figure: "16 MB"})
	out := string(r.report())
	var order []string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Split(l, " | "); len(f) == 6 && f[0] != "| Measured" {
			order = append(order, strings.TrimPrefix(f[0], "| ")+": "+strings.TrimSuffix(f[5], " |"))
		}
	}
	want := []string{"kustomize: met", "1,000 services: **not met**", "10,000 services: not measured: left out of a smoke run", "one service: met", "size: (report only)"}
	if strings.Join(order, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s\nreport:\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"), out)
	}
}
