package frontend

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/engramhq/engram/backend"
)

// testTimeout bounds a connection test: a person waits for its answer.
const testTimeout = 5 * time.Second

// MigrationStatus is the state of the migration job, as the settings page
// polls it.
type MigrationStatus struct {
	State string `json:"state"` // "" (never ran), "running", "done" or "failed"
	MigrationProgress
}

// migrationJob is the one migration that may run at a time.
type migrationJob struct {
	mu     sync.Mutex // guards status and cancel
	status MigrationStatus
	cancel context.CancelFunc // stops the running migration
}

func (j *migrationJob) get() MigrationStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.status
}

func (j *migrationJob) set(s MigrationStatus) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.status = s
}

// begin marks the job running, unless it already is, with a context of
// parent that stop cancels.
func (j *migrationJob) begin(parent context.Context) (context.Context, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.status.State == "running" {
		return nil, false
	}
	j.status = MigrationStatus{State: "running", MigrationProgress: MigrationProgress{Message: "Starting…"}}
	ctx, cancel := context.WithCancel(parent)
	j.cancel = cancel
	return ctx, true
}

// stop cancels the running migration, if any.
func (j *migrationJob) stop() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.status.State != "running" {
		return false
	}
	j.cancel()
	return true
}

// end records how the migration ended, keeping its last progress.
func (j *migrationJob) end(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.cancel()
	s := &j.status
	switch {
	case errors.Is(err, context.Canceled):
		s.State, s.Message = "failed", "Canceled. What was copied stays; moving again carries on."
	case err != nil:
		s.State, s.Message = "failed", "Stopped: "+err.Error()
	default:
		s.State, s.Message = "done", "Done. "+s.Message
	}
}

func (h *Handler) settingsPage(r *http.Request) settingsPage {
	v := settingsPage{Version: h.opts.Version, CanMigrate: h.opts.Migrator != nil, Migration: h.migration.get()}
	if h.opts.Storage != nil {
		cur := h.opts.Storage.Current()
		v.Storage = &cur
		v.Overridden = strings.Join(cur.Overridden, ", ")
	}
	v.Assistants = h.assistantViews()
	return v
}

// assistantViews lists the assistants with their ready configs, for the
// settings and welcome pages.
func (h *Handler) assistantViews() []assistantView {
	a := h.opts.Assistants
	if a == nil {
		return nil
	}
	var views []assistantView
	for _, name := range a.Assistants() {
		av := assistantView{Name: name, Label: label(name)}
		snippet, path, err := a.Config(name)
		if err != nil {
			av.Error = err.Error()
		}
		av.Snippet, av.Path = snippet, path
		views = append(views, av)
	}
	return views
}

// settings shows the settings. A link may suggest a Neo4j URI
// (?neo4j_uri=bolt://localhost:7687, from the welcome page): the storage
// form then comes with Neo4j chosen and that URI filled in, to test.
func (h *Handler) settings(w http.ResponseWriter, r *http.Request) {
	v := h.settingsPage(r)
	if uri := r.URL.Query().Get("neo4j_uri"); uri != "" && v.Storage != nil {
		if err := checkNeo4jURI(uri); err != nil {
			v.Errors = map[string]string{"neo4j_uri": err.Error()}
		} else {
			suggested := *v.Storage
			suggested.Backend, suggested.Neo4jURI = "neo4j", uri
			if suggested.Neo4jUser == "" {
				suggested.Neo4jUser = "neo4j" // Neo4j's own first user
			}
			v.Storage, v.Suggested = &suggested, uri
		}
	}
	h.render(w, r, settingsView(h.auth.pageData("Settings", "Settings"), v))
}

// neo4jSchemes are the URI schemes of the Neo4j driver (the app's config
// and the Neo4j store check the same list).
var neo4jSchemes = map[string]bool{"bolt": true, "bolt+s": true, "bolt+ssc": true, "neo4j": true, "neo4j+s": true, "neo4j+ssc": true}

// checkNeo4jURI accepts a plain Neo4j server address from a link: a
// driver scheme and a host, nothing else (no user, password or path).
func checkNeo4jURI(uri string) error {
	const want = "the suggested URI is not a Neo4j address such as bolt://localhost:7687; type the URI of your Neo4j server"
	u, err := url.Parse(uri)
	if err != nil || len(uri) > 512 || !neo4jSchemes[u.Scheme] || u.Host == "" || u.Hostname() == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return errors.New(want)
	}
	return nil
}

// readStorage reads the storage form.
func readStorage(r *http.Request) StorageSettings {
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	return StorageSettings{
		Backend: v("backend"), SQLitePath: v("sqlite_path"), Neo4jURI: v("neo4j_uri"),
		Neo4jUser: v("neo4j_user"), Neo4jPassword: r.PostFormValue("neo4j_password"), Neo4jDatabase: v("neo4j_database"),
	}
}

