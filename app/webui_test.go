package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/app/config"
	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/neo4j"
	"github.com/engramhq/engram/backend/sqlite"
	"github.com/engramhq/engram/frontend"
)

// newTestSettings returns the storage settings of a fresh configuration
// (SQLite in a temporary directory), its store open.
func newTestSettings(t *testing.T) *storageSettings {
	t.Helper()
	for _, v := range []string{"ENGRAM_BACKEND", "ENGRAM_DB", "ENGRAM_ADDR", "NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE"} {
		t.Setenv(v, "")
	}
	cfg, err := config.LoadFrom(config.Directories{Config: t.TempDir(), Data: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := newStorageSettings(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.close() })
	return s
}

// testNeo4jSettings returns the form values of the test Neo4j server (see
// backend/neo4j/setup_test.go) and gives s a namespace of its own there,
// emptied when t ends; it skips without a server.
func testNeo4jSettings(t *testing.T, s *storageSettings) frontend.StorageSettings {
	t.Helper()
	n := config.Neo4j{
		URI: os.Getenv("ENGRAM_TEST_NEO4J_URI"), Username: os.Getenv("ENGRAM_TEST_NEO4J_USERNAME"),
		Password: os.Getenv("ENGRAM_TEST_NEO4J_PASSWORD"), Database: os.Getenv("ENGRAM_TEST_NEO4J_DATABASE"),
		Namespace: "app-test-" + backend.NewID(),
	}
	if n.URI == "" {
		if os.Getenv("ENGRAM_TEST_NEO4J_REQUIRED") == "1" {
			t.Fatal("ENGRAM_TEST_NEO4J_URI is not set (ENGRAM_TEST_NEO4J_REQUIRED=1)")
		}
		t.Skip("ENGRAM_TEST_NEO4J_URI is not set; start a test server with build/neo4j/neo4j.sh start")
	}
	s.mu.Lock()
	s.cfg.Neo4j.Namespace = n.Namespace
	s.mu.Unlock()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := neo4j.Open(ctx, neo4j.Config{URI: n.URI, Username: n.Username, Password: n.Password, Database: n.Database, Namespace: n.Namespace})
		if err != nil {
			t.Errorf("cleaning up namespace %s: %v", n.Namespace, err)
			return
		}
		defer st.Close()
		var ids []string
		st.ExportMemories(ctx, func(m *backend.Memory) error { ids = append(ids, m.ID); return nil })
		for _, id := range ids {
			if err := st.DeleteMemory(ctx, id); err != nil {
				t.Errorf("cleaning up namespace %s: %v", n.Namespace, err)
				return
			}
		}
	})
	return frontend.StorageSettings{Backend: "neo4j", Neo4jURI: n.URI, Neo4jUser: n.Username, Neo4jPassword: n.Password, Neo4jDatabase: n.Database}
}

