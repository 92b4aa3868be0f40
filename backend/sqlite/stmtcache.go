package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"modernc.org/sqlite"
)

// maxCachedStatements bounds the statements one connection keeps. The
// store's queries are a fixed set of texts (filters change the text, values
// are always bound), well under the bound; it guards only against texts
// made without end.
const maxCachedStatements = 128

// driverConn is what the store needs of a driver connection: every
// interface database/sql looks for that modernc's connection implements.
type driverConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// driverStmt is what a cached statement runs through.
type driverStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// openDB opens a pool on dsn whose connections cache their statements.
func openDB(dsn string) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(cachingConnector{c}), nil
}

// cachingConnector opens connections that keep every statement they run
// prepared for its next run. Parsing and planning a statement costs about
// as much as running a small one (the SQLite parser is Go code here), and
// database/sql would prepare and finalize each query anew: a search or a
// graph step would pay for it several times per call.
type cachingConnector struct{ driver.Connector }

// Connect opens a connection with an empty statement cache.
func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	dc, ok := conn.(driverConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("sqlite: the driver's connection (%T) lacks a method the store needs", conn)
	}
	return &cachingConn{driverConn: dc, stmts: map[string]*cachedStmt{}}, nil
}

// cachingConn runs queries through statements it keeps by text.
// database/sql hands a connection to one goroutine at a time and closes
// rows under the same lock, so stmts needs no lock of its own.
type cachingConn struct {
	driverConn
	stmts map[string]*cachedStmt
}

type cachedStmt struct {
	stmt driverStmt
	// busy is set while rows of the statement are open: running the text
	// again meanwhile would reset them, so that run goes uncached.
	busy bool
}

// QueryContext runs query through its cached statement.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return c.driverConn.QueryContext(ctx, query, args)
	}
	rows, err := st.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	st.busy = true
	return &cachedRows{Rows: rows, stmt: st}, nil
}

// ExecContext runs query through its cached statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return c.driverConn.ExecContext(ctx, query, args)
	}
	return st.stmt.ExecContext(ctx, args)
}

// statement returns the idle cached statement for query, preparing it the
// first time, or nil when it is busy or the cache is full of busy ones.
func (c *cachingConn) statement(ctx context.Context, query string) (*cachedStmt, error) {
	if st, ok := c.stmts[query]; ok {
		if st.busy {
			return nil, nil
		}
		return st, nil
	}
	if len(c.stmts) >= maxCachedStatements && !c.evict() {
		return nil, nil
	}
	s, err := c.driverConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	ds, ok := s.(driverStmt)
	if !ok {
		s.Close()
		return nil, nil
	}
	st := &cachedStmt{stmt: ds}
	c.stmts[query] = st
	return st, nil
}

// evict closes one idle statement (whichever the map yields first: any
// will do for a cache that is full only when something goes wrong) and
// reports whether there was one.
func (c *cachingConn) evict() bool {
	for q, st := range c.stmts {
		if !st.busy {
			st.stmt.Close()
			delete(c.stmts, q)
			return true
		}
	}
	return false
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	for q, st := range c.stmts {
		st.stmt.Close()
		delete(c.stmts, q)
	}
	return c.driverConn.Close()
}

// cachedRows frees its statement for the next run when closed.
type cachedRows struct {
	driver.Rows
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.stmt.busy = false
	return err
}
