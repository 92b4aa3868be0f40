package app

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/engramhq/engram/app/config"
	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/frontend"
)

func TestHasDisplay(t *testing.T) {
	alwaysHas := runtime.GOOS == "darwin" || runtime.GOOS == "windows"
	if got := hasDisplay(func(string) string { return "" }); got != alwaysHas {
		t.Errorf("no DISPLAY and no WAYLAND_DISPLAY: hasDisplay = %v on %s", got, runtime.GOOS)
	}
	for _, name := range []string{"DISPLAY", "WAYLAND_DISPLAY"} {
		env := map[string]string{name: ":0"}
		if !hasDisplay(func(k string) string { return env[k] }) {
			t.Errorf("%s set: want a display", name)
		}
	}
}

func TestTrayState(t *testing.T) {
	tests := []struct {
		name   string
		state  trayState
		status appStatus
		line   string
		pause  string
	}{
		{"counting", trayState{Reachable: true, Memories: -1}, statusRunning, "Running", "Pause server"},
		{"one", trayState{Reachable: true, Memories: 1}, statusRunning, "Running · 1 memory", "Pause server"},
		{"many", trayState{Reachable: true, Memories: 12345}, statusRunning, "Running · 12,345 memories", "Pause server"},
		{"paused", trayState{Reachable: true, Paused: true, Memories: 3}, statusPaused, "Paused: assistants are refused", "Resume server"},
		{"unreachable wins over paused", trayState{Paused: true, StoreError: "Neo4j does not answer"}, statusUnreachable, "Store unreachable", "Resume server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.state.status(); got != tt.status {
				t.Errorf("status = %d, want %d", got, tt.status)
			}
			if got := tt.state.statusLine(); got != tt.line {
				t.Errorf("statusLine = %q, want %q", got, tt.line)
			}
			if got := tt.state.pauseLabel(); got != tt.pause {
				t.Errorf("pauseLabel = %q, want %q", got, tt.pause)
			}
			if tip := tt.state.tooltip(); !strings.HasPrefix(tip, "Engram — "+tt.line) {
				t.Errorf("tooltip %q does not start with the status", tip)
			}
		})
	}
	s := trayState{Store: "Neo4j bolt://db:7687 (neo4j)", StoreError: "connection refused"}
	if got := s.storeLine(); got != "Neo4j bolt://db:7687 (neo4j): connection refused" {
		t.Errorf("storeLine = %q", got)
	}
	long := trayState{Reachable: true, Store: "SQLite /" + strings.Repeat("ä", 200)}
	if got := []rune(long.storeLine()); len(got) != 90 || got[89] != '…' {
		t.Errorf("a long store line is not clipped to 90 runes: %d", len(got))
	}
}

func TestIcons(t *testing.T) {
	seen := map[string]appStatus{}
	for status, want := range statusColors {
		data := iconPNG(64, status)
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("status %d: %v", status, err)
		}
		if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 64 {
			t.Errorf("status %d: size %v", status, b)
		}
		// The mark covers part of the square, in the status colour, and
		// leaves the corners transparent.
		opaque := 0
		for y := range 64 {
			for x := range 64 {
				r, g, b, a := img.At(x, y).RGBA()
				if a == 0xffff {
					opaque++
					if uint8(r>>8) != want.R || uint8(g>>8) != want.G || uint8(b>>8) != want.B {
						t.Fatalf("status %d: pixel %d,%d is %d,%d,%d, want the status colour", status, x, y, r>>8, g>>8, b>>8)
					}
				}
			}
		}
		if opaque < 300 || opaque > 64*64/2 {
			t.Errorf("status %d: %d opaque pixels, want a visible mark that is not a block", status, opaque)
		}
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
			t.Errorf("status %d: the corner is not transparent", status)
		}
		if other, dup := seen[string(data)]; dup {
			t.Errorf("statuses %d and %d have the same icon", other, status)
		}
		seen[string(data)] = status
	}
	ico := iconICO(iconPNG(32, statusRunning), 32)
	if binary.LittleEndian.Uint16(ico[2:]) != 1 || binary.LittleEndian.Uint16(ico[4:]) != 1 || ico[6] != 32 {
		t.Errorf("ICO header: % x", ico[:8])
	}
	if off := binary.LittleEndian.Uint32(ico[18:]); !bytes.HasPrefix(ico[off:], []byte("\x89PNG")) {
		t.Error("the ICO entry does not point at the PNG")
	}
}

