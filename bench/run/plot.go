package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The curve's SVG: two log-log panels, median wall time and median peak RSS
// against the number of services, one line per program. It is written by
// hand (a few lines of SVG need no plotting library) and depends only on
// the figures: the same run gives the same file.
const (
	svgWidth, svgHeight = 760, 330
	panelLeft, panelGap = 80, 380 // the first panel's left edge; the second's is panelGap further
	panelTop, panelW    = 60, 270
	panelH              = 210
)

type series struct {
	name, color, dash string
	ys                []float64 // one per point; 0 where not measured
}

// curveSVG draws the points; base names the base build ("" for none).
func curveSVG(pts []point, base string, quick bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", svgWidth, svgHeight, svgWidth, svgHeight)
	b.WriteString("<title>eds-fn: median wall time and peak RSS against the number of services in one ResourceList</title>\n")
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", svgWidth, svgHeight)
	ns := make([]float64, len(pts))
	pick := func(f func(point) float64) []float64 {
		v := make([]float64, len(pts))
		for i, p := range pts {
			v[i] = f(p)
		}
		return v
	}
	for i, p := range pts {
		ns[i] = float64(p.N)
	}
	edsFn := func(ys []float64) series { return series{"eds-fn", "#1f6fb4", "", ys} }
	baseOf := func(ys []float64) series { return series{base, "#c8372d", "6 4", ys} }
	timeSeries := []series{edsFn(pick(func(p point) float64 { return p.Wall }))}
	memSeries := []series{edsFn(pick(func(p point) float64 { return p.RSS }))}
	if base != "" {
		timeSeries = append(timeSeries, baseOf(pick(func(p point) float64 { return p.BaseWall })))
		memSeries = append(memSeries, baseOf(pick(func(p point) float64 { return p.BaseRSS })))
	}
	timeSeries = append(timeSeries, series{"cat of the same input", "#888888", "2 3", pick(func(p point) float64 { return p.Cat })})

	panel(&b, panelLeft, "Wall time (median)", msTick, ns, timeSeries)
	panel(&b, panelLeft+panelGap, "Peak RSS (median)", mibTick, ns, memSeries)

	// The legend: every series of the time panel (the memory panel's are
	// among them).
	x := float64(panelLeft)
	for _, s := range timeSeries {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="18" x2="%.1f" y2="18" stroke="%s" stroke-width="2"%s/>`+"\n", x, x+24, s.color, dashAttr(s.dash))
		fmt.Fprintf(&b, `<text x="%.1f" y="22">%s</text>`+"\n", x+30, esc(s.name))
		x += 30 + 7*float64(len(s.name)) + 24
	}
	note := "services in one ResourceList (log scales)"
	if quick {
		note += "; a smoke run (-quick)"
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#444">%s</text>`+"\n", svgWidth/2, svgHeight-8, esc(note))
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// panel draws one log-log panel with its left edge at left.
func panel(b *bytes.Buffer, left int, title string, tick func(float64) string, ns []float64, ss []series) {
	var ys []float64
	for _, s := range ss {
		ys = append(ys, s.ys...)
	}
	xlo, xhi := decades(ns)
	ylo, yhi := decades(ys)
	px := func(v float64) float64 {
		return float64(left) + (math.Log10(v)-float64(xlo))/float64(xhi-xlo)*panelW
	}
	py := func(v float64) float64 {
		return panelTop + panelH - (math.Log10(v)-float64(ylo))/float64(yhi-ylo)*panelH
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", left, panelTop-12, esc(title))
	for k := xlo; k <= xhi; k++ {
		x := px(math.Pow(10, float64(k)))
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x, panelTop, x, panelTop+panelH)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x, panelTop+panelH+16, decade(k))
	}
	// A decade on the y axis, and 2 and 5 times it too when the axis spans
	// no more than two decades (one decade would have only two labels).
	steps := []float64{1}
	if yhi-ylo <= 2 {
		steps = []float64{1, 2, 5}
	}
	for k := ylo; k <= yhi; k++ {
		for _, m := range steps {
			v := m * math.Pow(10, float64(k))
			if k == yhi && m > 1 {
				break
			}
			y := py(v)
			fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", left, y, left+panelW, y)
			fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", left-6, y+4, tick(v))
		}
	}
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>`+"\n", left, panelTop, panelW, panelH)
	for _, s := range ss {
		var line []string
		for i, y := range s.ys {
			if y > 0 && ns[i] > 0 {
				line = append(line, fmt.Sprintf("%.1f,%.1f", px(ns[i]), py(y)))
			}
		}
		if len(line) == 0 {
			continue
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", strings.Join(line, " "), s.color, dashAttr(s.dash))
		for _, xy := range line {
			x, y, _ := strings.Cut(xy, ",")
			fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`+"\n", x, y, s.color)
		}
	}
}

// decades is the smallest range of whole powers of ten, at least one
// decade wide, that holds every positive value (0 to 1 when there is none).
func decades(vs []float64) (lo, hi int) {
	lo, hi = math.MaxInt, math.MinInt
	for _, v := range vs {
		if v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			lo = min(lo, int(math.Floor(math.Log10(v))))
			hi = max(hi, int(math.Ceil(math.Log10(v))))
		}
	}
	if lo > hi {
		return 0, 1
	}
	if hi == lo {
		hi++
	}
	return lo, hi
}

// decade is 10^k as the x axis labels it: 1, 10, ..., 10,000.
func decade(k int) string { return number(math.Pow(10, float64(k))) }

// number is v as the axes label it: 0.2, 5, 1,000.
func number(v float64) string {
	if v >= 1000 && v == math.Trunc(v) && v < math.MaxInt32 {
		return count(int(v))
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// count is n with thousands separated by commas: 10,000.
func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// msTick labels v milliseconds.
func msTick(v float64) string {
	if v >= 1000 {
		return number(v/1000) + " s"
	}
	return number(v) + " ms"
}

// mibTick labels v MiB.
func mibTick(v float64) string { return number(v) + " MiB" }

func dashAttr(d string) string {
	if d == "" {
		return ""
	}
	return ` stroke-dasharray="` + d + `"`
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}
