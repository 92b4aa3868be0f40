package mcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/engramhq/engram/backend"
)

// seen is one request that reached the endpoint.
type seen struct {
	method, rpcMethod, session, auth string
	status                           int
	contentType, body                string // of the response
}

// endpoint is an Engram MCP endpoint whose handler can be swapped (to play
// an app restart) and which records what reaches it.
type endpoint struct {
	svc     *backend.Service
	srv     *mcpserver.MCPServer
	url     string
	handler atomic.Pointer[http.Handler]

	mu   sync.Mutex // guards seen
	seen []seen
}

func newEndpoint(t *testing.T) *endpoint {
	t.Helper()
	e := &endpoint{svc: newService(t)}
	e.srv = NewServer(e.svc, "test", nil)
	e.restart()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		var msg struct{ Method string }
		_ = json.Unmarshal(body, &msg)
		// The entry is made before the handler runs and filled in as it
		// writes: a client can read the whole answer before ServeHTTP returns.
		e.mu.Lock()
		e.seen = append(e.seen, seen{method: r.Method, rpcMethod: msg.Method, session: r.Header.Get(mcpgo.HeaderSessionID),
			auth: r.Header.Get("Authorization"), status: http.StatusOK})
		i := len(e.seen) - 1
		e.mu.Unlock()
		(*e.handler.Load()).ServeHTTP(&statusWriter{ResponseWriter: w, e: e, i: i}, r)
	}))
	t.Cleanup(ts.Close)
	e.url = ts.URL
	return e
}

// restart replaces the handler with a new one that knows no sessions, as a
// restarted app would.
func (e *endpoint) restart() {
	h := NewHTTPHandler(e.srv, HTTPOptions{Token: testToken})
	e.handler.Store(&h)
}

// requests returns what reached the endpoint with an HTTP method and a
// JSON-RPC method; "" matches any.
func (e *endpoint) requests(method, rpcMethod string) []seen {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []seen
	for _, s := range e.seen {
		if (method == "" || s.method == method) && (rpcMethod == "" || s.rpcMethod == rpcMethod) {
			out = append(out, s)
		}
	}
	return out
}

// statusWriter records the status, type and body of an answer in entry i
// of e.seen. It passes Flush on, which mcp-go needs to stream events.
type statusWriter struct {
	http.ResponseWriter
	e *endpoint
	i int
}

// Write records p and passes it on.
func (w *statusWriter) Write(p []byte) (int, error) {
	w.e.mu.Lock()
	s := &w.e.seen[w.i]
	if s.contentType == "" {
		s.contentType = w.Header().Get("Content-Type")
	}
	s.body += string(p)
	w.e.mu.Unlock()
	return w.ResponseWriter.Write(p)
}

// WriteHeader records code and passes it on.
func (w *statusWriter) WriteHeader(code int) {
	w.e.mu.Lock()
	w.e.seen[w.i].status = code
	w.e.seen[w.i].contentType = w.Header().Get("Content-Type")
	w.e.mu.Unlock()
	w.ResponseWriter.WriteHeader(code)
}

// Flush flushes the underlying writer.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func TestForward(t *testing.T) {
	for _, version := range []string{mcpgo.ProtocolVersion20251125, ""} {
		name := version
		if name == "" {
			name = "latest"
		}
		t.Run(name, func(t *testing.T) {
			ep := newEndpoint(t)
			p := newStdioPipes(t)
			done := p.serve(func(in io.Reader, out io.Writer) error {
				return Forward(context.Background(), ep.url, testToken, in, out)
			})
			initializeAt(t, p.c, version)
			exercise(t, p.c, ep.svc)
			if msg := resultText(call(t, p.c, "get_memory", map[string]any{"memory_id": 5})); !strings.HasPrefix(msg, "memory_id:") {
				t.Errorf("bad arguments through Forward: %q", msg)
			}
			p.c.Close()
			if err := wait(t, done); err != nil {
				t.Fatalf("Forward at EOF = %v, want nil", err)
			}
			p.rec.checkProtocolOnly(t)

			for _, s := range ep.requests("", "") {
				if s.auth != "Bearer "+testToken {
					t.Errorf("%s %s went without the token", s.method, s.rpcMethod)
				}
			}
			deletes := ep.requests(http.MethodDelete, "")
			if version == "" {
				if inits := ep.requests(http.MethodPost, "initialize"); len(inits) != 0 || len(deletes) != 0 {
					t.Errorf("initialize %+v, DELETE %+v for the sessionless protocol", inits, deletes)
				}
				return
			}
			inits := ep.requests(http.MethodPost, "initialize")
			if len(inits) != 1 || len(deletes) != 1 || deletes[0].session == "" || deletes[0].status != http.StatusOK {
				t.Fatalf("initialize %+v, DELETE %+v; want one session opened and closed", inits, deletes)
			}
			for _, s := range ep.requests(http.MethodPost, "tools/call") {
				if s.session != deletes[0].session {
					t.Fatalf("tools/call in session %q, want %q", s.session, deletes[0].session)
				}
			}
		})
	}
}

