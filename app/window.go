package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/engramhq/engram/app/config"
	"github.com/engramhq/engram/mcp"
)

// windowOptions is what the desktop window needs: the handler its pages
// come from, the page to open first, and the commands of the tray.
type windowOptions struct {
	Handler   http.Handler
	StartPath string
	// Commands come from the tray over stdin; closed when the tray is gone.
	Commands <-chan windowCommand
	Icon     []byte
	Logger   *slog.Logger
}

// windowCommand is one line the tray sends to its window process.
type windowCommand struct {
	Quit bool
	Show string // the page to show (with Quit false)
}

// runWindow is "engram window": the desktop window over the web UI of the
// Engram serving at --addr (the tray's server, or an "engram serve").
func runWindow(ctx context.Context, e *env, args []string) error {
	fs := e.flags("window")
	addr := fs.String("addr", "", "the address of the running Engram (default: the configured one)")
	path := fs.String("path", "/", "the page to open first, e.g. /settings")
	control := fs.Bool("control-stdin", false, "take show/quit commands from stdin and close when it ends (used by the tray)")
	if err := parseArgs(fs, args, 0, 0, "takes no arguments besides its flags"); err != nil {
		return err
	}
	if !isLocalPath(*path) {
		return usageError{"--path must be a page of Engram such as /settings"}
	}
	if !desktopBuilt {
		return errNoDesktop
	}
	if !hasDisplay(e.getenv) {
		return errors.New("no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset); open the web UI in a browser instead: engram serve prints its link")
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	if *addr == "" {
		*addr = cfg.Addr
	}
	token, err := config.Token(cfg.Dir)
	if err != nil {
		return err
	}
	if !mcp.Probe(ctx, "http://"+*addr+"/mcp", token) {
		return fmt.Errorf("no Engram answers at %s: start the app (engram) or engram serve first", *addr)
	}
	commands := make(chan windowCommand)
	if *control {
		go readWindowCommands(e.stdin, commands, e.logger)
	}
	return runWindowUI(ctx, windowOptions{
		Handler:   startAt(*path, windowProxy(*addr, token, e.logger)),
		StartPath: *path,
		Commands:  commands,
		Icon:      iconPNG(256, statusRunning),
		Logger:    e.logger,
	})
}

// startAt sends the window's first request, which is always for "/", on
// to path, so the window opens there without loading the explorer first.
// (The webview does not follow HTTP redirects of its own scheme: a meta
// refresh does it.)
func startAt(path string, next http.Handler) http.Handler {
	var started atomic.Bool
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if path != "/" && r.URL.Path == "/" && started.CompareAndSwap(false, true) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!DOCTYPE html><meta http-equiv="refresh" content="0;url=%s"><title>Engram</title>`, html.EscapeString(path))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// readWindowCommands turns the tray's lines ("show /page", "quit") into
// commands; the end of input means the tray is gone, which quits too.
func readWindowCommands(r io.Reader, out chan<- windowCommand, logger *slog.Logger) {
	defer close(out)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		cmd, err := parseWindowCommand(sc.Text())
		if err != nil {
			logger.Warn("window: ignored a command", "error", err)
			continue
		}
		out <- cmd
	}
}

func parseWindowCommand(line string) (windowCommand, error) {
	verb, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	switch verb {
	case "quit":
		return windowCommand{Quit: true}, nil
	case "show":
		if arg == "" {
			arg = "/"
		}
		if !isLocalPath(arg) {
			return windowCommand{}, fmt.Errorf("show %q: not a page of Engram", arg)
		}
		return windowCommand{Show: arg}, nil
	}
	return windowCommand{}, fmt.Errorf("unknown command %q", line)
}

// windowProxy forwards the window's requests to the Engram at addr with
// the local token, so the window shows the same web UI as a browser — one
// UI, one server, one store. It presents each request as coming from the
// server's own origin: the webview's wails:// origin is ours too.
// Pages it loads are logged (the tray shows the window's log in its own).
func windowProxy(addr, token string, logger *slog.Logger) http.Handler {
	target := &url.URL{Scheme: "http", Host: addr}
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = addr
			r.Out.Header.Set("Authorization", "Bearer "+token)
			if r.Out.Header.Get("Origin") != "" {
				r.Out.Header.Set("Origin", target.String())
			}
			r.Out.Header.Del("Sec-Fetch-Site")
		},
		ModifyResponse: func(resp *http.Response) error {
			if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				logger.Info("page", "path", resp.Request.URL.Path, "status", resp.StatusCode)
			}
			return nil
		},
		// Stream server-sent events (live updates) as they come.
		FlushInterval: -1,
		// A page closed mid-stream is normal, not worth a log line.
		ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, unreachablePage, addr)
		},
		Transport: &http.Transport{
			Proxy:               nil, // never through an HTTP proxy: the server is on loopback
			MaxIdleConnsPerHost: 8,
			IdleConnTimeout:     time.Minute,
		},
	}
}

// unreachablePage is shown in the window when the server has gone away.
const unreachablePage = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Engram</title>
<style>body{font:16px system-ui,sans-serif;margin:3rem;color:#1c1d24}</style></head>
<body><h1>Engram is not answering</h1><p>The window could not reach Engram at %s.
Start Engram again from your applications menu; this page reloads in a few seconds.</p>
<script>setTimeout(function(){location.reload()},3000)</script></body></html>`
