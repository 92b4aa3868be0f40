package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/frontend"
	"github.com/engramhq/engram/mcp"
)

// Server is Engram's HTTP face on a loopback listener: the MCP endpoint at
// /mcp, a health check at /healthz and the web UI everywhere else.
type Server struct {
	svc    *backend.Service
	ln     net.Listener
	http   *http.Server
	mux    *http.ServeMux
	ui     *frontend.Handler
	token  string
	logger *slog.Logger

	// mcpPaused makes the MCP endpoint refuse calls (the tray's Pause).
	mcpPaused atomic.Bool
}

// NewServer listens on addr (port 0 picks a free one) and prepares the
// handlers; ui configures the web UI (its Token and Logger are set here).
// Run serves until its context ends.
func NewServer(svc *backend.Service, addr, token string, logger *slog.Logger, ui frontend.Options) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w (is another Engram running? set ENGRAM_ADDR to use another port)", addr, err)
	}
	ui.Token, ui.Logger = token, logger
	if ui.Version == "" {
		ui.Version = Version
	}
	s := &Server{svc: svc, ln: ln, logger: logger, token: token, ui: frontend.New(svc, ui), mux: http.NewServeMux()}
	s.mux.Handle("/mcp", s.unlessPaused(mcp.NewHTTPHandler(mcp.NewServer(svc, Version, logger), mcp.HTTPOptions{Token: token, Logger: logger})))
	s.mux.HandleFunc("GET /healthz", s.health)
	s.mux.Handle("/", s.ui)
	s.http = &http.Server{
		Handler:           loopbackOnly(s.mux),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// Shutdown waits for open requests: end the UI's event streams first.
	s.http.RegisterOnShutdown(s.ui.Close)
	return s, nil
}

// SignInURL is the web UI's address at path with a one-time code that
// signs a browser in (see frontend.Handler.SignInLink).
func (s *Server) SignInURL(path string) string { return "http://" + s.Addr() + s.ui.SignInLink(path) }

// UIURL is the web UI's address with the token, to open once.
func (s *Server) UIURL(token string) string { return webUIURL(s.Addr(), token) }

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Run serves until ctx ends, then shuts down gracefully within five seconds.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(s.ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.http.Shutdown(shutdownCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		// Streams that never go idle (an MCP client's listening GET, a
		// busy client) must not turn a requested stop into a failure.
		s.logger.Warn("closing connections still busy after 5 s")
		err = s.http.Close()
	}
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}

// PauseMCP makes the MCP endpoint refuse every call with 503 and a message
// saying how to resume (paused true), or serve again (false). The web UI
// keeps working, so the person can still look at their memories.
func (s *Server) PauseMCP(paused bool) { s.mcpPaused.Store(paused) }

// unlessPaused answers MCP calls with 503 while the server is paused.
func (s *Server) unlessPaused(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.mcpPaused.Load() {
			w.Header().Set("Retry-After", "30")
			http.Error(w, "Engram is paused: choose Resume server in Engram's tray menu", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// showWindowPath is the control request a second "engram" sends to the
// running one: POST with the bearer token and the page to show.
const showWindowPath = "/desktop/show"

// OnShowWindow makes POST /desktop/show?path=/page (bearer token only) call
// show, so that starting Engram again brings up the running app's window.
// Call it before Run.
func (s *Server) OnShowWindow(show func(path string) error) {
	s.mux.HandleFunc("POST "+showWindowPath, func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(tok), []byte(s.token)) != 1 {
			http.Error(w, "this needs Engram's local token as a bearer token", http.StatusUnauthorized)
			return
		}
		path := r.URL.Query().Get("path")
		if path == "" {
			path = "/"
		}
		if !isLocalPath(path) {
			http.Error(w, "path must be a page of Engram such as /settings", http.StatusBadRequest)
			return
		}
		if err := show(path); err != nil {
			http.Error(w, "cannot open the window: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// isLocalPath reports whether p is a path on this server (not another
// site's address such as //evil.example or a javascript: URL).
func isLocalPath(p string) bool {
	return len(p) <= 512 && strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") &&
		!strings.ContainsAny(p, "\\\r\n\t")
}

// loopbackOnly refuses requests whose Host is not this machine, so a web
// page on a DNS-rebinding domain cannot read the local server.
func loopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !mcp.LoopbackHost(r.Host) {
			http.Error(w, "Engram answers only to 127.0.0.1, localhost or [::1]", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.Ping(r.Context()); err != nil {
		http.Error(w, "store unavailable: "+backend.ErrorMessage(err), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}
