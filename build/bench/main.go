// Command bench is Engram's load generator. It seeds a store with a
// reproducible graph, drives the MCP server with concurrent clients running
// a mixed workload (see opMix), checks every answer, and reports latency
// percentiles per operation, throughput, errors and the server's peak
// memory, as a table and as JSON. The same workload runs on the official
// MCP memory server for comparison (-server reference).
//
//	go run ./build/bench -transport http -clients 32 -size 10000 -duration 30s -json out.json
//	go run ./build/bench -server reference -clients 32 -size 10000 -duration 30s
//	go run ./build/bench plot -o docs/benchmarks-latency.svg build/bench/results/*.json
//	go run ./build/bench table build/bench/results/*.json   # Markdown for docs/benchmarks.md
//
// A wrong answer counts as an error. The command exits 1 when any
// operation failed, so a test can run it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/client"
)

// options are the command's flags.
type options struct {
	server    string
	transport string
	backend   string
	clients   int
	duration  time.Duration
	ops       int
	size      int
	seed      uint64
	engram    string
	node      string
	reference string
	jsonOut   string
	timeout   time.Duration
	rate      float64
	seedCache string
}

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "plot" || os.Args[1] == "table") {
		run := map[string]func([]string) error{"plot": runPlot, "table": runTable}[os.Args[1]]
		if err := run(os.Args[2:]); err != nil {
			fmt.Fprintf(os.Stderr, "bench %s: %v\n", os.Args[1], err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.server, "server", "engram", "server under test: engram or reference (the official MCP memory server)")
	flag.StringVar(&o.transport, "transport", "http", "Engram's transport: http (one engram serve, a session per client) or stdio (an engram mcp --direct per client)")
	flag.StringVar(&o.backend, "backend", "sqlite", "Engram's store: sqlite, or neo4j (configured by NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE; each run works in a namespace of its own, left in the database afterwards, unless ENGRAM_NEO4J_NAMESPACE names one, which must be empty)")
	flag.IntVar(&o.clients, "clients", 8, "concurrent clients, each with its own MCP session")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "how long to run (ends earlier when -ops are done)")
	flag.IntVar(&o.ops, "ops", 0, "operations to run over all clients; 0 runs for -duration")
	flag.IntVar(&o.size, "size", 1000, "memories to seed the graph with before the run")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the graph and of each client's operations")
	flag.StringVar(&o.engram, "engram", "", "the engram binary; empty builds one from this module")
	flag.StringVar(&o.node, "node", "node", "node, to run the reference server")
	flag.StringVar(&o.reference, "reference", "build/bench/reference", "the npm project holding the reference server (npm ci there first)")
	flag.StringVar(&o.jsonOut, "json", "", "also write the result as JSON to this file")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "longest wait for one operation")
	flag.StringVar(&o.seedCache, "seedcache", "", "keep seeded SQLite stores in this directory and reuse them (same size and seed)")
	flag.Float64Var(&o.rate, "rate", 0, "operations per second over all clients, each client paced evenly; 0 runs every client flat out (a saturation test)")
	flag.Parse()
	if err := o.check(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	res.print(os.Stdout)
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	if res.Errors > 0 {
		os.Exit(1)
	}
}

func (o *options) check() error {
	switch {
	case o.server != "engram" && o.server != "reference":
		return fmt.Errorf("-server %q: use engram or reference", o.server)
	case o.transport != "http" && o.transport != "stdio":
		return fmt.Errorf("-transport %q: use http or stdio", o.transport)
	case o.backend != "sqlite" && o.backend != "neo4j":
		return fmt.Errorf("-backend %q: use sqlite or neo4j", o.backend)
	case o.clients < 1:
		return fmt.Errorf("-clients must be at least 1")
	case o.size < 2:
		return fmt.Errorf("-size must be at least 2 (a graph needs two memories to relate)")
	case o.duration <= 0 && o.ops <= 0:
		return fmt.Errorf("give a -duration or a number of -ops")
	case o.rate < 0:
		return fmt.Errorf("-rate must not be negative")
	}
	if o.server == "reference" {
		o.transport, o.backend = "stdio", ""
	}
	return nil
}

