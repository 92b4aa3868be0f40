package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/engramhq/engram/app/config"
	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/exchange"
	"github.com/engramhq/engram/backend/sqlite"
	"github.com/engramhq/engram/frontend"
	"github.com/engramhq/engram/mcp"
	"golang.org/x/term"
)

// withService opens the configured store, runs fn with a Service over it
// and closes the store.
func withService(ctx context.Context, cfg *config.Config, fn func(*backend.Service) error) error {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(backend.NewService(st))
}

// openStore opens the store of the configured backend: the one place a
// store is opened.
func openStore(ctx context.Context, cfg *config.Config) (backend.Store, error) {
	switch cfg.Backend {
	case config.BackendSQLite:
		return openSQLite(ctx, cfg.SQLitePath)
	case config.BackendNeo4j:
		return openNeo4j(ctx, cfg)
	}
	return nil, fmt.Errorf("the %q store is not available in this build; set ENGRAM_BACKEND=sqlite or neo4j", cfg.Backend)
}

func openSQLite(ctx context.Context, path string) (backend.Store, error) {
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open the SQLite store %s: %w", path, err)
	}
	return st, nil
}

// storeName says which store cfg names, for logs and reports.
func storeName(cfg *config.Config) string {
	if cfg.Backend == config.BackendNeo4j {
		return neo4jName(cfg.Neo4j)
	}
	return "SQLite " + cfg.SQLitePath
}

// neo4jName names a Neo4j database without its password.
func neo4jName(n config.Neo4j) string {
	db := n.Database
	if db == "" {
		db = "the default database"
	}
	if n.Namespace != "" {
		db += ", namespace " + n.Namespace
	}
	return fmt.Sprintf("Neo4j %s (%s)", n.URI, db)
}

// parseFlags parses args into fs, which has already told the user what
// was wrong when it fails.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) { // Main ends a -h run with 0
		return reportedUsageError{err}
	}
	return err
}

// parseArgs parses a command's flags and checks how many other arguments
// it got.
func parseArgs(fs *flag.FlagSet, args []string, minArgs, maxArgs int, want string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < minArgs || fs.NArg() > maxArgs {
		return usageError{want}
	}
	return nil
}

// loadConfig reads the configuration and tells the user what it had to fix.
func (e *env) loadConfig() (*config.Config, error) {
	cfg, err := config.Load()
	if cfg != nil {
		for _, w := range cfg.Warnings {
			e.logger.Warn(w)
		}
	}
	return cfg, err
}

// loadConfigAndToken reads the configuration and the local token, which
// every command that serves or reaches a server needs.
func (e *env) loadConfigAndToken() (*config.Config, string, error) {
	cfg, err := e.loadConfig()
	if err != nil {
		return nil, "", err
	}
	token, err := config.Token(cfg.Dir)
	return cfg, token, err
}

func mcpEndpoint(cfg *config.Config) string { return "http://" + cfg.Addr + "/mcp" }

func runServe(ctx context.Context, e *env, args []string) error {
	if err := parseArgs(e.flags("serve"), args, 0, 0, "takes no arguments"); err != nil {
		return err
	}
	cfg, token, err := e.loadConfigAndToken()
	if err != nil {
		return err
	}
	srv, err := openServer(ctx, e, cfg, token)
	if err != nil {
		return err
	}
	defer srv.close()
	fmt.Fprintf(e.stderr, "Web UI: %s\n", srv.UIURL(token))
	return srv.Run(ctx)
}

// engramServer is one serving Engram: the store (which the settings page
// may switch), the Service over it and the HTTP server.
type engramServer struct {
	*Server
	storage *storageSettings
	logger  *slog.Logger
}

// openServer opens the configured store and listens on cfg.Addr; close
// closes the store once Run has returned.
func openServer(ctx context.Context, e *env, cfg *config.Config, token string) (*engramServer, error) {
	storage := newServingStorage(ctx, cfg)
	if err := storage.unopenedError(ctx); err != nil {
		e.logger.Error(backend.ErrorMessage(err))
	}
	exe, _ := os.Executable() // without it the settings page shows the error beside each assistant
	srv, err := NewServer(storage.svc, cfg.Addr, token, e.logger, frontend.Options{
		Storage: storage, Migrator: storage, Assistants: assistants{exe: exe}, LocalNeo4j: localNeo4j(defaultNeo4jAddr),
	})
	if err != nil {
		storage.close()
		return nil, err
	}
	e.logger.Info("Engram is serving", "mcp", "http://"+srv.Addr()+"/mcp",
		"store", storeName(cfg), "token_file", filepath.Join(cfg.Dir, config.TokenFile))
	return &engramServer{Server: srv, storage: storage, logger: e.logger}, nil
}

// Run serves until ctx ends, opening the configured store meanwhile if it
// could not be opened at first.
func (s *engramServer) Run(ctx context.Context) error {
	var reopening sync.WaitGroup
	defer reopening.Wait()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	reopening.Go(func() { s.storage.reopen(ctx, s.logger) })
	return s.Server.Run(ctx)
}

