package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// The abuse tests treat the real binary as an attacker or a broken client
// would: oversized requests, floods of sessions, bad credentials, foreign
// pages, and injection attempts in every text field. Each must be refused
// or stored literally, never executed, never crashing, never corrupting.

// mcpPost sends one raw JSON-RPC body to /mcp and returns the response.
func mcpPost(t *testing.T, in *instance, body io.Reader, headers map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", "http://"+in.addr+"/mcp", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /mcp: %v", err)
	}
	return resp
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"abuse","version":"1"}}}`

// TestHTTPAbuse covers credentials, Origins, Hosts and body sizes on the
// HTTP endpoint, then checks the server still serves.
func TestHTTPAbuse(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.serve(t)
	token := in.token(t)
	bearer := "Bearer " + token
	for _, tc := range []struct {
		name    string
		headers map[string]string
		body    io.Reader
		want    int
	}{
		{"no token", nil, nil, http.StatusUnauthorized},
		{"empty bearer", map[string]string{"Authorization": "Bearer "}, nil, http.StatusUnauthorized},
		{"wrong token", map[string]string{"Authorization": "Bearer " + strings.Repeat("0", len(token))}, nil, http.StatusUnauthorized},
		{"token prefix", map[string]string{"Authorization": "Bearer " + token[:len(token)-1]}, nil, http.StatusUnauthorized},
		{"token with a suffix", map[string]string{"Authorization": bearer + "x"}, nil, http.StatusUnauthorized},
		{"basic scheme", map[string]string{"Authorization": "Basic " + token}, nil, http.StatusUnauthorized},
		{"token as a query", map[string]string{"Authorization": "access_token=" + token}, nil, http.StatusUnauthorized},
		{"huge token", map[string]string{"Authorization": "Bearer " + strings.Repeat("A", 64<<10)}, nil, http.StatusUnauthorized},
		{"foreign origin", map[string]string{"Authorization": bearer, "Origin": "https://evil.example"}, nil, http.StatusForbidden},
		{"null origin", map[string]string{"Authorization": bearer, "Origin": "null"}, nil, http.StatusForbidden},
		{"look-alike origin", map[string]string{"Authorization": bearer, "Origin": "http://localhost.evil.example"}, nil, http.StatusForbidden},
		{"file origin", map[string]string{"Authorization": bearer, "Origin": "file://"}, nil, http.StatusForbidden},
		{"foreign host", map[string]string{"Authorization": bearer, "Host": "evil.example"}, nil, http.StatusForbidden},
		{"rebinding host", map[string]string{"Authorization": bearer, "Host": "127.0.0.1.nip.io"}, nil, http.StatusForbidden},
		{"foreign host without token", map[string]string{"Host": "evil.example"}, nil, http.StatusForbidden},
		{"body over the limit", map[string]string{"Authorization": bearer}, bytes.NewReader(bytes.Repeat([]byte(" "), 5<<20)), http.StatusRequestEntityTooLarge},
		{"body over the limit, no length", map[string]string{"Authorization": bearer}, io.MultiReader(strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"`), &repeatReader{b: 'a', n: 6 << 20}), http.StatusRequestEntityTooLarge},
		{"not JSON", map[string]string{"Authorization": bearer}, strings.NewReader("\x00\xff<script>"), http.StatusBadRequest},
		{"local origin", map[string]string{"Authorization": bearer, "Origin": "http://localhost:3000"}, strings.NewReader(initializeBody), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if body == nil {
				body = strings.NewReader(initializeBody)
			}
			resp := mcpPost(t, in, body, tc.headers)
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	// Still serving, with tools.
	stats := call(t, in.httpClient(t), "get_memory_statistics", nil)
	if stats["memories"] != float64(0) {
		t.Errorf("refused requests changed the store: %v", stats)
	}
}

// repeatReader yields n copies of b, with no length known in advance (a
// chunked body).
type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = r.b
	}
	r.n -= k
	return k, nil
}

// TestSessionFlood opens 1,000 MCP sessions over HTTP and never closes
// them: the server stays up and each session costs little memory (about
// 10 KB without the race detector). Idle sessions end after an hour, so a
// flood cannot grow the server without bound (mcp.TestIdleSessionsEnd).
func TestSessionFlood(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	srv := startServer(t, in)
	defer srv.stop(t)
	headers := map[string]string{"Authorization": "Bearer " + in.token(t)}
	open := func(n int) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for range n {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				resp := mcpPost(t, in, strings.NewReader(initializeBody), headers)
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Mcp-Session-Id") == "" {
					t.Errorf("initialize: status %d, session %q", resp.StatusCode, resp.Header.Get("Mcp-Session-Id"))
				}
			})
		}
		wg.Wait()
	}
	open(100) // warm up: pools, buffers, the heap's first growth
	before := rss(t, srv.cmd.Process.Pid)
	const flood = 1000
	open(flood)
	after := rss(t, srv.cmd.Process.Pid)
	perSession := float64(after-before) * 1024 / flood
	t.Logf("RSS %d KiB before, %d KiB after %d more sessions: %.0f bytes per open session", before, after, flood, perSession)
	// A session's state is a few KiB; 64 KiB each (with the race
	// detector's shadow memory) would mean a leak far beyond it.
	if perSession > 64<<10 {
		t.Errorf("each open session costs %.0f bytes of resident memory", perSession)
	}
	call(t, in.httpClient(t), "store_memory", map[string]any{"type": "general", "title": "After the flood", "content": "The server still stores."})
}

