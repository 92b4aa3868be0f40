package mcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/engramhq/engram/backend"
)

const testToken = "s3cret-token"

// httpEnv is an Engram MCP endpoint on a real loopback listener, mounted
// at /mcp the way the app mounts it.
type httpEnv struct {
	svc *backend.Service
	url string
}

func newHTTPEnv(t *testing.T, maxBody int64) *httpEnv {
	t.Helper()
	svc := newService(t)
	logs := &logBuffer{}
	h := NewHTTPHandler(NewServer(svc, "test", slog.New(slog.NewTextHandler(logs, nil))),
		HTTPOptions{Token: testToken, MaxBodyBytes: maxBody, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	mux := http.NewServeMux()
	mux.Handle("/mcp", h)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return &httpEnv{svc: svc, url: ts.URL + "/mcp"}
}

func httpClient(t *testing.T, url, token string) *mcpclient.Client {
	t.Helper()
	c, err := mcpclient.NewStreamableHttpClient(url, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		t.Fatalf("NewStreamableHttpClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return c
}

func TestHTTP(t *testing.T) {
	for _, version := range []string{mcpgo.ProtocolVersion20251125, mcpgo.ProtocolVersion20250618, ""} {
		name := version
		if name == "" {
			name = "latest"
		}
		t.Run(name, func(t *testing.T) {
			env := newHTTPEnv(t, 0)
			c := httpClient(t, env.url, testToken)
			res := initializeAt(t, c, version)
			switch {
			case version == "" && !mcpgo.IsModernProtocol(res.ProtocolVersion):
				t.Fatalf("initialize: version %q, want the sessionless 2026-07-28 or later", res.ProtocolVersion)
			case version != "" && (res.ProtocolVersion != version || c.GetSessionId() == ""):
				t.Fatalf("initialize %s: version %q, session %q", version, res.ProtocolVersion, c.GetSessionId())
			}
			exercise(t, c, env.svc)
		})
	}
}

// post sends body to the endpoint with the given headers and returns the
// response with its body read.
func post(t *testing.T, url string, body io.Reader, header map[string]string, host string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, string(b)
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`

func TestHTTPGuard(t *testing.T) {
	env := newHTTPEnv(t, 64<<10)
	bearer := map[string]string{"Authorization": "Bearer " + testToken}
	with := func(kv ...string) map[string]string {
		h := map[string]string{"Authorization": "Bearer " + testToken}
		for i := 0; i < len(kv); i += 2 {
			h[kv[i]] = kv[i+1]
		}
		return h
	}
	big := `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", 70<<10) + `"}}`
	tests := []struct {
		name      string
		body      io.Reader
		header    map[string]string
		host      string
		status    int
		errorCode string
	}{
		{"NoToken", strings.NewReader(initializeBody), nil, "", http.StatusUnauthorized, "unauthorized"},
		{"WrongToken", strings.NewReader(initializeBody), map[string]string{"Authorization": "Bearer nope"}, "", http.StatusUnauthorized, "unauthorized"},
		{"NotBearer", strings.NewReader(initializeBody), map[string]string{"Authorization": "Basic " + testToken}, "", http.StatusUnauthorized, "unauthorized"},
		{"ForeignOrigin", strings.NewReader(initializeBody), with("Origin", "https://evil.example"), "", http.StatusForbidden, "forbidden_origin"},
		{"NullOrigin", strings.NewReader(initializeBody), with("Origin", "null"), "", http.StatusForbidden, "forbidden_origin"},
		{"LookalikeOrigin", strings.NewReader(initializeBody), with("Origin", "http://localhost.evil.example"), "", http.StatusForbidden, "forbidden_origin"},
		{"ForeignHost", strings.NewReader(initializeBody), bearer, "evil.example:7711", http.StatusForbidden, "forbidden_host"},
		{"ForeignHostNoToken", strings.NewReader(initializeBody), nil, "attacker.example", http.StatusForbidden, "forbidden_host"},
		{"BodyTooLarge", strings.NewReader(big), bearer, "", http.StatusRequestEntityTooLarge, "body_too_large"},
		{"ChunkedBodyTooLarge", iotest.HalfReader(strings.NewReader(big)), bearer, "", http.StatusRequestEntityTooLarge, "body_too_large"},
		{"LocalhostOrigin", strings.NewReader(initializeBody), with("Origin", "http://localhost:5173"), "", http.StatusOK, ""},
		{"LoopbackOrigin", strings.NewReader(initializeBody), with("Origin", "https://127.0.0.1"), "", http.StatusOK, ""},
		{"IPv6Origin", strings.NewReader(initializeBody), with("Origin", "http://[::1]:7711"), "", http.StatusOK, ""},
		{"LocalhostHost", strings.NewReader(initializeBody), bearer, "localhost:7711", http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(t, env.url, tt.body, tt.header, tt.host)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			if tt.errorCode == "" {
				return
			}
			var refusal struct{ Error, Message string }
			if err := json.Unmarshal([]byte(body), &refusal); err != nil || refusal.Error != tt.errorCode || refusal.Message == "" {
				t.Errorf("body %s, want a JSON error %q with a message", body, tt.errorCode)
			}
			if resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
			}
			if tt.status == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("401 without a Bearer challenge: %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}

	t.Run("NoConfiguredToken", func(t *testing.T) {
		h := NewHTTPHandler(NewServer(newService(t), "test", nil), HTTPOptions{})
		ts := httptest.NewServer(h)
		defer ts.Close()
		for _, auth := range []string{"", "Bearer ", "Bearer x"} {
			if resp, _ := post(t, ts.URL, strings.NewReader(initializeBody), map[string]string{"Authorization": auth}, ""); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("Authorization %q with no token configured: status %d", auth, resp.StatusCode)
			}
		}
	})

	t.Run("ClientWithoutToken", func(t *testing.T) {
		c, err := mcpclient.NewStreamableHttpClient(env.url)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		req := mcpgo.InitializeRequest{}
		req.Params.ProtocolVersion = mcpgo.ProtocolVersion20251125
		if _, err := c.Initialize(t.Context(), req); !errors.Is(err, transport.ErrAuthorizationRequired) {
			t.Fatalf("Initialize without a token: %v, want authorization required", err)
		}
	})
}

func TestHTTPMalformedRequests(t *testing.T) {
	env := newHTTPEnv(t, 0)
	c := httpClient(t, env.url, testToken)
	initializeAt(t, c, mcpgo.ProtocolVersion20251125)
	session := map[string]string{
		"Authorization": "Bearer " + testToken, "Mcp-Session-Id": c.GetSessionId(), "Mcp-Protocol-Version": mcpgo.ProtocolVersion20251125,
	}
	for _, body := range []string{`{"jsonrpc":"2.0","id":1,`, `not json at all`, ``} {
		_, got := post(t, env.url, strings.NewReader(body), session, "")
		var msg struct {
			JSONRPC string `json:"jsonrpc"`
			Error   struct {
				Code int `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(got), &msg); err != nil || msg.JSONRPC != "2.0" || msg.Error.Code != mcpgo.PARSE_ERROR {
			t.Errorf("POST %q answered %q, want a JSON-RPC parse error", body, got)
		}
	}
	_, got := post(t, env.url, strings.NewReader(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"no_such_tool"}}`), session, "")
	if !strings.Contains(got, `"error"`) || !strings.Contains(got, "no_such_tool") {
		t.Errorf("unknown tool answered %q", got)
	}
	// The server keeps serving the session.
	var stats backend.Statistics
	okCall(t, c, "get_memory_statistics", nil, &stats)
}

// TestHTTPConcurrentClients has several assistants store and search at the
// same time through one endpoint, each in its own session.
func TestHTTPConcurrentClients(t *testing.T) {
	env := newHTTPEnv(t, 0)
	const clients, calls = 4, 10
	var wg sync.WaitGroup
	for i := range clients {
		c := httpClient(t, env.url, testToken)
		initializeAt(t, c, mcpgo.ProtocolVersion20251125)
		wg.Go(func() {
			// t.Fatal may not run off the test's goroutine: report and go on.
			do := func(name string, args map[string]any) {
				req := mcpgo.CallToolRequest{}
				req.Params.Name, req.Params.Arguments = name, args
				if res, err := c.CallTool(t.Context(), req); err != nil || res.IsError {
					t.Errorf("client %d: %s: %v %v", i, name, err, res)
				}
			}
			for j := range calls {
				do("store_memory", map[string]any{"type": "general", "title": fmt.Sprintf("client %d note %d", i, j), "content": "concurrent"})
				do("search_memories", map[string]any{"query": "concurrent", "limit": 5})
			}
		})
	}
	wg.Wait()
	if st, err := env.svc.Statistics(t.Context(), 0); err != nil || st.Memories != clients*calls {
		t.Fatalf("%+v, %v; want %d memories", st, err, clients*calls)
	}
}
