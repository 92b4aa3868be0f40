package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// recorder collects one client's latencies and errors; a run merges them.
type recorder struct {
	lat    map[opKind][]time.Duration
	errs   map[opKind]int
	sample []string // the first few error messages
}

func newRecorder() *recorder {
	return &recorder{lat: map[opKind][]time.Duration{}, errs: map[opKind]int{}}
}

func (r *recorder) add(op opKind, d time.Duration, err error) {
	r.lat[op] = append(r.lat[op], d)
	if err != nil {
		r.errs[op]++
		if len(r.sample) < 10 {
			r.sample = append(r.sample, err.Error())
		}
	}
}

func (r *recorder) merge(o *recorder) {
	for op, l := range o.lat {
		r.lat[op] = append(r.lat[op], l...)
	}
	for op, n := range o.errs {
		r.errs[op] += n
	}
	for _, s := range o.sample {
		if len(r.sample) < 10 {
			r.sample = append(r.sample, s)
		}
	}
}

// Stats summarise the latencies of one operation, in milliseconds.
type Stats struct {
	Count  int     `json:"count"`
	Errors int     `json:"errors"`
	Mean   float64 `json:"mean_ms"`
	P50    float64 `json:"p50_ms"`
	P95    float64 `json:"p95_ms"`
	P99    float64 `json:"p99_ms"`
	Max    float64 `json:"max_ms"`
}

func statsOf(lat []time.Duration, errs int) Stats {
	s := Stats{Count: len(lat), Errors: errs}
	if len(lat) == 0 {
		return s
	}
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	var sum time.Duration
	for _, d := range sorted {
		sum += d
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	at := func(q float64) float64 { return ms(sorted[min(int(q*float64(len(sorted))), len(sorted)-1)]) }
	s.Mean = ms(sum / time.Duration(len(sorted)))
	s.P50, s.P95, s.P99, s.Max = at(0.50), at(0.95), at(0.99), ms(sorted[len(sorted)-1])
	return s
}

// Result is one run, as written by -json and read by the plot command.
type Result struct {
	Server     string  `json:"server"` // engram or reference
	Transport  string  `json:"transport"`
	Backend    string  `json:"backend,omitempty"`
	Clients    int     `json:"clients"`
	Rate       float64 `json:"rate,omitempty"` // paced operations a second; 0 for flat out
	Size       int     `json:"size"`
	Seed       uint64  `json:"seed"`
	SeedSecs   float64 `json:"seed_seconds"`
	SeedCached bool    `json:"seed_cached"` // copied from -seedcache rather than imported
	Seconds    float64 `json:"seconds"`
	Ops        int     `json:"ops"`
	Errors     int     `json:"errors"`
	Throughput float64 `json:"throughput_ops_per_s"`
	PeakRSSKiB int64   `json:"peak_rss_kib"` // summed over the server's processes
	// CPUPerOp is the server's CPU time per operation in milliseconds: on
	// a shared machine it measures cost where latency measures the queue.
	CPUPerOp float64 `json:"server_cpu_ms_per_op"`
	// ClientCPUPerOp is the load generator's own, which shares the machine.
	ClientCPUPerOp float64          `json:"client_cpu_ms_per_op"`
	Processes      int              `json:"server_processes"`
	All            Stats            `json:"all"`
	Operations     map[opKind]Stats `json:"operations"`
	ErrorLog       []string         `json:"first_errors,omitempty"`
	Machine        string           `json:"machine"`
	LoadAvg        [2]string        `json:"load_average"` // the machine's 1-minute load at the start and the end
	When           time.Time        `json:"when"`
}

func newResult(rec *recorder, elapsed time.Duration) *Result {
	res := &Result{Operations: map[opKind]Stats{}, Seconds: elapsed.Seconds(), When: time.Now().UTC(), Machine: machine()}
	var all []time.Duration
	for _, op := range opOrder {
		st := statsOf(rec.lat[op], rec.errs[op])
		if st.Count == 0 {
			continue
		}
		res.Operations[op] = st
		res.Ops += st.Count
		res.Errors += st.Errors
		all = append(all, rec.lat[op]...)
	}
	res.All = statsOf(all, res.Errors)
	res.Throughput = float64(res.Ops) / elapsed.Seconds()
	res.ErrorLog = rec.sample
	return res
}

// machine describes where the run happened.
func machine() string {
	return fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
}

// loadAverage returns the machine's 1-minute load average: on a shared
// machine it says how much of the CPU the run had.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// print writes r as a table.
func (r *Result) print(w io.Writer) {
	name := r.Server
	if r.Server == "engram" {
		name += " (" + r.Backend + ")"
	}
	pace := "flat out"
	if r.Rate > 0 {
		pace = fmt.Sprintf("paced at %g ops/s", r.Rate)
	}
	how := "seeded"
	if r.SeedCached {
		how = "copied from the seed cache"
	}
	fmt.Fprintf(w, "%s over %s, %d clients %s, %d seeded memories (%s in %.1f s)\n", name, r.Transport, r.Clients, pace, r.Size, how, r.SeedSecs)
	fmt.Fprintf(w, "%-9s %8s %7s %9s %9s %9s %9s\n", "op", "count", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms")
	row := func(name string, s Stats) {
		fmt.Fprintf(w, "%-9s %8d %7d %9.2f %9.2f %9.2f %9.2f\n", name, s.Count, s.Errors, s.P50, s.P95, s.P99, s.Max)
	}
	for _, op := range opOrder {
		if s, ok := r.Operations[op]; ok {
			row(string(op), s)
		}
	}
	row("all", r.All)
	fmt.Fprintf(w, "%d ops in %.1f s: %.1f ops/s, %d errors, server CPU %.2f ms/op (client %.2f), peak RSS %.1f MiB over %d server process(es); load average %s -> %s\n",
		r.Ops, r.Seconds, r.Throughput, r.Errors, r.CPUPerOp, r.ClientCPUPerOp, float64(r.PeakRSSKiB)/1024, r.Processes, r.LoadAvg[0], r.LoadAvg[1])
	for _, e := range r.ErrorLog {
		fmt.Fprintln(w, "  error:", strings.ReplaceAll(e, "\n", " "))
	}
}