// rss returns the resident memory of pid in KiB.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// payloads are attempts to make a store execute text, or to break on it.
var payloads = map[string]string{
	"cypher":          `x'}) MATCH (n) DETACH DELETE n WITH 1 AS x CREATE (m:Memory {id:'pwned'}) //`,
	"cypher label":    "Memory`) DETACH DELETE n //",
	"sql":             `'); DROP TABLE memories; --`,
	"sql or":          `' OR '1'='1`,
	"sql like":        `%_%\`,
	"fts5 syntax":     `title:* OR NEAR(a b, 1) AND "unterminated ^x -y {col}:z`,
	"fts5 star":       `*`,
	"lucene":          `title:foo~2 AND bar^3 OR [a TO z] \ /regex/ +must -not`,
	"html":            `<script>alert(document.cookie)</script><img src=x onerror=alert(1)>`,
	"template":        `{{.Token}} ${jndi:ldap://x} {% raw %}`,
	"nul":             "before\x00after",
	"control":         "bell\x07escape\x1b[31m",
	"crlf":            "line\r\nInjected-Header: 1",
	"emoji":           strings.Repeat("🧠", 150),
	"combining":       strings.Repeat("e\u0301\u0302\u0303", 40),
	"right-to-left":   "\u202etxt.exe\u202c עברית العربية",
	"invalid utf8":    "bad \xff\xfe bytes",
	"json":            `{"$ne": null, "__proto__": {"admin": true}}`,
	"path":            `../../../../etc/passwd`,
	"long word":       strings.Repeat("a", 200),
	"only spaces":     "   ",
	"unicode spaces":  "\u00a0\u2003\u3000x\u200b",
	"lone surrogate":  "\xed\xa0\x80",
	"private use":     "\U000f0000\U0010fffd",
	"noncharacter":    "\ufffe\uffff",
	"backslashes":     `\\\"\n\t\u0000`,
	"percent":         "%00%0a%s%n%x",
	"quote mix":       `'"` + "`",
	"braces":          `)))(((]]][[[`,
	"keyword storm":   `AND OR NOT NEAR MATCH WHERE DELETE`,
	"ideographs long": strings.Repeat("記憶", 100),
}

// TestInjectionInEveryField stores every payload in every text field of
// store_memory, update_memory and create_relationship, searches and
// recalls with it, and uses it as an id in every tool that takes one.
// Each call is refused with a tool error or takes the text literally: a
// stored value comes back byte for byte. Nothing else changes, nothing
// crashes, and the store passes its integrity checks afterwards.
func TestInjectionInEveryField(t *testing.T) {
	for _, b := range storeBackends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			in := newInstance(t)
			in = b.use(t, in)
			injectEverywhere(t, in)
			b.consistent(t, in)
		})
	}
}

