// Package neo4j implements backend.Store on a Neo4j 5 server with the
// official Go driver: one driver per process, managed transactions routed
// to readers or writers (so transient errors retry and reads may go to
// followers), memories as :Memory nodes and relationships as native typed
// edges (-[:SOLVES]->). It works with bolt://, neo4j:// and neo4j+s://.
//
// Where to look: schema.go for the constraints and the full-text index (and
// why the index covers normalised copies of the text), search.go for how
// parsed queries become escaped Lucene queries, create.go for the group
// commit of CreateMemory, graph.go for traversals, transfer.go for streamed
// export and batched import. Config.Namespace explains how several stores
// share one database.
package neo4j

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
)

var _ backend.Store = (*Store)(nil)

// Config says which Neo4j to use and as whom.
type Config struct {
	// URI is the server address: bolt://host:7687 for one server,
	// neo4j://host for a cluster, neo4j+s://… for TLS (Aura).
	URI      string
	Username string
	Password string
	// Database is the database to use; empty means the server's default.
	Database string
	// Namespace keeps the memories of this store apart from those of other
	// stores in the same database: every node carries it and every query
	// matches on it. Neo4j Community has a single user database, so this is
	// how tests (and several profiles of one user) share a server. Empty,
	// the default, is the namespace Engram uses in production.
	Namespace string
}

// Timeouts of a store. ConnectTimeout bounds Open's connectivity check and
// each socket connect, so a wrong address fails in seconds. retryTime bounds
// how long a managed transaction retries transient failures (a leader
// switch, a deadlock, a dropped connection) before giving up: long enough to
// ride out a cluster election, short enough that a stopped server is
// reported to the person waiting instead of hanging their request.
const (
	ConnectTimeout = 5 * time.Second
	retryTime      = 10 * time.Second
)

// Store is a backend.Store over one Neo4j database.
type Store struct {
	driver neo4j.DriverWithContext
	uri    string
	db     string
	ns     string
	// ownsDriver is false for a store made by withNamespace, which shares
	// its parent's driver and must not close it.
	ownsDriver bool
	creates    createQueue
	marks      markCache
}

// schemes are the URI schemes the driver understands.
var schemes = map[string]bool{
	"bolt": true, "bolt+s": true, "bolt+ssc": true,
	"neo4j": true, "neo4j+s": true, "neo4j+ssc": true,
}

// Open connects to the server of cfg, checks within ConnectTimeout that it
// answers and accepts the credentials, and creates the schema when it is
// missing. Errors: EINVALID for a malformed URI, EUNAVAILABLE when the server
// cannot be reached, refuses the login or lacks the database.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	s, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := s.bootstrap(ctx); err != nil {
		s.driver.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// connect makes the driver of cfg and checks within ConnectTimeout that the
// server answers and accepts the login; it writes nothing.
func connect(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.URI == "" {
		return nil, backend.Invalid("uri", "is required, e.g. bolt://localhost:7687 or neo4j+s://xxxx.databases.neo4j.io")
	}
	u, err := url.Parse(cfg.URI)
	if err != nil || !schemes[u.Scheme] || u.Host == "" {
		return nil, backend.Invalid("uri", "%q is not a Neo4j URI; use bolt://host:7687, neo4j://host or neo4j+s://host", cfg.URI)
	}
	auth := neo4j.NoAuth()
	if cfg.Username != "" || cfg.Password != "" {
		auth = neo4j.BasicAuth(cfg.Username, cfg.Password, "")
	}
	driver, err := neo4j.NewDriverWithContext(cfg.URI, auth, func(c *config.Config) {
		c.SocketConnectTimeout = ConnectTimeout
		c.MaxTransactionRetryTime = retryTime
		c.UserAgent = "engram"
	})
	if err != nil {
		return nil, backend.Invalid("uri", "%q: %v", cfg.URI, err)
	}
	s := &Store{driver: driver, uri: redact(u), db: cfg.Database, ns: cfg.Namespace, ownsDriver: true}
	if err := s.verify(ctx); err != nil {
		driver.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// redact drops any credentials written into the URI so messages can show it.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// verify checks within ConnectTimeout that the server answers and accepts
// the login.
func (s *Store) verify(ctx context.Context) error {
	vctx, cancel := context.WithTimeout(ctx, ConnectTimeout)
	defer cancel()
	err := s.driver.VerifyConnectivity(vctx)
	// While connecting, the driver's usage errors are about what answered
	// (an HTTP port, an old server), not about how Engram uses it.
	var ue *neo4j.UsageError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ue):
		return backend.Errorf(backend.EUNAVAILABLE, "connect: Neo4j at %s: %s", s.uri, ue.Message)
	case ctx.Err() == nil && vctx.Err() != nil:
		return backend.Errorf(backend.EUNAVAILABLE, "connect: Neo4j at %s did not answer within %v; check that it is running and that the URI is right", s.uri, ConnectTimeout)
	}
	return s.fail(ctx, "connect", err)
}

