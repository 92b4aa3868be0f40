package mcp

import (
	"bytes"
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// defaultMaxBodyBytes bounds a request body when HTTPOptions leaves it 0.
// A store_memory call tops out near 60 KB of JSON; 4 MiB leaves room for
// anything legitimate and stops a runaway client from filling memory.
const defaultMaxBodyBytes = 4 << 20

// defaultSessionIdleTTL ends a session no request has used for this long.
// mcp-go keeps a session until the client sends DELETE, so clients that
// vanish without one (killed, crashed, or a flood of initializes) would
// hold about 10 KB each for the life of the server. A client that comes
// back after the TTL gets 404 and initializes again, as the MCP spec
// requires (engram mcp's forwarder does).
const defaultSessionIdleTTL = time.Hour

// HTTPOptions configure the streamable HTTP endpoint.
type HTTPOptions struct {
	// Token is the bearer token every request must carry. An empty token
	// refuses every request: a missing secret must not open the endpoint.
	Token string
	// MaxBodyBytes bounds a request body; 0 means 4 MiB.
	MaxBodyBytes int64
	// SessionIdleTTL ends sessions idle for longer; 0 means one hour.
	SessionIdleTTL time.Duration
	// Logger receives transport errors; nil discards them.
	Logger *slog.Logger
}

// NewHTTPHandler serves streamable HTTP MCP with stateful sessions wherever
// it is mounted. In front of mcp-go's handler it refuses, in this order: a
// Host that is not loopback (403, against DNS rebinding, whatever address
// the server listens on), a foreign Origin (403: a web page must not drive
// a local server), a missing or wrong "Authorization: Bearer <Token>" (401
// with WWW-Authenticate), and a body over MaxBodyBytes (413). Refusals have
// a JSON body {"error": code, "message": text}.
func NewHTTPHandler(s *mcpserver.MCPServer, opts HTTPOptions) http.Handler {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	limit := opts.MaxBodyBytes
	if limit <= 0 {
		limit = defaultMaxBodyBytes
	}
	next := mcpserver.NewStreamableHTTPServer(s,
		mcpserver.WithStateful(true),
		mcpserver.WithStreamableHTTPLogger(logger),
		mcpserver.WithSessionIdleTTL(cmp.Or(opts.SessionIdleTTL, defaultSessionIdleTTL)),
	)
	return &guard{token: []byte(opts.Token), limit: limit, next: next}
}

// guard checks a request before mcp-go sees it.
type guard struct {
	token []byte
	limit int64
	next  http.Handler
}

// ServeHTTP refuses what NewHTTPHandler describes and hands the rest on.
func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !LoopbackHost(r.Host) {
		refuse(w, http.StatusForbidden, "forbidden_host",
			fmt.Sprintf("Host %q is not a loopback address; Engram's MCP endpoint answers only to 127.0.0.1, localhost or [::1]", r.Host))
		return
	}
	if origin := r.Header.Get("Origin"); origin != "" && !loopbackOrigin(origin) {
		refuse(w, http.StatusForbidden, "forbidden_origin",
			fmt.Sprintf("Origin %q may not use Engram's MCP endpoint; only local clients may", origin))
		return
	}
	if !g.authorized(r) {
		challenge := `Bearer realm="engram"`
		if r.Header.Get("Authorization") != "" {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
		refuse(w, http.StatusUnauthorized, "unauthorized",
			"send Authorization: Bearer <token>, with the token from Engram's config directory (engram client-config shows a ready configuration)")
		return
	}
	if r.Body != nil && r.Method == http.MethodPost {
		if r.ContentLength > g.limit {
			g.tooLarge(w)
			return
		}
		// mcp-go reads the whole body itself and would report an over-long
		// one as a JSON parse error, so the limit is applied here and the
		// body handed on already read.
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.limit))
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				g.tooLarge(w)
				return
			}
			refuse(w, http.StatusBadRequest, "bad_request", "cannot read the request body: "+err.Error())
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	g.next.ServeHTTP(w, r)
}

func (g *guard) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || len(g.token) == 0 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), g.token) == 1
}

func (g *guard) tooLarge(w http.ResponseWriter) {
	refuse(w, http.StatusRequestEntityTooLarge, "body_too_large",
		fmt.Sprintf("the request body is over %d bytes; split the content into several memories", g.limit))
}

func refuse(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "message": message})
}

// LoopbackHost reports whether a Host header (host or host:port) names
// the local machine. Every handler of a local server checks it: a page on a
// rebinding domain reaches 127.0.0.1 with its own name as Host.
func LoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// loopbackOrigin reports whether a browser Origin is an http(s) page served
// from the local machine. "null" (a sandboxed or file page) is not.
func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	return LoopbackHost(u.Host)
}
