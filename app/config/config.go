// Package config holds Engram's settings: where its files live, the
// config.json file with environment overrides, the local bearer token, and
// the MCP configuration of the assistants that use Engram.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// Storage backends.
const (
	BackendSQLite = "sqlite"
	BackendNeo4j  = "neo4j"
)

// Defaults and file names.
const (
	// DefaultAddr is where the app serves the web UI and the MCP endpoint.
	DefaultAddr = "127.0.0.1:7711"
	// FileName is the name of the config file in Directories.Config.
	FileName = "config.json"
	// DatabaseName is the name of the default SQLite file in Directories.Data.
	DatabaseName = "engram.db"
	appDir       = "engram"
)

// Directories are where Engram keeps its files.
type Directories struct {
	Config string // config.json and the token: $XDG_CONFIG_HOME/engram
	Data   string // the SQLite database: $XDG_DATA_HOME/engram
}

// Dirs returns Engram's directories following the XDG base directory
// specification on every system: $XDG_CONFIG_HOME and $XDG_DATA_HOME when
// they are set to absolute paths, else ~/.config and ~/.local/share.
// The directories are not created.
func Dirs() (Directories, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return Directories{}, fmt.Errorf("cannot find the home directory to keep Engram's files in: %w", err)
	}
	return dirsFor(home, os.Getenv), nil
}

func dirsFor(home string, getenv func(string) string) Directories {
	return Directories{
		Config: filepath.Join(xdgDir(getenv("XDG_CONFIG_HOME"), home, ".config"), appDir),
		Data:   filepath.Join(xdgDir(getenv("XDG_DATA_HOME"), home, ".local", "share"), appDir),
	}
}

// xdgDir returns v, or home joined with fallback when v is empty or
// relative: the XDG specification says relative paths are invalid and must
// be ignored.
func xdgDir(v, home string, fallback ...string) string {
	if v != "" && filepath.IsAbs(v) {
		return v
	}
	return filepath.Join(append([]string{home}, fallback...)...)
}

// Config is Engram's settings, as stored in config.json.
type Config struct {
	// Backend is BackendSQLite or BackendNeo4j.
	Backend string `json:"backend"`
	// SQLitePath is the database file of the SQLite backend.
	SQLitePath string `json:"sqlite_path,omitempty"`
	// Addr is the loopback host:port of the web UI and the MCP endpoint.
	Addr string `json:"addr"`
	// Neo4j is the connection of the Neo4j backend.
	Neo4j Neo4j `json:"neo4j"`

	// Dir is the config directory: config.json and the token live there.
	Dir string `json:"-"`
	// Warnings are for the user: a config file other users could read
	// (Load then makes it private, since it may hold the Neo4j password)
	// and keys Engram does not know (a typo would otherwise go unnoticed).
	Warnings []string `json:"-"`

	defaultSQLite string     // SQLitePath when none is set
	overrides     []override // environment variables applied by Load
}

