package main

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// BenchmarkStdioStoreMemory measures sequential store_memory calls end to end:
// a real client, JSON-RPC over the pipes of a real `engram mcp --direct`
// process, validation, and a durable SQLite write.
func BenchmarkStdioStoreMemory(b *testing.B) {
	c := newInstance(b).stdioClient(b, "--direct")
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
