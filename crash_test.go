package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	_ "modernc.org/sqlite"
)

// The crash tests kill the real server with SIGKILL in the middle of a
// write load and check, after a restart, that every write a client saw
// acknowledged is there and that the store is consistent.
//
// ENGRAM_CRASH_ROUNDS sets how many kills each test makes (3 by default;
// `make soak` makes many) and ENGRAM_CRASH_SEED fixes the random moments.

// storeBackend is a store the crash, outage and abuse tests run on: how an
// instance selects it and the checks only it can make.
type storeBackend struct {
	name string
	// use configures an instance for the store, or skips the test.
	use func(t *testing.T, in *instance) *instance
	// consistent checks the store's own integrity while no server runs.
	consistent func(t *testing.T, in *instance)
}

func storeBackends() []storeBackend {
	return []storeBackend{
		{
			name: "sqlite",
			use: func(t *testing.T, in *instance) *instance {
				return in.with("ENGRAM_BACKEND=sqlite", "ENGRAM_DB="+filepath.Join(in.dataDir, "store.db"))
			},
			consistent: func(t *testing.T, in *instance) { sqliteIntegrity(t, filepath.Join(in.dataDir, "store.db")) },
		},
		{
			// Neo4j keeps its own files consistent; the generic checks
			// (acknowledged writes, edges' endpoints, counts, search) apply
			// as they are, in the test's own namespace of the test Neo4j.
			name:       "neo4j",
			use:        func(t *testing.T, in *instance) *instance { return in.onNeo4j(t) },
			consistent: func(*testing.T, *instance) {},
		},
	}
}

func crashRounds(t *testing.T) int {
	if s := os.Getenv("ENGRAM_CRASH_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("ENGRAM_CRASH_ROUNDS=%q: want a positive number", s)
		}
		return n
	}
	return 3
}

func crashSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ENGRAM_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("ENGRAM_CRASH_SEED=%q: want a number", s)
		}
	}
	t.Logf("kill moments drawn with ENGRAM_CRASH_SEED=%d", seed)
	return seed
}

// acked is what clients saw acknowledged, across all rounds.
type acked struct {
	mu       sync.Mutex         // guards the maps
	memories map[string]string  // id -> title
	versions map[string]float64 // id -> the highest version an update returned
	edges    map[string][2]string
}

func newAcked() *acked {
	return &acked{memories: map[string]string{}, versions: map[string]float64{}, edges: map[string][2]string{}}
}

// TestCrashDuringWrites kills the server at a random moment of a write
// load from several clients — `engram serve` with HTTP clients, or the
// `engram mcp --direct` processes of stdio clients — restarts it on the
// same store, and checks that nothing acknowledged was lost, round after
// round.
func TestCrashDuringWrites(t *testing.T) {
	for _, b := range storeBackends() {
		for _, mode := range []struct {
			name  string
			start func(t *testing.T, in *instance) *victim
		}{{"serve", servedVictim}, {"direct", directVictim}} {
			t.Run(b.name+"/"+mode.name, func(t *testing.T) {
				t.Parallel()
				in := newInstance(t)
				in = b.use(t, in)
				rng := rand.New(rand.NewPCG(crashSeed(t), 0))
				ack := newAcked()
				for round := range crashRounds(t) {
					killAfter := time.Duration(200+rng.IntN(1300)) * time.Millisecond
					n := writeUntilKilled(t, mode.start(t, in), ack, round, killAfter)
					t.Logf("round %d: killed after %s, %d memories acknowledged so far", round, killAfter, n)
					b.consistent(t, in)
					srv := startServer(t, in)
					checkAcked(t, in, ack)
					srv.stop(t)
					if t.Failed() {
						return
					}
				}
			})
		}
	}
}

// victim is what a crash round kills: the server processes its clients
// write through.
type victim struct {
	clients []*client.Client
	kill    func()
	killed  *atomic.Bool // set just before SIGKILL: calls failing after it are expected to
}

