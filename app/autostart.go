package app

import (
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// autostart is the "Start at login" switch: one file in the place the
// system's session manager reads at login — an XDG autostart entry on Linux,
// a LaunchAgent on macOS, a script in the Startup folder on Windows.
type autostart struct {
	path    string
	content []byte
}

// newAutostart returns the switch for exe on goos; getenv and home locate
// the user's folders (os.Getenv and os.UserHomeDir in the app).
func newAutostart(goos, exe, home string, getenv func(string) string) (autostart, error) {
	if !isAbsFor(goos, exe) {
		return autostart{}, fmt.Errorf("start at login needs the absolute path of engram, not %q", exe)
	}
	switch goos {
	case "darwin":
		return autostart{
			path:    filepath.Join(home, "Library", "LaunchAgents", "io.engram.desktop.plist"),
			content: []byte(launchAgent(exe)),
		}, nil
	case "windows":
		appData := getenv("APPDATA")
		if appData == "" {
			return autostart{}, errors.New("start at login needs %APPDATA%, which is not set")
		}
		return autostart{
			path:    filepath.Join(appData, "Microsoft", "Windows", "Start Menu", "Programs", "Startup", "Engram.cmd"),
			content: []byte("@start \"\" \"" + exe + "\"\r\n"),
		}, nil
	}
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		dir = filepath.Join(home, ".config")
	}
	return autostart{
		path:    filepath.Join(dir, "autostart", "engram.desktop"),
		content: []byte(desktopEntry(exe, true)),
	}, nil
}

// isAbsFor reports whether path is absolute on goos: Windows paths start
// with a drive letter or a UNC share.
func isAbsFor(goos, path string) bool {
	if goos == "windows" {
		return len(path) > 2 && path[1] == ':' && (path[2] == '\\' || path[2] == '/') || strings.HasPrefix(path, `\\`)
	}
	return strings.HasPrefix(path, "/")
}

// Enabled reports whether Engram starts at login.
func (a autostart) Enabled() bool {
	_, err := os.Stat(a.path)
	return err == nil
}

// Set turns starting at login on or off.
func (a autostart) Set(on bool) error {
	if !on {
		if err := os.Remove(a.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("turn off start at login: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(a.path), 0o755); err != nil {
		return fmt.Errorf("turn on start at login: %w", err)
	}
	if err := writeFileAtomic(a.path, func(w io.Writer) error { _, err := w.Write(a.content); return err }); err != nil {
		return fmt.Errorf("turn on start at login: %w", err)
	}
	return nil
}

// desktopEntry is a freedesktop.org .desktop file that starts exe: the
// launcher entry (build/linux) and the autostart entry share it.
func desktopEntry(exe string, autostart bool) string {
	var b strings.Builder
	b.WriteString("[Desktop Entry]\nType=Application\nName=Engram\n")
	b.WriteString("GenericName=Memory for AI assistants\n")
	b.WriteString("Comment=Long-term memory graph for Claude, Cursor and other MCP assistants\n")
	b.WriteString("Exec=" + desktopExecQuote(exe) + "\n")
	b.WriteString("Icon=engram\nTerminal=false\nCategories=Utility;Development;\nStartupNotify=false\n")
	if autostart {
		b.WriteString("X-GNOME-Autostart-enabled=true\n")
	}
	return b.String()
}

// desktopExecQuote quotes a path for a .desktop Exec key: inside double
// quotes, `"`, "`", `$` and `\` are escaped with a backslash, and `\` is
// doubled again because the value itself is a string with escapes.
func desktopExecQuote(path string) string {
	if !strings.ContainsAny(path, " \t\n\"'\\><~|&;$*?#()`=%") {
		return path
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range path {
		switch r {
		case '"', '`', '$':
			b.WriteString(`\\`)
		case '\\':
			b.WriteString(`\\\\`)
			continue
		}
		if r == '%' {
			b.WriteString("%%")
			continue
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// launchAgent is a macOS LaunchAgent property list that starts exe at login.
func launchAgent(exe string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key><string>io.engram.desktop</string>
	<key>ProgramArguments</key><array><string>` + html.EscapeString(exe) + `</string></array>
	<key>RunAtLoad</key><true/>
	<key>ProcessType</key><string>Interactive</string>
</dict>
</plist>
`
}
