package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// exe is an absolute path on every system the tests run on.
var exe = filepath.Join(string(filepath.Separator)+"opt", "engram", "engram")

func TestClientConfig(t *testing.T) {
	quotedExe, _ := json.Marshal(exe)
	stdio := `{
  "mcpServers": {
    "engram": {
      "command": ` + string(quotedExe) + `,
      "args": [
        "mcp"
      ]
    }
  }
}
`
	tests := []struct {
		name, client, exe, endpoint, token string
		want                               string // the snippet, or the start of the error
		wantErr                            bool
	}{
		{"ClaudeDesktop", ClientClaudeDesktop, exe, "", "", stdio, false},
		{"Cursor", ClientCursor, exe, "", "", stdio, false},
		{"ClaudeCode", ClientClaudeCode, exe, "", "", strings.Replace(stdio, `"engram": {`, `"engram": {
      "type": "stdio",`, 1), false},
		{"StdioPreferred", ClientCursor, exe, "http://127.0.0.1:7711/mcp", "secret", stdio, false},
		{"CursorHTTP", ClientCursor, "", "http://127.0.0.1:7711/mcp", "secret", `{
  "mcpServers": {
    "engram": {
      "url": "http://127.0.0.1:7711/mcp",
      "headers": {
        "Authorization": "Bearer secret"
      }
    }
  }
}
`, false},
		{"ClaudeCodeHTTP", ClientClaudeCode, "", "http://127.0.0.1:7711/mcp", "secret", `"type": "http",`, false},
		{"ClaudeDesktopHTTP", ClientClaudeDesktop, "", "http://127.0.0.1:7711/mcp", "secret", "can only start MCP servers as commands", true},
		{"RelativeExe", ClientCursor, "engram", "", "", "the engram executable must be given by its absolute path", true},
		{"NoToken", ClientCursor, "", "http://127.0.0.1:7711/mcp", "", "needs the bearer token", true},
		{"BadEndpoint", ClientCursor, "", "127.0.0.1:7711", "secret", "is not an http:// URL", true},
		{"Nothing", ClientCursor, "", "", "", "pass the path of the engram executable", true},
		{"UnknownClient", "vim", exe, "", "", `unknown client "vim"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ClientConfig(tt.client, tt.exe, tt.endpoint, tt.token)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %v, want one containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(got), tt.want) || !json.Valid(got) {
				t.Errorf("snippet\n%s\nwant (containing)\n%s", got, tt.want)
			}
		})
	}
}

func TestClientConfigPath(t *testing.T) {
	home := filepath.Join("/", "home", "u")
	tests := []struct {
		client, goos string
		env          map[string]string
		want         string
		wantErr      bool
	}{
		{ClientClaudeDesktop, "linux", nil, filepath.Join(home, ".config", "Claude", "claude_desktop_config.json"), false},
		{ClientClaudeDesktop, "linux", map[string]string{"XDG_CONFIG_HOME": "/xdg"}, filepath.Join("/xdg", "Claude", "claude_desktop_config.json"), false},
		{ClientClaudeDesktop, "darwin", nil, filepath.Join(home, "Library", "Application Support", "Claude", "claude_desktop_config.json"), false},
		{ClientClaudeDesktop, "windows", map[string]string{"APPDATA": `C:\Users\u\AppData\Roaming`}, filepath.Join(`C:\Users\u\AppData\Roaming`, "Claude", "claude_desktop_config.json"), false},
		{ClientClaudeDesktop, "windows", nil, "", true},
		{ClientClaudeCode, "linux", nil, filepath.Join(home, ".claude.json"), false},
		{ClientClaudeCode, "windows", nil, filepath.Join(home, ".claude.json"), false},
		{ClientCursor, "darwin", nil, filepath.Join(home, ".cursor", "mcp.json"), false},
		{"emacs", "linux", nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.client+"/"+tt.goos, func(t *testing.T) {
			got, err := clientConfigPath(tt.client, tt.goos, home, func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("path = %q, %v; want %q (error: %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
	t.Run("ThisSystem", func(t *testing.T) {
		for _, c := range Clients {
			if p, err := DefaultClientConfigPath(c); err != nil || !filepath.IsAbs(p) {
				t.Errorf("DefaultClientConfigPath(%s) = %q, %v", c, p, err)
			}
		}
	})
}

func TestInstallClientConfig(t *testing.T) {
	entry := func(indent string) string {
		q, _ := json.Marshal(exe)
		return `{
` + indent + `  "command": ` + string(q) + `,
` + indent + `  "args": [
` + indent + `    "mcp"
` + indent + `  ]
` + indent + `}`
	}
	compactEntry := func() string {
		q, _ := json.Marshal(exe)
		return `{"command":` + string(q) + `,"args":["mcp"]}`
	}
	tests := []struct {
		name     string
		original string // "-" for no file
		want     string // "" when the file must stay as it was
		wantErr  string
	}{
		{
			name:     "NewFile",
			original: "-",
			want:     "{\n  \"mcpServers\": {\n    \"engram\": " + entry("    ") + "\n  }\n}\n",
		},
		{
			name:     "EmptyFile",
			original: "",
			want:     "{\n  \"mcpServers\": {\n    \"engram\": " + entry("    ") + "\n  }\n}\n",
		},
		{
			name: "KeepsOtherServersAndKeys",
			original: `{
    "theme": "dark",
    "mcpServers": {
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": {"TOKEN": "x"}},
        "big": 12345678901234567890
    },
    "zeta": [1.50, 2e3]
}
`,
			want: `{
    "theme": "dark",
    "mcpServers": {
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": {"TOKEN": "x"}},
        "big": 12345678901234567890,
        "engram": {
            "command": ` + mustQuote(exe) + `,
            "args": [
                "mcp"
            ]
        }
    },
    "zeta": [1.50, 2e3]
}
`,
		},
		{
			name:     "NoServersYet",
			original: "{\n\t\"numStartups\": 3\n}\n",
			want: "{\n\t\"numStartups\": 3,\n\t\"mcpServers\": {\n\t\t\"engram\": {\n\t\t\t\"command\": " + mustQuote(exe) +
				",\n\t\t\t\"args\": [\n\t\t\t\t\"mcp\"\n\t\t\t]\n\t\t}\n\t}\n}\n",
		},
		{
			name:     "EmptyServers",
			original: "{\n  \"mcpServers\": {\n\n  }\n}",
			want:     "{\n  \"mcpServers\": {\n    \"engram\": " + entry("    ") + "\n  }\n}",
		},
		{
			name:     "Compact",
			original: `{"a":1,"mcpServers":{"x":{"command":"x"}}}`,
			want:     `{"a":1,"mcpServers":{"x":{"command":"x"},"engram":` + compactEntry() + `}}`,
		},
		{
			name:     "ReplacesOldEntry",
			original: "{\n  \"mcpServers\": {\n    \"engram\": {\"command\": \"/old/engram\", \"args\": [\"mcp\"]},\n    \"other\": {}\n  }\n}\n",
			want:     "{\n  \"mcpServers\": {\n    \"engram\": " + entry("    ") + ",\n    \"other\": {}\n  }\n}\n",
		},
		{
			name:     "WindowsLineEnds",
			original: "{\r\n  \"mcpServers\": {\r\n    \"x\": {}\r\n  }\r\n}\r\n",
			want: "{\r\n  \"mcpServers\": {\r\n    \"x\": {},\r\n    \"engram\": " +
				strings.ReplaceAll(entry("    "), "\n", "\r\n") + "\r\n  }\r\n}\r\n",
		},
		{
			name:     "AlreadyInstalled",
			original: "{\"mcpServers\": {\"engram\": " + entry("") + "}}",
			want:     "",
		},
		{name: "InvalidJSON", original: "{\n  \"mcpServers\": {,}\n}", wantErr: "not valid JSON (invalid JSON at line 2"},
		{name: "TrailingComma", original: `{"mcpServers": {"a": {}},}`, wantErr: "not valid JSON"},
		{name: "TopLevelArray", original: `[{"mcpServers": {}}]`, wantErr: "top level is not a JSON object"},
		{name: "ServersNotObject", original: `{"mcpServers": []}`, wantErr: `"mcpServers" is not a JSON object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "sub", "config.json")
			if tt.original != "-" {
				os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, []byte(tt.original), 0o640); err != nil {
					t.Fatal(err)
				}
				os.Chmod(path, 0o640)
			}
			backup, err := InstallClientConfig(ClientCursor, path, exe, "", "")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "nothing was changed") {
					t.Errorf("error %v, want one containing %q and saying nothing changed", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			want := tt.want
			if want == "" {
				want = tt.original
			}
			if string(got) != want {
				t.Errorf("file\n%s\nwant\n%s", got, want)
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			switch {
			case tt.want == "" || tt.original == "-":
				if backup != "" || len(entries) != 1 {
					t.Errorf("backup %q, %d files; want no backup and the config alone", backup, len(entries))
				}
			default:
				b, err := os.ReadFile(backup)
				if err != nil || string(b) != tt.original || !strings.HasPrefix(filepath.Base(backup), "config.json.engram-backup-") {
					t.Errorf("backup %s holds %q (%v), want the original", backup, b, err)
				}
				if len(entries) != 2 {
					t.Errorf("%d files next to the config, want it and its backup (no temporary files)", len(entries))
				}
			}
			if runtime.GOOS != "windows" && tt.wantErr == "" {
				wantMode := os.FileMode(0o640)
				if tt.original == "-" {
					wantMode = 0o600
				}
				if fi, _ := os.Stat(path); fi.Mode().Perm() != wantMode {
					t.Errorf("mode %v, want %v", fi.Mode().Perm(), wantMode)
				}
			}
		})
	}
}

func mustQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestInstallClientConfigTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".claude.json")
	// A project's own servers nest deeper: only the top-level ones are Engram's.
	os.WriteFile(path, []byte(`{"projects": {"/p": {"allowedTools": [], "mcpServers": {}}}}`), 0o600)
	first, err := InstallClientConfig(ClientClaudeCode, path, exe, "", "")
	if err != nil || first == "" {
		t.Fatalf("first install: backup %q, %v", first, err)
	}
	after, _ := os.ReadFile(path)
	second, err := InstallClientConfig(ClientClaudeCode, path, exe, "", "")
	if err != nil || second != "" {
		t.Errorf("second install: backup %q, %v; want nothing to do", second, err)
	}
	again, _ := os.ReadFile(path)
	if string(again) != string(after) {
		t.Error("the second install changed the file")
	}
	var doc struct {
		Projects   map[string]map[string]json.RawMessage `json:"projects"`
		MCPServers map[string]map[string]any             `json:"mcpServers"`
	}
	if err := json.Unmarshal(after, &doc); err != nil || doc.MCPServers["engram"]["type"] != "stdio" || string(doc.Projects["/p"]["mcpServers"]) != "{}" {
		t.Errorf("installed file %s", after)
	}
}

func TestInstallClientConfigThroughSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles", "mcp.json")
	os.MkdirAll(filepath.Dir(target), 0o700)
	os.WriteFile(target, []byte(`{"mcpServers": {}}`), 0o600)
	link := filepath.Join(dir, "mcp.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := InstallClientConfig(ClientCursor, link, exe, "", ""); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the symlink was replaced by a file")
	}
	if b, _ := os.ReadFile(target); !strings.Contains(string(b), `"engram"`) {
		t.Errorf("the link's target was not updated: %s", b)
	}
}
