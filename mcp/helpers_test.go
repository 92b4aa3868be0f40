package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/sqlite"
)

// newService returns a Service over a fresh SQLite store in t's temp dir.
func newService(t testing.TB) *backend.Service {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "engram.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return backend.NewService(st)
}

// logBuffer collects a server's log lines; handlers log from their own
// goroutines, so writes are locked.
type logBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

// Write appends p.
func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// env is a real server over a real store, and an in-process client on it.
type env struct {
	t   *testing.T
	ctx context.Context
	svc *backend.Service
	log *logBuffer
	srv *mcpserver.MCPServer
	c   *mcpclient.Client
}

// newEnv starts a server whose results are checked against their output
// schemas by mcp-go, so a result that drifts from its schema fails a test.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, ctx: t.Context(), svc: newService(t), log: &logBuffer{}}
	e.srv = newServer(e.svc, "test", slog.New(slog.NewTextHandler(e.log, nil)), mcpserver.WithOutputSchemaValidation())
	c, err := mcpclient.NewInProcessClient(e.srv)
	if err != nil {
		t.Fatalf("NewInProcessClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Start(e.ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	initialize(t, c)
	e.c = c
	return e
}

func initialize(t testing.TB, c *mcpclient.Client) *mcpgo.InitializeResult {
	t.Helper()
	return initializeAt(t, c, "")
}

// initializeAt initializes with a preferred protocol version: "" lets the
// client try 2026-07-28 (no sessions) first, an earlier version makes it
// use the initialize handshake and a session.
func initializeAt(t testing.TB, c *mcpclient.Client, version string) *mcpgo.InitializeResult {
	t.Helper()
	req := mcpgo.InitializeRequest{}
	req.Params.ProtocolVersion = version
	req.Params.ClientInfo = mcpgo.Implementation{Name: "engram-test", Version: "1"}
	res, err := c.Initialize(context.Background(), req)
	if err != nil {
		t.Fatalf("Initialize: %v", err)
	}
	if res.ServerInfo.Name != serverName {
		t.Fatalf("server name = %q, want %q", res.ServerInfo.Name, serverName)
	}
	return res
}

// call calls a tool; args may be any JSON-marshalable value, or
// json.RawMessage for arguments no Go value would produce.
func call(t testing.TB, c *mcpclient.Client, name string, args any) *mcpgo.CallToolResult {
	t.Helper()
	req := mcpgo.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(context.Background(), req)
	if err != nil {
		t.Fatalf("%s(%s): protocol error %v", name, show(args), err)
	}
	return res
}

// ok calls a tool that must succeed and decodes its structured result into
// out (when not nil). It returns the text.
func (e *env) ok(name string, args any, out any) string {
	e.t.Helper()
	return okCall(e.t, e.c, name, args, out)
}

func okCall(t testing.TB, c *mcpclient.Client, name string, args any, out any) string {
	t.Helper()
	res := call(t, c, name, args)
	text := resultText(res)
	if res.IsError {
		t.Fatalf("%s(%s) failed: %s", name, show(args), text)
	}
	if out != nil {
		raw, err := json.Marshal(res.StructuredContent)
		if err != nil {
			t.Fatalf("%s: structured content: %v", name, err)
		}
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s: decode structured content %s: %v", name, raw, err)
		}
	}
	return text
}

// fail calls a tool that must return a tool error, and returns its message.
func (e *env) fail(name string, args any) string {
	e.t.Helper()
	res := call(e.t, e.c, name, args)
	text := resultText(res)
	if !res.IsError {
		e.t.Fatalf("%s(%s) succeeded with %q, want a tool error", name, show(args), text)
	}
	if text == "" {
		e.t.Fatalf("%s(%s): tool error without a message", name, show(args))
	}
	return text
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

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return clip(string(b), 200)
}

// store stores a memory through the tool and returns its id.
func (e *env) store(typ, title, content string, extra map[string]any) string {
	e.t.Helper()
	args := map[string]any{"type": typ, "title": title, "content": content}
	for k, v := range extra {
		args[k] = v
	}
	var out storeMemoryResult
	e.ok("store_memory", args, &out)
	if out.ID == "" || out.Duplicate {
		e.t.Fatalf("store_memory(%q) = %+v", title, out)
	}
	return out.ID
}

// count returns how many memories and relationships the store holds.
func (e *env) count() (memories, relationships int) {
	e.t.Helper()
	st, err := e.svc.Statistics(context.Background(), 0)
	if err != nil {
		e.t.Fatalf("Statistics: %v", err)
	}
	return st.Memories, st.Relationships
}
