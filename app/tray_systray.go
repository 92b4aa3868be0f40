//go:build desktop

package app

import (
	"context"
	"runtime"

	"github.com/getlantern/systray"
)

// desktopBuilt says this build has the tray and the window.
const desktopBuilt = true

// trayMenu holds the tray's menu items; draw keeps them in step with the
// desktop's state.
type trayMenu struct {
	status, store                                    *systray.MenuItem
	open, browser, neo4j, copyConfig, pause, atLogin *systray.MenuItem
	quit                                             *systray.MenuItem
	icons                                            map[appStatus][]byte
	shownStatus                                      appStatus
}

// runTrayUI runs the tray on the main thread until Quit is chosen or ctx
// ends.
func runTrayUI(ctx context.Context, d *desktop) error {
	systray.Run(func() { go serveTray(ctx, d, buildTrayMenu()) }, nil)
	return nil
}

func buildTrayMenu() *trayMenu {
	m := &trayMenu{icons: map[appStatus][]byte{}, shownStatus: -1}
	for s := range statusColors {
		m.icons[s] = trayIcon(s)
	}
	systray.SetTitle("Engram")
	m.status = systray.AddMenuItem("Starting…", "")
	m.status.Disable()
	m.store = systray.AddMenuItem("", "")
	m.store.Disable()
	systray.AddSeparator()
	m.open = systray.AddMenuItem("Open Engram", "Open the Engram window")
	m.browser = systray.AddMenuItem("Open in browser", "Open the web UI in your browser")
	m.neo4j = systray.AddMenuItem("Connect to Neo4j…", "Store memories in a Neo4j database")
	m.copyConfig = systray.AddMenuItem("Copy MCP config", "Copy the config that connects an assistant to Engram")
	systray.AddSeparator()
	m.pause = systray.AddMenuItem("Pause server", "Refuse assistants' calls until resumed")
	m.atLogin = systray.AddMenuItemCheckbox("Start at login", "Start Engram when you log in", false)
	systray.AddSeparator()
	m.quit = systray.AddMenuItem("Quit Engram", "Stop the server and close Engram")
	return m
}

// trayIcon is the status icon in the format the platform's tray takes.
func trayIcon(s appStatus) []byte {
	if runtime.GOOS == "windows" {
		return iconICO(iconPNG(32, s), 32)
	}
	return iconPNG(64, s)
}

// serveTray carries out menu clicks and redraws on changes until Quit.
func serveTray(ctx context.Context, d *desktop, m *trayMenu) {
	defer systray.Quit()
	m.draw(d.State())
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.QuitRequested():
			return
		case <-m.quit.ClickedCh:
			return
		case <-d.Changed():
			m.draw(d.State())
		case <-m.open.ClickedCh:
			d.ShowWindow("/")
		case <-m.browser.ClickedCh:
			d.OpenInBrowser()
		case <-m.neo4j.ClickedCh:
			d.ShowWindow("/settings#storage")
		case <-m.copyConfig.ClickedCh:
			d.CopyMCPConfig()
		case <-m.pause.ClickedCh:
			d.TogglePause()
		case <-m.atLogin.ClickedCh:
			d.ToggleStartAtLogin()
		}
	}
}

func (m *trayMenu) draw(s trayState) {
	if st := s.status(); st != m.shownStatus {
		systray.SetIcon(m.icons[st])
		m.shownStatus = st
	}
	systray.SetTooltip(s.tooltip())
	m.status.SetTitle(s.statusLine())
	m.store.SetTitle(s.storeLine())
	m.pause.SetTitle(s.pauseLabel())
	if s.StartAtLogin {
		m.atLogin.Check()
	} else {
		m.atLogin.Uncheck()
	}
}
