package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/engramhq/engram/app/config"
	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/neo4j"
	"github.com/engramhq/engram/backend/sqlite"
	"github.com/engramhq/engram/frontend"
)

// webUIURL is the address a person opens once to get the UI's cookie.
func webUIURL(addr, token string) string {
	return "http://" + addr + "/?token=" + url.QueryEscape(token)
}

// storageSettings lets the settings page read, test and save where the
// memories are kept, switch the running Service to another store, and move
// the memories into Neo4j.
type storageSettings struct {
	svc *backend.Service

	// switching serialises switches and migrations: a switch must not
	// retire the store a migration is reading.
	switching sync.Mutex

	mu    sync.Mutex // guards cfg, store and unopened
	cfg   *config.Config
	store backend.Store // the store svc uses: this closes it once replaced
	// unopened says store stands in for the configured store, which could
	// not be opened yet (see reopen).
	unopened bool
}

var (
	_ frontend.StorageController = (*storageSettings)(nil)
	_ frontend.Migrator          = (*storageSettings)(nil)
)

// newStorageSettings opens the store of cfg and a Service over it; close
// closes whichever store is in use by then.
func newStorageSettings(ctx context.Context, cfg *config.Config) (*storageSettings, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &storageSettings{svc: backend.NewService(st), cfg: cfg, store: st}, nil
}

// reopenInterval is how often a server retries a store it could not open.
const reopenInterval = 5 * time.Second

// newServingStorage is newStorageSettings for a server: a store that
// cannot be opened (Neo4j down, a wrong password) does not stop it. Every
// call then fails saying why, the settings page can change the store, and
// reopen keeps trying the configured one.
func newServingStorage(ctx context.Context, cfg *config.Config) *storageSettings {
	s, err := newStorageSettings(ctx, cfg)
	if err == nil {
		return s
	}
	st := backend.UnopenedStore(backend.Errorf(backend.EUNAVAILABLE,
		"%s could not be opened (%s); Engram tries again every %v, or choose another store in Settings",
		storeName(cfg), backend.ErrorMessage(err), reopenInterval))
	return &storageSettings{svc: backend.NewService(st), cfg: cfg, store: st, unopened: true}
}

// unopenedError is why the configured store is not in use, or nil.
func (s *storageSettings) unopenedError(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.unopened {
		return nil
	}
	return s.store.Ping(ctx)
}

// reopen tries to open the configured store every reopenInterval while
// a stand-in is in use, and swaps it in once it opens.
func (s *storageSettings) reopen(ctx context.Context, logger *slog.Logger) {
	if s.unopenedError(ctx) == nil {
		return
	}
	tick := time.NewTicker(reopenInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if done, err := s.tryReopen(ctx); done {
			if err == nil {
				cfg := s.config()
				logger.Info("the store answers now", "store", storeName(&cfg))
			}
			return
		}
	}
}

// tryReopen makes one attempt; done says there is nothing more to try.
func (s *storageSettings) tryReopen(ctx context.Context) (done bool, err error) {
	if !s.switching.TryLock() {
		return false, nil // a switch or migration runs: try next time
	}
	defer s.switching.Unlock()
	s.mu.Lock()
	unopened, cfg := s.unopened, *s.cfg
	s.mu.Unlock()
	if !unopened {
		return true, errors.New("the store was switched")
	}
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	next, err := openStore(ctx, &cfg)
	if err != nil {
		return false, err
	}
	old, err := s.svc.SwapStore(ctx, next)
	if err != nil {
		next.Close()
		return false, err
	}
	s.mu.Lock()
	s.store, s.unopened = next, false
	s.mu.Unlock()
	return true, old.Close()
}

func (s *storageSettings) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.Close()
}

// config returns the settings in use.
func (s *storageSettings) config() config.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.cfg
}

// Current returns the settings in use without the password, which no page
// shows: the form keeps it when its field is left empty.
func (s *storageSettings) Current() frontend.StorageSettings {
	c := s.config()
	return frontend.StorageSettings{
		Backend: c.Backend, SQLitePath: c.SQLitePath,
		Neo4jURI: c.Neo4j.URI, Neo4jUser: c.Neo4j.Username,
		Neo4jPasswordSaved: c.Neo4j.Password != "", Neo4jDatabase: c.Neo4j.Database,
		Overridden: c.Overridden(),
	}
}

// formFields maps config.json keys to the settings form's fields.
var formFields = map[string]string{
	"backend": "backend", "sqlite_path": "sqlite_path", "neo4j.uri": "neo4j_uri",
	"neo4j.username": "neo4j_user", "neo4j.password": "neo4j_password", "neo4j.database": "neo4j_database",
}