// settingsResult redraws the settings page with the typed storage values
// and the result of an action, or answers a script with JSON.
func (h *Handler) settingsResult(w http.ResponseWriter, r *http.Request, typed *StorageSettings, msg string, err error) {
	ok := err == nil
	if !ok {
		msg = err.Error() // settings errors are the person's to fix, and local
		if backend.ErrorCode(err) == backend.ECANCELED {
			msg = backend.ErrorMessage(err)
		}
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"ok": ok, "message": msg})
		return
	}
	v := h.settingsPage(r)
	if typed != nil && v.Storage != nil {
		typed.Overridden, typed.Neo4jPasswordSaved = v.Storage.Overridden, v.Storage.Neo4jPasswordSaved
		typed.Neo4jPassword = "" // never sent back in a page
		v.Storage = typed
	}
	v.Result, v.ResultError = msg, !ok
	status := http.StatusOK
	if !ok {
		status = http.StatusBadRequest
	}
	var be *backend.Error
	if errors.As(err, &be) && be.Field != "" {
		v.Errors = map[string]string{be.Field: be.Message}
	}
	renderStatus(w, r, status, settingsView(h.auth.pageData("Settings", "Settings"), v), h.logger)
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func (h *Handler) noStorage(w http.ResponseWriter, r *http.Request) bool {
	if h.opts.Storage != nil {
		return false
	}
	h.pageFail(w, r, backend.Errorf(backend.EUNAVAILABLE, "storage settings cannot be changed from this window"))
	return true
}

func (h *Handler) testConnection(w http.ResponseWriter, r *http.Request) {
	if h.noStorage(w, r) {
		return
	}
	s := readStorage(r)
	ctx, cancel := context.WithTimeout(r.Context(), testTimeout)
	defer cancel()
	msg, err := h.opts.Storage.TestConnection(ctx, s)
	h.settingsResult(w, r, &s, msg, err)
}

func (h *Handler) saveStorage(w http.ResponseWriter, r *http.Request) {
	if h.noStorage(w, r) {
		return
	}
	s := readStorage(r)
	msg, err := h.opts.Storage.SaveAndSwitch(r.Context(), s)
	if err == nil {
		h.settingsResult(w, r, nil, msg, nil)
		return
	}
	h.settingsResult(w, r, &s, msg, err)
}

// startMigration moves the memories into the Neo4j database of the
// storage form, whose button posts it here.
func (h *Handler) startMigration(w http.ResponseWriter, r *http.Request) {
	if h.opts.Migrator == nil || h.opts.Storage == nil {
		h.pageFail(w, r, backend.Errorf(backend.EUNAVAILABLE, "moving memories to Neo4j is not available in this window"))
		return
	}
	to := readStorage(r)
	ctx, ok := h.migration.begin(h.ctx)
	if !ok {
		h.pageFail(w, r, backend.Errorf(backend.ECONFLICT, "a migration is already running; its progress is on the settings page"))
		return
	}
	h.wg.Add(1)
	// The job outlives the request: it belongs to the handler, which
	// cancels it on Close.
	go func() {
		defer h.wg.Done()
		err := h.opts.Migrator.Migrate(ctx, to, func(p MigrationProgress) {
			h.migration.set(MigrationStatus{State: "running", MigrationProgress: p})
		})
		h.migration.end(err)
	}()
	http.Redirect(w, r, "/settings#migration", http.StatusSeeOther)
}

func (h *Handler) cancelMigration(w http.ResponseWriter, r *http.Request) {
	h.migration.stop()
	http.Redirect(w, r, "/settings#migration", http.StatusSeeOther)
}

func (h *Handler) apiMigration(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.migration.get())
}

// installAssistant installs an assistant's config and shows the answer
// beside it, on the page the button was on (the settings or welcome page).
func (h *Handler) installAssistant(w http.ResponseWriter, r *http.Request) {
	if h.opts.Assistants == nil {
		h.pageFail(w, r, backend.Errorf(backend.EUNAVAILABLE, "installing assistant configs is not available in this window"))
		return
	}
	name := r.PathValue("name")
	if !slices.Contains(h.opts.Assistants.Assistants(), name) {
		h.pageFail(w, r, backend.Errorf(backend.ENOTFOUND, "Engram cannot set up an assistant named %q", name))
		return
	}
	msg, err := h.opts.Assistants.Install(name)
	status := http.StatusOK
	if err != nil {
		msg, status = err.Error(), http.StatusBadRequest
	}
	answer := func(views []assistantView) {
		for i := range views {
			if views[i].Name == name {
				views[i].Result, views[i].ResultError = msg, err != nil
			}
		}
	}
	if r.PostFormValue("from") == "welcome" {
		v := h.welcomePage(r)
		answer(v.Assistants)
		h.showWelcome(w, r, status, v)
		return
	}
	v := h.settingsPage(r)
	answer(v.Assistants)
	renderStatus(w, r, status, settingsView(h.auth.pageData("Settings", "Settings"), v), h.logger)
}
