package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestLoadGenerator runs a short load of build/bench on the real binary,
// over HTTP and stdio, and on the reference server when it is installed
// (`npm ci` in build/bench/reference): every answer must check out. The
// full runs are `make bench`; numbers are in docs/benchmarks.md.
func TestLoadGenerator(t *testing.T) {
	t.Parallel()
	bench := filepath.Join(t.TempDir(), "bench")
	if out, err := exec.Command("go", "build", "-o", bench, "./build/bench").CombinedOutput(); err != nil {
		t.Fatalf("build the load generator: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"engram http", []string{"-transport", "http", "-clients", "4"}},
		{"engram stdio", []string{"-transport", "stdio", "-clients", "2"}},
		{"reference", []string{"-server", "reference", "-clients", "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.name == "reference" {
				if _, err := os.Stat("build/bench/reference/node_modules"); err != nil {
					t.Skip("the reference server is not installed: run npm ci in build/bench/reference")
				}
			}
			out := filepath.Join(t.TempDir(), "result.json")
			args := append([]string{"-engram", engramBin, "-size", "200", "-ops", "200", "-duration", "2m", "-json", out}, tc.args...)
			cmd := exec.Command(bench, args...)
			var stdout, stderr safeBuffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			t.Log(stdout.String())
			if err != nil {
				t.Fatalf("bench %v: %v\n%s", args, err, stderr.String())
			}
			var res struct {
				Ops        int                       `json:"ops"`
				Errors     int                       `json:"errors"`
				Operations map[string]map[string]any `json:"operations"`
				PeakRSS    int64                     `json:"peak_rss_kib"`
			}
			b, _ := os.ReadFile(out)
			if err := json.Unmarshal(b, &res); err != nil {
				t.Fatalf("result is not JSON: %v\n%s", err, b)
			}
			if res.Ops < 190 || res.Errors != 0 || res.PeakRSS <= 0 {
				t.Errorf("ran %d operations with %d errors and a peak RSS of %d KiB; want about 200, none, and a measured peak", res.Ops, res.Errors, res.PeakRSS)
			}
			for _, op := range []string{"store", "search", "recall", "get", "relate", "traverse", "update"} {
				if res.Operations[op] == nil {
					t.Errorf("the workload ran no %s", op)
				}
			}
		})
	}
}