// withNamespace returns a store over the same driver that sees only the
// memories of namespace ns, so that tests can each have an empty store and
// still share one driver, as a process should. Closing it leaves the driver
// open.
func (s *Store) withNamespace(ns string) *Store {
	return &Store{driver: s.driver, uri: s.uri, db: s.db, ns: ns}
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	return s.read(ctx, "ping", func(tx neo4j.ManagedTransaction) error {
		_, err := run(ctx, tx, `RETURN 1`, nil)
		return err
	})
}

// Close waits for the memories being stored and closes the driver and its
// connections.
func (s *Store) Close() error {
	s.creates.wg.Wait()
	if !s.ownsDriver {
		return nil
	}
	return s.driver.Close(context.Background())
}

// txMetadata names Engram in the server's transaction list and query log.
func txMetadata(op string) map[string]any {
	return map[string]any{"app": "engram", "op": op}
}

// read runs fn in a managed read transaction, which the driver retries on
// transient failures and may route to a follower. fn may run more than once.
func (s *Store) read(ctx context.Context, op string, fn func(neo4j.ManagedTransaction) error) error {
	return s.execute(ctx, op, neo4j.AccessModeRead, neo4j.FetchDefault, fn)
}

// write runs fn in a managed write transaction on the leader.
func (s *Store) write(ctx context.Context, op string, fn func(neo4j.ManagedTransaction) error) error {
	return s.execute(ctx, op, neo4j.AccessModeWrite, neo4j.FetchDefault, fn)
}

// execute runs fn in a managed transaction of mode, fetching records
// fetchSize at a time.
func (s *Store) execute(ctx context.Context, op string, mode neo4j.AccessMode, fetchSize int, fn func(neo4j.ManagedTransaction) error) error {
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, op, err)
	}
	// The driver's bookmark manager makes every session start after the
	// writes of earlier ones, so a read routed to a follower still sees
	// what this process wrote.
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{
		AccessMode:      mode,
		DatabaseName:    s.db,
		FetchSize:       fetchSize,
		BookmarkManager: s.driver.ExecuteQueryBookmarkManager(),
	})
	// Closing returns the connection to the pool; it must happen even when
	// ctx has ended, or a canceled request would leak its connection.
	defer session.Close(context.WithoutCancel(ctx))
	work := func(tx neo4j.ManagedTransaction) (any, error) { return nil, fn(tx) }
	configurers := []func(*neo4j.TransactionConfig){neo4j.WithTxMetadata(txMetadata(op))}
	// The server stops a transaction at the caller's deadline by itself,
	// even when the connection stays open.
	if deadline, ok := ctx.Deadline(); ok {
		configurers = append(configurers, neo4j.WithTxTimeout(max(time.Until(deadline), time.Millisecond)))
	}
	var err error
	for attempt := 1; ; attempt++ {
		if mode == neo4j.AccessModeRead {
			_, err = session.ExecuteRead(ctx, work, configurers...)
		} else {
			_, err = session.ExecuteWrite(ctx, work, configurers...)
		}
		// A node that another transaction deleted between this one's match
		// and its use fails the statement (read committed). Running again
		// sees the deletion, so fn reports what is missing in its own terms.
		if !isCode(err, "Neo.ClientError.Statement.EntityNotFound") || attempt == deletedRetries {
			return s.fail(ctx, op, err)
		}
	}
}

// deletedRetries bounds how often a transaction runs again after a
// concurrent deletion removed what it was using.
const deletedRetries = 3

// isCode reports whether err is a server error with the given code.
func isCode(err error, code string) bool {
	var ne *neo4j.Neo4jError
	return errors.As(err, &ne) && ne.Code == code
}

// run runs one query in tx and reads all its records.
func run(ctx context.Context, tx neo4j.ManagedTransaction, query string, params map[string]any) ([]*neo4j.Record, error) {
	res, err := tx.Run(ctx, query, params)
	if err != nil {
		return nil, err
	}
	return res.Collect(ctx)
}

