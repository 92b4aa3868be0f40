package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// These tests build the real engram binary (with -race) and talk to it the
// way assistants do: over stdio and over streamable HTTP with mcp-go's client.

var engramBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "engram-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	engramBin = filepath.Join(dir, "engram")
	args := []string{"build", "-o", engramBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building engram:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// instance is the environment of one Engram installation: its own config
// and data directories and listening address.
type instance struct {
	env      []string
	addr     string
	dataDir  string
	tokenDir string
}

func newInstance(t testing.TB) *instance {
	t.Helper()
	root := t.TempDir()
	in := &instance{addr: freeAddr(t), dataDir: filepath.Join(root, "data", "engram"), tokenDir: filepath.Join(root, "config", "engram")}
	in.env = append(os.Environ(),
		"XDG_CONFIG_HOME="+filepath.Join(root, "config"),
		"XDG_DATA_HOME="+filepath.Join(root, "data"),
		"ENGRAM_ADDR="+in.addr,
		"ENGRAM_BACKEND=", "ENGRAM_DB=",
	)
	return in
}

func (in *instance) with(kv ...string) *instance {
	c := *in
	c.env = append(append([]string{}, in.env...), kv...)
	return &c
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// run runs an engram command to completion and returns its output.
func (in *instance) run(t testing.TB, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(engramBin, args...)
	cmd.Env = in.env
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("engram %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// serve starts `engram serve` and waits until it answers.
func (in *instance) serve(t testing.TB) { in.start(t, engramBin, "serve") }

// start runs bin with args as a server, waits until it answers, stops it
// with SIGINT when the test ends, and returns its stderr.
func (in *instance) start(t testing.TB, bin string, args ...string) *safeBuffer {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = in.env
	var errb safeBuffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("engram %s did not stop cleanly: %v\n%s", strings.Join(args, " "), err, errb.String())
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Errorf("engram %s did not stop within 10 s of SIGINT", strings.Join(args, " "))
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + in.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return &errb
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("engram %s did not answer on %s:\n%s", strings.Join(args, " "), in.addr, errb.String())
	return nil
}

func (in *instance) token(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(in.tokenDir, "token"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func (in *instance) stdioClient(t testing.TB, args ...string) *client.Client {
	t.Helper()
	c, err := client.NewStdioMCPClient(engramBin, in.env, append([]string{"mcp"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	initialize(t, c)
	return c
}

func (in *instance) httpClient(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.NewStreamableHttpClient("http://"+in.addr+"/mcp",
		transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + in.token(t)}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	initialize(t, c)
	return c
}

func initialize(t testing.TB, c *client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := mcpgo.InitializeRequest{}
	req.Params.ProtocolVersion = mcpgo.LATEST_PROTOCOL_VERSION
	req.Params.ClientInfo = mcpgo.Implementation{Name: "engram-e2e", Version: "1"}
	res, err := c.Initialize(ctx, req)
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if res.ServerInfo.Name != "engram" {
		t.Fatalf("server name = %q, want engram", res.ServerInfo.Name)
	}
}

// call invokes a tool and returns its structured result, failing the test
// on a tool error.
func call(t testing.TB, c *client.Client, tool string, args map[string]any) map[string]any {
	t.Helper()
	res := callRaw(t, c, tool, args)
	if res.IsError {
		t.Fatalf("%s(%v): tool error: %s", tool, args, resultText(res))
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: structured content is not an object: %s", tool, b)
	}
	return out
}

// callError invokes a tool that must fail and returns its message.
func callError(t testing.TB, c *client.Client, tool string, args map[string]any) string {
	t.Helper()
	res := callRaw(t, c, tool, args)
	if !res.IsError {
		t.Fatalf("%s(%v) succeeded, want a tool error", tool, args)
	}
	return resultText(res)
}

func callRaw(t testing.TB, c *client.Client, tool string, args map[string]any) *mcpgo.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := mcpgo.CallToolRequest{}
	req.Params.Name = tool
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return res
}

func resultText(res *mcpgo.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(mcpgo.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// TestNoArgumentsServesHeadless: "engram" alone in a build without the
// desktop app serves the web UI and MCP, and says so.
func TestNoArgumentsServesHeadless(t *testing.T) {
	in := newInstance(t).with("DISPLAY=", "WAYLAND_DISPLAY=")
	log := in.start(t, engramBin)
	if !strings.Contains(log.String(), "running engram serve instead") || !strings.Contains(log.String(), "Web UI: http://"+in.addr) {
		t.Errorf("engram without arguments did not say it serves headless:\n%s", log.String())
	}
	initialize(t, in.httpClient(t))
}

func TestStdioEndToEnd(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	exerciseTools(t, in.stdioClient(t, "--direct"))
}

func TestHTTPEndToEnd(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.serve(t)
	exerciseTools(t, in.httpClient(t))
}

// exerciseTools runs an assistant's session against a fresh, empty Engram.
func exerciseTools(t *testing.T, c *client.Client) {
	ctx := context.Background()
	tools, err := c.ListTools(ctx, mcpgo.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	if len(names) != 12 {
		t.Fatalf("tools = %v, want the 12 of SPEC §3", names)
	}

	store := func(typ, title, content string, extra map[string]any) string {
		args := map[string]any{"type": typ, "title": title, "content": content}
		for k, v := range extra {
			args[k] = v
		}
		return call(t, c, "store_memory", args)["id"].(string)
	}
	problem := store("problem", "Postgres connection pool exhausted under load",
		"The API returns 500s when more than 50 requests hit Postgres at once.", map[string]any{"tags": []string{"Postgres", "api"}, "context": map[string]any{"project_path": "/src/shop"}})
	solution := store("solution", "Caching layer for product lookups",
		"Put a read-through cache in front of product queries so Postgres sees a tenth of the load.", map[string]any{"tags": []string{"cache"}, "importance": 0.9})
	fix := store("fix", "Raise pool size and add a queue", "Set max_conns to 100 and queue requests beyond it.", nil)
	again := call(t, c, "store_memory", map[string]any{"type": "problem", "title": "Postgres connection pool exhausted under load",
		"content": "The API returns 500s when more than 50 requests hit Postgres at once."})
	if again["id"] != problem || again["duplicate"] != true {
		t.Fatalf("storing the same memory again = %v, want id %s and duplicate", again, problem)
	}

	searchIDs := func(args map[string]any) (ids []string, res map[string]any) {
		res = call(t, c, "search_memories", args)
		for _, m := range res["memories"].([]any) {
			ids = append(ids, m.(map[string]any)["id"].(string))
		}
		return ids, res
	}
	for _, tc := range []struct {
		name string
		args map[string]any
		want []string
	}{
		{"stem", map[string]any{"query": "caches"}, []string{solution}},
		{"prefix", map[string]any{"query": "postg*"}, []string{problem, solution}},
		{"phrase", map[string]any{"query": `"connection pool"`}, []string{problem}},
		{"type filter", map[string]any{"query": "postgres", "memory_types": []string{"problem"}}, []string{problem}},
		{"tag filter", map[string]any{"tags": []string{"CACHE"}}, []string{solution}},
		{"project filter", map[string]any{"project_path": "/src/shop"}, []string{problem}},
		{"importance filter", map[string]any{"min_importance": 0.8}, []string{solution}},
	} {
		ids, _ := searchIDs(tc.args)
		if !sameSet(ids, tc.want) {
			t.Errorf("search %s %v = %v, want %v", tc.name, tc.args, ids, tc.want)
		}
	}

	// Paging: 25 memories sharing a word, 10 at a time.
	for i := range 25 {
		store("general", fmt.Sprintf("Widget note %02d", i), fmt.Sprintf("Widget fact number %d.", i), nil)
	}
	seen := map[string]bool{}
	for offset := 0; ; {
		ids, res := searchIDs(map[string]any{"query": "widget", "limit": 10, "offset": offset})
		if int(res["total"].(float64)) != 25 {
			t.Fatalf("total = %v, want 25", res["total"])
		}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%s appears on two pages", id)
			}
			seen[id] = true
		}
		next, ok := res["next_offset"]
		if !ok {
			break
		}
		offset = int(next.(float64))
	}
	if len(seen) != 25 {
		t.Fatalf("paging returned %d distinct memories, want 25", len(seen))
	}

	rel := call(t, c, "create_relationship", map[string]any{"from_memory_id": solution, "to_memory_id": problem, "relationship_type": "SOLVES", "strength": 0.9})
	if rel["created"] != true {
		t.Fatalf("create_relationship = %v", rel)
	}
	call(t, c, "create_relationship", map[string]any{"from_memory_id": fix, "to_memory_id": solution, "relationship_type": "BUILDS_ON"})
	related := call(t, c, "get_related_memories", map[string]any{"memory_id": problem, "depth": 2})
	var relatedIDs []string
	for _, r := range related["related"].([]any) {
		relatedIDs = append(relatedIDs, r.(map[string]any)["id"].(string))
	}
	if !sameSet(relatedIDs, []string{solution, fix}) {
		t.Errorf("related to the problem at depth 2 = %v, want solution and fix", relatedIDs)
	}
	path := call(t, c, "find_path", map[string]any{"from_memory_id": fix, "to_memory_id": problem})
	if path["found"] != true || int(path["hops"].(float64)) != 2 {
		t.Errorf("find_path = %v, want 2 hops", path)
	}

	upd := call(t, c, "update_memory", map[string]any{"memory_id": solution, "title": "Read-through cache for product lookups", "expected_version": 1})
	if int(upd["version"].(float64)) != 2 {
		t.Fatalf("update = %v, want version 2", upd)
	}
	msg := callError(t, c, "update_memory", map[string]any{"memory_id": solution, "title": "Lost update", "expected_version": 1})
	if !strings.Contains(msg, "version") {
		t.Errorf("stale update message %q does not mention the version", msg)
	}
	got := call(t, c, "get_memory", map[string]any{"memory_id": solution, "include_relationships": true})
	if title := got["memory"].(map[string]any)["title"]; title != "Read-through cache for product lookups" {
		t.Errorf("title after a refused stale update = %v", title)
	}
	if n := len(got["relationships"].([]any)); n != 2 {
		t.Errorf("solution has %d relationships, want 2", n)
	}

	if msg := callError(t, c, "store_memory", map[string]any{"type": "problem", "title": "x", "content": "y", "importance": 2}); !strings.Contains(msg, "importance") {
		t.Errorf("bad importance message %q does not name the field", msg)
	}
	if msg := callError(t, c, "create_relationship", map[string]any{"from_memory_id": fix, "to_memory_id": problem, "relationship_type": "LIKES"}); !strings.Contains(msg, "relationship_type") {
		t.Errorf("bad relationship type message %q does not name the field", msg)
	}

	call(t, c, "delete_memory", map[string]any{"memory_id": solution})
	if msg := callError(t, c, "get_memory", map[string]any{"memory_id": solution}); !strings.Contains(msg, "not found") {
		t.Errorf("get after delete = %q, want not found", msg)
	}
	stats := call(t, c, "get_memory_statistics", nil)
	if int(stats["memories"].(float64)) != 27 || int(stats["relationships"].(float64)) != 0 {
		t.Errorf("statistics after delete = %v, want 27 memories and no relationships (cascade)", stats)
	}
}

func sameSet(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	m := map[string]int{}
	for _, g := range got {
		m[g]++
	}
	for _, w := range want {
		if m[w] == 0 {
			return false
		}
		m[w]--
	}
	return true
}

func TestHTTPRefusals(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.serve(t)
	body := `{"jsonrpc":"2.0","id":1,"method":"ping"}`
	for _, tc := range []struct {
		name    string
		headers map[string]string
		host    string
		want    int
	}{
		{"no token", nil, "", http.StatusUnauthorized},
		{"wrong token", map[string]string{"Authorization": "Bearer nope"}, "", http.StatusUnauthorized},
		{"foreign origin", map[string]string{"Authorization": "Bearer " + in.token(t), "Origin": "https://evil.example"}, "", http.StatusForbidden},
		{"foreign host", map[string]string{"Authorization": "Bearer " + in.token(t)}, "evil.example", http.StatusForbidden},
	} {
		req, _ := http.NewRequest("POST", "http://"+in.addr+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		for k, v := range tc.headers {
			req.Header.Set(k, v)
		}
		if tc.host != "" {
			req.Host = tc.host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
}

// TestMCPForwardsToServe checks that `engram mcp` reaches the running server
// (and its store) rather than opening a store of its own.
func TestMCPForwardsToServe(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	served := filepath.Join(t.TempDir(), "served.db")
	own := filepath.Join(t.TempDir(), "own.db")
	in.with("ENGRAM_DB=" + served).serve(t)
	stdio := in.with("ENGRAM_DB=" + own).stdioClient(t)
	id := call(t, stdio, "store_memory", map[string]any{"type": "general", "title": "Shared through forwarding", "content": "One server, one store."})["id"]
	got := call(t, in.httpClient(t), "get_memory", map[string]any{"memory_id": id})
	if got["memory"].(map[string]any)["title"] != "Shared through forwarding" {
		t.Fatalf("memory stored over forwarded stdio not found over HTTP: %v", got)
	}
	if _, err := os.Stat(own); err == nil {
		t.Errorf("engram mcp opened its own store %s instead of forwarding", own)
	}
}

// TestStdioProtocolErrors sends malformed JSON-RPC and checks the server
// answers with protocol errors, keeps serving, and writes only JSON to stdout.
func TestStdioProtocolErrors(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	cmd := exec.Command(engramBin, "mcp", "--direct")
	cmd.Env = in.env
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	send := func(s string) map[string]any {
		t.Helper()
		if _, err := fmt.Fprintln(stdin, s); err != nil {
			t.Fatal(err)
		}
		if !lines.Scan() {
			t.Fatalf("no answer to %s: %v", s, lines.Err())
		}
		var msg map[string]any
		if err := json.Unmarshal(lines.Bytes(), &msg); err != nil {
			t.Fatalf("stdout line is not JSON: %q", lines.Text())
		}
		return msg
	}
	errCode := func(msg map[string]any) float64 {
		e, _ := msg["error"].(map[string]any)
		code, _ := e["code"].(float64)
		return code
	}
	if code := errCode(send(`{"jsonrpc":"2.0","id":1,"method":`)); code != -32700 {
		t.Errorf("truncated JSON: error code %v, want -32700 (parse error)", code)
	}
	if code := errCode(send(`{"jsonrpc":"2.0","id":2,"method":"no/such/method"}`)); code != -32601 {
		t.Errorf("unknown method: error code %v, want -32601", code)
	}
	init := send(`{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
	if init["result"] == nil {
		t.Fatalf("initialize after bad input failed: %v", init)
	}
}

// TestCLI covers import (all three formats, idempotent), export round trip,
// doctor, client-config and version on the real binary.
func TestCLI(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	fixtures := filepath.Join("backend", "exchange", "testdata")
	for _, f := range []string{"official-server-memory.jsonl", "memorygraph-export-v2.json"} {
		out, errOut, code := in.run(t, "import", filepath.Join(fixtures, f))
		if code != 0 {
			t.Fatalf("import %s: exit %d\n%s%s", f, code, out, errOut)
		}
		again, errOut, code := in.run(t, "import", filepath.Join(fixtures, f))
		if code != 0 || !strings.Contains(again, "0 created") {
			t.Errorf("re-import of %s is not idempotent (exit %d): %s%s", f, code, again, errOut)
		}
	}
	export := filepath.Join(t.TempDir(), "export.json")
	if _, errOut, code := in.run(t, "export", export); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	var dump struct {
		Memories      []json.RawMessage `json:"memories"`
		Relationships []json.RawMessage `json:"relationships"`
	}
	b, _ := os.ReadFile(export)
	if err := json.Unmarshal(b, &dump); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if len(dump.Memories) != 156 || len(dump.Relationships) != 154 {
		t.Errorf("export holds %d memories and %d relationships, want 156 and 154", len(dump.Memories), len(dump.Relationships))
	}
	other := newInstance(t)
	if out, errOut, code := other.run(t, "import", export); code != 0 || !strings.Contains(out, "156") {
		t.Errorf("importing the export into a fresh store: exit %d: %s%s", code, out, errOut)
	}

	if out, errOut, code := in.run(t, "doctor"); code != 0 || !strings.Contains(out, "156 memories") {
		t.Errorf("doctor: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code := in.run(t, "client-config", "claude-desktop")
	var snippet map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &snippet) != nil || !strings.Contains(out, `"mcp"`) {
		t.Errorf("client-config claude-desktop: exit %d, output %s", code, out)
	}
	if _, errOut, code := in.run(t, "no-such-command"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: exit %d, %s", code, errOut)
	}
	if out, _, code := in.run(t, "version"); code != 0 || !strings.HasPrefix(out, "engram ") {
		t.Errorf("version: exit %d, %s", code, out)
	}
}

// TestWebUIRefusesForeignHost guards the pages beside /mcp against DNS
// rebinding too: a foreign Host is refused before the token is asked for.
func TestWebUIRefusesForeignHost(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.serve(t)
	for host, want := range map[string]int{"": http.StatusUnauthorized, "evil.example": http.StatusForbidden, "localhost": http.StatusUnauthorized} {
		req, _ := http.NewRequest("GET", "http://"+in.addr+"/", nil)
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET / with Host %q: status %d, want %d", host, resp.StatusCode, want)
		}
	}
}
