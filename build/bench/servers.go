package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
)

// A target is a running server under test: it seeds its store, hands out
// client sessions and stops.
type target interface {
	// connect opens n client sessions. Sessions may share a client when
	// the server has only one (a stdio server serves one session).
	connect(ctx context.Context, n int) ([]*client.Client, error)
	// pids are the server processes, for their peak memory.
	pids() []int
	// stop ends the server processes.
	stop()
}

// engramTarget is Engram: `engram serve` over HTTP, or one `engram mcp
// --direct` per client over stdio, all on one store.
type engramTarget struct {
	bin       string
	backend   string
	transport string
	env       []string
	dir       string
	addr      string
	serve     *exec.Cmd
	clients   []*client.Client
}

// newEngramTarget prepares an Engram installation in dir for backend
// ("sqlite" or "neo4j", the latter configured by the NEO4J_* variables
// already in the environment).
func newEngramTarget(bin, transportName, backendName, dir string) (*engramTarget, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"ENGRAM_ADDR="+addr,
		"ENGRAM_BACKEND="+backendName,
		"ENGRAM_DB="+filepath.Join(dir, "engram.db"),
	)
	if backendName == "neo4j" && os.Getenv("ENGRAM_NEO4J_NAMESPACE") == "" {
		// A namespace of the run's own: the database may hold other data.
		env = append(env, "ENGRAM_NEO4J_NAMESPACE=bench-"+filepath.Base(dir))
	}
	return &engramTarget{bin: bin, backend: backendName, transport: transportName, env: env, dir: dir, addr: addr}, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// seed imports w through `engram import`, the fast path for a big graph.
// With a cache directory, a SQLite store seeded before with the same graph
// is copied from there instead (the import of 100k memories takes
// minutes), and a new one is kept there.
func (t *engramTarget) seed(ctx context.Context, w *world, cacheDir, key string) (fromCache bool, err error) {
	db := filepath.Join(t.dir, "engram.db")
	cached := filepath.Join(cacheDir, key+".db")
	if cacheDir != "" && t.backend == "sqlite" {
		if err := copyFile(cached, db); err == nil {
			return true, nil
		}
	}
	file := filepath.Join(t.dir, "seed.json")
	if err := writeEngramSeed(file, w); err != nil {
		return false, err
	}
	cmd := exec.CommandContext(ctx, t.bin, "import", file)
	cmd.Env = t.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return false, fmt.Errorf("engram import: %v\n%s", err, out)
	}
	if cacheDir != "" && t.backend == "sqlite" {
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			return false, err
		}
		return false, copyFile(db, cached)
	}
	return false, nil
}

// copyFile copies src to dst through a temporary file, so a reader never
// sees half a copy.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// start starts `engram serve` for the HTTP transport and waits until it
// answers.
func (t *engramTarget) start(ctx context.Context) error {
	if t.transport != "http" {
		return nil
	}
	t.serve = exec.Command(t.bin, "serve")
	t.serve.Env = t.env
	t.serve.Stderr = os.Stderr
	if err := t.serve.Start(); err != nil {
		return err
	}
	return waitHealthy(ctx, t.addr, 60*time.Second)
}

// waitHealthy polls /healthz until it says ok.
func waitHealthy(ctx context.Context, addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/healthz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("engram serve did not answer on %s within %s", addr, within)
}

func (t *engramTarget) connect(ctx context.Context, n int) ([]*client.Client, error) {
	for range n {
		var c *client.Client
		var err error
		if t.transport == "http" {
			token, rerr := os.ReadFile(filepath.Join(t.dir, "config", "engram", "token"))
			if rerr != nil {
				return nil, rerr
			}
			c, err = client.NewStreamableHttpClient("http://"+t.addr+"/mcp",
				transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + strings.TrimSpace(string(token))}))
			if err == nil {
				err = c.Start(ctx)
			}
		} else {
			c, err = client.NewStdioMCPClientWithOptions(t.bin, t.env, []string{"mcp", "--direct"},
				transport.WithCommandStderrWriter(os.Stderr))
		}
		if err != nil {
			return nil, err
		}
		t.clients = append(t.clients, c)
		if _, err := initialize(ctx, c); err != nil {
			return nil, fmt.Errorf("initialize: %w", err)
		}
	}
	return t.clients, nil
}