// decodeAll runs query in tx and decodes the first value of each record.
func decodeAll[T any](ctx context.Context, tx neo4j.ManagedTransaction, query string, params map[string]any, decode func(any) (T, error)) ([]T, error) {
	recs, err := run(ctx, tx, query, params)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(recs))
	for _, r := range recs {
		v, err := decode(r.Values[0])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// errorCodes maps the server's error codes to ours, with what a person can
// do about each. Codes not listed are bugs (a Cypher error) or server
// failures: EINTERNAL.
var errorCodes = map[string]struct {
	code, advice string
}{
	"Neo.ClientError.Security.Unauthorized":               {backend.EUNAVAILABLE, "wrong user name or password; check NEO4J_USERNAME and NEO4J_PASSWORD"},
	"Neo.ClientError.Security.AuthenticationRateLimit":    {backend.EUNAVAILABLE, "login locked after too many wrong passwords; wait a few seconds and check NEO4J_PASSWORD"},
	"Neo.ClientError.Security.CredentialsExpired":         {backend.EUNAVAILABLE, "the password has expired; set a new one (for example in Neo4j Browser) and update NEO4J_PASSWORD"},
	"Neo.ClientError.Security.TokenExpired":               {backend.EUNAVAILABLE, "the login token has expired; log in again"},
	"Neo.ClientError.Security.AuthorizationExpired":       {backend.EUNAVAILABLE, "the authorization has expired; try again"},
	"Neo.ClientError.Security.Forbidden":                  {backend.EUNAVAILABLE, "the user may not do this; grant it read and write access to the database"},
	"Neo.ClientError.Database.DatabaseNotFound":           {backend.EUNAVAILABLE, "no such database; create it or set NEO4J_DATABASE to an existing one (empty means the default database)"},
	"Neo.TransientError.Database.DatabaseUnavailable":     {backend.EUNAVAILABLE, "the database is not available right now (starting, stopping or offline); try again shortly"},
	"Neo.ClientError.General.ForbiddenOnReadOnlyDatabase": {backend.EUNAVAILABLE, "the database is read-only; point Engram at a writable one"},
	"Neo.ClientError.Schema.ConstraintValidationFailed":   {backend.ECONFLICT, "the change clashes with stored data"},
}

// fail turns a driver error into a domain error: the caller's ended
// context, EUNAVAILABLE when the server cannot be reached or refuses us (with
// what to check), ECONFLICT for a uniqueness clash. Domain errors returned by
// a transaction function pass through unchanged.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	var de *backend.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de):
		return err
	case ctx.Err() != nil:
		return fmt.Errorf("neo4j: %s: %w", op, ctx.Err())
	case deadlinePassed(ctx):
		// The driver turns the deadline into socket deadlines, which can
		// fire a moment before the context's own timer and surface as a
		// broken read (e.g. "none of the server offered Bolt versions").
		return fmt.Errorf("neo4j: %s: %w", op, context.DeadlineExceeded)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("neo4j: %s: %w", op, err)
	}
	// After its retries the driver reports the last failure inside a limit
	// error: that failure says what went wrong.
	var limit *neo4j.TransactionExecutionLimit
	if errors.As(err, &limit) && len(limit.Errors) > 0 {
		if last := limit.Errors[len(limit.Errors)-1]; last != nil {
			return s.fail(ctx, op, last)
		}
	}
	where := "Neo4j at " + s.uri
	if s.db != "" {
		where += " (database " + s.db + ")"
	}
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) {
		if c, ok := errorCodes[ne.Code]; ok {
			return backend.Errorf(c.code, "%s: %s: %s (%s)", op, where, c.advice, ne.Msg)
		}
		if ne.Classification() == "TransientError" {
			return backend.Errorf(backend.EUNAVAILABLE, "%s: %s stayed busy through every retry; try again (%s)", op, where, ne.Msg)
		}
		return fmt.Errorf("neo4j: %s: %w", op, err)
	}
	var ue *neo4j.UsageError
	if errors.As(err, &ue) && strings.Contains(ue.Message, "closed") {
		return backend.Errorf(backend.EUNAVAILABLE, "%s: the connection to %s is closed", op, where)
	}
	var ce *neo4j.ConnectivityError
	if errors.As(err, &ce) || isTimeout(err) {
		return backend.Errorf(backend.EUNAVAILABLE, "%s: cannot reach %s; check that it is running and that the URI is right (%v)", op, where, err)
	}
	return fmt.Errorf("neo4j: %s: %w", op, err)
}

// isTimeout reports a network timeout that the driver did not wrap.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// deadlinePassed reports whether ctx has a deadline that is already behind us.
func deadlinePassed(ctx context.Context) bool {
	deadline, ok := ctx.Deadline()
	return ok && !time.Now().Before(deadline)
}