func injectEverywhere(t *testing.T, in *instance) {
	c := in.stdioClient(t, "--direct")
	anchor := call(t, c, "store_memory", map[string]any{"type": "general", "title": "Anchor memory", "content": "Must survive every payload."})["id"].(string)
	other := call(t, c, "store_memory", map[string]any{"type": "general", "title": "Other memory", "content": "A second endpoint."})["id"].(string)
	stored := 2

	for name, p := range payloads {
		t.Run(name, func(t *testing.T) {
			// store_memory: the payload in each text field in turn.
			for _, field := range []string{"title", "content", "summary", "tags", "project_path", "files", "languages", "frameworks", "git_branch", "git_commit", "session_id", "extra key", "extra value"} {
				args := map[string]any{"type": "general", "title": "Payload " + name + " in " + field, "content": "Carrier for " + field + "."}
				ctx := map[string]any{}
				switch field {
				case "title", "content", "summary":
					args[field] = p
				case "tags":
					args["tags"] = []string{p}
				case "files", "languages", "frameworks":
					ctx[field] = []string{p}
				case "extra key":
					ctx["extra"] = map[string]any{p: "v"}
				case "extra value":
					ctx["extra"] = map[string]any{"k": p}
				default:
					ctx[field] = p
				}
				if len(ctx) > 0 {
					args["context"] = ctx
				}
				res := callRaw(t, c, "store_memory", args)
				if res.IsError {
					refusedClearly(t, "store_memory "+field, resultText(res))
					continue
				}
				stored++
				id := structured(t, res)["id"].(string)
				got := call(t, c, "get_memory", map[string]any{"memory_id": id})["memory"].(map[string]any)
				checkLiteral(t, field, p, got)
			}

			// update_memory and create_relationship carry it too.
			for _, field := range []string{"title", "content", "summary"} {
				res := callRaw(t, c, "update_memory", map[string]any{"memory_id": other, field: p})
				if res.IsError {
					refusedClearly(t, "update_memory "+field, resultText(res))
					continue
				}
				got := call(t, c, "get_memory", map[string]any{"memory_id": other})["memory"].(map[string]any)
				checkLiteral(t, field, p, got)
			}
			res := callRaw(t, c, "create_relationship", map[string]any{"from_memory_id": anchor, "to_memory_id": other, "relationship_type": "RELATED_TO", "context": p})
			if res.IsError {
				refusedClearly(t, "create_relationship context", resultText(res))
			} else {
				checkLiteral(t, "context", p, map[string]any{"context": structured(t, res)["relationship"]})
			}

			// As a query, a filter, an id or a type it finds nothing odd and
			// changes nothing.
			for _, tc := range []struct {
				tool string
				args map[string]any
			}{
				{"search_memories", map[string]any{"query": p}},
				{"search_memories", map[string]any{"tags": []string{p}, "project_path": p}},
				{"recall_memories", map[string]any{"query": p}},
				{"get_recent_activity", map[string]any{"project_path": p}},
				{"get_memory", map[string]any{"memory_id": p}},
				{"get_related_memories", map[string]any{"memory_id": p, "depth": 5}},
				{"find_path", map[string]any{"from_memory_id": p, "to_memory_id": anchor}},
				{"delete_memory", map[string]any{"memory_id": p}},
				{"delete_relationship", map[string]any{"from_memory_id": p, "to_memory_id": anchor, "relationship_type": "RELATED_TO"}},
				{"create_relationship", map[string]any{"from_memory_id": anchor, "to_memory_id": other, "relationship_type": p}},
				{"store_memory", map[string]any{"type": p, "title": "t", "content": "c"}},
			} {
				res := callRaw(t, c, tc.tool, tc.args)
				if res.IsError {
					refusedClearly(t, tc.tool, resultText(res))
				}
			}
			stats := call(t, c, "get_memory_statistics", nil)
			if int(stats["memories"].(float64)) != stored {
				t.Fatalf("the store holds %v memories, want %d: a payload deleted or created some", stats["memories"], stored)
			}
		})
	}

	// The store is whole, and search still works on it.
	if ids, _ := searchIDs(t, c, "anchor"); len(ids) != 1 || ids[0] != anchor {
		t.Errorf("search for the anchor after the payloads = %v", ids)
	}
}

// refusedClearly fails unless a tool error is one the assistant can act on:
// not an internal error.
func refusedClearly(t *testing.T, what, msg string) {
	t.Helper()
	if msg == "" || strings.Contains(strings.ToLower(msg), "internal") {
		t.Errorf("%s: refused without a clear reason: %q", what, msg)
	}
}

// checkLiteral checks that a stored payload came back as it was sent.
// "Sent" is the text after JSON encoding, which replaces invalid UTF-8 with
// U+FFFD before the server sees it. Content is kept byte for byte; other
// text is trimmed and tags lower-cased, by design; empty values are left
// out of answers.
func checkLiteral(t *testing.T, field, p string, m map[string]any) {
	t.Helper()
	var sent string
	b, _ := json.Marshal(p)
	json.Unmarshal(b, &sent)
	want := strings.TrimSpace(sent)
	ctx, _ := m["context"].(map[string]any)
	var got any
	switch field {
	case "title", "summary":
		got = m[field]
	case "content":
		got, want = m[field], sent
	case "extra key", "extra value", "context":
		want = sent // kept as given, spaces and all
		extra, _ := ctx["extra"].(map[string]any)
		switch field {
		case "extra key":
			for k := range extra {
				got = k
			}
		case "extra value":
			got = extra["k"]
		default:
			got = ctx[field]
		}
	case "tags":
		got, want = first(m["tags"]), strings.ToLower(want)
	case "files", "languages", "frameworks":
		got = first(ctx[field])
	default:
		got = ctx[field]
	}
	if got == nil {
		got = ""
	}
	if got != want {
		t.Errorf("%s stored as %q, want %q byte for byte", field, got, want)
	}
}