func (t *engramTarget) pids() []int {
	if t.serve != nil {
		return []int{t.serve.Process.Pid}
	}
	return childPIDs()
}

func (t *engramTarget) stop() {
	for _, c := range t.clients {
		c.Close()
	}
	if t.serve != nil {
		t.serve.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { t.serve.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.serve.Process.Kill()
			<-done
		}
	}
}

// writeEngramSeed writes w as an Engram JSON file for `engram import`.
func writeEngramSeed(path string, w *world) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	fmt.Fprintf(bw, `{"format":"engram","format_version":1,"memories":[`+"\n")
	enc := json.NewEncoder(bw)
	rng := rand.New(rand.NewPCG(uint64(len(w.memories)), 1))
	for i, m := range w.memories {
		if i > 0 {
			bw.WriteString(",")
		}
		at := w.start.Add(time.Duration(i) * time.Second)
		if err := enc.Encode(&backend.Memory{
			ID: m.ID, Type: m.Type, Title: m.Title, Content: m.Content, Tags: m.Tags,
			Importance: 0.1 + 0.9*rng.Float64(), Confidence: backend.DefaultConfidence,
			Context:   backend.Context{ProjectPath: fmt.Sprintf("/src/project-%d", i%20)},
			CreatedAt: at, UpdatedAt: at, Version: 1,
		}); err != nil {
			return err
		}
	}
	bw.WriteString("],\n" + `"relationships":[` + "\n")
	for i, e := range w.edges {
		if i > 0 {
			bw.WriteString(",")
		}
		at := w.start.Add(time.Duration(len(w.memories)+i) * time.Second)
		if err := enc.Encode(&backend.Relationship{
			ID: uuidFrom(rng), FromID: w.memories[e.From].ID, ToID: w.memories[e.To].ID, Type: e.Type,
			Strength: backend.DefaultStrength, Confidence: backend.DefaultConfidence, EvidenceCount: 1,
			CreatedAt: at, UpdatedAt: at,
		}); err != nil {
			return err
		}
	}
	bw.WriteString("]}\n")
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// referenceTarget is the official MCP memory server: one node process on
// a memory.jsonl file, over stdio. A stdio server has one session, so the
// clients share it and send their calls concurrently on it, as an
// assistant's parallel tool calls would.
type referenceTarget struct {
	c   *client.Client
	pid int
}

func startReference(ctx context.Context, node, dir, memoryFile string) (*referenceTarget, error) {
	script := filepath.Join(dir, "node_modules", "@modelcontextprotocol", "server-memory", "dist", "index.js")
	if _, err := os.Stat(script); err != nil {
		return nil, fmt.Errorf("the reference server is not installed: run `npm ci` in %s (%w)", dir, err)
	}
	c, err := client.NewStdioMCPClientWithOptions(node, append(os.Environ(), "MEMORY_FILE_PATH="+memoryFile), []string{script},
		transport.WithCommandStderrWriter(os.Stderr))
	if err != nil {
		return nil, err
	}
	t := &referenceTarget{c: c}
	if _, err := initialize(ctx, c); err != nil {
		c.Close()
		return nil, fmt.Errorf("initialize the reference server: %w", err)
	}
	if pids := childPIDs(); len(pids) == 1 {
		t.pid = pids[0]
	}
	return t, nil
}

func (t *referenceTarget) connect(_ context.Context, n int) ([]*client.Client, error) {
	cs := make([]*client.Client, n)
	for i := range cs {
		cs[i] = t.c
	}
	return cs, nil
}

func (t *referenceTarget) pids() []int {
	if t.pid == 0 {
		return nil
	}
	return []int{t.pid}
}

func (t *referenceTarget) stop() { t.c.Close() }

// childPIDs lists the running child processes of this process.
func childPIDs() []int {
	entries, _ := os.ReadDir("/proc")
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses and may
		// hold spaces: state, ppid, …
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		f := strings.Fields(rest)
		if len(f) > 1 && f[1] == strconv.Itoa(self) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cpuTime returns the CPU time pid has used, user and system, from
// /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s on Linux).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// serverCPU sums the CPU time of t's server processes.
func serverCPU(t target) time.Duration {
	var sum time.Duration
	for _, pid := range t.pids() {
		if d, err := cpuTime(pid); err == nil {
			sum += d
		}
	}
	return sum
}

// peakRSS returns the peak resident memory (VmHWM) of pid in KiB.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}