func TestForwardReopensLostSession(t *testing.T) {
	ep := newEndpoint(t)
	p := newStdioPipes(t)
	done := p.serve(func(in io.Reader, out io.Writer) error {
		return Forward(context.Background(), ep.url, testToken, in, out)
	})
	initializeAt(t, p.c, mcpgo.ProtocolVersion20251125)
	okCall(t, p.c, "get_memory_statistics", nil, nil)
	ep.restart()
	// Several calls at once lose the session together; it is re-opened once.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			req := mcpgo.CallToolRequest{}
			req.Params.Name = "get_memory_statistics"
			if res, err := p.c.CallTool(t.Context(), req); err != nil || res.IsError {
				t.Errorf("call after the restart: %v %v", err, res)
			}
		})
	}
	wg.Wait()
	if inits := ep.requests(http.MethodPost, "initialize"); len(inits) != 2 {
		t.Errorf("%d initialize requests, want 2 (the client's and one replay)", len(inits))
	}
	p.c.Close()
	if err := wait(t, done); err != nil {
		t.Fatalf("Forward = %v", err)
	}
}

func TestForwardFailures(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	tests := []struct {
		name, url, token, want string
	}{
		{"ServerDown", down.URL, testToken, "cannot reach Engram"},
		{"WrongToken", "", "wrong", "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.url
			if url == "" {
				url = newEndpoint(t).url
			}
			p := newStdioPipes(t)
			done := p.serve(func(in io.Reader, out io.Writer) error {
				return Forward(context.Background(), url, tt.token, in, out)
			})
			req := mcpgo.InitializeRequest{}
			req.Params.ProtocolVersion = mcpgo.ProtocolVersion20251125
			if _, err := p.c.Initialize(t.Context(), req); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Initialize = %v, want an error mentioning %q", err, tt.want)
			}
			p.c.Close()
			if err := wait(t, done); err != nil {
				t.Fatalf("Forward = %v", err)
			}
			p.rec.checkProtocolOnly(t)
		})
	}
}

// TestForwardRawInput feeds Forward lines no well-behaved client sends.
func TestForwardRawInput(t *testing.T) {
	ep := newEndpoint(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Forward(ctx, ep.url, testToken, inR, outW); outW.Close() }()
	lines := bufio.NewScanner(outR)
	send := func(line string) map[string]any {
		t.Helper()
		if _, err := io.WriteString(inW, line+"\n"); err != nil {
			t.Fatal(err)
		}
		if !lines.Scan() {
			t.Fatalf("no answer to %q", line)
		}
		var m map[string]any
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatalf("answer %q is not JSON", lines.Text())
		}
		return m
	}
	code := func(m map[string]any) float64 {
		e, _ := m["error"].(map[string]any)
		c, _ := e["code"].(float64)
		return c
	}
	if m := send("this is not json"); code(m) != mcpgo.PARSE_ERROR {
		t.Errorf("garbage answered %v", m)
	}
	if m := send(`[1,2,3]`); code(m) != mcpgo.INVALID_REQUEST {
		t.Errorf("an array answered %v", m)
	}
	if _, err := io.WriteString(inW, "\r\n   \n"); err != nil {
		t.Fatal(err)
	}
	m := send(initializeBody)
	if res, _ := m["result"].(map[string]any); res["protocolVersion"] != mcpgo.ProtocolVersion20251125 || m["id"] != 1.0 {
		t.Fatalf("initialize answered %v", m)
	}
	if m := send(`{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"get_memory_statistics","arguments":{}}}`); m["id"] != "a" || m["result"] == nil {
		t.Fatalf("tools/call answered %v", m)
	}

	// Cancelling ctx stops Forward although its input stays open.
	cancel()
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	if err := wait(t, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("Forward after cancel = %v, want context.Canceled", err)
	}
	inW.Close()
	if d := ep.requests(http.MethodDelete, ""); len(d) != 1 || d[0].status != http.StatusOK {
		t.Errorf("session not closed after cancel: %+v", d)
	}
}