func first(v any) any {
	if l, ok := v.([]any); ok && len(l) > 0 {
		return l[0]
	}
	return nil
}

// structured decodes a successful result's structured content.
func structured(t *testing.T, res *mcpgo.CallToolResult) map[string]any {
	t.Helper()
	b, _ := json.Marshal(res.StructuredContent)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("structured content %s: %v", b, err)
	}
	return m
}

func searchIDs(t *testing.T, c *client.Client, query string) ([]string, float64) {
	t.Helper()
	res := call(t, c, "search_memories", map[string]any{"query": query})
	var ids []string
	for _, m := range res["memories"].([]any) {
		ids = append(ids, m.(map[string]any)["id"].(string))
	}
	return ids, res["total"].(float64)
}

// TestArgumentLimits sends every bounded argument just at and just over
// its limit to the real binary over stdio (which has no body limit): at the
// limit it is stored, over it the call is refused with a tool error naming
// the argument, and a 2 MiB argument is refused the same way.
func TestArgumentLimits(t *testing.T) {
	t.Parallel()
	c := newInstance(t).stdioClient(t, "--direct")
	a := call(t, c, "store_memory", map[string]any{"type": "general", "title": "Limit anchor A", "content": "a"})["id"].(string)
	b := call(t, c, "store_memory", map[string]any{"type": "general", "title": "Limit anchor B", "content": "b"})["id"].(string)
	many := func(n int, prefix string) []string {
		l := make([]string, n)
		for i := range l {
			l[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		return l
	}
	extra := func(n int) map[string]any {
		m := map[string]any{}
		for i := range n {
			m[fmt.Sprintf("k%d", i)] = "v"
		}
		return m
	}
	store := func(field string, v any) map[string]any {
		args := map[string]any{"type": "general", "title": "Limit " + field, "content": "Limit test for " + field + "."}
		switch field {
		case "title", "content", "summary", "tags":
			args[field] = v
		default:
			args["context"] = map[string]any{field: v}
		}
		return args
	}
	for _, tc := range []struct {
		name, tool, field string
		at, over          map[string]any
	}{
		{"title", "store_memory", "title", store("title", strings.Repeat("t", 200)), store("title", strings.Repeat("t", 201))},
		{"title in runes", "store_memory", "title", store("title", strings.Repeat("🧠", 200)), store("title", strings.Repeat("🧠", 201))},
		{"content", "store_memory", "content", store("content", strings.Repeat("🧠", 12800)), store("content", strings.Repeat("🧠", 12800)+"x")},
		{"huge content", "store_memory", "content", nil, store("content", strings.Repeat("x", 2<<20))},
		{"summary", "store_memory", "summary", store("summary", strings.Repeat("s", 500)), store("summary", strings.Repeat("s", 501))},
		{"tag count", "store_memory", "tags", store("tags", many(50, "tag")), store("tags", many(51, "tag"))},
		{"tag length", "store_memory", "tags", store("tags", []string{strings.Repeat("g", 100)}), store("tags", []string{strings.Repeat("g", 101)})},
		{"files", "store_memory", "files", store("files", many(100, "f")), store("files", many(101, "f"))},
		{"project path", "store_memory", "project_path", store("project_path", "/"+strings.Repeat("p", 1023)), store("project_path", "/"+strings.Repeat("p", 1024))},
		{"extra", "store_memory", "extra", store("extra", extra(50)), store("extra", extra(51))},
		{"relationship context", "create_relationship", "context",
			map[string]any{"from_memory_id": a, "to_memory_id": b, "relationship_type": "RELATED_TO", "context": strings.Repeat("c", 1000)},
			map[string]any{"from_memory_id": a, "to_memory_id": b, "relationship_type": "RELATED_TO", "context": strings.Repeat("c", 1001)}},
		{"query", "search_memories", "query", map[string]any{"query": strings.Repeat("q ", 500)}, map[string]any{"query": strings.Repeat("q ", 500) + "q"}},
		{"memory id", "get_memory", "memory_id", nil, map[string]any{"memory_id": strings.Repeat("i", 129)}},
		{"limit", "search_memories", "limit", map[string]any{"limit": 100}, map[string]any{"limit": 101}},
		{"depth", "get_related_memories", "depth", map[string]any{"memory_id": a, "depth": 5}, map[string]any{"memory_id": a, "depth": 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.at != nil {
				call(t, c, tc.tool, tc.at)
			}
			if msg := callError(t, c, tc.tool, tc.over); !strings.Contains(msg, tc.field) {
				t.Errorf("refusal %q does not name %s", clip(msg, 200), tc.field)
			}
		})
	}
	// Still serving.
	call(t, c, "get_memory", map[string]any{"memory_id": a})
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
