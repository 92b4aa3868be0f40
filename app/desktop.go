package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/atotto/clipboard"
	"github.com/engramhq/engram/app/config"
	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/mcp"
	"github.com/gofrs/flock"
	"github.com/pkg/browser"
)

// Files the desktop keeps in the config directory.
const (
	desktopLockFile = "desktop.lock" // held by the running tray: one instance
	welcomedFile    = "welcomed"     // written once the welcome page was shown
)

// errNoDesktop is returned by GUI commands in a build without the desktop.
var errNoDesktop = errors.New("this engram was built without the desktop app (build with -tags desktop,production,webkit2_41, see README)")

// hasDisplay reports whether a window can be opened: on Linux and the BSDs
// an X11 or Wayland display must be named; macOS and Windows always have one.
func hasDisplay(getenv func(string) string) bool {
	switch runtime.GOOS {
	case "darwin", "windows":
		return true
	}
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}

// runDesktop is "engram" without arguments: the tray app owning the store,
// the HTTP server (web UI and MCP) and the window. Without a display, or in
// a build without the desktop, it serves headless instead.
func runDesktop(ctx context.Context, e *env, args []string) error {
	if err := parseArgs(e.flags(""), args, 0, 0, "takes no arguments"); err != nil {
		return err
	}
	switch {
	case !desktopBuilt:
		fmt.Fprintln(e.stderr, "engram: this build has no desktop app; running engram serve instead")
		return runServe(ctx, e, nil)
	case !hasDisplay(e.getenv):
		fmt.Fprintln(e.stderr, "engram: no display found (DISPLAY and WAYLAND_DISPLAY are unset); running engram serve instead — open the Web UI link below in a browser")
		return runServe(ctx, e, nil)
	}
	start := time.Now()
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	token, err := config.Token(cfg.Dir)
	if err != nil {
		return err
	}
	lock := flock.New(filepath.Join(cfg.Dir, desktopLockFile))
	locked, err := lock.TryLock()
	if err != nil {
		return fmt.Errorf("check for a running Engram: %w", err)
	}
	if !locked {
		return showRunningWindow(ctx, e, cfg.Addr, token)
	}
	defer lock.Unlock()

	srv, err := openServer(ctx, e, cfg, token)
	if err != nil {
		if mcp.Probe(ctx, mcpEndpoint(cfg), token) {
			fmt.Fprintf(e.stderr, "engram: an Engram server (engram serve) already runs at %s: opening a window on it\n", cfg.Addr)
			return runWindow(ctx, e, []string{"--addr", cfg.Addr})
		}
		return err
	}
	defer srv.close()
	d := newDesktop(e, cfg, token, srv)

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Run(runCtx) }()
	srv.OnShowWindow(d.ShowWindow)
	e.logger.Info("desktop ready", "mcp", mcpEndpoint(cfg), "startup_ms", time.Since(start).Milliseconds())

	var watching sync.WaitGroup
	watching.Go(func() { d.watch(runCtx) })
	if _, err := os.Stat(filepath.Join(cfg.Dir, welcomedFile)); errors.Is(err, os.ErrNotExist) {
		d.ShowWindow("/welcome")
		if err := os.WriteFile(filepath.Join(cfg.Dir, welcomedFile), nil, 0o600); err != nil {
			e.logger.Warn("cannot remember that the welcome page was shown", "error", err)
		}
	}
	trayErr := runTrayUI(runCtx, d)
	stop()
	d.window.Close(5 * time.Second)
	watching.Wait()
	return errors.Join(trayErr, <-served)
}

// showRunningWindow asks the Engram that holds the desktop lock to show its
// window: starting Engram twice opens the window, not a second server.
func showRunningWindow(ctx context.Context, e *env, addr, token string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+showWindowPath+"?path=%2F", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("an Engram is already running but does not answer at %s (%v): quit it from its tray icon, or end the process, and start it again", addr, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("an Engram is already running but could not open its window (%s)", resp.Status)
	}
	fmt.Fprintln(e.stderr, "engram: already running: showed its window")
	return nil
}

// desktop is the tray app's state and actions; tray_systray.go draws it.
type desktop struct {
	e         *env
	cfg       *config.Config
	token     string
	srv       *engramServer
	exe       string
	window    *windowProcess
	autostart autostart
	// autostartErr says why start at login is unavailable (nil if it is).
	autostartErr error

	mu    sync.Mutex // guards state
	state trayState

	// changed has a value when the tray should redraw.
	changed chan struct{}
	// quit has a value when the person chose Quit.
	quit chan struct{}
}

