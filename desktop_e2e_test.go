package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// The desktop app for real: the GUI build of engram under Xvfb with a D-Bus
// session, a window manager (openbox) and a tray host (trayer), driven
// with xdotool like a person would — click the tray icon, pick menu items
// with the keyboard — and photographed with ImageMagick's import.

// desktopTools are the programs the test drives the desktop with; the
// packages are in build/install-deps.sh.
var desktopTools = []string{"Xvfb", "openbox", "trayer", "xdotool", "xwininfo", "xdpyinfo", "wmctrl", "xclip", "import", "dbus-run-session", "pkg-config"}

// desktopTags are the build tags of the desktop binary (see Makefile).
const desktopTags = "desktop,production,webkit2_41"

var (
	desktopBinOnce sync.Once
	desktopBin     string
	desktopBinErr  error
)

// buildDesktop builds the GUI binary once per test run.
func buildDesktop(t testing.TB) string {
	t.Helper()
	desktopBinOnce.Do(func() {
		desktopBin = filepath.Join(filepath.Dir(engramBin), "engram-desktop")
		cmd := exec.Command("go", "build", "-tags", desktopTags, "-o", desktopBin, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			desktopBinErr = fmt.Errorf("go build -tags %s: %v\n%s", desktopTags, err, out)
		}
	})
	if desktopBinErr != nil {
		t.Fatal(desktopBinErr)
	}
	return desktopBin
}

// needDesktopTools skips the test when the GUI tools are missing, or fails
// it where they are required (make test sets ENGRAM_TEST_DESKTOP_REQUIRED).
func needDesktopTools(t testing.TB) {
	t.Helper()
	var missing []string
	for _, tool := range desktopTools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 && exec.Command("pkg-config", "--exists", "webkit2gtk-4.1", "ayatana-appindicator3-0.1").Run() != nil {
		missing = append(missing, "libwebkit2gtk-4.1-dev libayatana-appindicator3-dev")
	}
	if len(missing) == 0 {
		return
	}
	msg := "the desktop test needs " + strings.Join(missing, ", ") + " (build/install-deps.sh installs them)"
	if os.Getenv("ENGRAM_TEST_DESKTOP_REQUIRED") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// xSession is a virtual X display with a window manager and a tray host.
type xSession struct {
	display string
	width   int
	height  int
}

func startXSession(t testing.TB) *xSession {
	t.Helper()
	x := &xSession{width: 1600, height: 1000}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", x.width, x.height), "-nolisten", "tcp")
	xvfb.ExtraFiles = []*os.File{w}
	var xlog safeBuffer
	xvfb.Stderr = &xlog
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Xvfb's log:\n%s", xlog.String())
		}
	})
	background(t, xvfb)
	w.Close()
	// Xvfb writes the display number and a newline once it is ready.
	num, err := bufio.NewReader(r).ReadString('\n')
	r.Close()
	if err != nil {
		t.Fatalf("Xvfb did not start: %v", err)
	}
	x.display = ":" + strings.TrimSpace(num)
	waitUntil(t, 10*time.Second, "the X display "+x.display, func() bool { return x.command("xdpyinfo").Run() == nil })
	background(t, x.command("openbox", "--sm-disable"))
	background(t, x.command("trayer", "--edge", "bottom", "--align", "right", "--widthtype", "request",
		"--height", "32", "--SetDockType", "true", "--transparent", "false"))
	return x
}

// command is a program on this display.
func (x *xSession) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+x.display, "NO_AT_BRIDGE=1")
	return cmd
}

// run runs a program on this display and returns its output.
func (x *xSession) run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := x.command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return string(out)
}

// background starts cmd and kills it when the test ends.
func background(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", cmd.Path, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
}

var trayIconLine = regexp.MustCompile(`\("systray" "systray"\)\s+(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)`)

// trayIcon returns the centre of Engram's icon in the tray host, once it
// is there.
func (x *xSession) trayIcon(t testing.TB) (cx, cy int) {
	t.Helper()
	waitUntil(t, 15*time.Second, "the tray icon to be docked in the tray host", func() bool {
		var ok bool
		cx, cy, ok = x.findTrayIcon()
		return ok
	})
	return cx, cy
}