func (s *engramServer) close() error { return s.storage.close() }

func runMCP(ctx context.Context, e *env, args []string) error {
	fs := e.flags("mcp")
	direct := fs.Bool("direct", false, "open the store in this process instead of forwarding to a running 'engram serve'")
	if err := parseArgs(fs, args, 0, 0, "takes no arguments besides --direct"); err != nil {
		return err
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	if !*direct {
		token, err := config.Token(cfg.Dir)
		if err != nil {
			return err
		}
		if endpoint := mcpEndpoint(cfg); mcp.Probe(ctx, endpoint, token) {
			e.logger.Info("forwarding stdio to the running Engram", "endpoint", endpoint)
			return mcp.Forward(ctx, endpoint, token, e.stdin, e.stdout)
		}
	}
	return withService(ctx, cfg, func(svc *backend.Service) error {
		// One processor, unless the user chose: this server answers one
		// client whose calls mostly come one at a time, and with a second
		// processor Go's scheduler wakes an idle thread for every request
		// (a spinning thread, four futex calls), about 50 µs of CPU and of
		// latency per store_memory on two cores (BenchmarkStdioStoreMemory).
		// Concurrent calls still interleave; they just do not run in parallel.
		if os.Getenv("GOMAXPROCS") == "" {
			runtime.GOMAXPROCS(1)
		}
		return mcp.ServeStdio(ctx, mcp.NewServer(svc, Version, e.logger), e.stdin, e.stdout)
	})
}

func runImport(ctx context.Context, e *env, args []string) error {
	fs := e.flags("import")
	if err := parseArgs(fs, args, 1, 1, "needs exactly one FILE to import"); err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	return withService(ctx, cfg, func(svc *backend.Service) error {
		bar := newProgressBar[exchange.Progress](e.stderr)
		report, err := exchange.Import(ctx, svc, f, bar.update)
		bar.done()
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, report.String())
		return nil
	})
}

func runExport(ctx context.Context, e *env, args []string) error {
	fs := e.flags("export")
	if err := parseArgs(fs, args, 0, 1, "takes at most one FILE"); err != nil {
		return err
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	return withService(ctx, cfg, func(svc *backend.Service) error {
		if fs.NArg() == 0 {
			_, err := exchange.Export(ctx, svc, e.stdout)
			return err
		}
		return writeFileAtomic(fs.Arg(0), func(w io.Writer) error {
			counts, err := exchange.Export(ctx, svc, w)
			if err == nil {
				fmt.Fprintf(e.stderr, "exported %d memories and %d relationships to %s\n", counts.Memories, counts.Relationships, fs.Arg(0))
			}
			return err
		})
	})
}

// writeFileAtomic writes a file through a temporary file and a rename, so a
// failed export never leaves a half-written file under the final name.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func runClientConfig(ctx context.Context, e *env, args []string) error {
	fs := e.flags("client-config")
	install := fs.Bool("install", false, "merge the config into the client's config file (a backup is kept)")
	path := fs.String("path", "", "the client's config file (default: its usual place)")
	// Accept the name before or after the flags.
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	} else if fs.NArg() > 0 || name == "" {
		return usageError{"needs one client name: " + strings.Join(config.Clients, ", ")}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if !*install {
		snippet, err := config.ClientConfig(name, exe, "", "")
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(append(snippet, '\n'))
		return err
	}
	target := *path
	if target == "" {
		if target, err = config.DefaultClientConfigPath(name); err != nil {
			return err
		}
	}
	backup, err := config.InstallClientConfig(name, target, exe, "", "")
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "installed Engram into %s\n", target)
	if backup != "" {
		fmt.Fprintf(e.stdout, "the previous file is kept as %s\n", backup)
	}
	fmt.Fprintln(e.stdout, "restart the client to load it")
	return nil
}

// progress is what a progress bar draws: how much is done and what.
type progress interface {
	Fraction() float64
	String() string
}

// progressBar draws the progress of a long command (an import, a
// migration) on a terminal, and nothing elsewhere so logs and pipes stay
// clean.
type progressBar[P progress] struct {
	w       io.Writer
	tty     bool
	started time.Time
	drawn   bool
}

func newProgressBar[P progress](w io.Writer) *progressBar[P] {
	f, ok := w.(*os.File)
	return &progressBar[P]{w: w, tty: ok && term.IsTerminal(int(f.Fd())), started: time.Now()}
}

func (p *progressBar[P]) update(pr P) {
	if !p.tty {
		return
	}
	const width = 30
	frac := pr.Fraction()
	filled := int(frac * width)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %s  %s\x1b[K", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		frac*100, pr.String(), time.Since(p.started).Round(time.Second))
	p.drawn = true
}

func (p *progressBar[P]) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
