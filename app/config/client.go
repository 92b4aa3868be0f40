package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"
)

// The assistants Engram can configure.
const (
	ClientClaudeDesktop = "claude-desktop"
	ClientClaudeCode    = "claude-code"
	ClientCursor        = "cursor"
)

// Clients lists the assistants Engram can configure.
var Clients = []string{ClientClaudeDesktop, ClientClaudeCode, ClientCursor}

// ServerName is the name of Engram's entry among a client's MCP servers.
const ServerName = "engram"

// serverEntry is one MCP server in a client's config file. The field order
// is the order clients' own tools write.
type serverEntry struct {
	Type    string            `json:"type,omitempty"`
	Command string            `json:"command,omitempty"`
	Args    []string          `json:"args,omitempty"`
	URL     string            `json:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
}

// entryFor returns Engram's server entry for client. With exe it is the
// stdio command "<exe> mcp", which forwards to the running app, so no
// token lands in the client's file; without it, the HTTP endpoint with the
// bearer token (Claude Desktop's file cannot name an HTTP server).
func entryFor(client, exe, endpoint, token string) ([]byte, error) {
	var e serverEntry
	switch {
	case exe != "":
		if !filepath.IsAbs(exe) {
			return nil, fmt.Errorf("the engram executable must be given by its absolute path (got %q): clients start it with their own PATH", exe)
		}
		e = serverEntry{Command: exe, Args: []string{"mcp"}}
		if client == ClientClaudeCode {
			e.Type = "stdio"
		}
	case endpoint != "":
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("the MCP endpoint %q is not an http:// URL such as http://%s/mcp", endpoint, DefaultAddr)
		}
		if token == "" {
			return nil, errors.New("the MCP endpoint needs the bearer token; pass it, or pass the engram executable to use stdio instead")
		}
		e = serverEntry{URL: endpoint, Headers: map[string]string{"Authorization": "Bearer " + token}}
		switch client {
		case ClientClaudeDesktop:
			return nil, errors.New("a Claude Desktop config file can only start MCP servers as commands; pass the path of the engram executable")
		case ClientClaudeCode:
			e.Type = "http"
		}
	default:
		return nil, errors.New("pass the path of the engram executable (or an MCP endpoint and token)")
	}
	if err := checkClient(client); err != nil {
		return nil, err
	}
	return json.Marshal(e)
}

func checkClient(client string) error {
	for _, c := range Clients {
		if c == client {
			return nil
		}
	}
	return fmt.Errorf("unknown client %q; Engram can configure %s, %s and %s", client, ClientClaudeDesktop, ClientClaudeCode, ClientCursor)
}

// ClientConfig returns the JSON snippet that makes client use Engram:
// {"mcpServers":{"engram":{…}}}, ready to paste into the client's config
// file. exe (an absolute path) gives the stdio command "<exe> mcp", which
// is preferred; endpoint and token are used only without exe.
func ClientConfig(client, exe, endpoint, token string) ([]byte, error) {
	entry, err := entryFor(client, exe, endpoint, token)
	if err != nil {
		return nil, err
	}
	doc := []byte(`{"mcpServers":{` + strconv.Quote(ServerName) + `:` + string(entry) + `}}`)
	var out bytes.Buffer
	if err := json.Indent(&out, doc, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// DefaultClientConfigPath returns where client keeps its MCP servers on
// this system: Claude Desktop's claude_desktop_config.json in its
// application-support folder (~/.config/Claude on Linux, ~/Library/Application
// Support/Claude on macOS, %APPDATA%\Claude on Windows), Claude Code's
// ~/.claude.json and Cursor's ~/.cursor/mcp.json.
func DefaultClientConfigPath(client string) (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the home directory: %w", err)
	}
	return clientConfigPath(client, runtime.GOOS, home, os.Getenv)
}

func clientConfigPath(client, goos, home string, getenv func(string) string) (string, error) {
	switch client {
	case ClientClaudeDesktop:
		var dir string
		switch goos {
		case "darwin":
			dir = filepath.Join(home, "Library", "Application Support")
		case "windows":
			if dir = getenv("APPDATA"); dir == "" {
				return "", errors.New("%APPDATA% is not set, so Claude Desktop's config file cannot be found; give its path")
			}
		default:
			dir = xdgDir(getenv("XDG_CONFIG_HOME"), home, ".config")
		}
		return filepath.Join(dir, "Claude", "claude_desktop_config.json"), nil
	case ClientClaudeCode:
		return filepath.Join(home, ".claude.json"), nil
	case ClientCursor:
		return filepath.Join(home, ".cursor", "mcp.json"), nil
	}
	return "", checkClient(client)
}

// InstallClientConfig adds Engram's entry (see ClientConfig) to the
// "mcpServers" object of client's config file at path, or replaces an
// older "engram" entry there; DefaultClientConfigPath gives the usual path.
// Every other byte of the file stays as it was: other servers, other keys,
// their order and formatting. A copy of the file is written next to it
// first (path.engram-backup-<UTC time>) and its path returned; the file is
// then replaced atomically, keeping its mode. A missing file is created
// (no backup). A file that is not valid JSON is refused and left alone.
// When the entry is already there as it would be written, nothing is
// written and the backup path is "".
func InstallClientConfig(client, path, exe, endpoint, token string) (backupPath string, err error) {
	entry, err := entryFor(client, exe, endpoint, token)
	if err != nil {
		return "", err
	}
	// A config file kept in a dotfiles repository is often a symlink:
	// write through it rather than replace the link with a file.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	orig, err := os.ReadFile(path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	updated, changed, err := mergeServer(orig, entry)
	if err != nil {
		return "", fmt.Errorf("%s: %w; nothing was changed", path, err)
	}
	if !changed {
		return "", nil
	}
	mode := fs.FileMode(0o600)
	if exists {
		fi, err := os.Stat(path)
		if err != nil {
			return "", err
		}
		mode = fi.Mode().Perm()
		if backupPath, err = writeBackup(path, orig, mode); err != nil {
			return "", err
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if err := writeFileAtomic(path, updated, mode); err != nil {
		return backupPath, err
	}
	return backupPath, nil
}

// writeBackup copies data to a new file next to path, named with the
// current time; O_EXCL and a counter keep two backups in one second apart.
func writeBackup(path string, data []byte, mode fs.FileMode) (string, error) {
	stamp := time.Now().UTC().Format("20060102T150405Z")
	for i := 1; ; i++ {
		name := path + ".engram-backup-" + stamp
		if i > 1 {
			name += "-" + strconv.Itoa(i)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("back up %s: %w", path, err)
		}
		_, err = f.Write(data)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(name)
			return "", fmt.Errorf("back up %s: %w", path, err)
		}
		return name, nil
	}
}
