package main

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// row is one line of the report's summary table: a figure, what it is
// compared with, and the target, if it has one.
type row struct {
	// Order sorts the rows: the targets first, in BENCHMARKS.md's order
	// ("a1" ... "d"), then the other figures in the order measured ("z").
	Order   string
	What    string
	Figure  string
	Against string // what it is compared with, and its figure
	Ratio   string
	Target  string // "" for a figure reported without a target
	Met     bool
	// Missing says why the figure or what it is compared with was not
	// measured (Ratio is then empty).
	Missing string
}

func (r *runner) row(x row) { r.rows = append(r.rows, x) }

func (x row) result() string {
	switch {
	case x.Missing != "":
		return "not measured: " + x.Missing
	case x.Target == "":
		return "(report only)"
	case x.Met:
		return "met"
	}
	return "**not met**"
}

// ratio formats a ratio, and "—" for none.
func ratio(v float64) string {
	if v == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", v)
}

// report is the whole Markdown report: the machine, the summary table and
// every section's details.
func (r *runner) report() []byte {
	var b bytes.Buffer
	b.WriteString("<!-- Written by bench/run (make bench); edit bench/run, not this section. -->\n\n")
	if r.quick {
		b.WriteString("**A smoke run (`bench/run -quick`): a few runs of each command and no 10,000-service case. These are not the page's figures; `make bench` measures them.**\n\n")
	}
	b.Write(r.header.Bytes())
	b.WriteString("| Measured | Figure | Compared with | Ratio | Target | Result |\n|---|---:|---|---:|---:|---|\n")
	rows := slices.Clone(r.rows)
	slices.SortStableFunc(rows, func(a, b row) int { return strings.Compare(a.Order, b.Order) })
	for _, x := range rows {
		dash := func(s string) string {
			if s == "" {
				return "—"
			}
			return s
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", x.What, dash(x.Figure), dash(x.Against), dash(x.Ratio), dash(x.Target), x.result())
	}
	b.WriteString("\n")
	if r.svgLink != "" {
		fmt.Fprintf(&b, "![Median wall time and peak RSS against the number of services in one ResourceList](%s)\n\n", r.svgLink)
	}
	b.Write(r.out.Bytes())
	return bytes.TrimRight(b.Bytes(), "\n")
}

const (
	startMarker = "<!-- bench:start -->"
	endMarker   = "<!-- bench:end -->"
)

// replaceSection replaces what stands between the markers in doc with body.
func replaceSection(doc, body []byte) ([]byte, error) {
	start := bytes.Index(doc, []byte(startMarker))
	end := bytes.Index(doc, []byte(endMarker))
	if start < 0 || end < 0 || end < start || bytes.Count(doc, []byte(startMarker)) != 1 || bytes.Count(doc, []byte(endMarker)) != 1 {
		return nil, errors.New("the file needs one " + startMarker + " line and, after it, one " + endMarker + " line")
	}
	var out bytes.Buffer
	out.Write(doc[:start+len(startMarker)])
	out.WriteString("\n")
	if len(body) > 0 {
		out.Write(bytes.TrimRight(body, "\n"))
		out.WriteString("\n")
	}
	out.Write(doc[end:])
	return out.Bytes(), nil
}