func TestProbe(t *testing.T) {
	ep := newEndpoint(t)
	if !Probe(t.Context(), ep.url, testToken) {
		t.Fatal("Probe of a running endpoint = false")
	}
	if d := ep.requests(http.MethodDelete, ""); len(d) != 1 || d[0].status != http.StatusOK {
		t.Errorf("Probe left its session open: %+v", d)
	}
	if Probe(t.Context(), ep.url, "wrong") {
		t.Error("Probe with a wrong token = true")
	}

	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","serverInfo":{"name":"someone-else","version":"1"}}}`)
	}))
	defer other.Close()
	if Probe(t.Context(), other.URL, testToken) {
		t.Error("Probe of another MCP server = true")
	}

	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	if Probe(t.Context(), down.URL, testToken) {
		t.Error("Probe of a closed port = true")
	}

	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	start := time.Now()
	if Probe(t.Context(), slow.URL, testToken) {
		t.Error("Probe of a hanging server = true")
	}
	if d := time.Since(start); d > 600*time.Millisecond {
		t.Errorf("Probe of a hanging server took %v, want about %v", d, probeTimeout)
	}
}

// TestForwardEventStream relays a tool call whose answer mcp-go streams as
// text/event-stream because the tool sends notifications first. Engram's
// own tools do not stream, so a test tool does.
func TestForwardEventStream(t *testing.T) {
	ep := newEndpoint(t)
	ep.srv.AddTool(mcpgo.NewTool("chatty_test_tool"), func(ctx context.Context, _ mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
		for i := range 3 {
			err := mcpserver.ServerFromContext(ctx).SendNotificationToClient(ctx, "notifications/message",
				map[string]any{"level": "info", "data": fmt.Sprintf("step %d\nof 3", i)})
			if err != nil {
				return nil, err
			}
		}
		return mcpgo.NewToolResultText("done"), nil
	})
	p := newStdioPipes(t)
	var mu sync.Mutex // guards notes
	var notes []string
	p.c.OnNotification(func(n mcpgo.JSONRPCNotification) {
		mu.Lock()
		defer mu.Unlock()
		notes = append(notes, fmt.Sprint(n.Params.AdditionalFields["data"]))
	})
	done := p.serve(func(in io.Reader, out io.Writer) error {
		return Forward(context.Background(), ep.url, testToken, in, out)
	})
	initializeAt(t, p.c, mcpgo.ProtocolVersion20251125)
	res := call(t, p.c, "chatty_test_tool", nil)
	if res.IsError || resultText(res) != "done" {
		t.Fatalf("streamed call = %v %q", res.IsError, resultText(res))
	}
	calls := ep.requests(http.MethodPost, "tools/call")
	if len(calls) != 1 || calls[0].contentType != "text/event-stream" {
		t.Fatalf("tools/call answered as %+v, want one text/event-stream", calls)
	}
	// mcp-go v1.2.1 sometimes drops one of the notifications a handler
	// sends while the stream starts, so the client must get exactly what
	// the server sent, not necessarily all three.
	var sent []string
	_ = readEvents(strings.NewReader(calls[0].body), func(data []byte) {
		var n mcpgo.JSONRPCNotification
		if json.Unmarshal(data, &n) == nil && n.Method == "notifications/message" {
			sent = append(sent, fmt.Sprint(n.Params.AdditionalFields["data"]))
		}
	})
	p.c.Close()
	if err := wait(t, done); err != nil {
		t.Fatalf("Forward = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sent) == 0 || fmt.Sprint(notes) != fmt.Sprint(sent) {
		t.Fatalf("client got notifications %q, the server sent %q", notes, sent)
	}
	p.rec.checkProtocolOnly(t)
}

func TestReadEvents(t *testing.T) {
	stream := ": a comment\r\n" +
		"event: message\r\nid: 1\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\n" +
		"retry: 100\n\n" +
		"data:{\"b\":2}\n\n" +
		"data: {\"c\":3}"
	var got []string
	if err := readEvents(strings.NewReader(stream), func(d []byte) { got = append(got, string(d)) }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"{\"a\":\n1}", `{"b":2}`, `{"c":3}`}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}