// servedVictim is `engram serve` with four HTTP clients.
func servedVictim(t *testing.T, in *instance) *victim {
	srv := startServer(t, in)
	v := &victim{kill: srv.kill, killed: &srv.killed}
	for w := range 4 {
		c, err := newHTTPClient(context.Background(), in, in.token(t))
		if err != nil {
			t.Fatalf("client %d: %v", w, err)
		}
		t.Cleanup(func() { c.Close() })
		v.clients = append(v.clients, c)
	}
	return v
}

// directVictim is two stdio clients, each with its own `engram mcp
// --direct` process on the store.
func directVictim(t *testing.T, in *instance) *victim {
	v := &victim{killed: &atomic.Bool{}}
	var procs []*exec.Cmd
	for range 2 {
		var cmd *exec.Cmd
		c, err := client.NewStdioMCPClientWithOptions(engramBin, in.env, []string{"mcp", "--direct"},
			transport.WithCommandFunc(func(ctx context.Context, command string, env, args []string) (*exec.Cmd, error) {
				cmd = exec.CommandContext(ctx, command, args...)
				cmd.Env = env
				return cmd, nil
			}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		initialize(t, c)
		v.clients = append(v.clients, c)
		procs = append(procs, cmd)
	}
	v.kill = func() {
		v.killed.Store(true)
		for _, p := range procs {
			p.Process.Kill()
		}
	}
	return v
}

// server is a running `engram serve` the test may kill.
type server struct {
	cmd    *exec.Cmd
	stderr *safeBuffer
	done   chan struct{}
	killed atomic.Bool // set just before SIGKILL
}

func startServer(t *testing.T, in *instance) *server {
	t.Helper()
	s := &server{cmd: exec.Command(engramBin, "serve"), stderr: &safeBuffer{}, done: make(chan struct{})}
	s.cmd.Env = in.env
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.cmd.Process.Kill(); <-s.done })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + in.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.done:
			t.Fatalf("engram serve exited at start:\n%s", s.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("engram serve did not answer on %s:\n%s", in.addr, s.stderr.String())
	return nil
}

// stop ends the server with SIGINT, as a person would.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Errorf("engram serve did not stop within 10 s of SIGINT:\n%s", s.stderr.String())
	}
}

func (s *server) kill() {
	s.killed.Store(true)
	s.cmd.Process.Kill()
	<-s.done
}

// newHTTPClient opens an MCP session over HTTP, returning errors rather
// than failing the test (the server may be gone).
func newHTTPClient(ctx context.Context, in *instance, token string) (*client.Client, error) {
	c, err := client.NewStreamableHttpClient("http://"+in.addr+"/mcp",
		transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		c.Close()
		return nil, err
	}
	req := mcpgo.InitializeRequest{}
	req.Params.ProtocolVersion = mcpgo.LATEST_PROTOCOL_VERSION
	req.Params.ClientInfo = mcpgo.Implementation{Name: "engram-crash", Version: "1"}
	if _, err := c.Initialize(ctx, req); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// tryCall calls a tool and returns its structured result or why it failed.
func tryCall(ctx context.Context, c *client.Client, tool string, args map[string]any) (map[string]any, error) {
	req := mcpgo.CallToolRequest{}
	req.Params.Name = tool
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return nil, err
	}
	if res.IsError {
		return nil, fmt.Errorf("%s: tool error: %s", tool, resultText(res))
	}
	b, _ := json.Marshal(res.StructuredContent)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%s: structured content %s: %w", tool, b, err)
	}
	return out, nil
}

