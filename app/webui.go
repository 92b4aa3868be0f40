package app

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/engramhq/engram/app/config"
	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/sqlite"
	"github.com/engramhq/engram/frontend"
)

// webUIURL is the address a person opens once to get the UI's cookie.
func webUIURL(addr, token string) string {
	return "http://" + addr + "/?token=" + url.QueryEscape(token)
}

// storageSettings lets the settings page read, test and save where the
// memories are kept.
type storageSettings struct {
	mu  sync.Mutex // guards cfg
	cfg *config.Config
}

var _ frontend.StorageController = (*storageSettings)(nil)

func (s *storageSettings) Current() frontend.StorageSettings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return frontend.StorageSettings{
		Backend: s.cfg.Backend, SQLitePath: s.cfg.SQLitePath,
		Neo4jURI: s.cfg.Neo4j.URI, Neo4jUser: s.cfg.Neo4j.Username,
		Neo4jPassword: s.cfg.Neo4j.Password, Neo4jDatabase: s.cfg.Neo4j.Database,
		Overridden: s.cfg.Overridden(),
	}
}

// formFields maps config.json keys to the settings form's fields.
var formFields = map[string]string{
	"backend": "backend", "sqlite_path": "sqlite_path", "neo4j.uri": "neo4j_uri",
	"neo4j.username": "neo4j_user", "neo4j.password": "neo4j_password", "neo4j.database": "neo4j_database",
}

// applied returns a copy of the config with st applied and checked.
func (s *storageSettings) applied(st frontend.StorageSettings) (*config.Config, error) {
	s.mu.Lock()
	c := *s.cfg
	s.mu.Unlock()
	c.Backend = st.Backend
	if st.SQLitePath != "" {
		c.SQLitePath = st.SQLitePath
	}
	c.Neo4j = config.Neo4j{URI: st.Neo4jURI, Username: st.Neo4jUser, Password: st.Neo4jPassword, Database: st.Neo4jDatabase}
	if err := c.Validate(); err != nil {
		var se *config.SettingError
		if errors.As(err, &se) {
			return nil, backend.Invalid(formFields[se.Setting], "%s", se.Problem)
		}
		return nil, err
	}
	return &c, nil
}

func (s *storageSettings) TestConnection(ctx context.Context, st frontend.StorageSettings) (string, error) {
	c, err := s.applied(st)
	if err != nil {
		return "", err
	}
	if c.Backend == config.BackendNeo4j {
		return testBolt(ctx, c.Neo4j.URI)
	}
	return testSQLite(ctx, c.SQLitePath)
}

// testSQLite opens an existing database file and counts its memories, or
// checks that a new one can be created, without creating it.
func testSQLite(ctx context.Context, path string) (string, error) {
	if !filepath.IsAbs(path) {
		return "", backend.Invalid("sqlite_path", "must be an absolute path, such as %s", filepath.Join(os.TempDir(), "engram.db"))
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		dir := filepath.Dir(path)
		for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			if _, err := os.Stat(dir); err == nil {
				break
			}
		}
		probe, err := os.CreateTemp(dir, ".engram-probe-*")
		if err != nil {
			return "", backend.Invalid("sqlite_path", "the file does not exist and cannot be created in %s: %v", dir, err)
		}
		probe.Close()
		os.Remove(probe.Name())
		return fmt.Sprintf("%s does not exist yet; Engram will create it when you save and switch.", path), nil
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return "", backend.Invalid("sqlite_path", "cannot open it: %v", err)
	}
	defer st.Close()
	stats, err := st.Statistics(ctx, 1)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Opened %s: %d memories, %d relationships.", path, stats.Memories, stats.Relationships), nil
}

// testBolt reaches the server of a Neo4j URI and performs the Bolt
// handshake, which says a Neo4j server answers there. The user and
// password are checked once the Neo4j store is part of Engram.
func testBolt(ctx context.Context, uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", backend.Invalid("neo4j_uri", "%v", err)
	}
	if strings.HasSuffix(u.Scheme, "+s") || strings.HasSuffix(u.Scheme, "+ssc") {
		return "", backend.Errorf(backend.EUNAVAILABLE, "testing encrypted connections (%s) arrives with Neo4j support (issue 3)", u.Scheme)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "7687")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return "", backend.Errorf(backend.EUNAVAILABLE, "cannot reach %s: %v", host, err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	// Magic preamble, then four proposed versions: 5.x (with minor range), 4.4, 4.0, 3.
	hello := []byte{0x60, 0x60, 0xB0, 0x17, 0, 4, 4, 5, 0, 0, 4, 4, 0, 0, 0, 4, 0, 0, 0, 3}
	if _, err := conn.Write(hello); err != nil {
		return "", backend.Errorf(backend.EUNAVAILABLE, "%s closed the connection: %v", host, err)
	}
	var answer [4]byte
	if _, err := io.ReadFull(conn, answer[:]); err != nil {
		return "", backend.Errorf(backend.EUNAVAILABLE, "%s does not speak Bolt (is it Neo4j's Bolt port, usually 7687?): %v", host, err)
	}
	v := binary.BigEndian.Uint32(answer[:])
	if v == 0 {
		return "", backend.Errorf(backend.EUNAVAILABLE, "%s is a Neo4j server but supports none of the Bolt versions Engram speaks", host)
	}
	return fmt.Sprintf("Reached a Neo4j server at %s (Bolt %d.%d). The user name and password are checked when Neo4j support arrives (issue 3).",
		host, answer[3], answer[2]), nil
}

func (s *storageSettings) SaveAndSwitch(ctx context.Context, st frontend.StorageSettings) (string, error) {
	c, err := s.applied(st)
	if err != nil {
		return "", err
	}
	if err := c.Save(); err != nil {
		return "", err
	}
	s.mu.Lock()
	s.cfg = c
	s.mu.Unlock()
	msg := "Saved to " + c.Path() + ". Restart Engram (engram serve) to use the new store."
	if len(c.Overridden()) > 0 {
		msg += " Environment variables still override: " + strings.Join(c.Overridden(), ", ") + "."
	}
	return msg, nil
}

// assistants gives the MCP configs of the assistants Engram can set up.
type assistants struct{ exe string }

var _ frontend.AssistantConfigurer = assistants{}

func (a assistants) Assistants() []string { return config.Clients }

func (a assistants) Config(name string) (string, string, error) {
	snippet, err := config.ClientConfig(name, a.exe, "", "")
	if err != nil {
		return "", "", err
	}
	path, err := config.DefaultClientConfigPath(name)
	return string(snippet), path, err
}

func (a assistants) Install(name string) (string, error) {
	path, err := config.DefaultClientConfigPath(name)
	if err != nil {
		return "", err
	}
	backup, err := config.InstallClientConfig(name, path, a.exe, "", "")
	if err != nil {
		return "", err
	}
	msg := "Installed into " + path + "."
	if backup != "" {
		msg += " The previous file is kept as " + backup + "."
	}
	return msg + " Restart the assistant to load it.", nil
}