func TestStorageTestConnection(t *testing.T) {
	s := newTestSettings(t)
	existing := filepath.Join(t.TempDir(), "existing.db")
	st, err := sqlite.Open(context.Background(), existing)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := backend.NewService(st).StoreMemory(context.Background(), backend.NewMemory{Type: "general", Title: "t", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()
	web := httptest.NewServer(http.NotFoundHandler())
	defer web.Close()
	neo := func(uri, password string) frontend.StorageSettings {
		return frontend.StorageSettings{Backend: "neo4j", Neo4jURI: uri, Neo4jUser: "neo4j", Neo4jPassword: password}
	}

	for _, tc := range []struct {
		name    string
		in      frontend.StorageSettings
		wantMsg string
		wantErr string
		field   string
	}{
		{"existing SQLite file", frontend.StorageSettings{Backend: "sqlite", SQLitePath: existing}, "1 memories", "", ""},
		{"new SQLite file", frontend.StorageSettings{Backend: "sqlite", SQLitePath: filepath.Join(t.TempDir(), "sub", "new.db")}, "does not exist yet", "", ""},
		{"relative SQLite path", frontend.StorageSettings{Backend: "sqlite", SQLitePath: "rel.db"}, "", "absolute path", "sqlite_path"},
		{"unknown backend", frontend.StorageSettings{Backend: "mongo"}, "", "not a storage backend", "backend"},
		{"Neo4j without URI", frontend.StorageSettings{Backend: "neo4j"}, "", "is required", "neo4j_uri"},
		{"Neo4j bad scheme", neo("http://x:7687", ""), "", "scheme", "neo4j_uri"},
		{"nothing listening", neo("neo4j://"+closedAddr, "secret-1"), "", "cannot reach", ""},
		{"not Bolt", neo("bolt://"+strings.TrimPrefix(web.URL, "http://"), "secret-2"), "", "did not answer in time", ""},
	} {
		t.Run(tc.name, func(t *testing.T) { checkTestConnection(t, s, tc.in, tc.wantMsg, tc.wantErr, tc.field) })
	}

	t.Run("real Neo4j", func(t *testing.T) {
		good := testNeo4jSettings(t, s)
		host := strings.TrimPrefix(good.Neo4jURI, "bolt://")
		with := func(change func(*frontend.StorageSettings)) frontend.StorageSettings {
			c := good
			change(&c)
			return c
		}
		for _, tc := range []struct {
			name             string
			in               frontend.StorageSettings
			wantMsg, wantErr string
		}{
			{"logs in", good, "Logged in to Neo4j 5.", ""},
			{"routing URI", with(func(c *frontend.StorageSettings) { c.Neo4jURI = "neo4j://" + host }), "Logged in to Neo4j 5.", ""},
			{"wrong password", with(func(c *frontend.StorageSettings) { c.Neo4jPassword += "-wrong" }), "", "wrong user name or password"},
			{"missing database", with(func(c *frontend.StorageSettings) { c.Neo4jDatabase = "nosuchdb" }), "", "no such database"},
			{"TLS to a plain server", with(func(c *frontend.StorageSettings) { c.Neo4jURI = "neo4j+s://" + host }), "", "Neo4j at neo4j+s://"},
			{"self-signed TLS to a plain server", with(func(c *frontend.StorageSettings) { c.Neo4jURI = "neo4j+ssc://" + host }), "", "Neo4j at neo4j+ssc://"},
		} {
			t.Run(tc.name, func(t *testing.T) { checkTestConnection(t, s, tc.in, tc.wantMsg, tc.wantErr, "") })
		}
	})
}

// checkTestConnection runs TestConnection within the UI's 5 seconds and
// checks its answer, which must never show the password.
func checkTestConnection(t *testing.T, s *storageSettings, in frontend.StorageSettings, wantMsg, wantErr, field string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msg, err := s.TestConnection(ctx, in)
	if in.Neo4jPassword != "" && (strings.Contains(msg, in.Neo4jPassword) || err != nil && strings.Contains(err.Error(), in.Neo4jPassword)) {
		t.Errorf("the answer shows the password: %q %v", msg, err)
	}
	if wantErr == "" {
		if err != nil || !strings.Contains(msg, wantMsg) {
			t.Fatalf("got %q, %v; want %q", msg, err, wantMsg)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Fatalf("got %q, %v; want an error saying %q", msg, err, wantErr)
	}
	var be *backend.Error
	if field != "" && (!errors.As(err, &be) || be.Field != field) {
		t.Errorf("error %v does not name the field %s", err, field)
	}
}

// switchStep is one Save and switch and what it should lead to.
type switchStep struct {
	name    string
	in      frontend.StorageSettings
	wantMsg string
	wantErr string
	uses    string // storeName of the config in use afterwards
}

// runSwitches makes each step's switch while four callers keep storing and
// searching through the Service: none of their calls may fail.
func runSwitches(t *testing.T, s *storageSettings, steps []switchStep) {
	t.Helper()
	ctx := t.Context()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_, _, err := s.svc.StoreMemory(ctx, backend.NewMemory{Type: "general", Title: fmt.Sprintf("load %d/%d", w, i), Content: "load"})
				if err == nil {
					_, err = s.svc.Search(ctx, backend.SearchQuery{Text: "load", Limit: 3})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for _, step := range steps {
		msg, err := s.SaveAndSwitch(ctx, step.in)
		switch {
		case step.wantErr == "" && (err != nil || !strings.Contains(msg, step.wantMsg)):
			t.Errorf("%s: %q, %v; want %q", step.name, msg, err, step.wantMsg)
		case step.wantErr != "" && (err == nil || !strings.Contains(err.Error(), step.wantErr)):
			t.Errorf("%s: %q, %v; want an error saying %q", step.name, msg, err, step.wantErr)
		}
		cfg := s.config()
		if got := storeName(&cfg); got != step.uses {
			t.Errorf("%s: Engram uses %s, want %s", step.name, got, step.uses)
		}
		if step.in.Neo4jPassword != "" && strings.Contains(msg, step.in.Neo4jPassword) {
			t.Errorf("%s: the answer shows the password: %q", step.name, msg)
		}
		// Let the callers run on the store in use before the next switch.
		mark := s.svc.PublishedChanges()
		for s.svc.PublishedChanges() < mark+8 && len(errs) == 0 {
			runtime.Gosched()
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a call during the switches: %v", err)
	}
}

// TestStorageSaveAndSwitch switches the running Service from one SQLite
// file to another while callers keep using it; a store that cannot be
// opened leaves everything as it was; the config file is saved (0600).
func TestStorageSaveAndSwitch(t *testing.T) {
	s := newTestSettings(t)
	first := s.config().SQLitePath
	m, _, err := s.svc.StoreMemory(t.Context(), backend.NewMemory{Type: "general", Title: "in the first file", Content: "x"})
	if err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(t.TempDir(), "second.db")
	runSwitches(t, s, []switchStep{
		{"to a second SQLite file", frontend.StorageSettings{Backend: "sqlite", SQLitePath: second}, "Engram now uses SQLite " + second, "", "SQLite " + second},
		{"to the same file", frontend.StorageSettings{Backend: "sqlite", SQLitePath: second}, "Engram already uses", "", "SQLite " + second},
		{"to a file that cannot be opened", frontend.StorageSettings{Backend: "sqlite", SQLitePath: "/proc/no/such.db"}, "", "Engram still uses SQLite " + second, "SQLite " + second},
		{"to an invalid setting", frontend.StorageSettings{Backend: "neo4j"}, "", "is required", "SQLite " + second},
		{"back to the first file", frontend.StorageSettings{Backend: "sqlite", SQLitePath: first}, "Engram now uses SQLite " + first, "", "SQLite " + first},
	})
	if _, err := s.svc.GetMemory(t.Context(), m.ID); err != nil {
		t.Errorf("back on the first file, its memory: %v", err)
	}
	info, err := os.Stat(s.cfg.Path())
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("config.json has mode %v, want 0600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(s.cfg.Path())
	var saved config.Config
	if err := json.Unmarshal(data, &saved); err != nil || (saved.SQLitePath != first && saved.SQLitePath != "") || saved.Backend != "sqlite" {
		t.Errorf("config.json holds %s", data)
	}
}

// TestStorageSwitchToNeo4j moves a serving Engram from SQLite to the real
// test Neo4j and back while callers keep using it.
func TestStorageSwitchToNeo4j(t *testing.T) {
	s := newTestSettings(t)
	neo := testNeo4jSettings(t, s)
	first := s.config().SQLitePath
	wrong := neo
	wrong.Neo4jPassword += "-wrong"
	blank := neo
	blank.Neo4jPassword = ""
	name := storeName(&config.Config{Backend: "neo4j", Neo4j: config.Neo4j{URI: neo.Neo4jURI, Database: neo.Neo4jDatabase, Namespace: s.config().Neo4j.Namespace}})
	runSwitches(t, s, []switchStep{
		{"with a wrong password", wrong, "", "wrong user name or password", "SQLite " + first},
		{"to Neo4j", neo, "Engram now uses " + name, "", name},
		{"to Neo4j again, the password left empty", blank, "Engram already uses " + name, "", name},
		{"back to SQLite, as the form sends it", func() frontend.StorageSettings {
			back := blank
			back.Backend, back.SQLitePath = "sqlite", first
			return back
		}(), "Engram now uses SQLite " + first, "", "SQLite " + first},
	})
	if cur := s.Current(); cur.Neo4jPassword != "" || !cur.Neo4jPasswordSaved {
		t.Errorf("Current() = %+v: want the password saved and not shown", cur)
	}
}

// TestMigrateToNeo4j moves the memories of the SQLite store in use into the
// real test Neo4j with progress, again (nothing new), and cancelled.
func TestMigrateToNeo4j(t *testing.T) {
	s := newTestSettings(t)
	neo := testNeo4jSettings(t, s)
	ctx := t.Context()
	var ids []string
	for i := range 30 {
		m, _, err := s.svc.StoreMemory(ctx, backend.NewMemory{Type: "general", Title: fmt.Sprintf("memory %d", i), Content: "to move"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	for i := 1; i < len(ids); i++ {
		if _, _, err := s.svc.CreateRelationship(ctx, backend.NewRelationship{FromID: ids[i-1], ToID: ids[i], Type: backend.RelRelatedTo}); err != nil {
			t.Fatal(err)
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		in      frontend.StorageSettings
		wantMsg string
		wantErr error
	}{
		{"first run", ctx, neo, "30 created", nil},
		{"again", ctx, frontend.StorageSettings{Backend: "sqlite", Neo4jURI: neo.Neo4jURI, Neo4jUser: neo.Neo4jUser, Neo4jPassword: neo.Neo4jPassword, Neo4jDatabase: neo.Neo4jDatabase}, "30 already there", nil},
		{"cancelled", canceled, neo, "", context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var last frontend.MigrationProgress
			var switchErr error
			err := s.Migrate(tc.ctx, tc.in, func(p frontend.MigrationProgress) {
				if p.Done < last.Done || p.Done > p.Total {
					t.Errorf("progress went from %+v to %+v", last, p)
				}
				if last.Total == 0 { // while it runs, the store must not be switched away
					_, switchErr = s.SaveAndSwitch(ctx, frontend.StorageSettings{Backend: "sqlite", SQLitePath: filepath.Join(t.TempDir(), "other.db")})
				}
				last = p
			})
			if last.Total > 0 && backend.ErrorCode(switchErr) != backend.ECONFLICT {
				t.Errorf("Save and switch during a migration: %v, want ECONFLICT", switchErr)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Migrate = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			if last.Done != last.Total || last.Total != 2*(30+29) || !strings.Contains(last.Message, tc.wantMsg) || !strings.Contains(last.Message, "verified") {
				t.Errorf("last progress %+v, want %d of %d with %q, verified", last, 2*(30+29), 2*(30+29), tc.wantMsg)
			}
		})
	}
	// The store in use is untouched, and Neo4j is not yet the one in use.
	if st, err := s.svc.Statistics(ctx, 1); err != nil || st.Memories != 30 {
		t.Errorf("after moving, the SQLite store holds %v memories (%v), want 30", st, err)
	}
}

func TestAssistantsConfigAndInstall(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	a := assistants{exe: "/opt/engram/engram"}
	snippet, path, err := a.Config("cursor")
	if err != nil || !strings.Contains(snippet, `"/opt/engram/engram"`) || path != filepath.Join(home, ".cursor", "mcp.json") {
		t.Fatalf("config: %q %q %v", snippet, path, err)
	}
	msg, err := a.Install("cursor")
	if err != nil || !strings.Contains(msg, path) {
		t.Fatalf("install: %q %v", msg, err)
	}
	if data, err := os.ReadFile(path); err != nil || !strings.Contains(string(data), `"engram"`) {
		t.Errorf("installed file: %s %v", data, err)
	}
	if _, err := a.Install("vim"); err == nil {
		t.Error("an unknown assistant was installed")
	}
}

// TestServePrintsWebUILink checks that `engram serve` prints the link with
// the token, and that the link opens the UI.
func TestServePrintsWebUILink(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("ENGRAM_ADDR", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &safeWriter{}
	done := make(chan int, 1)
	go func() { done <- Main(ctx, []string{"serve"}, strings.NewReader(""), &bytes.Buffer{}, stderr) }()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, stderr.String())
		}
	}()
	link := regexp.MustCompile(`Web UI: (http://127\.0\.0\.1:\d+/\?token=[0-9a-f]+)`)
	deadline := time.Now().Add(20 * time.Second)
	var url string
	for time.Now().Before(deadline) {
		if m := link.FindStringSubmatch(stderr.String()); m != nil {
			url = m[1]
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if url == "" {
		t.Fatalf("no Web UI link in: %s", stderr.String())
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(url) // follows the redirect, carrying the cookie
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.RawQuery != "" {
		t.Errorf("opening the link: status %d at %s, want 200 without the token", resp.StatusCode, resp.Request.URL)
	}
}

// safeWriter is a buffer that a server goroutine writes while the test reads.
type safeWriter struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (w *safeWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *safeWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestServerStartsWithoutItsStore: a server whose store cannot be opened
// still starts, every call says why, and the store is swapped in by
// itself once it can be opened.
func TestServerStartsWithoutItsStore(t *testing.T) {
	for _, v := range []string{"ENGRAM_BACKEND", "NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE"} {
		t.Setenv(v, "")
	}
	blocker := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ENGRAM_DB", filepath.Join(blocker, "engram.db")) // its folder is a file: cannot open
	t.Setenv("ENGRAM_ADDR", "127.0.0.1:0")
	cfg, err := config.LoadFrom(config.Directories{Config: t.TempDir(), Data: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var logs safeWriter
	e := &env{stderr: io.Discard, logger: slog.New(slog.NewTextHandler(&logs, nil)), getenv: os.Getenv}
	srv, err := openServer(t.Context(), e, cfg, strings.Repeat("ef", 32))
	if err != nil {
		t.Fatalf("the server did not start without its store: %v", err)
	}
	defer srv.close()
	_, _, err = srv.storage.svc.StoreMemory(t.Context(), backend.NewMemory{Type: backend.TypeGeneral, Title: "t", Content: "c"})
	if backend.ErrorCode(err) != backend.EUNAVAILABLE || !strings.Contains(err.Error(), "could not be opened") || !strings.Contains(err.Error(), "Settings") {
		t.Errorf("a call without the store: %v", err)
	}
	if !strings.Contains(logs.String(), "could not be opened") {
		t.Errorf("the server did not log why: %s", logs.String())
	}
	// The person fixes it; the server notices by itself.
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- srv.Run(ctx) }()
	defer func() {
		cancel()
		<-served
	}()
	deadline := time.Now().Add(3 * reopenInterval)
	for srv.storage.unopenedError(t.Context()) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("the store was not opened within %v", 3*reopenInterval)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, _, err := srv.storage.svc.StoreMemory(t.Context(), backend.NewMemory{Type: backend.TypeGeneral, Title: "t", Content: "c"}); err != nil {
		t.Errorf("after the store opened: %v", err)
	}
	if !strings.Contains(logs.String(), "the store answers now") {
		t.Errorf("no log of the recovery: %s", logs.String())
	}
}

// TestSaveRetriesAnUnopenedStore: Save and switch with the same settings
// opens a store that could not be opened before, at once.
func TestSaveRetriesAnUnopenedStore(t *testing.T) {
	for _, v := range []string{"ENGRAM_BACKEND", "ENGRAM_DB", "NEO4J_URI"} {
		t.Setenv(v, "")
	}
	dir := t.TempDir()
	blocker := filepath.Join(dir, "db")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadFrom(config.Directories{Config: t.TempDir(), Data: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	cfg.SQLitePath = filepath.Join(blocker, "engram.db")
	s := newServingStorage(t.Context(), cfg)
	defer s.close()
	if s.unopenedError(t.Context()) == nil {
		t.Fatal("the store opened although its folder is a file")
	}
	os.Remove(blocker)
	if _, err := s.SaveAndSwitch(t.Context(), s.Current()); err != nil {
		t.Fatal(err)
	}
	if err := s.unopenedError(t.Context()); err != nil {
		t.Errorf("after Save: %v", err)
	}
}