// writeUntilKilled has v's clients write, SIGKILLs v's server killAfter
// after the first acknowledged write, and returns how many memories are
// acknowledged in all.
func writeUntilKilled(t *testing.T, v *victim, ack *acked, round int, killAfter time.Duration) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	var unexpected []error
	var errMu sync.Mutex // guards unexpected
	writing := make(chan struct{})
	var once sync.Once
	for w, c := range v.clients {
		wg.Go(func() {
			var mine []string
			for i := 0; ; i++ {
				err := writeOne(ctx, c, ack, &mine, fmt.Sprintf("r%dw%di%d", round, w, i), i)
				if err == nil {
					once.Do(func() { close(writing) })
					continue
				}
				// Once the server is killed every call fails; before, none may.
				if !v.killed.Load() {
					errMu.Lock()
					unexpected = append(unexpected, err)
					errMu.Unlock()
				}
				return
			}
		})
	}
	select {
	case <-writing:
	case <-time.After(30 * time.Second):
		t.Error("no write was acknowledged within 30 s")
	}
	time.Sleep(killAfter)
	v.kill()
	wg.Wait()
	for _, err := range unexpected {
		t.Errorf("a write failed while the server was up: %v", err)
	}
	ack.mu.Lock()
	defer ack.mu.Unlock()
	return len(ack.memories)
}

// writeOne makes the i-th write of a client: half new memories, a quarter
// edges between the client's memories, a quarter updates of them. It
// records what was acknowledged.
func writeOne(ctx context.Context, c *client.Client, ack *acked, mine *[]string, name string, i int) error {
	switch n := len(*mine); {
	case n >= 2 && i%4 == 2:
		from, to := (*mine)[n-1], (*mine)[n/2]
		if from == to {
			break
		}
		if _, err := tryCall(ctx, c, "create_relationship", map[string]any{"from_memory_id": from, "to_memory_id": to, "relationship_type": "FOLLOWS"}); err != nil {
			return err
		}
		ack.mu.Lock()
		ack.edges[from+" "+to] = [2]string{from, to}
		ack.mu.Unlock()
		return nil
	case n >= 1 && i%4 == 3:
		id := (*mine)[n/3]
		out, err := tryCall(ctx, c, "update_memory", map[string]any{"memory_id": id, "summary": "updated by " + name})
		if err != nil {
			return err
		}
		ack.mu.Lock()
		ack.versions[id] = max(ack.versions[id], out["version"].(float64))
		ack.mu.Unlock()
		return nil
	}
	title := "Crash test memory " + name + " tok" + name + "z"
	out, err := tryCall(ctx, c, "store_memory", map[string]any{"type": "general", "title": title,
		"content": "Written by " + name + " while the server may die at any moment.", "tags": []string{"crash"}})
	if err != nil {
		return err
	}
	id := out["id"].(string)
	ack.mu.Lock()
	ack.memories[id] = title
	ack.mu.Unlock()
	*mine = append(*mine, id)
	return nil
}

// checkAcked checks every acknowledged write through a fresh server: the
// memories with their titles and at least their acknowledged versions, the
// edges, every edge's endpoints, the counts, and search.
func checkAcked(t *testing.T, in *instance, ack *acked) {
	t.Helper()
	ack.mu.Lock()
	defer ack.mu.Unlock()
	dump := exportStore(t, in)
	memories := map[string]map[string]any{}
	for _, m := range dump.Memories {
		memories[m["id"].(string)] = m
	}
	for id, title := range ack.memories {
		m, ok := memories[id]
		if !ok {
			t.Errorf("acknowledged memory %s (%s) is lost", id, title)
			continue
		}
		if m["title"] != title {
			t.Errorf("memory %s has title %q, want %q", id, m["title"], title)
		}
	}
	for id, v := range ack.versions {
		if got, _ := memories[id]["version"].(float64); got < v {
			t.Errorf("memory %s is at version %v, but version %v was acknowledged", id, got, v)
		}
	}
	edges := map[string]bool{}
	for _, r := range dump.Relationships {
		from, to := r["from_id"].(string), r["to_id"].(string)
		edges[from+" "+to] = true
		if memories[from] == nil || memories[to] == nil {
			t.Errorf("relationship %v has a missing endpoint", r["id"])
		}
	}
	for key := range ack.edges {
		if !edges[key] {
			t.Errorf("acknowledged relationship %s is lost", key)
		}
	}
	c := in.httpClient(t)
	stats := call(t, c, "get_memory_statistics", nil)
	if int(stats["memories"].(float64)) != len(dump.Memories) || int(stats["relationships"].(float64)) != len(dump.Relationships) {
		t.Errorf("statistics count %v memories and %v relationships, the export %d and %d",
			stats["memories"], stats["relationships"], len(dump.Memories), len(dump.Relationships))
	}
	// Search must find what was acknowledged: the full-text index kept up.
	checked := 0
	for id, title := range ack.memories {
		if checked++; checked > 50 {
			break
		}
		token := title[strings.LastIndexByte(title, ' ')+1:]
		res := call(t, c, "search_memories", map[string]any{"query": token})
		if ms := res["memories"].([]any); len(ms) != 1 || ms[0].(map[string]any)["id"] != id {
			t.Errorf("search for %s finds %v, want only %s", token, res["total"], id)
		}
	}
}