var update = flag.Bool("update", false, "rewrite the packaged files from the code")

// TestPackaged keeps build/appicon.png and the Linux launcher entry
// the output of the code that draws them (go test ./app -run
// TestPackaged -update rewrites them).
func TestPackaged(t *testing.T) {
	files := map[string][]byte{
		"../build/appicon.png":          iconPNG(256, statusRunning),
		"../build/linux/engram.desktop": []byte(desktopEntry("engram", false)),
	}
	for path, want := range files {
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what the code draws: run go test ./app -run TestPackaged -update", path)
		}
	}
}

func TestDesktopExecQuote(t *testing.T) {
	tests := map[string]string{
		"/usr/bin/engram":           "/usr/bin/engram",
		"/opt/My Apps/engram":       `"/opt/My Apps/engram"`,
		`/tmp/a"b$c` + "`d":         `"/tmp/a\\"b\\$c\\` + "`d\"",
		`/tmp/back\slash`:           `"/tmp/back\\\\slash"`,
		"/home/me/100%/engram":      `"/home/me/100%%/engram"`,
		"/home/me/engram;rm -rf ~/": `"/home/me/engram;rm -rf ~/"`,
	}
	for in, want := range tests {
		if got := desktopExecQuote(in); got != want {
			t.Errorf("desktopExecQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestAutostart(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"APPDATA": filepath.Join(home, "AppData", "Roaming")}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		goos, exe, path, contains string
	}{
		{"linux", "/opt/engram/engram", ".config/autostart/engram.desktop", "Exec=/opt/engram/engram\n"},
		{"freebsd", "/usr/local/bin/engram", ".config/autostart/engram.desktop", "X-GNOME-Autostart-enabled=true"},
		{"darwin", "/Applications/Engram & Co.app/engram", "Library/LaunchAgents/io.engram.desktop.plist", "<string>/Applications/Engram &amp; Co.app/engram</string>"},
		{"windows", `C:\Program Files\Engram\engram.exe`, `AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/Engram.cmd`, `@start "" "C:\Program Files\Engram\engram.exe"`},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			a, err := newAutostart(tt.goos, tt.exe, home, getenv)
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(home, filepath.FromSlash(tt.path)); a.path != want {
				t.Errorf("path %s, want %s", a.path, want)
			}
			if !strings.Contains(string(a.content), tt.contains) {
				t.Errorf("content lacks %q:\n%s", tt.contains, a.content)
			}
			for _, on := range []bool{true, true, false, false, true} {
				if err := a.Set(on); err != nil {
					t.Fatal(err)
				}
				if a.Enabled() != on {
					t.Fatalf("after Set(%v), Enabled() = %v", on, !on)
				}
			}
			got, _ := os.ReadFile(a.path)
			if !bytes.Equal(got, a.content) {
				t.Errorf("the file holds %q", got)
			}
		})
	}
	if _, err := newAutostart("linux", "engram", home, getenv); err == nil {
		t.Error("a relative executable path: want an error")
	}
	if _, err := newAutostart("windows", `C:\engram.exe`, home, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "APPDATA") {
		t.Errorf("windows without APPDATA: got %v", err)
	}
}

func TestParseWindowCommand(t *testing.T) {
	tests := []struct {
		line string
		want windowCommand
		err  bool
	}{
		{"quit", windowCommand{Quit: true}, false},
		{"show", windowCommand{Show: "/"}, false},
		{"show /settings#storage", windowCommand{Show: "/settings#storage"}, false},
		{"  show /memories/0193  ", windowCommand{Show: "/memories/0193"}, false},
		{"show //evil.example/", windowCommand{}, true},
		{"show javascript:alert(1)", windowCommand{}, true},
		{"show https://evil.example", windowCommand{}, true},
		{"open /", windowCommand{}, true},
		{"", windowCommand{}, true},
	}
	for _, tt := range tests {
		got, err := parseWindowCommand(tt.line)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseWindowCommand(%q) = %+v, %v; want %+v, error %v", tt.line, got, err, tt.want, tt.err)
		}
	}
}