// run seeds the server, runs the workload and measures it.
func run(ctx context.Context, o options) (*Result, error) {
	dir, err := os.MkdirTemp("", "engram-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	w := newWorld(o.size, o.seed, o.clients)

	seedStart := time.Now()
	seedCached := false
	var t target
	var drv driver
	if o.server == "reference" {
		file := filepath.Join(dir, "memory.jsonl")
		if err := writeReferenceSeed(file, w); err != nil {
			return nil, err
		}
		rt, err := startReference(ctx, o.node, o.reference, file)
		if err != nil {
			return nil, err
		}
		t, drv = rt, referenceDriver{}
	} else {
		if o.engram == "" {
			if o.engram, err = buildEngram(dir); err != nil {
				return nil, err
			}
		}
		et, err := newEngramTarget(o.engram, o.transport, o.backend, dir)
		if err != nil {
			return nil, err
		}
		if seedCached, err = et.seed(ctx, w, o.seedCache, fmt.Sprintf("seed-%d-%d", o.size, o.seed)); err != nil {
			return nil, err
		}
		if err := et.start(ctx); err != nil {
			et.stop()
			return nil, err
		}
		t, drv = et, engramDriver{}
	}
	defer t.stop()
	seedTime := time.Since(seedStart)

	clients, err := t.connect(ctx, o.clients)
	if err != nil {
		return nil, err
	}
	if err := checkSeeded(ctx, o, clients[0]); err != nil {
		return nil, err
	}
	load, cpuBefore := loadAverage(), serverCPU(t)
	selfBefore, _ := cpuTime(os.Getpid())
	rec, elapsed := drive(ctx, o, w, drv, clients)
	selfAfter, _ := cpuTime(os.Getpid())

	res := newResult(rec, elapsed)
	res.LoadAvg = [2]string{load, loadAverage()}
	if res.Ops > 0 {
		res.CPUPerOp = float64((serverCPU(t) - cpuBefore).Microseconds()) / 1000 / float64(res.Ops)
		res.ClientCPUPerOp = float64((selfAfter - selfBefore).Microseconds()) / 1000 / float64(res.Ops)
	}
	res.Server, res.Transport, res.Backend = o.server, o.transport, o.backend
	res.Clients, res.Rate, res.Size, res.Seed, res.SeedSecs, res.SeedCached = o.clients, o.rate, o.size, o.seed, seedTime.Seconds(), seedCached
	for _, pid := range t.pids() {
		if kib, err := peakRSS(pid); err == nil {
			res.PeakRSSKiB += kib
			res.Processes++
		}
	}
	return res, nil
}

// checkSeeded makes sure the store holds exactly the seeded graph, so
// every check of the run is sound (a Neo4j namespace must start empty).
func checkSeeded(ctx context.Context, o options, c *client.Client) error {
	if o.server != "engram" {
		return nil
	}
	var stats struct {
		Memories int `json:"memories"`
	}
	if err := callTool(ctx, c, "get_memory_statistics", nil, &stats); err != nil {
		return err
	}
	if stats.Memories != o.size {
		return fmt.Errorf("the store holds %d memories after seeding %d: start from an empty store", stats.Memories, o.size)
	}
	return nil
}

// drive runs the clients until the time or the operations run out.
func drive(ctx context.Context, o options, w *world, drv driver, clients []*client.Client) (*recorder, time.Duration) {
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	nonce := strconv.FormatInt(time.Now().UnixNano()%1_000_000_007, 36)
	var left atomic.Int64
	left.Store(int64(o.ops))
	recs := make([]*recorder, len(clients))
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range clients {
		recs[i] = newRecorder()
		s := newSession(i, len(clients), w, o.seed, nonce)
		wg.Go(func() {
			pace := newPacer(o.rate, len(clients), i)
			for ctx.Err() == nil && (o.ops == 0 || left.Add(-1) >= 0) {
				op := s.nextOp()
				began := pace.wait(ctx)
				callCtx, cancel := context.WithTimeout(ctx, o.timeout)
				err := drv.do(callCtx, s, c, op)
				took := time.Since(began)
				cancel()
				if errors.Is(err, errSkip) || (err != nil && ctx.Err() != nil) {
					continue // nothing to do, or cut short by the end of the run
				}
				recs[i].add(op, took, err)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := newRecorder()
	for _, r := range recs {
		all.merge(r)
	}
	return all, elapsed
}

// pacer spaces a client's operations evenly when a rate is set.
type pacer struct {
	every time.Duration // 0: no pacing
	next  time.Time
}

// newPacer paces client i of n to its share of rate operations a second,
// the clients' schedules staggered so they do not all start at once.
func newPacer(rate float64, n, i int) *pacer {
	if rate <= 0 {
		return &pacer{}
	}
	every := time.Duration(float64(n) / rate * float64(time.Second))
	return &pacer{every: every, next: time.Now().Add(every * time.Duration(i) / time.Duration(n))}
}

// wait sleeps until the next operation is due and returns when it was
// due: latency counts from then, so a server that falls behind its
// schedule is charged for the wait (no coordinated omission).
func (p *pacer) wait(ctx context.Context) time.Time {
	if p.every == 0 {
		return time.Now()
	}
	due := p.next
	p.next = p.next.Add(p.every)
	select {
	case <-time.After(time.Until(due)):
	case <-ctx.Done():
	}
	return due
}

// buildEngram builds the engram binary of the module in the working
// directory into dir.
func buildEngram(dir string) (string, error) {
	bin := filepath.Join(dir, "engram")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build engram (run bench from the module root or give -engram): %v\n%s", err, out)
	}
	return bin, nil
}