type storeDump struct {
	Memories      []map[string]any `json:"memories"`
	Relationships []map[string]any `json:"relationships"`
}

// exportStore reads the whole store with `engram export`.
func exportStore(t *testing.T, in *instance) storeDump {
	t.Helper()
	out, errOut, code := in.run(t, "export")
	if code != 0 {
		t.Fatalf("engram export: exit %d: %s", code, errOut)
	}
	var dump storeDump
	if err := json.Unmarshal([]byte(out), &dump); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	return dump
}

// sqliteIntegrity opens the store file as SQLite sees it and checks its
// pages, foreign keys and full-text index.
func sqliteIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, %v", res, err)
	}
	rows, err := db.Query("PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Errorf("PRAGMA foreign_key_check reports violations")
	}
	rows.Close()
	if _, err := db.Exec("INSERT INTO memories_fts(memories_fts) VALUES('integrity-check')"); err != nil {
		t.Errorf("the full-text index does not match the memories: %v", err)
	}
}

// TestTwoDirectProcessesShareSQLite has two `engram mcp --direct`
// processes write one SQLite file at once: every acknowledged write of
// each must be there, and each process must see the other's.
func TestTwoDirectProcessesShareSQLite(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in = in.with("ENGRAM_DB=" + filepath.Join(in.dataDir, "shared.db"))
	const each = 150
	clients := []*client.Client{in.stdioClient(t, "--direct"), in.stdioClient(t, "--direct")}
	ack := newAcked()
	var wg sync.WaitGroup
	errs := make([]error, len(clients))
	for p, c := range clients {
		wg.Go(func() {
			var mine []string
			for i := range each {
				if err := writeOne(context.Background(), c, ack, &mine, fmt.Sprintf("p%di%d", p, i), i); err != nil {
					errs[p] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("a write failed: %v", err)
	}
	// Each process finds a memory the other stored.
	for p, c := range clients {
		for id, title := range ack.memories {
			if strings.Contains(title, fmt.Sprintf(" p%di", 1-p)) {
				got := call(t, c, "get_memory", map[string]any{"memory_id": id})
				if got["memory"].(map[string]any)["title"] != title {
					t.Errorf("process %d reads %s as %v", p, id, got["memory"])
				}
				break
			}
		}
	}
	sqliteIntegrity(t, filepath.Join(in.dataDir, "shared.db"))
	in.serve(t)
	checkAcked(t, in, ack)
}

// TestNeo4jOutage cuts Engram off from Neo4j in the middle of a write load
// and restores it: while Neo4j is unreachable every call answers promptly
// with a clear tool error and the status page says the store is
// unavailable; within five seconds of Neo4j coming back writes succeed
// again by themselves; no acknowledged write is lost. The outage is a
// loopback proxy between Engram and Neo4j that drops every connection and
// refuses new ones, so the shared test Neo4j keeps serving other tests.
func TestNeo4jOutage(t *testing.T) {
	t.Parallel()
	in := newInstance(t).onNeo4j(t)
	proxy := newTCPProxy(t, strings.TrimPrefix(strings.TrimPrefix(os.Getenv("ENGRAM_TEST_NEO4J_URI"), "bolt://"), "neo4j://"))
	in = in.with("NEO4J_URI=bolt://" + proxy.addr)
	srv := startServer(t, in)
	defer srv.stop(t)
	ack := newAcked()
	token := in.token(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Writers run through the whole test; each records what was
	// acknowledged and how the failures looked.
	var (
		mu        sync.Mutex // guards lastOK and failures
		lastOK    time.Time
		failures  []string
		slowest   time.Duration
		stop      = make(chan struct{})
		wg        sync.WaitGroup
		perWriter = 3
	)
	for w := range perWriter {
		c, err := newHTTPClient(ctx, in, token)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		wg.Go(func() {
			var mine []string
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				began := time.Now()
				err := writeOne(ctx, c, ack, &mine, fmt.Sprintf("o%di%d", w, i), i)
				took := time.Since(began)
				mu.Lock()
				slowest = max(slowest, took)
				if err == nil {
					lastOK = time.Now()
				} else {
					failures = append(failures, err.Error())
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(100 * time.Millisecond)
				}
			}
		})
	}
	time.Sleep(time.Second)
	proxy.down()
	outage := time.Now()
	time.Sleep(3 * time.Second)
	// The web UI, signed in with the token, says so too.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get("http://" + in.addr + "/overview?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "The store is unavailable") {
		t.Errorf("the overview page during the outage (status %d) does not say the store is unavailable:\n%.2000s", resp.StatusCode, page)
	}
	mu.Lock()
	duringOutage := len(failures)
	okDuring := lastOK.After(outage.Add(time.Second))
	mu.Unlock()
	if duringOutage == 0 || okDuring {
		t.Errorf("during the outage: %d failed writes, a write succeeded: %v; want failures only", duringOutage, okDuring)
	}
	proxy.up()
	back := time.Now()
	for time.Since(back) < 5*time.Second {
		mu.Lock()
		recovered := lastOK.After(back)
		mu.Unlock()
		if recovered {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	recovered := lastOK.After(back)
	mu.Unlock()
	if !recovered {
		t.Errorf("no write succeeded within 5 s of Neo4j coming back")
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	t.Logf("%d failed writes during the outage, slowest call %s, first failure: %.200s", duringOutage, slowest, failures[0])
	// An assistant waits on every call: a store that is away must say so
	// after the Neo4j store's retry window (10 s) and a connect timeout
	// (5 s) at most — 6 to 19 s were seen — and never hang. 30 s leaves room
	// for a loaded machine.
	if slowest > 30*time.Second {
		t.Errorf("a call took %s during the outage; Engram must answer within 30 s", slowest)
	}
	for _, f := range failures {
		if !strings.Contains(f, "tool error") || strings.Contains(strings.ToLower(f), "internal") {
			t.Errorf("a failure during the outage is not a clear tool error: %.300s", f)
			break
		}
	}
	checkAcked(t, in, ack)
}

// tcpProxy forwards loopback connections to target until it is taken down.
type tcpProxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex // guards ln and conns
	ln     net.Listener
	conns  []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target, addr: freeAddr(t)}
	p.up()
	t.Cleanup(p.down)
	return p
}

// up listens again on the proxy's address.
func (p *tcpProxy) up() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *tcpProxy) forward(c net.Conn) {
	u, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c, u)
	p.mu.Unlock()
	go func() { io.Copy(u, c); u.Close() }()
	io.Copy(c, u)
	c.Close()
}

// down stops listening and cuts every open connection, as a dead server
// would.
func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
