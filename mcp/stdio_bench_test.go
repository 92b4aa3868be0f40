package mcp

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

// benchMeta is the _meta mcp-go's client (protocol 2026-07-28) sends with
// every request.
const benchMeta = `{"io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"bench","version":"1"},"io.modelcontextprotocol/protocolVersion":"2026-07-28"}`

// BenchmarkServeStdioStoreMemory measures the server side of sequential
// store_memory calls: ServeStdio on OS pipes, fed the exact lines mcp-go's
// client sends, over a real SQLite file. Without a client's own cost it
// shows what the transport, dispatch and store take per call.
func BenchmarkServeStdioStoreMemory(b *testing.B) {
	svc := newService(b)
	inR, inW, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- ServeStdio(context.Background(), NewServer(svc, "bench", nil), inR, outW)
		outW.Close()
	}()
	defer func() {
		inW.Close()
		if err := <-done; err != nil {
			b.Error(err)
		}
		inR.Close()
		outR.Close()
	}()
	answers := bufio.NewReader(outR)
	call := func(line string) {
		if _, err := inW.WriteString(line + "\n"); err != nil {
			b.Fatal(err)
		}
		answer, err := answers.ReadSlice('\n')
		if err != nil {
			b.Fatal(err)
		}
		// A cheap check, to measure the server rather than the benchmark.
		if !bytes.HasPrefix(answer, []byte(`{"jsonrpc":"2.0","id":`)) || bytes.Contains(answer, []byte(`"isError":true`)) {
			b.Fatalf("not a successful answer: %s", answer)
		}
	}
	call(`{"jsonrpc":"2.0","id":0,"method":"server/discover","params":{"_meta":` + benchMeta + `}}`)
	cpu := cpuTime(b)
	for i := 0; b.Loop(); i++ {
		call(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"_meta":%s,`+
			`"arguments":{"content":"Sequential store number %d through stdio, with a few words to index.",`+
			`"tags":["bench"],"title":"Benchmark memory %d","type":"general"},"name":"store_memory"}}`, i+1, benchMeta, i, i))
	}
	b.ReportMetric(float64((cpuTime(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
}

// cpuTime is the CPU time, user and system, the process has used so far:
// unlike wall time it hardly changes when other programs share the machine.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
