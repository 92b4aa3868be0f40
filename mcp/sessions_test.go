package mcp

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestIdleSessionsEnd checks that a session nobody uses is forgotten after
// SessionIdleTTL, so clients that never say goodbye cannot pile up
// sessions, while a session in use stays.
func TestIdleSessionsEnd(t *testing.T) {
	svc := newService(t)
	h := NewHTTPHandler(NewServer(svc, "test", slog.New(slog.DiscardHandler)),
		HTTPOptions{Token: testToken, SessionIdleTTL: time.Second})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	auth := map[string]string{"Authorization": "Bearer " + testToken}
	open := func() string {
		resp, body := post(t, ts.URL, strings.NewReader(initializeBody), auth, "")
		sid := resp.Header.Get("Mcp-Session-Id")
		if resp.StatusCode != http.StatusOK || sid == "" {
			t.Fatalf("initialize: status %d, session %q: %s", resp.StatusCode, sid, body)
		}
		return sid
	}
	ping := func(sid string) int {
		headers := map[string]string{"Mcp-Session-Id": sid, "Mcp-Protocol-Version": "2025-11-25"}
		for k, v := range auth {
			headers[k] = v
		}
		resp, _ := post(t, ts.URL, strings.NewReader(`{"jsonrpc":"2.0","id":2,"method":"ping"}`), headers, "")
		return resp.StatusCode
	}
	idle, busy := open(), open()
	// Keep the busy session in use for 3 s: past the TTL and two sweeps.
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if code := ping(busy); code != http.StatusOK {
			t.Fatalf("a session in use every 200 ms was ended: status %d", code)
		}
	}
	if code := ping(idle); code != http.StatusNotFound {
		t.Errorf("a session idle for 3 s with a 1 s TTL: status %d, want 404 (initialize again)", code)
	}
}