func TestReadWindowCommands(t *testing.T) {
	out := make(chan windowCommand)
	go readWindowCommands(strings.NewReader("show /settings\nbogus\nquit\n"), out, slog.New(slog.DiscardHandler))
	var got []windowCommand
	for c := range out { // closed at the end of input: the tray is gone
		got = append(got, c)
	}
	if len(got) != 2 || got[0].Show != "/settings" || !got[1].Quit {
		t.Errorf("got %+v", got)
	}
}

// testServer is a real Engram HTTP server over a SQLite store.
func testServer(t *testing.T) (*Server, string) {
	t.Helper()
	s := newTestSettings(t)
	token := strings.Repeat("ab", 32)
	srv, err := NewServer(s.svc, "127.0.0.1:0", token, slog.New(slog.DiscardHandler), frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return srv, token
}

func runServer(t *testing.T, srv *Server) {
	t.Helper()
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
}

func TestShowWindowRequest(t *testing.T) {
	srv, token := testServer(t)
	var shown []string
	srv.OnShowWindow(func(path string) error { shown = append(shown, path); return nil })
	runServer(t, srv)
	post := func(query, auth string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+srv.Addr()+showWindowPath+query, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tests := []struct {
		query, auth string
		want        int
	}{
		{"", "", http.StatusUnauthorized},
		{"", "Bearer wrong", http.StatusUnauthorized},
		{"?path=%2F%2Fevil.example", "Bearer " + token, http.StatusBadRequest},
		{"", "Bearer " + token, http.StatusNoContent},
		{"?path=%2Fsettings", "bearer " + token, http.StatusNoContent},
	}
	for _, tt := range tests {
		if got := post(tt.query, tt.auth); got != tt.want {
			t.Errorf("POST %s with %q: %d, want %d", tt.query, tt.auth, got, tt.want)
		}
	}
	if strings.Join(shown, " ") != "/ /settings" {
		t.Errorf("shown %q, want / then /settings", shown)
	}
	resp, err := http.Get("http://" + srv.Addr() + showWindowPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNoContent {
		t.Error("GET must not show the window")
	}
}

func TestPauseMCP(t *testing.T) {
	srv, token := testServer(t)
	runServer(t, srv)
	initialize := func() (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+srv.Addr()+"/mcp", strings.NewReader(
			`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, paused := range []bool{false, true, false} {
		srv.PauseMCP(paused)
		code, body := initialize()
		if paused && (code != http.StatusServiceUnavailable || !strings.Contains(body, "Resume server")) {
			t.Errorf("paused: %d %q, want 503 saying how to resume", code, body)
		}
		if !paused && code != http.StatusOK {
			t.Errorf("running: %d %q", code, body)
		}
	}
	// The web UI keeps answering while paused.
	srv.PauseMCP(true)
	resp, err := http.Get("http://" + srv.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz while paused: %d", resp.StatusCode)
	}
}

func TestWindowProxy(t *testing.T) {
	srv, token := testServer(t)
	runServer(t, srv)
	m, _, err := srv.svc.StoreMemory(t.Context(), backend.NewMemory{Type: backend.TypeSolution, Title: "Proxy me", Content: "through the window"})
	if err != nil {
		t.Fatal(err)
	}
	window := httptest.NewServer(windowProxy(srv.Addr(), token, slog.New(slog.DiscardHandler)))
	defer window.Close()

	// A page, as the webview asks for it: no token, the webview's origin.
	resp, err := http.Get(window.URL + "/memories/" + m.ID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Proxy me") {
		t.Fatalf("page through the proxy: %d\n%.300s", resp.StatusCode, body)
	}
	// A write from the window's own origin (wails://wails) goes through.
	req, _ := http.NewRequest(http.MethodPatch, window.URL+"/api/memories/"+m.ID, strings.NewReader(`{"expected_version":1,"title":"Renamed in the window"}`))
	req.Header.Set("Origin", "wails://wails")
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("write through the proxy: %d %s", resp.StatusCode, body)
	}
	if got, _ := srv.svc.GetMemory(t.Context(), m.ID); got.Title != "Renamed in the window" {
		t.Errorf("title %q after the write", got.Title)
	}
	// With the server gone, the window says so instead of a blank page.
	gone := httptest.NewServer(windowProxy("127.0.0.1:1", token, slog.New(slog.DiscardHandler)))
	defer gone.Close()
	resp, err = http.Get(gone.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "Engram is not answering") {
		t.Errorf("server gone: %d %.200s", resp.StatusCode, body)
	}
}

func TestDesktopState(t *testing.T) {
	for _, v := range []string{"ENGRAM_BACKEND", "ENGRAM_DB", "NEO4J_URI"} {
		t.Setenv(v, "")
	}
	t.Setenv("ENGRAM_ADDR", "127.0.0.1:0")
	autostartDir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", autostartDir)
	cfg, err := config.LoadFrom(config.Directories{Config: t.TempDir(), Data: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{stderr: io.Discard, logger: slog.New(slog.DiscardHandler), getenv: os.Getenv}
	srv, err := openServer(t.Context(), e, cfg, strings.Repeat("cd", 32))
	if err != nil {
		t.Fatal(err)
	}
	d := newDesktop(e, cfg, "token", srv)
	if s := d.State(); s.Memories != -1 || !s.Reachable || s.Paused || !strings.HasPrefix(s.Store, "SQLite ") {
		t.Fatalf("initial state %+v", s)
	}
	ctx, cancel := context.WithCancel(t.Context())
	watched := make(chan struct{})
	go func() { d.watch(ctx); close(watched) }()
	defer func() { cancel(); <-watched }()

	waitFor := func(what string, ok func(trayState) bool) {
		t.Helper()
		deadline := time.Now().Add(3 * watchInterval)
		for !ok(d.State()) {
			select {
			case <-d.Changed():
			case <-time.After(100 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: state %+v", what, d.State())
			}
		}
	}
	waitFor("the count", func(s trayState) bool { return s.Memories == 0 })
	if _, _, err := srv.storage.svc.StoreMemory(t.Context(), backend.NewMemory{Type: backend.TypeGeneral, Title: "one", Content: "x"}); err != nil {
		t.Fatal(err)
	}
	waitFor("one memory", func(s trayState) bool { return s.Memories == 1 })
	// A write by another process (its own connection to the file) shows too.
	other, err := openSQLite(t.Context(), cfg.SQLitePath)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := backend.NewService(other).StoreMemory(t.Context(), backend.NewMemory{Type: backend.TypeGeneral, Title: "two", Content: "y"}); err != nil {
		t.Fatal(err)
	}
	other.Close()
	waitFor("two memories", func(s trayState) bool { return s.Memories == 2 && s.statusLine() == "Running · 2 memories" })

	d.TogglePause()
	if s := d.State(); !s.Paused || s.status() != statusPaused || !srv.mcpPaused.Load() {
		t.Errorf("after Pause: %+v, server paused %v", s, srv.mcpPaused.Load())
	}
	d.TogglePause()
	if s := d.State(); s.Paused || srv.mcpPaused.Load() {
		t.Errorf("after Resume: %+v", s)
	}

	d.ToggleStartAtLogin()
	if _, err := os.Stat(filepath.Join(autostartDir, "autostart", "engram.desktop")); err != nil || !d.State().StartAtLogin {
		t.Errorf("start at login on: %v, state %v", err, d.State().StartAtLogin)
	}
	d.ToggleStartAtLogin()
	if _, err := os.Stat(filepath.Join(autostartDir, "autostart", "engram.desktop")); !os.IsNotExist(err) || d.State().StartAtLogin {
		t.Errorf("start at login off: %v", err)
	}

	// The store going away turns the icon red with the reason.
	srv.close()
	waitFor("the store to be unreachable", func(s trayState) bool {
		return !s.Reachable && s.StoreError != "" && s.status() == statusUnreachable
	})
}
