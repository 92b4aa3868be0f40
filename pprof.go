//go:build pprof

package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
)

// A profiling build (go build -tags pprof) serves net/http/pprof on the
// loopback address ENGRAM_PPROF names, e.g. 127.0.0.1:6060, so that a
// server under load can be profiled (docs/benchmarks.md). Other builds
// leave this file out.
func init() {
	addr := os.Getenv("ENGRAM_PPROF")
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		fmt.Fprintf(os.Stderr, "engram: ENGRAM_PPROF=%q: give a loopback host:port, e.g. 127.0.0.1:6060\n", addr)
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			fmt.Fprintln(os.Stderr, "engram: pprof:", err)
		}
	}()
}
