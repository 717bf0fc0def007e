package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestCurveSVG: the curve is well-formed XML with an <svg> root, one
// line per series, no NaN or infinity whatever the figures, and the same
// bytes for the same figures.
func TestCurveSVG(t *testing.T) {
	full := []point{
		{N: 1, Cat: 1.2, Wall: 6.5, RSS: 14, BaseWall: 5.1, BaseRSS: 13},
		{N: 10, Cat: 1.3, Wall: 9, RSS: 16, BaseWall: 7, BaseRSS: 15},
		{N: 100, Cat: 1.5, Wall: 40, RSS: 30, BaseWall: 25, BaseRSS: 25},
		{N: 1000, Cat: 3, Wall: 390, RSS: 130, BaseWall: 300, BaseRSS: 110},
		{N: 10000, Cat: 25, Wall: 4100, RSS: 1100, BaseWall: 3400, BaseRSS: 1000},
	}
	for _, tc := range []struct {
		name      string
		pts       []point
		base      string
		quick     bool
		polylines int
		label     string // a label on an axis
	}{
		{"full run with a base", full, "eds-fn at 559d873", false, 5, ">10 s<"},
		// Two decades of memory: 2 and 5 times each decade are labelled too.
		{"smoke run without a base", full[:4], "", true, 3, ">50 MiB<"},
		{"one point", full[:1], "eds-fn at &lt;x&gt; &amp; y", false, 5, ">10 ms<"},
		{"no points", nil, "", false, 0, ">1 ms<"},
		{"zero figures", []point{{N: 1}, {N: 10}}, "eds-fn at 559d873", false, 0, ">10<"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(tc.base)
			svg := curveSVG(tc.pts, base, tc.quick)
			if !bytes.Contains(svg, []byte(tc.label)) || (len(tc.pts) > 0 && !bytes.Contains(svg, []byte(tc.base))) {
				t.Errorf("no %s or %s in the SVG:\n%s", tc.label, tc.base, svg)
			}
			if !bytes.Equal(svg, curveSVG(tc.pts, base, tc.quick)) {
				t.Error("two calls give different bytes")
			}
			for _, bad := range []string{"NaN", "Inf"} {
				if bytes.Contains(svg, []byte(bad)) {
					t.Errorf("%s in the SVG:\n%s", bad, svg)
				}
			}
			d := xml.NewDecoder(bytes.NewReader(svg))
			var root string
			elements := map[string]int{}
			for {
				tok, err := d.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("not well-formed XML: %v\n%s", err, svg)
				}
				if se, ok := tok.(xml.StartElement); ok {
					if root == "" {
						root = se.Name.Space + " " + se.Name.Local
					}
					elements[se.Name.Local]++
				}
			}
			if root != "http://www.w3.org/2000/svg svg" {
				t.Errorf("root element %q, want svg in the SVG namespace", root)
			}
			if elements["polyline"] != tc.polylines {
				t.Errorf("%d lines, want %d", elements["polyline"], tc.polylines)
			}
			if tc.quick != strings.Contains(string(svg), "-quick") {
				t.Errorf("quick = %v, but the note says otherwise", tc.quick)
			}
		})
	}
}

func TestTicks(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{decade(0), "1"}, {decade(4), "10,000"}, {decade(3), "1,000"}, {decade(-1), "0.1"},
		{count(999), "999"}, {count(1000), "1,000"}, {count(1234567), "1,234,567"}, {count(-100000), "-100,000"},
		{msTick(0.1), "0.1 ms"}, {msTick(200), "200 ms"}, {msTick(1000), "1 s"}, {msTick(20000), "20 s"},
		{mibTick(5), "5 MiB"}, {mibTick(1000), "1,000 MiB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		vs     []float64
		lo, hi int
	}{{[]float64{6.5, 4100}, 0, 4}, {[]float64{0.5, 0, 3}, -1, 1}, {[]float64{10}, 1, 2}, {nil, 0, 1}} {
		if lo, hi := decades(tc.vs); lo != tc.lo || hi != tc.hi {
			t.Errorf("decades(%v) = %d, %d; want %d, %d", tc.vs, lo, hi, tc.lo, tc.hi)
		}
	}
}
