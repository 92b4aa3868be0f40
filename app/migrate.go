package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/engramhq/engram/app/config"
	"github.com/engramhq/engram/backend"
)

// runMigrate copies every memory and relationship between the SQLite file
// and the configured Neo4j database, in the direction --to names.
func runMigrate(ctx context.Context, e *env, args []string) error {
	flags := e.flags("migrate")
	to := flags.String("to", "", "where to copy every memory: neo4j (from the SQLite file) or sqlite (from Neo4j)")
	db := flags.String("db", "", "the SQLite file to copy from (--to neo4j) or into (--to sqlite) (default: the configured sqlite_path)")
	if err := parseArgs(flags, args, 0, 0, "takes no arguments besides --to and --db"); err != nil {
		return err
	}
	if *to != config.BackendNeo4j && *to != config.BackendSQLite {
		return usageError{fmt.Sprintf("needs --to %s or --to %s (got %q)", config.BackendNeo4j, config.BackendSQLite, *to)}
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	sqlitePath := cfg.SQLitePath
	if *db != "" {
		if sqlitePath, err = filepath.Abs(*db); err != nil {
			return err
		}
	}
	if *to == config.BackendNeo4j {
		// Opening a missing file would create an empty database to copy.
		if _, err := os.Stat(sqlitePath); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("there is no SQLite database at %s to copy from; name it with --db", sqlitePath)
		}
	}
	if cfg.Neo4j.URI == "" {
		return fmt.Errorf("no Neo4j database is configured: set NEO4J_URI (with NEO4J_USERNAME, NEO4J_PASSWORD and NEO4J_DATABASE as needed) or \"neo4j\" in %s", cfg.Path())
	}

	// The source opens first: a Neo4j that cannot be reached must not leave
	// an empty SQLite file behind.
	openFrom := func() (backend.Store, error) { return openSQLite(ctx, sqlitePath) }
	openDest := func() (backend.Store, error) { return openNeo4j(ctx, cfg) }
	fromName, destName := "SQLite "+sqlitePath, neo4jName(cfg.Neo4j)
	if *to == config.BackendSQLite {
		openFrom, openDest = openDest, openFrom
		fromName, destName = destName, fromName
	}
	from, err := openFrom()
	if err != nil {
		return err
	}
	defer from.Close()
	dest, err := openDest()
	if err != nil {
		return err
	}
	defer dest.Close()

	fmt.Fprintf(e.stderr, "copying every memory and relationship from %s to %s\n", fromName, destName)
	bar := newProgressBar[backend.MigrateProgress](e.stderr)
	rep, err := backend.Migrate(ctx, from, dest, bar.update)
	bar.done()
	if err != nil {
		fmt.Fprintf(e.stderr, "done before the error (the migration is safe to run again): %s\n", rep)
		return err
	}
	fmt.Fprintln(e.stdout, rep.String())
	switch {
	case *to == config.BackendNeo4j && cfg.Backend != config.BackendNeo4j:
		fmt.Fprintf(e.stderr, "Engram still uses %s: to switch, set ENGRAM_BACKEND=neo4j or \"backend\": \"neo4j\" in %s\n",
			storeName(cfg), cfg.Path())
	case *to == config.BackendSQLite && (cfg.Backend != config.BackendSQLite || cfg.SQLitePath != sqlitePath):
		fmt.Fprintf(e.stderr, "Engram still uses %s: to switch, set ENGRAM_BACKEND=sqlite ENGRAM_DB=%s, or \"backend\": \"sqlite\" and \"sqlite_path\": %q in %s\n",
			storeName(cfg), sqlitePath, sqlitePath, cfg.Path())
	}
	return nil
}
