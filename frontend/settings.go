package frontend

import (
	"context"
	"errors"
	"net/http"
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
	mu     sync.Mutex // guards status
	status MigrationStatus
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

// begin marks the job running unless it already is.
func (j *migrationJob) begin() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.status.State == "running" {
		return false
	}
	j.status = MigrationStatus{State: "running", MigrationProgress: MigrationProgress{Message: "Starting…"}}
	return true
}

func (h *Handler) settingsPage(r *http.Request) settingsPage {
	v := settingsPage{Version: h.opts.Version, CanMigrate: h.opts.Migrator != nil, Migration: h.migration.get()}
	if h.opts.Storage != nil {
		cur := h.opts.Storage.Current()
		v.Storage = &cur
		v.Overridden = strings.Join(cur.Overridden, ", ")
	}
	if a := h.opts.Assistants; a != nil {
		for _, name := range a.Assistants() {
			av := assistantView{Name: name, Label: label(name)}
			snippet, path, err := a.Config(name)
			if err != nil {
				av.Error = err.Error()
			}
			av.Snippet, av.Path = snippet, path
			v.Assistants = append(v.Assistants, av)
		}
	}
	return v
}

func (h *Handler) settings(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, settingsView(h.auth.pageData("Settings", "Settings"), h.settingsPage(r)))
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
		msg = backend.ErrorMessage(err)
		if backend.ErrorCode(err) == backend.EINTERNAL {
			msg = err.Error() // settings errors are the person's to fix, and local
		}
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"ok": ok, "message": msg})
		return
	}
	v := h.settingsPage(r)
	if typed != nil && v.Storage != nil {
		typed.Overridden = v.Storage.Overridden
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

func (h *Handler) startMigration(w http.ResponseWriter, r *http.Request) {
	if h.opts.Migrator == nil || h.opts.Storage == nil {
		h.pageFail(w, r, backend.Errorf(backend.EUNAVAILABLE, "moving memories to Neo4j arrives with Neo4j support"))
		return
	}
	if !h.migration.begin() {
		h.pageFail(w, r, backend.Errorf(backend.ECONFLICT, "a migration is already running; its progress is on the settings page"))
		return
	}
	to := h.opts.Storage.Current()
	h.wg.Add(1)
	// The job outlives the request: it belongs to the handler, which
	// cancels it on Close.
	go func() {
		defer h.wg.Done()
		err := h.opts.Migrator.Migrate(h.ctx, to, func(p MigrationProgress) {
			h.migration.set(MigrationStatus{State: "running", MigrationProgress: p})
		})
		last := h.migration.get()
		if err != nil {
			last.State, last.Message = "failed", "Stopped: "+err.Error()
		} else {
			last.State, last.Message = "done", "Done: every memory and relationship was copied."
		}
		h.migration.set(last)
	}()
	http.Redirect(w, r, "/settings#migration", http.StatusSeeOther)
}

func (h *Handler) apiMigration(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.migration.get())
}

func (h *Handler) installAssistant(w http.ResponseWriter, r *http.Request) {
	if h.opts.Assistants == nil {
		h.pageFail(w, r, backend.Errorf(backend.EUNAVAILABLE, "installing assistant configs is not available in this window"))
		return
	}
	name := r.PathValue("name")
	msg, err := h.opts.Assistants.Install(name)
	v := h.settingsPage(r)
	status := http.StatusOK
	for i := range v.Assistants {
		if v.Assistants[i].Name != name {
			continue
		}
		v.Assistants[i].Result, v.Assistants[i].ResultError = msg, err != nil
		if err != nil {
			v.Assistants[i].Result, status = err.Error(), http.StatusBadRequest
		}
	}
	renderStatus(w, r, status, settingsView(h.auth.pageData("Settings", "Settings"), v), h.logger)
}