// findTrayIcon returns the centre of Engram's icon where it is now: the
// tray host moves its icons while it resizes to fit them.
func (x *xSession) findTrayIcon() (cx, cy int, ok bool) {
	// xwininfo fails when a window goes away while it walks the tree
	// (a menu closing, the window starting): the caller looks again.
	tree, err := x.command("xwininfo", "-root", "-tree").Output()
	if err != nil {
		return 0, 0, false
	}
	m := trayIconLine.FindStringSubmatch(string(tree))
	if m == nil {
		return 0, 0, false
	}
	w, _ := strconv.Atoi(m[1])
	h, _ := strconv.Atoi(m[2])
	ax, _ := strconv.Atoi(m[3])
	ay, _ := strconv.Atoi(m[4])
	return ax + w/2, ay + h/2, w > 0 && h > 0
}

// iconShows reports whether the tray icon, found afresh, is drawn in
// colour rgb on a screenshot saved as name.
func (x *xSession) iconShows(t testing.TB, name string, rgb [3]uint8) bool {
	t.Helper()
	cx, cy, ok := x.findTrayIcon()
	if !ok {
		return false
	}
	return colourShare(x.screenshot(t, name), image.Rect(cx-16, cy-15, cx+16, cy+15), rgb) > 0.05
}

// windows returns the ids of Engram's visible windows whose title matches
// name: "^Engram$" is the main window, "^engram-desktop$" the tray's menu.
// (The docked tray icon is titled Engram too, but its class is systray.)
func (x *xSession) windows(name string) []string {
	search := func(args ...string) []string {
		out, _ := x.command("xdotool", append([]string{"search", "--onlyvisible"}, args...)...).Output()
		return strings.Fields(string(out))
	}
	ours := search("--classname", "^engram-desktop$")
	var ids []string
	for _, id := range search("--name", name) {
		if slices.Contains(ours, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// menuItem opens the tray menu and picks the n-th item that can be chosen
// (disabled status lines are skipped), with the keyboard as a person might.
func (x *xSession) menuItem(t testing.TB, n int) {
	t.Helper()
	x.openMenu(t)
	keys := []string{"key", "--delay", "60"}
	for range n {
		keys = append(keys, "Down")
	}
	x.run(t, "xdotool", append(keys, "Return")...)
	waitUntil(t, 5*time.Second, "the tray menu to close", func() bool { return len(x.windows("^engram-desktop$")) == 0 })
}

// openMenu clicks the tray icon and waits for its menu.
func (x *xSession) openMenu(t testing.TB) {
	t.Helper()
	cx, cy := x.trayIcon(t)
	x.run(t, "xdotool", "mousemove", strconv.Itoa(cx), strconv.Itoa(cy), "click", "1")
	waitUntil(t, 5*time.Second, "the tray menu to open", func() bool { return len(x.windows("^engram-desktop$")) > 0 })
}

// screenshot saves the whole screen under test-output/screenshots and
// returns it.
func (x *xSession) screenshot(t testing.TB, name string) image.Image {
	t.Helper()
	data, err := x.command("import", "-window", "root", "png:-").Output()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := filepath.Join("test-output", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func waitUntil(t testing.TB, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// colourShare is the share of the pixels of img inside r that are within
// a small distance of the colour rgb.
func colourShare(img image.Image, r image.Rectangle, rgb [3]uint8) float64 {
	r = r.Intersect(img.Bounds())
	if r.Empty() {
		return 0
	}
	near := func(a uint32, b uint8) bool { d := int(a>>8) - int(b); return d > -12 && d < 12 }
	match := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if near(cr, rgb[0]) && near(cg, rgb[1]) && near(cb, rgb[2]) {
				match++
			}
		}
	}
	return float64(match) / float64(r.Dx()*r.Dy())
}

// Menu items, counted as the keyboard reaches them.
const (
	itemOpen = iota + 1
	itemBrowser
	itemNeo4j
	itemCopyConfig
	itemPause
	itemStartAtLogin
	itemQuit
)

// Colours of the status icons (app/icon.go) and of the web UI (app.css).
var (
	iconRunning     = [3]uint8{0x4f, 0x46, 0xe5}
	iconPaused      = [3]uint8{0x8a, 0x8f, 0x9c}
	iconUnreachable = [3]uint8{0xdc, 0x26, 0x26}
	uiSurface       = [3]uint8{0xff, 0xff, 0xff}
	uiPage          = [3]uint8{0xf7, 0xf7, 0xfb}
	uiAccent        = [3]uint8{0x4f, 0x46, 0xe5}
	uiText          = [3]uint8{0x1c, 0x1d, 0x24}
	solutionGreen   = [3]uint8{0x16, 0xa3, 0x4a}
)

func TestDesktopApp(t *testing.T) {
	needDesktopTools(t)
	bin := buildDesktop(t)
	x := startXSession(t)
	in := newInstance(t)
	home := t.TempDir()
	shim := t.TempDir() // a browser that notes the address it was asked to open
	opened := filepath.Join(shim, "opened")
	if err := os.WriteFile(filepath.Join(shim, "xdg-open"), []byte("#!/bin/sh\necho \"$1\" >> "+opened+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(append([]string{}, in.env...), "DISPLAY="+x.display, "NO_AT_BRIDGE=1", "HOME="+home,
		"PATH="+shim+string(os.PathListSeparator)+os.Getenv("PATH"))

	app := launchDesktop(t, bin, env)
	log, exited, launched := app.log, app.exited, app.launched

	// The MCP endpoint answers; the first run opens the welcome page.
	c := waitForMCP(t, in, 20*time.Second)
	mcpReady := time.Since(launched)
	waitUntil(t, 30*time.Second, "the window to show the welcome page", func() bool {
		return strings.Contains(log.String(), `msg=page path=/welcome status=200`) && len(x.windows("^Engram$")) == 1
	})
	waitUntil(t, 10*time.Second, "the window to be ready", func() bool { return strings.Contains(log.String(), "window ready") })
	windowReady := time.Since(launched)
	t.Logf("start-up: MCP endpoint answering after %v, window ready after %v", mcpReady.Round(time.Millisecond), windowReady.Round(time.Millisecond))
	waitForWebUI(t, x, "desktop-first-run")

	// The tray icon is docked and its menu opens.
	x.openMenu(t)
	x.screenshot(t, "desktop-tray-menu")
	x.run(t, "xdotool", "key", "Escape")
	waitUntil(t, 5*time.Second, "the icon in the running colour", func() bool {
		return x.iconShows(t, "desktop-running", iconRunning)
	})

	// MCP works while running.
	stored := call(t, c, "store_memory", map[string]any{"type": "solution", "title": "Stored while the tray runs", "content": "desktop end to end"})
	id, _ := stored["id"].(string)

	// Copy MCP config puts a working config on the clipboard.
	x.menuItem(t, itemCopyConfig)
	waitUntil(t, 5*time.Second, "the MCP config on the clipboard", func() bool {
		out, _ := x.command("xclip", "-o", "-selection", "clipboard").Output()
		return strings.Contains(string(out), `"mcpServers"`) && strings.Contains(string(out), bin)
	})

	// Pause refuses assistants with a clear message and greys the icon.
	x.menuItem(t, itemPause)
	waitUntil(t, 5*time.Second, "the paused icon", func() bool {
		return x.iconShows(t, "desktop-paused", iconPaused)
	})
	if msg := callErrorOrFailure(t, c); !strings.Contains(msg, "paused") {
		t.Errorf("a call while paused: %q, want it to say Engram is paused", msg)
	}
	x.menuItem(t, itemPause) // Resume
	waitUntil(t, 5*time.Second, "the running icon again", func() bool {
		return x.iconShows(t, "desktop-resumed", iconRunning)
	})
	c = waitForMCP(t, in, 5*time.Second) // the old session may have been refused: a new one
	call(t, c, "get_memory", map[string]any{"memory_id": id})

	// Start at login writes and removes the XDG autostart entry.
	autostartFile := filepath.Join(in.dataDir, "..", "..", "config", "autostart", "engram.desktop")
	x.menuItem(t, itemStartAtLogin)
	waitUntil(t, 5*time.Second, "the autostart entry", func() bool {
		b, err := os.ReadFile(autostartFile)
		return err == nil && strings.Contains(string(b), "Exec="+bin)
	})
	x.menuItem(t, itemStartAtLogin)
	waitUntil(t, 5*time.Second, "the autostart entry to go", func() bool { _, err := os.Stat(autostartFile); return os.IsNotExist(err) })

	// Open in browser opens the web UI with a one-time sign-in link, not
	// the token (a browser's command line is visible to other users).
	x.menuItem(t, itemBrowser)
	var link string
	waitUntil(t, 5*time.Second, "the browser to be asked", func() bool {
		b, _ := os.ReadFile(opened)
		link = strings.TrimSpace(string(b))
		return strings.HasPrefix(link, "http://"+in.addr+"/?login=")
	})
	if strings.Contains(link, in.token(t)) {
		t.Error("the browser was given the token")
	}
	for i, want := range []int{http.StatusOK, http.StatusUnauthorized} { // it works once
		jar, _ := cookiejar.New(nil)
		resp, err := (&http.Client{Jar: jar}).Get(link)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("opening the browser's link, time %d: %d, want %d", i+1, resp.StatusCode, want)
		}
	}

	// Closing the window leaves the tray and the server running; Open
	// Engram brings it back.
	x.run(t, "wmctrl", "-c", "Engram")
	waitUntil(t, 10*time.Second, "the window to close", func() bool { return strings.Contains(log.String(), "window closed") })
	if len(x.windows("^Engram$")) != 0 {
		t.Error("the window is still shown after closing it")
	}
	call(t, c, "get_memory", map[string]any{"memory_id": id})
	x.menuItem(t, itemOpen)
	waitUntil(t, 20*time.Second, "the window to open again", func() bool {
		return strings.Count(log.String(), "window ready") == 2 && len(x.windows("^Engram$")) == 1
	})
	before := waitForWebUI(t, x, "desktop-window")

	// Live updates reach the window: memories stored by an assistant
	// appear in the explorer without a reload (solution nodes are green).
	graph := windowRect(t, x)
	green := colourShare(before, graph, solutionGreen)
	for i := range 6 {
		call(t, c, "store_memory", map[string]any{"type": "solution", "title": fmt.Sprintf("Live %d", i), "content": "appears in the open window"})
	}
	waitUntil(t, 15*time.Second, "the new memories in the window", func() bool {
		return colourShare(x.screenshot(t, "desktop-live-update"), graph, solutionGreen) > 2*green+0.0005
	})

	// Starting Engram again shows the running app's window instead of a
	// second server.
	x.run(t, "wmctrl", "-c", "Engram")
	waitUntil(t, 10*time.Second, "the window to close", func() bool { return strings.Count(log.String(), "window closed") == 2 })
	second := exec.Command(bin)
	second.Env = env
	out, err := second.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "already running") {
		t.Fatalf("second start: %v\n%s", err, out)
	}
	waitUntil(t, 20*time.Second, "the running app to show its window", func() bool { return strings.Count(log.String(), "window ready") == 3 })
	if n := len(x.windows("^Engram$")); n != 1 {
		t.Errorf("%d windows after starting twice, want 1", n)
	}

	// Connect to Neo4j… opens the settings page in the window.
	x.menuItem(t, itemNeo4j)
	waitUntil(t, 10*time.Second, "the settings page", func() bool {
		return strings.Contains(log.String(), "msg=page path=/settings status=200")
	})
	x.screenshot(t, "desktop-settings")

	// Quit stops the window, the server and the store, and loses nothing.
	x.menuItem(t, itemQuit)
	select {
	case <-exited:
		if app.exitErr != nil {
			t.Fatalf("the app exited with %v", app.exitErr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the app did not quit within 15 s")
	}
	if n := len(x.windows("^Engram$")); n != 0 {
		t.Errorf("%d windows left after Quit", n)
	}
	if out, err := exec.Command("pgrep", "-f", bin+" window").Output(); err == nil {
		t.Errorf("a window process outlived Quit: %s", out)
	}
	stdout, stderr, code := in.run(t, "export")
	if code != 0 || !strings.Contains(stdout, "Stored while the tray runs") {
		t.Errorf("after Quit the store lacks the memory (exit %d): %s", code, stderr)
	}
}

// TestDesktopWithoutDisplay: the desktop build without a display says so
// and serves headless.
func TestDesktopWithoutDisplay(t *testing.T) {
	needDesktopTools(t)
	in := newInstance(t).with("DISPLAY=", "WAYLAND_DISPLAY=")
	log := in.start(t, buildDesktop(t))
	if !strings.Contains(log.String(), "no display found") {
		t.Errorf("the desktop build without a display did not say why it serves headless:\n%s", log.String())
	}
	initialize(t, in.httpClient(t))
}

// desktopApp is a running desktop app and its output.
type desktopApp struct {
	log      *safeBuffer
	launched time.Time
	exited   chan struct{} // closed when it has exited, with exitErr
	exitErr  error
}

// launchDesktop starts the app as a person's session would, inside a D-Bus
// session, and kills it when the test ends if it is still running.
func launchDesktop(t testing.TB, bin string, env []string) *desktopApp {
	t.Helper()
	app := &desktopApp{log: &safeBuffer{}, exited: make(chan struct{})}
	cmd := exec.Command("dbus-run-session", "--", bin)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, app.log, app.log
	// D-Bus helpers may hold the output open after the app has gone.
	cmd.WaitDelay = 5 * time.Second
	app.launched = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { app.exitErr = cmd.Wait(); close(app.exited) }()
	t.Cleanup(func() {
		select {
		case <-app.exited:
		default:
			cmd.Process.Kill()
			<-app.exited
		}
		if t.Failed() {
			t.Logf("the app's log:\n%s", app.log.String())
		}
	})
	return app
}

// TestDesktopStoreUnreachable: with its Neo4j down the app still starts;
// the icon turns red, the menu and every call say why.
func TestDesktopStoreUnreachable(t *testing.T) {
	needDesktopTools(t)
	bin := buildDesktop(t)
	x := startXSession(t)
	in := newInstance(t).with("ENGRAM_BACKEND=neo4j", "NEO4J_URI=bolt://"+freeAddr(t))
	launchDesktop(t, bin, append(append([]string{}, in.env...), "DISPLAY="+x.display, "NO_AT_BRIDGE=1", "HOME="+t.TempDir()))
	c := waitForMCP(t, in, 30*time.Second)
	if msg := callError(t, c, "get_memory_statistics", nil); !strings.Contains(msg, "could not be opened") {
		t.Errorf("a call without the store: %q", msg)
	}
	x.trayIcon(t)
	waitUntil(t, 10*time.Second, "the red icon", func() bool {
		return x.iconShows(t, "desktop-store-unreachable", iconUnreachable)
	})
}

// TestDesktopOnRunningServe: with an "engram serve" already on the port,
// engram opens a window on it instead of failing, and ends with the window.
func TestDesktopOnRunningServe(t *testing.T) {
	needDesktopTools(t)
	bin := buildDesktop(t)
	x := startXSession(t)
	in := newInstance(t)
	in.serve(t)
	app := launchDesktop(t, bin, append(append([]string{}, in.env...), "DISPLAY="+x.display, "NO_AT_BRIDGE=1", "HOME="+t.TempDir()))
	waitUntil(t, 30*time.Second, "a window on the running server", func() bool {
		return strings.Contains(app.log.String(), "msg=page path=/ status=200") && len(x.windows("^Engram$")) == 1
	})
	if !strings.Contains(app.log.String(), "already runs at "+in.addr) {
		t.Errorf("engram did not say it uses the running server:\n%s", app.log.String())
	}
	x.run(t, "wmctrl", "-c", "Engram")
	select {
	case <-app.exited:
		if app.exitErr != nil {
			t.Errorf("closing the window: %v", app.exitErr)
		}
	case <-time.After(10 * time.Second):
		t.Error("engram did not end with its window")
	}
}

// waitForWebUI waits until the one Engram window shows a web UI page, and
// returns its screenshot (saved as name): under the UI's white header bar
// with the accent-coloured brand and active tab, dark text on the light
// page colour. A blank or half-painted window fails.
func waitForWebUI(t testing.TB, x *xSession, name string) image.Image {
	t.Helper()
	var shot image.Image
	var why string
	deadline := time.Now().Add(15 * time.Second)
	for {
		shot = x.screenshot(t, name)
		r := windowRect(t, x)
		header := image.Rect(r.Min.X, r.Min.Y+5, r.Max.X, r.Min.Y+40)
		page := image.Rect(r.Min.X, r.Min.Y+60, r.Max.X, r.Max.Y)
		white, accent := colourShare(shot, header, uiSurface), colourShare(shot, header, uiAccent)
		light, text := colourShare(shot, page, uiPage), colourShare(shot, page, uiText)
		why = fmt.Sprintf("header %.1f%% white and %.2f%% accent, page %.1f%% page colour and %.2f%% text", white*100, accent*100, light*100, text*100)
		if white > 0.6 && accent > 0.005 && light > 0.3 && text > 0.0005 {
			return shot
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window does not show the web UI (%s): see test-output/screenshots/%s.png", why, name)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// windowRect is where the one Engram window is on the screen.
func windowRect(t testing.TB, x *xSession) image.Rectangle {
	t.Helper()
	ids := x.windows("^Engram$")
	if len(ids) != 1 {
		t.Fatalf("%d Engram windows, want 1", len(ids))
	}
	geo := x.run(t, "xdotool", "getwindowgeometry", "--shell", ids[0])
	val := func(k string) int {
		m := regexp.MustCompile(k + `=(\d+)`).FindStringSubmatch(geo)
		if m == nil {
			t.Fatalf("no %s in %q", k, geo)
		}
		v, _ := strconv.Atoi(m[1])
		return v
	}
	return image.Rect(val("X"), val("Y"), val("X")+val("WIDTH"), val("Y")+val("HEIGHT"))
}

// waitForMCP connects an MCP client over HTTP once the endpoint answers.
func waitForMCP(t testing.TB, in *instance, timeout time.Duration) *client.Client {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		tokenBytes, err := os.ReadFile(filepath.Join(in.tokenDir, "token"))
		if err == nil {
			c, err := client.NewStreamableHttpClient("http://"+in.addr+"/mcp",
				transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + strings.TrimSpace(string(tokenBytes))}))
			if err == nil {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				err = c.Start(ctx)
				if err == nil {
					req := mcpgo.InitializeRequest{}
					req.Params.ProtocolVersion = mcpgo.LATEST_PROTOCOL_VERSION
					req.Params.ClientInfo = mcpgo.Implementation{Name: "engram-desktop-e2e", Version: "1"}
					_, err = c.Initialize(ctx, req)
				}
				cancel()
				if err == nil {
					t.Cleanup(func() { c.Close() })
					return c
				}
				c.Close()
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the MCP endpoint did not answer within %v: %v", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// callErrorOrFailure makes a call expected to be refused and returns why.
func callErrorOrFailure(t testing.TB, c *client.Client) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := mcpgo.CallToolRequest{}
	req.Params.Name = "get_memory_statistics"
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return err.Error()
	}
	if res.IsError {
		return resultText(res)
	}
	t.Fatal("a call while paused succeeded")
	return ""
}

// BenchmarkDesktopStartup measures a first start of the desktop app: from
// launch to an MCP endpoint that answers initialize, and to a window that
// is ready and has been served its first page, /welcome (ms_to_mcp,
// ms_to_window). Each round quits through the
// tray menu.
func BenchmarkDesktopStartup(b *testing.B) {
	needDesktopTools(b)
	bin := buildDesktop(b)
	x := startXSession(b)
	var toMCP, toWindow time.Duration
	for range b.N {
		in := newInstance(b)
		app := launchDesktop(b, bin, append(append([]string{}, in.env...), "DISPLAY="+x.display, "NO_AT_BRIDGE=1", "HOME="+b.TempDir()))
		c := waitForMCP(b, in, 30*time.Second)
		toMCP += time.Since(app.launched)
		c.Close() // before the server goes
		for !strings.Contains(app.log.String(), "window ready") || !strings.Contains(app.log.String(), "msg=page path=/welcome status=200") {
			if time.Since(app.launched) > 30*time.Second {
				b.Fatalf("no window after 30 s:\n%s", app.log.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		toWindow += time.Since(app.launched)
		x.menuItem(b, itemQuit)
		<-app.exited
	}
	b.ReportMetric(float64(toMCP.Milliseconds())/float64(b.N), "ms_to_mcp")
	b.ReportMetric(float64(toWindow.Milliseconds())/float64(b.N), "ms_to_window")
}
