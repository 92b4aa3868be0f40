package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
)

// runPlot draws latency and throughput against graph size from -json
// results as an SVG: one line per server, transport and client count.
func runPlot(args []string) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	out := fs.String("o", "benchmarks.svg", "the SVG file to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("give the JSON results to plot")
	}
	series := map[string][]*Result{}
	for _, path := range fs.Args() {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		r := &Result{}
		if err := json.Unmarshal(b, r); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		series[seriesName(r)] = append(series[seriesName(r)], r)
	}
	var names []string
	for name, rs := range series {
		slices.SortFunc(rs, func(a, b *Result) int { return cmp.Compare(a.Size, b.Size) })
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	const width, height = 1000, 430
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="13">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	panels := []struct {
		title string
		value func(*Result) float64
	}{
		{"p99 latency, all operations (ms, log scale)", func(r *Result) float64 { return r.All.P99 }},
		{"throughput (operations/s, log scale)", func(r *Result) float64 { return r.Throughput }},
	}
	for i, p := range panels {
		drawPanel(&b, float64(40+i*490), 40, 420, 290, p.title, names, series, p.value)
	}
	for i, name := range names {
		x, y := 60+(i%3)*310, 380+(i/3)*22
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>`, x, y-4, x+24, y-4, colour(i))
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", x+30, y, name)
	}
	b.WriteString("</svg>\n")
	return os.WriteFile(*out, []byte(b.String()), 0o644)
}

func seriesName(r *Result) string {
	if r.Server == "reference" {
		return fmt.Sprintf("reference server-memory, stdio, %d clients", r.Clients)
	}
	return fmt.Sprintf("engram %s, %s, %d clients", r.Backend, r.Transport, r.Clients)
}

func colour(i int) string {
	palette := []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"}
	return palette[i%len(palette)]
}

// drawPanel plots value against size on log-log axes in the box at (x, y).
func drawPanel(b *strings.Builder, x, y, w, h float64, title string, names []string, series map[string][]*Result, value func(*Result) float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	minSize, maxSize := math.Inf(1), math.Inf(-1)
	for _, rs := range series {
		for _, r := range rs {
			if v := value(r); v > 0 {
				lo, hi = min(lo, v), max(hi, v)
			}
			minSize, maxSize = min(minSize, float64(r.Size)), max(maxSize, float64(r.Size))
		}
	}
	if math.IsInf(lo, 1) {
		return
	}
	lo, hi = math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))
	if maxSize == minSize {
		maxSize = minSize * 10
	}
	px := func(size float64) float64 {
		return x + 50 + (w-70)*(math.Log10(size)-math.Log10(minSize))/(math.Log10(maxSize)-math.Log10(minSize))
	}
	py := func(v float64) float64 {
		return y + h - 30 - (h-40)*(math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" font-weight="bold">%s</text>`+"\n", x+50, y-10, title)
	fmt.Fprintf(b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#888"/>`+"\n", x+50, y+10, w-70, h-40)
	for v := lo; v <= hi*1.001; v *= 10 {
		fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#ddd"/>`, x+50, py(v), x+w-20, py(v))
		fmt.Fprintf(b, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", x+45, py(v)+4, tick(v))
	}
	for s := minSize; s <= maxSize*1.001; s *= 10 {
		fmt.Fprintf(b, `<text x="%.1f" y="%.0f" text-anchor="middle">%s</text>`+"\n", px(s), y+h-12, tick(s))
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" text-anchor="middle">memories in the graph</text>`+"\n", x+w/2+15, y+h+8)
	for i, name := range names {
		var pts []string
		for _, r := range series[name] {
			if v := value(r); v > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(float64(r.Size)), py(v)))
				fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>`, px(float64(r.Size)), py(v), colour(i))
			}
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), colour(i))
	}
}

func tick(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%gk", v/1000)
	case v >= 1:
		return fmt.Sprintf("%g", v)
	}
	return fmt.Sprintf("%.2g", v)
}
