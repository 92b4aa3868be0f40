// Package frontend is Engram's web UI: server-rendered templ pages, a JSON
// API for the graph explorer, and server-sent events for live updates,
// served by one http.Handler that the browser and the desktop window share.
package frontend

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"

	"github.com/engramhq/engram/backend"
)

//go:embed static
var staticFiles embed.FS

// Options configure the web UI.
type Options struct {
	// Token is the local token every page and API call needs. An empty
	// token refuses every request: a missing secret must not open the UI.
	Token string
	// Logger receives internal errors; nil discards them.
	Logger *slog.Logger
	// Version is shown in the footer.
	Version string
	// Storage reads and changes the storage settings; nil shows them as
	// unavailable.
	Storage StorageController
	// Migrator moves memories to the Neo4j database of the settings form;
	// nil disables the button with a message saying why.
	Migrator Migrator
	// Assistants gives and installs the MCP config of assistants; nil
	// hides the one-click install.
	Assistants AssistantConfigurer
	// LocalNeo4j looks for a Neo4j server on this machine and returns its
	// URI (such as bolt://localhost:7687) when one answers, so the welcome
	// page can offer it. It must return when ctx ends, which the page sets
	// 300 ms ahead. nil: no looking.
	LocalNeo4j func(ctx context.Context) (uri string, ok bool)
}

// StorageSettings is where the memories are kept.
type StorageSettings struct {
	Backend       string // "sqlite" or "neo4j"
	SQLitePath    string
	Neo4jURI      string
	Neo4jUser     string
	Neo4jPassword string // as typed; empty keeps the saved one
	// Neo4jPasswordSaved says a password is saved (pages never show it).
	Neo4jPasswordSaved bool
	Neo4jDatabase      string
	// Overridden names environment variables that override saved settings.
	Overridden []string
}

// StorageController is how the settings page reads, tests and saves the
// storage settings. The app implements it; the UI knows no config files.
type StorageController interface {
	// Current returns the settings in use.
	Current() StorageSettings
	// TestConnection checks that s can be reached and returns a message
	// for the person (what was reached), or an error saying what failed.
	// It returns within the context's deadline.
	TestConnection(ctx context.Context, s StorageSettings) (string, error)
	// SaveAndSwitch saves s and returns a message saying what happens now.
	// Errors are *backend.Error with a Field where a setting is wrong.
	SaveAndSwitch(ctx context.Context, s StorageSettings) (string, error)
}

// MigrationProgress is how far a migration got.
type MigrationProgress struct {
	Done    int    `json:"done"`
	Total   int    `json:"total"`
	Message string `json:"message,omitempty"`
}

// Migrator copies every memory and relationship of the current store into
// the store of the given settings, calling progress as it goes.
type Migrator interface {
	Migrate(ctx context.Context, to StorageSettings, progress func(MigrationProgress)) error
}

// AssistantConfigurer gives the MCP configuration of the assistants Engram
// can set up, and installs it into their config files.
type AssistantConfigurer interface {
	// Assistants lists the names of the assistants, e.g. "claude-code".
	Assistants() []string
	// Config returns the snippet to paste and the file it belongs in.
	Config(name string) (snippet, path string, err error)
	// Install writes the config into the assistant's file and returns what
	// it did, for the person.
	Install(name string) (string, error)
}

// Handler serves the web UI. Close stops the background work it started
// (a running migration).
type Handler struct {
	svc    *backend.Service
	opts   Options
	logger *slog.Logger
	auth   *auth
	mux    *http.ServeMux

	// migration is the one migration job; its mutex guards its fields.
	migration migrationJob

	// stop ends background work when the handler closes.
	stop context.CancelFunc
	ctx  context.Context
	wg   sync.WaitGroup
}

// New returns the web UI over svc.
func New(svc *backend.Service, opts Options) *Handler {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, stop := context.WithCancel(context.Background())
	h := &Handler{svc: svc, opts: opts, logger: logger, auth: newAuth(opts.Token), mux: http.NewServeMux(), ctx: ctx, stop: stop}
	h.routes()
	return h
}

// SignInLink returns path with a one-time code that signs a browser in:
// it works once, within a minute, and unlike the token it may be handed to
// another program on its command line.
func (h *Handler) SignInLink(path string) string {
	return path + "?login=" + h.auth.loginCode()
}

// Close stops background work and waits for it.
func (h *Handler) Close() {
	h.stop()
	h.wg.Wait()
}

func (h *Handler) routes() {
	static, _ := fs.Sub(staticFiles, "static") // cannot fail: the folder is embedded
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(http.FileServerFS(static))))

	page := func(pattern string, fn http.HandlerFunc) { h.mux.Handle(pattern, h.auth.page(fn)) }
	api := func(pattern string, fn http.HandlerFunc) { h.mux.Handle(pattern, h.auth.api(fn)) }

	page("GET /{$}", h.explorer)
	page("GET /memories/new", h.newMemory)
	page("POST /memories/new", h.createMemory)
	page("GET /memories/{id}", h.showMemory)
	page("POST /memories/{id}", h.saveMemory)
	page("GET /memories/{id}/delete", h.confirmDelete)
	page("POST /memories/{id}/delete", h.deleteMemory)
	page("POST /memories/{id}/relationships", h.addRelationship)
	page("POST /memories/{id}/relationships/delete", h.removeRelationship)
	page("GET /overview", h.overview)
	page("GET /welcome", h.welcome)
	page("GET /settings", h.settings)
	page("POST /settings/test", h.testConnection)
	page("POST /settings/save", h.saveStorage)
	page("POST /settings/migrate", h.startMigration)
	page("POST /settings/migrate/cancel", h.cancelMigration)
	page("POST /settings/assistants/{name}/install", h.installAssistant)
	page("/", h.notFound)

	api("GET /api/graph", h.apiGraph)
	api("GET /api/graph/expand", h.apiExpand)
	api("GET /api/memories/{id}", h.apiMemory)
	api("POST /api/memories", h.apiCreateMemory)
	api("PATCH /api/memories/{id}", h.apiUpdateMemory)
	api("DELETE /api/memories/{id}", h.apiDeleteMemory)
	api("POST /api/relationships", h.apiCreateRelationship)
	api("DELETE /api/relationships", h.apiDeleteRelationship)
	api("GET /api/search", h.apiSearch)
	api("GET /api/types", h.apiTypes)
	api("GET /api/events", h.apiEvents)
	api("GET /api/settings/migration", h.apiMigration)
	api("/api/", h.apiNotFound)
}

// ServeHTTP serves the UI with headers that keep every page local: no
// script, style or connection to another origin, no framing.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "+
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: under no-referrer Chromium sends
	// "Origin: null" with form posts, which the write check must refuse.
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

// staticHandler serves embedded assets, asking the browser to check for a
// newer copy (they change with each build, and are local anyway).
func staticHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		next.ServeHTTP(w, r)
	})
}