// Neo4j is how to reach a Neo4j database. The password is kept in
// config.json, which only its owner may read.
type Neo4j struct {
	URI      string `json:"uri,omitempty"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Database string `json:"database,omitempty"` // empty: the server's default database
	// Namespace keeps these memories apart from others in the same
	// database (Neo4j Community has one): separate profiles, or tests
	// sharing a server. Empty is Engram's usual namespace.
	Namespace string `json:"namespace,omitempty"`
}

// setting ties a config.json key to its environment variable and field.
type setting struct {
	key   string // as in config.json
	env   string
	field func(*Config) *string
}

var settings = []setting{
	{"backend", "ENGRAM_BACKEND", func(c *Config) *string { return &c.Backend }},
	{"sqlite_path", "ENGRAM_DB", func(c *Config) *string { return &c.SQLitePath }},
	{"addr", "ENGRAM_ADDR", func(c *Config) *string { return &c.Addr }},
	{"neo4j.uri", "NEO4J_URI", func(c *Config) *string { return &c.Neo4j.URI }},
	{"neo4j.username", "NEO4J_USERNAME", func(c *Config) *string { return &c.Neo4j.Username }},
	{"neo4j.password", "NEO4J_PASSWORD", func(c *Config) *string { return &c.Neo4j.Password }},
	{"neo4j.database", "NEO4J_DATABASE", func(c *Config) *string { return &c.Neo4j.Database }},
	{"neo4j.namespace", "ENGRAM_NEO4J_NAMESPACE", func(c *Config) *string { return &c.Neo4j.Namespace }},
}

// override records an environment variable that replaced a file value.
type override struct {
	setting   setting
	fileValue string
	envValue  string
}

// Default returns the settings Engram uses when config.json is absent.
func Default(dirs Directories) *Config {
	c := &Config{
		Dir:           dirs.Config,
		defaultSQLite: filepath.Join(dirs.Data, DatabaseName),
	}
	c.fillDefaults()
	return c
}

func (c *Config) fillDefaults() {
	if c.Backend == "" {
		c.Backend = BackendSQLite
	}
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.SQLitePath == "" {
		c.SQLitePath = c.defaultSQLite
	}
}

// Path returns the path of the config file the settings belong to.
func (c *Config) Path() string { return filepath.Join(c.Dir, FileName) }

// Overridden returns the environment variables that replaced settings of
// the file, so that a settings page can say why a change does not apply.
func (c *Config) Overridden() []string {
	var names []string
	for _, o := range c.overrides {
		names = append(names, o.setting.env)
	}
	return names
}

// Load reads Engram's settings from the directories of Dirs; see LoadFrom.
func Load() (*Config, error) {
	dirs, err := Dirs()
	if err != nil {
		return nil, err
	}
	return LoadFrom(dirs)
}

// LoadFrom reads dirs.Config/config.json (the defaults when it does not
// exist), applies the environment overrides ENGRAM_BACKEND, ENGRAM_DB,
// ENGRAM_ADDR, NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE
// and ENGRAM_NEO4J_NAMESPACE (an empty variable counts as unset), and validates the
// result. When only the validation fails, the settings are returned with
// the error, so that a settings page can show them next to what to fix;
// anything else that uses them must stop at the error.
func LoadFrom(dirs Directories) (*Config, error) {
	c := Default(dirs)
	if err := c.readFile(); err != nil {
		return nil, err
	}
	for _, s := range settings {
		v := os.Getenv(s.env)
		if v == "" {
			continue
		}
		f := s.field(c)
		c.overrides = append(c.overrides, override{setting: s, fileValue: *f, envValue: v})
		*f = v
	}
	c.Backend = strings.ToLower(strings.TrimSpace(c.Backend))
	c.SQLitePath = expandHome(c.SQLitePath)
	return c, c.Validate()
}

func (c *Config) readFile() error {
	path := c.Path()
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	// Windows has no permission bits to check: the file inherits the ACL of
	// the user's profile directory.
	if fi, err := f.Stat(); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			c.warn("%s can be read by other users (mode %04o) and its permissions could not be fixed: %v; run chmod 600 on it", path, fi.Mode().Perm(), err)
		} else {
			c.warn("%s could be read by other users (mode %04o); its mode is now 0600", path, fi.Mode().Perm())
		}
	}
	// A config file is small; a huge one is a mistake, not something to load.
	const limit = 1 << 20
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > limit {
		return fmt.Errorf("%s is larger than %d bytes, which no Engram config file is; move it away", path, limit)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, c); err != nil {
		return fmt.Errorf("%s: %s; fix the file or delete it to start from the defaults", path, jsonErrorAt(data, err))
	}
	c.fillDefaults()
	for _, k := range unknownKeys(data) {
		c.warn("%s: unknown setting %q is ignored", path, k)
	}
	return nil
}

func (c *Config) warn(format string, args ...any) {
	c.Warnings = append(c.Warnings, fmt.Sprintf(format, args...))
}

// unknownKeys returns the keys of the file that no setting reads, sorted.
func unknownKeys(data []byte) []string {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return nil
	}
	known := map[string]bool{}
	for _, s := range settings {
		known[s.key] = true
	}
	var keys []string
	for k, v := range top {
		if k == "neo4j" {
			var sub map[string]json.RawMessage
			if json.Unmarshal(v, &sub) == nil {
				for sk := range sub {
					if !known["neo4j."+sk] {
						keys = append(keys, "neo4j."+sk)
					}
				}
			}
			continue
		}
		if !known[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// jsonErrorAt describes a JSON error with its line and column.
func jsonErrorAt(data []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(data, se.Offset)
		return fmt.Sprintf("invalid JSON at line %d, column %d: %v", line, col, se)
	case errors.As(err, &te):
		line, col := lineCol(data, te.Offset)
		want := "a string"
		if te.Type.Kind() == reflect.Struct {
			want = "an object"
		}
		if te.Field == "" {
			return fmt.Sprintf("line %d, column %d: the file must hold a JSON object, not a JSON %s", line, col, te.Value)
		}
		return fmt.Sprintf("%q at line %d, column %d must be %s, not a JSON %s", te.Field, line, col, want, te.Value)
	}
	return err.Error()
}

// lineCol returns the 1-based line and column of the byte before off
// (JSON errors report the offset just past the bad byte).
func lineCol(data []byte, off int64) (line, col int) {
	off = min(max(off-1, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// expandHome replaces a leading ~/ with the home directory, as a shell
// would for a path typed into config.json or ENGRAM_DB.
func expandHome(p string) string {
	rest, ok := strings.CutPrefix(p, "~"+string(filepath.Separator))
	if !ok && filepath.Separator != '/' {
		rest, ok = strings.CutPrefix(p, "~/")
	}
	if !ok {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(home, rest)
}

// SettingError says which setting is wrong, where its value came from and
// what to do about it.
type SettingError struct {
	Setting string // the config.json key, such as "addr" or "neo4j.uri"
	Source  string // "ENGRAM_ADDR" or the path of config.json
	Problem string
}

// Error returns a message a user can act on.
func (e *SettingError) Error() string {
	return fmt.Sprintf("%s (from %s): %s", e.Setting, e.Source, e.Problem)
}

// Validate checks every setting and returns all problems at once (joined
// *SettingError values), so that one run shows everything to fix.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &SettingError{Setting: key, Source: c.source(key), Problem: fmt.Sprintf(format, args...)})
	}
	switch c.Backend {
	case BackendSQLite:
		if strings.TrimSpace(c.SQLitePath) == "" {
			bad("sqlite_path", "is required with the sqlite backend; give the path of the database file")
		}
	case BackendNeo4j:
		if c.Neo4j.URI == "" {
			bad("neo4j.uri", "is required with the neo4j backend, such as neo4j://localhost:7687 or neo4j+s://<id>.databases.neo4j.io")
		}
	default:
		bad("backend", "%q is not a storage backend; use %q or %q", c.Backend, BackendSQLite, BackendNeo4j)
	}
	if problem := checkAddr(c.Addr); problem != "" {
		bad("addr", "%s", problem)
	}
	if c.Neo4j.URI != "" {
		if problem := checkNeo4jURI(c.Neo4j.URI); problem != "" {
			bad("neo4j.uri", "%s", problem)
		}
	}
	if c.Neo4j.Password != "" && c.Neo4j.Username == "" {
		bad("neo4j.username", "is required with a password (Neo4j's default user is \"neo4j\")")
	}
	return errors.Join(errs...)
}

// source names where the value of key came from.
func (c *Config) source(key string) string {
	for _, o := range c.overrides {
		if o.setting.key == key {
			return o.setting.env
		}
	}
	return c.Path()
}

// checkAddr accepts only loopback addresses: the app serves everyone's
// memories without any login other than the local token, so it must not be
// reachable from another machine.
func checkAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("%q is not host:port; use a loopback address such as %s", addr, DefaultAddr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Sprintf("port %q is not a number from 0 to 65535", port)
	}
	if host == "localhost" {
		return ""
	}
	ip := net.ParseIP(host)
	switch {
	case host == "" || ip != nil && ip.IsUnspecified():
		return fmt.Sprintf("%q listens on every network interface, so other machines could read your memories; use %s", addr, DefaultAddr)
	case ip == nil:
		return fmt.Sprintf("host %q must be localhost or a loopback IP such as 127.0.0.1 or ::1 (a host name could resolve to a public address)", host)
	case !ip.IsLoopback():
		return fmt.Sprintf("%s is not a loopback address, so other machines could read your memories; use %s", host, DefaultAddr)
	}
	return ""
}

// neo4jSchemes are the URI schemes of the Neo4j Go driver: neo4j routes
// through a cluster, bolt talks to one server; +s is TLS, +ssc TLS with a
// self-signed certificate.
var neo4jSchemes = []string{"neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc"}

func checkNeo4jURI(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return fmt.Sprintf("%q is not a URI: %v", uri, err)
	}
	if !slices.Contains(neo4jSchemes, u.Scheme) {
		return fmt.Sprintf("scheme %q is not one Neo4j speaks; use one of %s (such as neo4j://localhost:7687)", u.Scheme, strings.Join(neo4jSchemes, ", "))
	}
	if u.Hostname() == "" {
		return fmt.Sprintf("%q names no server; write it as %s://host:7687", uri, u.Scheme)
	}
	if u.User != nil {
		return "must not hold the user name or password; set neo4j.username and neo4j.password instead"
	}
	return ""
}

// Save writes the settings to config.json atomically (a temporary file
// renamed over it), readable only by the user, creating the config
// directory with mode 0700. Values that came from the environment are not
// written unless they were changed since Load: an exported NEO4J_PASSWORD
// must not end up in the file. A SQLitePath equal to the default is left
// out, so that the database follows XDG_DATA_HOME.
func (c *Config) Save() error {
	if c.Dir == "" {
		return errors.New("config: no directory to save to; get the Config from Load or Default")
	}
	out := *c
	for _, o := range c.overrides {
		if f := o.setting.field(&out); *f == o.envValue {
			*f = o.fileValue
		}
	}
	if out.SQLitePath == c.defaultSQLite {
		out.SQLitePath = ""
	}
	data, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return err
	}
	if err := ensurePrivateDir(c.Dir); err != nil {
		return err
	}
	return writeFileAtomic(c.Path(), append(data, '\n'), 0o600)
}

// ensurePrivateDir creates dir with mode 0700, and takes group and other
// access away when it exists: it holds the token and the Neo4j password.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, fi.Mode().Perm()&0o700); err != nil {
			return fmt.Errorf("make %s private: %w", dir, err)
		}
	}
	return nil
}

// writeFileAtomic replaces path with data: readers see the old file or the
// new one, never a half-written one.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if runtime.GOOS != "windows" { // Windows files have ACLs, not mode bits
		if err = tmp.Chmod(perm); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	// The data must be on disk before the rename makes it the file, or a
	// crash could leave an empty config.
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
