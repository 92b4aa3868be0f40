package app

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/mcp"
)

// Server is Engram's HTTP face on a loopback listener: the MCP endpoint at
// /mcp, a status page at / and a health check at /healthz.
type Server struct {
	svc    *backend.Service
	ln     net.Listener
	http   *http.Server
	logger *slog.Logger
}

// NewServer listens on addr (port 0 picks a free one) and prepares the
// handlers. Run serves until its context ends.
func NewServer(svc *backend.Service, addr, token string, logger *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w (is another Engram running? set ENGRAM_ADDR to use another port)", addr, err)
	}
	s := &Server{svc: svc, ln: ln, logger: logger}
	mux := http.NewServeMux()
	mux.Handle("/mcp", mcp.NewHTTPHandler(mcp.NewServer(svc, Version, logger), mcp.HTTPOptions{Token: token, Logger: logger}))
	mux.HandleFunc("GET /healthz", s.health)
	mux.HandleFunc("GET /{$}", s.status)
	s.http = &http.Server{
		Handler:           loopbackOnly(mux),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

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
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
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

var statusPage = template.Must(template.New("status").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Engram</title>
<meta name="color-scheme" content="light dark">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}code{font-size:90%}</style>
</head><body>
<h1>Engram is running</h1>
<p>Long-term memory for your AI assistants.</p>
{{if .Err}}<p><strong>The store is unavailable:</strong> {{.Err}}</p>{{else}}
<p>{{.Stats.Memories}} memories, {{.Stats.Relationships}} relationships.</p>{{end}}
<p>MCP endpoint: <code>http://{{.Addr}}/mcp</code> (bearer token in Engram's config directory).
Assistants connect with <code>engram client-config claude-code</code> and friends.</p>
<p>Version {{.Version}}</p>
</body></html>
`))

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	data := struct {
		Stats   *backend.Statistics
		Err     string
		Addr    string
		Version string
	}{Addr: s.Addr(), Version: Version}
	stats, err := s.svc.Statistics(r.Context(), 1)
	if err != nil {
		data.Err = backend.ErrorMessage(err)
	}
	data.Stats = stats
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	if err := statusPage.Execute(w, data); err != nil {
		s.logger.Warn("render status page", "err", err)
	}
}