func newDesktop(e *env, cfg *config.Config, token string, srv *engramServer) *desktop {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	d := &desktop{
		e: e, cfg: cfg, token: token, srv: srv, exe: exe,
		state:   trayState{Reachable: true, Store: storeName(cfg), Memories: -1},
		changed: make(chan struct{}, 1),
		quit:    make(chan struct{}, 1),
	}
	d.window = &windowProcess{exe: exe, addr: srv.Addr(), logger: e.logger, changed: d.windowChanged}
	home, _ := os.UserHomeDir()
	d.autostart, d.autostartErr = newAutostart(runtime.GOOS, exe, home, e.getenv)
	d.state.StartAtLogin = d.autostartErr == nil && d.autostart.Enabled()
	return d
}

// State returns what the tray shows now.
func (d *desktop) State() trayState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.state
}

// Changed has a value whenever State changed.
func (d *desktop) Changed() <-chan struct{} { return d.changed }

// QuitRequested has a value when the person chose Quit (or the window asked).
func (d *desktop) QuitRequested() <-chan struct{} { return d.quit }

func (d *desktop) update(change func(*trayState)) {
	d.mu.Lock()
	before := d.state
	change(&d.state)
	after := d.state
	d.mu.Unlock()
	if before != after {
		select {
		case d.changed <- struct{}{}:
		default: // a redraw is pending already
		}
	}
}

func (d *desktop) windowChanged() {
	open := d.window.Open()
	d.update(func(s *trayState) { s.WindowOpen = open })
}

// watchInterval is how often the tray checks the store: a change by any
// process, or the store going away, shows within it.
const watchInterval = 2 * time.Second

// watch keeps the memory count and the store's reachability current.
func (d *desktop) watch(ctx context.Context) {
	svc := d.srv.storage.svc
	lastMark := ""
	tick := time.NewTicker(watchInterval)
	defer tick.Stop()
	for {
		checkCtx, cancel := context.WithTimeout(ctx, watchInterval)
		mark, err := svc.ChangeMark(checkCtx)
		if err == nil && mark != lastMark {
			var stats *backend.Statistics
			if stats, err = svc.Statistics(checkCtx, 0); err == nil {
				lastMark = mark
				d.update(func(s *trayState) { s.Memories = stats.Memories })
			}
		}
		cancel()
		if ctx.Err() != nil {
			return
		}
		cfg := d.srv.storage.config()
		store := storeName(&cfg)
		d.update(func(s *trayState) {
			s.Store = store
			s.Reachable = err == nil
			s.StoreError = ""
			if err != nil {
				s.StoreError = backend.ErrorMessage(err)
			}
		})
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// ShowWindow opens the window on path, or brings it to the front.
func (d *desktop) ShowWindow(path string) error {
	err := d.window.Show(path)
	if err != nil {
		d.notice("Cannot open the window: " + err.Error())
	}
	return err
}

// OpenInBrowser opens the web UI in the default browser with a one-time
// sign-in link: the browser's command line is visible to other users.
func (d *desktop) OpenInBrowser() {
	if err := browser.OpenURL(d.srv.SignInURL("/")); err != nil {
		d.notice("Cannot open a browser: " + err.Error())
	}
}

// mcpConfig is what Copy MCP config puts on the clipboard: the snippet
// Claude Desktop, Cursor and most MCP clients take, running "engram mcp".
func (d *desktop) mcpConfig() (string, error) {
	snippet, err := config.ClientConfig(config.ClientClaudeDesktop, d.exe, "", "")
	return string(snippet), err
}

// CopyMCPConfig puts the MCP config on the clipboard.
func (d *desktop) CopyMCPConfig() {
	snippet, err := d.mcpConfig()
	if err == nil {
		err = clipboard.WriteAll(snippet)
	}
	if err != nil {
		d.notice("Cannot copy the MCP config: " + err.Error())
		return
	}
	d.notice("MCP config copied")
}

// TogglePause stops or resumes answering assistants.
func (d *desktop) TogglePause() {
	d.update(func(s *trayState) {
		s.Paused = !s.Paused
		d.srv.PauseMCP(s.Paused)
		s.Notice = ""
	})
	d.e.logger.Info("MCP endpoint", "paused", d.State().Paused)
}

// ToggleStartAtLogin turns starting at login on or off.
func (d *desktop) ToggleStartAtLogin() {
	if d.autostartErr != nil {
		d.notice(d.autostartErr.Error())
		return
	}
	on := !d.autostart.Enabled()
	if err := d.autostart.Set(on); err != nil {
		d.notice(err.Error())
		return
	}
	d.update(func(s *trayState) { s.StartAtLogin = on })
}

// Quit ends the app: the tray, the window, the server and the store.
func (d *desktop) Quit() {
	select {
	case d.quit <- struct{}{}:
	default:
	}
}

// notice shows the outcome of an action in the tooltip and the log.
func (d *desktop) notice(msg string) {
	d.e.logger.Info(msg)
	d.update(func(s *trayState) { s.Notice = msg })
}
