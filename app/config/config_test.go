package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// envVars are every variable Load reads; tests clear them so that the
// developer's own environment cannot leak in.
var envVars = []string{"ENGRAM_BACKEND", "ENGRAM_DB", "ENGRAM_ADDR", "NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE", "ENGRAM_NEO4J_NAMESPACE"}

func clearEnv(t *testing.T) {
	for _, v := range envVars {
		t.Setenv(v, "")
	}
}

func testDirs(t *testing.T) Directories {
	root := t.TempDir()
	return Directories{Config: filepath.Join(root, "config", "engram"), Data: filepath.Join(root, "data", "engram")}
}

func writeConfig(t *testing.T, dirs Directories, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(dirs.Config, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dirs.Config, FileName)
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is filtered by the umask
		t.Fatal(err)
	}
	return path
}

func TestDirs(t *testing.T) {
	tests := []struct {
		name             string
		env              map[string]string
		wantCfg, wantDat string
	}{
		{"Fallbacks", nil, "/home/u/.config/engram", "/home/u/.local/share/engram"},
		{"XDG", map[string]string{"XDG_CONFIG_HOME": "/xdg/cfg", "XDG_DATA_HOME": "/xdg/data"}, "/xdg/cfg/engram", "/xdg/data/engram"},
		{"RelativeIgnored", map[string]string{"XDG_CONFIG_HOME": "cfg", "XDG_DATA_HOME": "./data"}, "/home/u/.config/engram", "/home/u/.local/share/engram"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if runtime.GOOS == "windows" {
				t.Skip("the table uses Unix paths")
			}
			got := dirsFor("/home/u", func(k string) string { return tt.env[k] })
			if got != (Directories{Config: tt.wantCfg, Data: tt.wantDat}) {
				t.Errorf("dirs = %+v, want %s and %s", got, tt.wantCfg, tt.wantDat)
			}
		})
	}
	t.Run("FromEnvironment", func(t *testing.T) {
		clearEnv(t)
		root := t.TempDir()
		t.Setenv("XDG_CONFIG_HOME", filepath.Join(root, "c"))
		t.Setenv("XDG_DATA_HOME", filepath.Join(root, "d"))
		got, err := Dirs()
		if err != nil || got.Config != filepath.Join(root, "c", "engram") || got.Data != filepath.Join(root, "d", "engram") {
			t.Errorf("Dirs() = %+v, %v", got, err)
		}
		c, err := Load()
		if err != nil || c.Dir != got.Config || c.SQLitePath != filepath.Join(root, "d", "engram", DatabaseName) {
			t.Errorf("Load() = %+v, %v; want the XDG directories", c, err)
		}
	})
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name         string
		file         string // "" for no file
		env          map[string]string
		want         Config // exported fields; SQLitePath "" means the default
		wantWarnings []string
		overridden   []string
	}{
		{name: "NoFile", want: Config{Backend: "sqlite", Addr: DefaultAddr}},
		{name: "EmptyFile", file: " \n", want: Config{Backend: "sqlite", Addr: DefaultAddr}},
		{
			name: "Full",
			file: `{"backend":"neo4j","sqlite_path":"/db/x.db","addr":"127.0.0.1:9000",
				"neo4j":{"uri":"neo4j://localhost:7687","username":"neo4j","password":"pw","database":"mem","namespace":"work"}}`,
			want: Config{Backend: "neo4j", SQLitePath: "/db/x.db", Addr: "127.0.0.1:9000",
				Neo4j: Neo4j{URI: "neo4j://localhost:7687", Username: "neo4j", Password: "pw", Database: "mem", Namespace: "work"}},
		},
		{name: "EmptyValuesTakeDefaults", file: `{"backend":"","addr":""}`, want: Config{Backend: "sqlite", Addr: DefaultAddr}},
		{
			name: "EnvOverridesFile",
			file: `{"backend":"sqlite","addr":"127.0.0.1:9000","neo4j":{"uri":"bolt://a:7687"}}`,
			env: map[string]string{"ENGRAM_BACKEND": " Neo4j ", "ENGRAM_ADDR": "[::1]:7711", "NEO4J_URI": "neo4j+s://b.databases.neo4j.io",
				"NEO4J_USERNAME": "u", "NEO4J_PASSWORD": "p", "NEO4J_DATABASE": "d", "ENGRAM_DB": "/tmp/e.db", "ENGRAM_NEO4J_NAMESPACE": "n"},
			want: Config{Backend: "neo4j", SQLitePath: "/tmp/e.db", Addr: "[::1]:7711",
				Neo4j: Neo4j{URI: "neo4j+s://b.databases.neo4j.io", Username: "u", Password: "p", Database: "d", Namespace: "n"}},
			overridden: []string{"ENGRAM_BACKEND", "ENGRAM_DB", "ENGRAM_ADDR", "NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE", "ENGRAM_NEO4J_NAMESPACE"},
		},
		{
			name:         "UnknownKeysWarned",
			file:         `{"adr":"x","neo4j":{"url":"y"}}`,
			want:         Config{Backend: "sqlite", Addr: DefaultAddr},
			wantWarnings: []string{`unknown setting "adr" is ignored`, `unknown setting "neo4j.url" is ignored`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			dirs := testDirs(t)
			if tt.file != "" {
				writeConfig(t, dirs, tt.file, 0o600)
			}
			c, err := LoadFrom(dirs)
			if err != nil {
				t.Fatal(err)
			}
			warnings := c.Warnings
			want := tt.want
			if want.SQLitePath == "" {
				want.SQLitePath = filepath.Join(dirs.Data, DatabaseName)
			}
			got := Config{Backend: c.Backend, SQLitePath: c.SQLitePath, Addr: c.Addr, Neo4j: c.Neo4j}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("config\n got %+v\nwant %+v", got, want)
			}
			if len(warnings) != len(tt.wantWarnings) {
				t.Fatalf("warnings %q, want %q", warnings, tt.wantWarnings)
			}
			for i, w := range tt.wantWarnings {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %q, want one containing %q", warnings[i], w)
				}
			}
			if !reflect.DeepEqual(c.Overridden(), tt.overridden) {
				t.Errorf("overridden %v, want %v", c.Overridden(), tt.overridden)
			}
			if c.Path() != filepath.Join(dirs.Config, FileName) {
				t.Errorf("path %s", c.Path())
			}
		})
	}
}

func TestLoadFixesPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no permission bits on Windows")
	}
	clearEnv(t)
	dirs := testDirs(t)
	path := writeConfig(t, dirs, `{"addr":"127.0.0.1:7711"}`, 0o644)
	c, err := LoadFrom(dirs)
	if err != nil {
		t.Fatal(err)
	}
	warnings := c.Warnings
	if len(warnings) != 1 || !strings.Contains(warnings[0], "mode 0644") || !strings.Contains(warnings[0], "now 0600") {
		t.Errorf("warnings %q, want one about the fixed mode", warnings)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after Load, want 0600", fi.Mode().Perm())
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"Syntax", "{\n  \"addr\": \"x\",\n  \"backend\" \"sqlite\"\n}", "invalid JSON at line 3, column 13"},
		{"WrongType", "{\n\"addr\": 7711}", `"addr" at line 2, column 12 must be a string`},
		{"NotAnObject", `["sqlite"]`, "must hold a JSON object, not a JSON array"},
		{"Neo4jNotAnObject", `{"neo4j":"bolt://x"}`, `"neo4j" at line 1, column 19 must be an object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			dirs := testDirs(t)
			path := writeConfig(t, dirs, tt.file, 0o600)
			c, err := LoadFrom(dirs)
			if c != nil {
				t.Errorf("LoadFrom returned settings from a broken file: %+v", c)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %v, want one naming %s and containing %q", err, path, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(c *Config)
		setting string // "" when valid
		want    string
	}{
		{"Defaults", func(c *Config) {}, "", ""},
		{"Localhost", func(c *Config) { c.Addr = "localhost:8080" }, "", ""},
		{"IPv6Loopback", func(c *Config) { c.Addr = "[::1]:7711" }, "", ""},
		{"OtherLoopback", func(c *Config) { c.Addr = "127.0.0.2:7711" }, "", ""},
		{"AnyFreePort", func(c *Config) { c.Addr = "127.0.0.1:0" }, "", ""},
		{"AllInterfaces", func(c *Config) { c.Addr = "0.0.0.0:7711" }, "addr", "every network interface"},
		{"AllInterfacesIPv6", func(c *Config) { c.Addr = "[::]:7711" }, "addr", "every network interface"},
		{"NoHost", func(c *Config) { c.Addr = ":7711" }, "addr", "every network interface"},
		{"PublicAddress", func(c *Config) { c.Addr = "192.168.1.20:7711" }, "addr", "not a loopback address"},
		{"HostName", func(c *Config) { c.Addr = "example.com:7711" }, "addr", "must be localhost or a loopback IP"},
		{"NoPort", func(c *Config) { c.Addr = "127.0.0.1" }, "addr", "is not host:port"},
		{"BadPort", func(c *Config) { c.Addr = "127.0.0.1:99999" }, "addr", "0 to 65535"},
		{"UnknownBackend", func(c *Config) { c.Backend = "postgres" }, "backend", `"postgres" is not a storage backend`},
		{"NoSQLitePath", func(c *Config) { c.SQLitePath = "" }, "sqlite_path", "is required"},
		{"Neo4jWithoutURI", func(c *Config) { c.Backend = BackendNeo4j }, "neo4j.uri", "is required with the neo4j backend"},
		{"Neo4jAura", func(c *Config) {
			c.Backend, c.Neo4j = BackendNeo4j, Neo4j{URI: "neo4j+s://abcd1234.databases.neo4j.io", Username: "neo4j", Password: "pw"}
		}, "", ""},
		{"Bolt", func(c *Config) { c.Neo4j.URI = "bolt://localhost:7687" }, "", ""},
		{"BoltSelfSigned", func(c *Config) { c.Neo4j.URI = "bolt+ssc://db.local:7687" }, "", ""},
		{"HTTPScheme", func(c *Config) { c.Neo4j.URI = "http://localhost:7474" }, "neo4j.uri", `scheme "http"`},
		{"NoScheme", func(c *Config) { c.Neo4j.URI = "localhost:7687" }, "neo4j.uri", "is not one Neo4j speaks"},
		{"NoServer", func(c *Config) { c.Neo4j.URI = "neo4j://" }, "neo4j.uri", "names no server"},
		{"CredentialsInURI", func(c *Config) { c.Neo4j.URI = "neo4j://neo4j:pw@localhost" }, "neo4j.uri", "must not hold the user name"},
		{"PasswordWithoutUser", func(c *Config) { c.Neo4j.Password = "pw" }, "neo4j.username", "is required with a password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default(testDirs(t))
			tt.edit(c)
			err := c.Validate()
			if tt.setting == "" {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			var se *SettingError
			if !errors.As(err, &se) || se.Setting != tt.setting || !strings.Contains(se.Problem, tt.want) || se.Source != c.Path() {
				t.Errorf("Validate: %v; want a %s error from %s containing %q", err, tt.setting, c.Path(), tt.want)
			}
		})
	}
}

func TestValidateNamesEnvAndReportsAll(t *testing.T) {
	clearEnv(t)
	t.Setenv("ENGRAM_ADDR", "0.0.0.0:7711")
	t.Setenv("ENGRAM_BACKEND", "mysql")
	c, err := LoadFrom(testDirs(t))
	if c == nil || err == nil {
		t.Fatalf("LoadFrom = %v, %v; want the settings and the validation error", c, err)
	}
	msg := err.Error()
	for _, want := range []string{"backend (from ENGRAM_BACKEND)", "addr (from ENGRAM_ADDR)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
}

func TestSave(t *testing.T) {
	clearEnv(t)
	dirs := testDirs(t)
	t.Setenv("NEO4J_PASSWORD", "from-env")
	t.Setenv("ENGRAM_ADDR", "127.0.0.1:9999")
	writeConfig(t, dirs, `{"addr":"127.0.0.1:8000","neo4j":{"username":"neo4j","password":"from-file"}}`, 0o600)
	c, err := LoadFrom(dirs)
	if err != nil {
		t.Fatal(err)
	}
	c.Backend = BackendNeo4j
	c.Neo4j.URI = "bolt://localhost:7687"
	c.Addr = "127.0.0.1:7000" // changed by the user: saved although ENGRAM_ADDR is set
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(c.Path())
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "backend": "neo4j",
  "addr": "127.0.0.1:7000",
  "neo4j": {
    "uri": "bolt://localhost:7687",
    "username": "neo4j",
    "password": "from-file"
  }
}
`
	if string(data) != want {
		t.Errorf("saved\n%s\nwant\n%s", data, want)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(c.Path()); fi.Mode().Perm() != 0o600 {
			t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
		}
		if fi, _ := os.Stat(dirs.Config); fi.Mode().Perm() != 0o700 {
			t.Errorf("dir mode %v, want 0700", fi.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(dirs.Config)
	if len(entries) != 1 {
		t.Errorf("config dir holds %d entries, want config.json alone (no temporary files)", len(entries))
	}

	clearEnv(t)
	again, err := LoadFrom(dirs)
	if err != nil {
		t.Fatal(err)
	}
	if again.Backend != BackendNeo4j || again.Addr != "127.0.0.1:7000" || again.Neo4j.Password != "from-file" ||
		again.SQLitePath != filepath.Join(dirs.Data, DatabaseName) {
		t.Errorf("loaded back %+v", again)
	}
}

func TestSaveCreatesPrivateDir(t *testing.T) {
	clearEnv(t)
	dirs := testDirs(t)
	c := Default(dirs)
	c.SQLitePath = "/data/custom.db"
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(c.Path())
	if !strings.Contains(string(data), `"sqlite_path": "/data/custom.db"`) {
		t.Errorf("saved %s, want the custom database path in it", data)
	}
	if err := (&Config{}).Save(); err == nil {
		t.Error("Save of a Config made without Load or Default succeeded")
	}
}
