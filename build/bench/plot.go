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
	results, err := readResults(fs.Args())
	if err != nil {
		return err
	}
	series := map[string][]*Result{}
	for _, r := range results {
		series[seriesName(r)] = append(series[seriesName(r)], r)
	}
	var names []string
	for name, rs := range series {
		slices.SortFunc(rs, func(a, b *Result) int { return cmp.Compare(a.Size, b.Size) })
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	const width, height = 1000, 820
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="13">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	panels := []struct {
		title string
		value func(*Result) float64
	}{
		{"p50 latency, all operations (ms)", func(r *Result) float64 { return r.All.P50 }},
		{"p99 latency, all operations (ms)", func(r *Result) float64 { return r.All.P99 }},
		{"throughput (operations/s)", func(r *Result) float64 { return r.Throughput }},
		{"server CPU time per operation (ms)", func(r *Result) float64 { return r.CPUPerOp }},
	}
	for i, p := range panels {
		drawPanel(&b, float64(40+(i%2)*490), float64(40+(i/2)*360), 420, 290, p.title+", log scale", names, series, p.value)
	}
	for i, name := range names {
		x, y := 60+(i%3)*310, 745+(i/3)*22
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>`, x, y-4, x+24, y-4, colour(i))
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", x+30, y, name)
	}
	b.WriteString("</svg>\n")
	return os.WriteFile(*out, []byte(b.String()), 0o644)
}

// readResults reads -json results.
func readResults(paths []string) ([]*Result, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("give the JSON results to read")
	}
	var out []*Result
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		r := &Result{}
		if err := json.Unmarshal(b, r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func seriesName(r *Result) string {
	pace := ""
	if r.Rate > 0 {
		pace = fmt.Sprintf(" at %g ops/s", r.Rate)
	}
	clients := fmt.Sprintf("%d clients", r.Clients)
	if r.Clients == 1 {
		clients = "1 client"
	}
	if r.Server == "reference" {
		return fmt.Sprintf("reference server-memory, stdio, %s%s", clients, pace)
	}
	return fmt.Sprintf("engram %s, %s, %s%s", r.Backend, r.Transport, clients, pace)
}

// runTable prints results as Markdown tables: one line per run, the
// operations of each run, and Engram's ratios to the reference at each
// size.
func runTable(args []string) error {
	results, err := readResults(args)
	if err != nil {
		return err
	}
	slices.SortStableFunc(results, func(a, b *Result) int {
		return cmp.Or(cmp.Compare(a.Size, b.Size), cmp.Compare(a.Server, b.Server), cmp.Compare(seriesName(a), seriesName(b)))
	})
	fmt.Println("| memories | server | ops | ops/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms/op | peak RSS MiB | load avg |")
	fmt.Println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range results {
		fmt.Printf("| %d | %s | %d | %.1f | %.1f | %.1f | %.1f | %d | %.2f | %.0f | %s→%s |\n", r.Size, seriesName(r), r.Ops, r.Throughput,
			r.All.P50, r.All.P95, r.All.P99, r.Errors, r.CPUPerOp, float64(r.PeakRSSKiB)/1024, r.LoadAvg[0], r.LoadAvg[1])
	}
	fmt.Println()
	fmt.Println("p50 / p99 in ms per operation:")
	fmt.Println()
	fmt.Print("| memories | server |")
	for _, op := range opOrder {
		fmt.Printf(" %s |", op)
	}
	fmt.Print("\n|---:|---|")
	for range opOrder {
		fmt.Print("---:|")
	}
	fmt.Println()
	for _, r := range results {
		fmt.Printf("| %d | %s |", r.Size, seriesName(r))
		for _, op := range opOrder {
			if s, ok := r.Operations[op]; ok {
				fmt.Printf(" %.1f / %.1f |", s.P50, s.P99)
			} else {
				fmt.Print(" – |")
			}
		}
		fmt.Println()
	}
	fmt.Println()
	fmt.Println("Engram / reference (one client):")
	fmt.Println()
	fmt.Println("| memories | Engram run | throughput ratio | p50 ratio (reference ÷ Engram) | p99 ratio (reference ÷ Engram) | CPU per op ratio (reference ÷ Engram) |")
	fmt.Println("|---:|---|---:|---:|---:|---:|")
	for _, ref := range results {
		if ref.Server != "reference" || ref.Clients != 1 {
			continue
		}
		for _, r := range results {
			if r.Server != "engram" || r.Size != ref.Size || r.Rate > 0 {
				continue
			}
			fmt.Printf("| %d | %s | %.1f× | %.1f× | %.1f× | %.1f× |\n", r.Size, seriesName(r), r.Throughput/ref.Throughput,
				ref.All.P50/r.All.P50, ref.All.P99/r.All.P99, ref.CPUPerOp/r.CPUPerOp)
		}
	}
	return nil
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