// applied returns a copy of the config with st applied and checked. An
// empty password keeps the saved one (unless the Neo4j settings are
// cleared); the namespace is kept.
func (s *storageSettings) applied(st frontend.StorageSettings) (*config.Config, error) {
	c := s.config()
	c.Backend = st.Backend
	if st.SQLitePath != "" {
		c.SQLitePath = st.SQLitePath
	}
	password := st.Neo4jPassword
	if password == "" && st.Neo4jURI != "" {
		password = c.Neo4j.Password
	}
	c.Neo4j = config.Neo4j{URI: st.Neo4jURI, Username: st.Neo4jUser, Password: password, Database: st.Neo4jDatabase, Namespace: c.Neo4j.Namespace}
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
		return testNeo4j(ctx, c.Neo4j)
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

// testNeo4j logs in to the Neo4j of n as the store would, without writing,
// and says what it found.
func testNeo4j(ctx context.Context, n config.Neo4j) (string, error) {
	info, err := neo4j.Probe(ctx, neo4j.Config{URI: n.URI, Username: n.Username, Password: n.Password, Database: n.Database, Namespace: n.Namespace})
	if errors.Is(err, context.DeadlineExceeded) {
		return "", backend.Errorf(backend.EUNAVAILABLE, "%s did not answer in time; check that it is running and that the URI is right", neo4jName(n))
	}
	if err != nil {
		return "", err
	}
	msg := fmt.Sprintf("Logged in to Neo4j %s %s at %s, database %s", info.Version, info.Edition, n.URI, info.Database)
	if n.Namespace != "" {
		msg += ", namespace " + n.Namespace
	}
	if !info.Schema {
		return msg + ". It holds no Engram memories yet: Engram creates its schema when it first uses the database.", nil
	}
	return msg + fmt.Sprintf(": %d memories.", info.Memories), nil
}

// sameStore reports whether a and b name the same store.
func sameStore(a, b *config.Config) bool {
	if a.Backend != b.Backend {
		return false
	}
	if a.Backend == config.BackendNeo4j {
		return a.Neo4j == b.Neo4j
	}
	return a.SQLitePath == b.SQLitePath
}

// SaveAndSwitch opens the store of st, makes the running Service use it
// (calls running on the old store finish there, then it closes) and saves
// the settings. A store that cannot be opened leaves everything as it was.
func (s *storageSettings) SaveAndSwitch(ctx context.Context, st frontend.StorageSettings) (string, error) {
	c, err := s.applied(st)
	if err != nil {
		return "", err
	}
	if !s.switching.TryLock() {
		return "", backend.Errorf(backend.ECONFLICT, "Engram is moving memories or switching stores; try again when it is done")
	}
	defer s.switching.Unlock()
	cur := s.config()
	// Saving the same settings again opens a store that could not be
	// opened before (the person may have just started Neo4j).
	switched := !sameStore(&cur, c) || s.unopenedError(ctx) != nil
	if switched {
		if err := s.switchTo(ctx, &cur, c); err != nil {
			return "", err
		}
	}
	msg := "Saved to " + c.Path() + ". "
	if err := c.Save(); err != nil {
		msg = "Could not save the settings (" + err.Error() + "), so the next start uses the old ones. "
	}
	s.mu.Lock()
	s.cfg = c
	s.mu.Unlock()
	if switched {
		msg += "Engram now uses " + storeName(c)
	} else {
		msg += "Engram already uses " + storeName(c)
	}
	if stats, err := s.svc.Statistics(ctx, 1); err == nil {
		msg += fmt.Sprintf(": %d memories, %d relationships", stats.Memories, stats.Relationships)
	}
	msg += "."
	if len(c.Overridden()) > 0 {
		msg += " At the next start, environment variables override the saved settings: " + strings.Join(c.Overridden(), ", ") + "."
	}
	return msg, nil
}

// switchTo opens the store of c and swaps it in for that of cur, closing
// the old one once no call runs on it.
func (s *storageSettings) switchTo(ctx context.Context, cur, c *config.Config) error {
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	still := "Engram still uses " + storeName(cur) + ": "
	next, err := openStore(ctx, c)
	if err != nil {
		return fmt.Errorf("%s%w", still, err)
	}
	old, err := s.svc.SwapStore(ctx, next)
	if err != nil {
		next.Close()
		return fmt.Errorf("%s%s does not answer: %w", still, storeName(c), err)
	}
	s.mu.Lock()
	s.store, s.unopened = next, false
	s.mu.Unlock()
	return old.Close()
}

// openTimeout bounds opening the store to switch to: a person waits for it.
const openTimeout = 15 * time.Second

// Migrate copies every memory and relationship of the store in use into
// the Neo4j database of to (whatever its backend choice), then verifies
// the copy. It is safe to run again; a cancelled ctx stops it.
func (s *storageSettings) Migrate(ctx context.Context, to frontend.StorageSettings, progress func(frontend.MigrationProgress)) error {
	to.Backend = config.BackendNeo4j
	c, err := s.applied(to)
	if err != nil {
		return err
	}
	if cur := s.config(); sameStore(&cur, c) {
		return backend.Invalid("neo4j_uri", "Engram already uses this Neo4j database: there is nothing to move")
	}
	if !s.switching.TryLock() {
		return backend.Errorf(backend.ECONFLICT, "Engram is switching stores; try again when it is done")
	}
	defer s.switching.Unlock()
	dest, err := openNeo4j(ctx, c)
	if err != nil {
		return err
	}
	defer dest.Close()
	report := func(p backend.MigrateProgress) {
		progress(frontend.MigrationProgress{
			Done: p.Memories + p.Relationships + p.Verified, Total: 2 * (p.TotalMemories + p.TotalRelationships), Message: p.String(),
		})
	}
	rep, err := s.svc.MigrateTo(ctx, dest, report)
	if err != nil {
		return fmt.Errorf("%w (done before it stopped: %s; moving again carries on)", err, rep)
	}
	total := 2 * (rep.Memories.Read + rep.Relationships.Read)
	progress(frontend.MigrationProgress{Done: total, Total: total,
		Message: "Copied into " + storeName(c) + ": " + rep.String() + ". To use it, choose Neo4j database and Save and switch."})
	return nil
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
