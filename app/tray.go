package app

import (
	"fmt"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// trayState is everything the tray shows. The desktop keeps it current;
// the tray draws it (tray_systray.go) and knows nothing else.
type trayState struct {
	Paused       bool
	Reachable    bool
	StoreError   string // why the store is unreachable
	Store        string // which store, e.g. "SQLite /home/me/.local/share/engram/engram.db"
	Memories     int    // -1 until counted
	WindowOpen   bool
	StartAtLogin bool
	Notice       string // the outcome of the last menu action, e.g. "MCP config copied"
}

func (s trayState) status() appStatus {
	switch {
	case !s.Reachable:
		return statusUnreachable
	case s.Paused:
		return statusPaused
	}
	return statusRunning
}

var counter = message.NewPrinter(language.English)

// statusLine is the first, disabled menu line: the state and memory count.
func (s trayState) statusLine() string {
	switch s.status() {
	case statusUnreachable:
		return "Store unreachable"
	case statusPaused:
		return "Paused: assistants are refused"
	}
	switch s.Memories {
	case -1:
		return "Running"
	case 1:
		return "Running · 1 memory"
	}
	return counter.Sprintf("Running · %d memories", s.Memories)
}

// storeLine names the store, or says why it does not answer.
func (s trayState) storeLine() string {
	if !s.Reachable && s.StoreError != "" {
		return clip(s.Store+": "+s.StoreError, 90)
	}
	return clip(s.Store, 90)
}

// tooltip is the icon's hover text.
func (s trayState) tooltip() string {
	parts := []string{"Engram", s.statusLine()}
	if s.Notice != "" {
		parts = append(parts, s.Notice)
	}
	return strings.Join(parts, " — ")
}

// pauseLabel is the label of the Pause/Resume item.
func (s trayState) pauseLabel() string {
	if s.Paused {
		return "Resume server"
	}
	return "Pause server"
}

// clip shortens text to at most n runes, marking the cut.
func clip(text string, n int) string {
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	return fmt.Sprintf("%s…", string(r[:n-1]))
}
