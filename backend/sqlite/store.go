// Package sqlite implements backend.Store on an embedded SQLite file
// (modernc.org/sqlite, pure Go): WAL journal, busy timeout, foreign keys and
// an FTS5 index with porter stemming. Several processes may open the same
// file at once.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/engramhq/engram/backend"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var _ backend.Store = (*Store)(nil)

// Store is a backend.Store over one SQLite file. Writes go through a pool of
// one connection so that they queue in Go instead of spinning on the file
// lock; reads use a separate pool of read-only connections and run
// concurrently with the writer, which WAL allows.
type Store struct {
	path  string
	write *sql.DB
	read  *sql.DB
	// prepared holds the hot write statements, prepared once on the
	// writer's only connection and bound to each transaction by stmt.
	prepared map[string]*sql.Stmt
}

// preparedStatements are the statements Open prepares.
var preparedStatements = []string{sqlDedupLookup, sqlInsertMemory}

// busyTimeout is how long a connection waits for a lock another connection
// or process holds before it gives up with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// pragmas every connection needs. busy_timeout comes first (the driver
// sorts it first anyway) so that the others wait for a lock instead of
// failing at once while another process sets the file up.
// synchronous=NORMAL is durable across crashes of the process in WAL mode
// and skips an fsync per commit. mmap lets every connection read pages
// straight from the OS cache instead of copying them into its own.
// wal_autocheckpoint lets the WAL grow to about 16 MB (4000 pages) before
// the committing connection copies it back: a checkpoint costs two fsyncs
// whatever its size, and most of the frames a run of small commits writes
// are the same few pages, so rarer checkpoints cost less in all, and the
// commit that runs one waits about 1 ms more instead of 6.
var pragmas = fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout.Milliseconds()) +
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=synchronous(NORMAL)" +
	"&_pragma=foreign_keys(1)" +
	"&_pragma=mmap_size(268435456)" +
	"&_pragma=wal_autocheckpoint(4000)"

// Open opens (creating it and its parent directories when needed) the
// database at path and brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, backend.Invalid("path", "is required")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, backend.Errorf(backend.EINVALID, "database path %q: %v", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, backend.Errorf(backend.EUNAVAILABLE, "cannot create the directory of %s: %v", abs, err)
	}
	// SQLite wants a URI path with forward slashes and a leading one, also
	// before a Windows drive letter; url.URL escapes the characters that
	// would otherwise end the path (?, #, %).
	uriPath := filepath.ToSlash(abs)
	if !strings.HasPrefix(uriPath, "/") {
		uriPath = "/" + uriPath
	}
	name := (&url.URL{Scheme: "file", OmitHost: true, Path: uriPath}).String()

	// BEGIN IMMEDIATE takes the write lock at the start of a transaction, so a
	// writer waits (busy_timeout) instead of failing when it upgrades a read
	// lock that another process's commit has made stale.
	write, err := openDB(name + "?" + pragmas + walBatchQuery + "&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)

	s := &Store{path: abs, write: write}
	if err := s.connect(ctx); err != nil {
		write.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		write.Close()
		return nil, err
	}

	// Prepared before any transaction runs: preparing through the pool while
	// a transaction holds its only connection would wait forever.
	s.prepared = make(map[string]*sql.Stmt, len(preparedStatements))
	for _, q := range preparedStatements {
		st, err := write.PrepareContext(ctx, q)
		if err != nil {
			write.Close()
			return nil, s.fail(ctx, "prepare", err)
		}
		s.prepared[q] = st
	}

	// The read pool opens only after the schema exists; query_only makes a
	// stray write through it fail instead of taking the write lock.
	read, err := openDB(name + "?" + pragmas + walBatchQuery + "&_query_only=1")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxIdleTime(0)
	read.SetConnMaxLifetime(0)
	s.read = read
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// connect opens the writer's connection. The first connection to a new file
// switches it to WAL mode, which needs an exclusive lock; when processes
// race to do that, SQLite refuses the losers at once instead of waiting
// (waiting could deadlock), so connect retries for as long as busy_timeout
// would have waited.
func (s *Store) connect(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	delay := time.Millisecond
	for {
		err := s.write.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return s.fail(ctx, "open", err)
		}
		select {
		case <-ctx.Done():
			return s.fail(ctx, "open", ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 100*time.Millisecond)
	}
}

func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// Ping checks that both pools can reach the file.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return s.fail(ctx, "ping", err)
	}
	if err := s.read.PingContext(ctx); err != nil {
		return s.fail(ctx, "ping", err)
	}
	return nil
}

// Close closes both pools. The last connection to close checkpoints the WAL
// into the main file.
func (s *Store) Close() error {
	var errs []error
	if s.read != nil {
		errs = append(errs, s.read.Close())
	}
	errs = append(errs, s.write.Close())
	return errors.Join(errs...)
}

// readTx runs fn in a read-only (deferred) transaction: one consistent
// snapshot for every query of fn, taken without blocking the writer.
func (s *Store) readTx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return s.fail(ctx, op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return s.fail(ctx, op, err)
	}
	// Commit of a read transaction only releases the snapshot; its error
	// cannot change what fn read.
	tx.Commit()
	return nil
}

// stmt returns the prepared statement for query bound to tx. database/sql
// reuses the statement already prepared on tx's connection.
func (s *Store) stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	return tx.StmtContext(ctx, s.prepared[query])
}

// writeTx runs fn in an immediate transaction and commits it.
func (s *Store) writeTx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(ctx, op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return s.fail(ctx, op, err)
	}
	if err := tx.Commit(); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// fail turns a driver error into a domain error: the caller's ended context
// (whatever the driver made of the interrupt), EUNAVAILABLE for a file that
// is locked, unreadable or gone, ECONFLICT for a constraint clash. Domain
// errors pass through unchanged.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	var de *backend.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de):
		return err
	case ctx.Err() != nil:
		return fmt.Errorf("sqlite: %s: %w", op, ctx.Err())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("sqlite: %s: %w", op, err)
	case errors.Is(err, sql.ErrConnDone), err.Error() == "sql: database is closed":
		return backend.Errorf(backend.EUNAVAILABLE, "the database %s is closed", s.path)
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return backend.Errorf(backend.EUNAVAILABLE,
			"the database %s stayed locked by another connection or process for too long; try again (%s failed: %v)", s.path, op, err)
	case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY,
		sqlite3.SQLITE_PERM, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_NOLFS:
		return backend.Errorf(backend.EUNAVAILABLE, "cannot use the database %s: %v", s.path, err)
	case sqlite3.SQLITE_CONSTRAINT:
		return backend.Errorf(backend.ECONFLICT, "%s clashes with stored data: %v", op, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
