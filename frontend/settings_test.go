package frontend

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
)

// storageRecorder stands in for the app's storage settings: the UI's part
// is to pass the form on and show the answer (app/webui_test.go tests the
// real controller against real files and sockets).
type storageRecorder struct {
	mu    sync.Mutex // guards saved
	saved []StorageSettings
}

func (s *storageRecorder) Current() StorageSettings {
	return StorageSettings{Backend: "sqlite", SQLitePath: "/data/engram.db", Overridden: []string{"ENGRAM_ADDR"}}
}

func (s *storageRecorder) TestConnection(ctx context.Context, st StorageSettings) (string, error) {
	if _, ok := ctx.Deadline(); !ok {
		return "", errors.New("no deadline: a test could hang")
	}
	if st.Backend == "neo4j" {
		return "", backend.Errorf(backend.EUNAVAILABLE, "cannot reach %s", st.Neo4jURI)
	}
	return "Opened " + st.SQLitePath, nil
}

func (s *storageRecorder) SaveAndSwitch(_ context.Context, st StorageSettings) (string, error) {
	if st.Backend == "neo4j" && st.Neo4jURI == "" {
		return "", backend.Invalid("neo4j_uri", "is required with the neo4j backend")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saved = append(s.saved, st)
	return "Saved. Restart Engram to use it.", nil
}

// stepMigrator reports three steps, each when the test lets it.
type stepMigrator struct{ step chan struct{} }

func (m stepMigrator) Migrate(ctx context.Context, _ StorageSettings, progress func(MigrationProgress)) error {
	for i := 1; i <= 3; i++ {
		select {
		case <-m.step:
		case <-ctx.Done():
			return ctx.Err()
		}
		progress(MigrationProgress{Done: i, Total: 3, Message: "copying"})
	}
	return nil
}

type assistantRecorder struct{}

func (assistantRecorder) Assistants() []string { return []string{"claude-code", "cursor"} }
func (assistantRecorder) Config(name string) (string, string, error) {
	return `{"mcpServers":{"engram":{"command":"/bin/engram","args":["mcp"]}}}`, "/home/me/." + name + ".json", nil
}
func (assistantRecorder) Install(name string) (string, error) {
	if name == "cursor" {
		return "", errors.New("~/.cursor/mcp.json is not valid JSON; nothing was changed")
	}
	return "Installed into /home/me/.claude.json.", nil
}

func TestSettingsPage(t *testing.T) {
	store := &storageRecorder{}
	u := newUI(t, Options{Storage: store, Assistants: assistantRecorder{}, Version: "v9"})
	page := u.get("/settings")
	for _, want := range []string{`id="storage-form"`, `value="/data/engram.db"`, "ENGRAM_ADDR", `id="test-connection"`, `id="save-switch"`,
		`id="migrate-unavailable"`, `id="config-claude-code"`, `&#34;command&#34;:&#34;/bin/engram&#34;`, `id="install-cursor"`, "v9"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("settings page lacks %q", want)
		}
	}

	// Test connection, as the script asks for it and as a plain form.
	form := url.Values{"backend": {"sqlite"}, "sqlite_path": {"/tmp/other.db"}}
	form.Set(csrfField, u.h.auth.csrf)
	req, _ := http.NewRequest("POST", u.srv.URL+"/settings/test", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set(csrfHeader, u.h.auth.csrf)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if resp := u.do(http.DefaultClient, req); !strings.Contains(resp.body, `"ok":true`) || !strings.Contains(resp.body, "Opened /tmp/other.db") {
		t.Errorf("scripted test: %s", resp.body)
	}
	resp := u.post("/settings/test", url.Values{"backend": {"neo4j"}, "neo4j_uri": {"neo4j://nowhere:7687"}})
	if resp.status != 400 || !strings.Contains(resp.body, "cannot reach neo4j://nowhere:7687") || !strings.Contains(resp.body, `value="neo4j://nowhere:7687"`) {
		t.Errorf("failed test: %d", resp.status)
	}

	// Save: a bad setting comes back beside its field; a good one is saved.
	resp = u.post("/settings/save", url.Values{"backend": {"neo4j"}})
	if resp.status != 400 || !strings.Contains(resp.body, `id="error-neo4j_uri"`) {
		t.Errorf("bad save: %d", resp.status)
	}
	resp = u.post("/settings/save", url.Values{"backend": {"sqlite"}, "sqlite_path": {"/tmp/new.db"}})
	if resp.status != 200 || !strings.Contains(resp.body, "Restart Engram") || len(store.saved) != 1 || store.saved[0].SQLitePath != "/tmp/new.db" {
		t.Errorf("save: %d, saved %+v", resp.status, store.saved)
	}

	// One-click install reports beside the assistant.
	if resp := u.post("/settings/assistants/claude-code/install", url.Values{}); resp.status != 200 || !strings.Contains(resp.body, `id="install-result-claude-code"`) {
		t.Errorf("install: %d", resp.status)
	}
	if resp := u.post("/settings/assistants/cursor/install", url.Values{}); resp.status != 400 || !strings.Contains(resp.body, "not valid JSON") {
		t.Errorf("failed install: %d", resp.status)
	}
}

func TestMigrationProgress(t *testing.T) {
	step := make(chan struct{})
	u := newUI(t, Options{Storage: &storageRecorder{}, Migrator: stepMigrator{step}})
	if page := u.get("/settings"); strings.Contains(page.body, "migrate-unavailable") || !strings.Contains(page.body, `action="/settings/migrate"`) {
		t.Fatal("the migrate button is not offered although a migrator is set")
	}
	if resp := u.post("/settings/migrate", url.Values{}); resp.status != http.StatusSeeOther {
		t.Fatalf("start: %d", resp.status)
	}
	if resp := u.post("/settings/migrate", url.Values{}); resp.status != http.StatusConflict {
		t.Errorf("second start while running: %d, want 409", resp.status)
	}
	status := func() MigrationStatus {
		var s MigrationStatus
		if code := u.api("GET", "/api/settings/migration", nil, &s); code != 200 {
			t.Fatal(code)
		}
		return s
	}
	waitFor := func(done int, state string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			s := status()
			if s.Done == done && s.State == state {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("status %+v, want %d done, %s", s, done, state)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	step <- struct{}{}
	waitFor(1, "running")
	step <- struct{}{}
	step <- struct{}{}
	waitFor(3, "done")
}

func TestMigrationStopsOnClose(t *testing.T) {
	u := newUI(t, Options{Storage: &storageRecorder{}, Migrator: stepMigrator{make(chan struct{})}})
	if resp := u.post("/settings/migrate", url.Values{}); resp.status != http.StatusSeeOther {
		t.Fatalf("start: %d", resp.status)
	}
	u.h.Close() // returns only once the job has stopped
	if s := u.h.migration.get(); s.State != "failed" || !strings.Contains(s.Message, "Canceled") {
		t.Errorf("after Close: %+v", s)
	}
}

// TestMigrationCancel cancels a running migration from the page, then
// runs it again to the end: it says how it ended and what the migrator
// reported last.
func TestMigrationCancel(t *testing.T) {
	step := make(chan struct{})
	u := newUI(t, Options{Storage: &storageRecorder{}, Migrator: stepMigrator{step}})
	waitFor := func(state, message string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			var s MigrationStatus
			if code := u.api("GET", "/api/settings/migration", nil, &s); code != 200 {
				t.Fatal(code)
			}
			if s.State == state && strings.Contains(s.Message, message) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("status %+v, want %s saying %q", s, state, message)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, run := range []struct {
		name    string
		finish  func()
		state   string
		message string
	}{
		{"canceled", func() {
			if page := u.get("/settings"); !strings.Contains(page.body, `id="migrate-cancel"`) || strings.Contains(page.body, `id="migrate-cancel-form" hidden`) {
				t.Error("no Cancel button while the migration runs")
			}
			if resp := u.post("/settings/migrate/cancel", url.Values{}); resp.status != http.StatusSeeOther {
				t.Errorf("cancel: %d", resp.status)
			}
		}, "failed", "Canceled. What was copied stays"},
		{"run again", func() {
			for range 3 {
				step <- struct{}{}
			}
		}, "done", "Done. copying"},
	} {
		if resp := u.post("/settings/migrate", url.Values{"neo4j_uri": {"bolt://db:7687"}}); resp.status != http.StatusSeeOther {
			t.Fatalf("%s: start: %d", run.name, resp.status)
		}
		run.finish()
		waitFor(run.state, run.message)
	}
	if page := u.get("/settings"); !strings.Contains(page.body, `id="migrate-cancel-form" hidden`) {
		t.Error("the Cancel button shows although nothing runs")
	}
}

// TestSettingsNeverShowPassword checks that no page carries a Neo4j
// password, typed or saved.
func TestSettingsNeverShowPassword(t *testing.T) {
	u := newUI(t, Options{Storage: &savedPassword{}})
	const secret = "hunter2-not-shown"
	if page := u.get("/settings"); !strings.Contains(page.body, "saved: leave empty to keep") {
		t.Error("the settings page does not say a password is saved")
	}
	resp := u.post("/settings/test", url.Values{"backend": {"neo4j"}, "neo4j_uri": {"neo4j://nowhere:7687"}, "neo4j_password": {secret}})
	if resp.status != 400 || strings.Contains(resp.body, secret) {
		t.Errorf("a failed test: %d, the page shows the typed password: %v", resp.status, strings.Contains(resp.body, secret))
	}
}

// savedPassword is a controller with a saved Neo4j password.
type savedPassword struct{ storageRecorder }

func (*savedPassword) Current() StorageSettings {
	return StorageSettings{Backend: "neo4j", Neo4jURI: "bolt://db:7687", Neo4jUser: "neo4j", Neo4jPasswordSaved: true}
}

func TestSettingsWithoutController(t *testing.T) {
	u := newUI(t, Options{})
	page := u.get("/settings")
	if !strings.Contains(page.body, "not available in this window") || !strings.Contains(page.body, "engram client-config") {
		t.Error("the settings page does not say what is unavailable")
	}
	if resp := u.post("/settings/save", url.Values{"backend": {"sqlite"}}); resp.status != http.StatusServiceUnavailable {
		t.Errorf("save without a controller: %d", resp.status)
	}
	if resp := u.post("/settings/migrate", url.Values{}); resp.status != http.StatusServiceUnavailable {
		t.Errorf("migrate without a migrator: %d", resp.status)
	}
}
