package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// BenchmarkStdioStoreMemory measures sequential store_memory calls end to end:
// a real client, JSON-RPC over the pipes of a real `engram mcp --direct`
// process, validation, and a durable SQLite write.
//
// ENGRAM_BENCH_SERVER_WRAP, when set, is a command line the server runs
// under, to measure the server alone on a busy machine, e.g. instructions:
//
//	GODEBUG=asyncpreemptoff=1 ENGRAM_BENCH_SERVER_WRAP='valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p' \
//	  go test -run '^$' -bench StdioStoreMemory -benchtime 1200x .
//
// (callgrind needs Go's preemption signals off.) Two runs of different
// lengths give the cost of one call: the difference over the difference.
// BenchmarkServeStdioStoreMemory in mcp measures the server side alone, in
// one process, with its CPU time per call.
func BenchmarkStdioStoreMemory(b *testing.B) {
	c := benchStdioClient(b)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		req := mcpgo.CallToolRequest{}
		req.Params.Name = "store_memory"
		req.Params.Arguments = map[string]any{
			"type": "general", "title": fmt.Sprintf("Benchmark memory %d", i),
			"content": fmt.Sprintf("Sequential store number %d through stdio, with a few words to index.", i),
			"tags":    []string{"bench"},
		}
		start := time.Now()
		res, err := c.CallTool(ctx, req)
		lat = append(lat, time.Since(start))
		if err != nil || res.IsError {
			b.Fatalf("store_memory %d: %v %v", i, err, res)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// benchStdioClient starts `engram mcp --direct`, under ENGRAM_BENCH_SERVER_WRAP
// when it is set, and initializes a client on it.
func benchStdioClient(b *testing.B) *client.Client {
	in := newInstance(b)
	wrap := strings.Fields(os.Getenv("ENGRAM_BENCH_SERVER_WRAP"))
	if len(wrap) == 0 {
		return in.stdioClient(b, "--direct")
	}
	c, err := client.NewStdioMCPClient(wrap[0], in.env, append(wrap[1:], engramBin, "mcp", "--direct")...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	initialize(b, c)
	return c
}
