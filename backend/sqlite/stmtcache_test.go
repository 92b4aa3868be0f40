package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// cacheDB returns a caching connection on a new file with a table t(n)
// holding 1..5.
func cacheDB(t *testing.T) *sql.Conn {
	t.Helper()
	db, err := openDB("file:" + filepath.Join(t.TempDir(), "cache.db") + "?" + pragmas)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	ctx := t.Context()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 5; n++ {
		if _, err := db.ExecContext(ctx, `INSERT INTO t (n) VALUES (?)`, n); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// cached returns the texts conn's cache holds.
func cached(t *testing.T, conn *sql.Conn) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	err := conn.Raw(func(dc any) error {
		for q := range dc.(*cachingConn).stmts {
			out[q] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sumAbove(ctx context.Context, conn *sql.Conn, min int) (int, error) {
	var sum int
	err := conn.QueryRowContext(ctx, `SELECT COALESCE(SUM(n), 0) FROM t WHERE n > ?`, min).Scan(&sum)
	return sum, err
}

func TestStatementCache(t *testing.T) {
	const sumQuery = `SELECT COALESCE(SUM(n), 0) FROM t WHERE n > ?`
	cases := []struct {
		name string
		run  func(t *testing.T, conn *sql.Conn)
	}{
		{"ReusedWithNewArguments", func(t *testing.T, conn *sql.Conn) {
			for _, c := range []struct{ min, want int }{{0, 15}, {3, 9}, {5, 0}, {1, 14}} {
				got, err := sumAbove(t.Context(), conn, c.min)
				if err != nil || got != c.want {
					t.Fatalf("sum above %d = %d, %v; want %d", c.min, got, err, c.want)
				}
			}
			if !cached(t, conn)[sumQuery] {
				t.Fatalf("the query is not cached: %v", cached(t, conn))
			}
		}},
		{"SameTextWhileRowsOpen", func(t *testing.T, conn *sql.Conn) {
			ctx := t.Context()
			const query = `SELECT n FROM t WHERE n >= ? ORDER BY n`
			rows, err := conn.QueryContext(ctx, query, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var outer []int
			for rows.Next() {
				var n int
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				outer = append(outer, n)
				// The same text again while the first rows are read: it
				// must not reset them.
				var inner int
				if err := conn.QueryRowContext(ctx, query, n).Scan(&inner); err != nil || inner != n {
					t.Fatalf("inner query from %d = %d, %v", n, inner, err)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(outer) != "[1 2 3 4 5]" {
				t.Fatalf("outer rows = %v", outer)
			}
		}},
		{"ExecReused", func(t *testing.T, conn *sql.Conn) {
			for n := 1; n <= 3; n++ {
				if _, err := conn.ExecContext(t.Context(), `UPDATE t SET n = n + 10 WHERE n = ?`, n); err != nil {
					t.Fatal(err)
				}
			}
			if got, err := sumAbove(t.Context(), conn, 0); err != nil || got != 45 {
				t.Fatalf("sum after updates = %d, %v; want 45", got, err)
			}
		}},
		{"BoundedByEvicting", func(t *testing.T, conn *sql.Conn) {
			for i := range maxCachedStatements + 20 {
				var got int
				if err := conn.QueryRowContext(t.Context(), fmt.Sprintf(`SELECT n + %d FROM t WHERE n = ?`, i), 2).Scan(&got); err != nil || got != 2+i {
					t.Fatalf("query %d = %d, %v", i, got, err)
				}
			}
			if n := len(cached(t, conn)); n > maxCachedStatements {
				t.Fatalf("%d statements cached, more than %d", n, maxCachedStatements)
			}
		}},
		{"SchemaChangeAfterCaching", func(t *testing.T, conn *sql.Conn) {
			ctx := t.Context()
			if _, err := sumAbove(ctx, conn, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.ExecContext(ctx, `CREATE INDEX t_n ON t (n)`); err != nil {
				t.Fatal(err)
			}
			if got, err := sumAbove(ctx, conn, 2); err != nil || got != 12 {
				t.Fatalf("sum after a schema change = %d, %v; want 12", got, err)
			}
		}},
		{"CanceledWhileReading", func(t *testing.T, conn *sql.Conn) {
			ctx, cancel := context.WithCancel(t.Context())
			rows, err := conn.QueryContext(ctx, `SELECT n FROM t WHERE n > ? ORDER BY n`, 0)
			if err != nil {
				t.Fatal(err)
			}
			rows.Next()
			cancel()
			for rows.Next() {
			}
			rows.Close()
			var n int
			if err := conn.QueryRowContext(t.Context(), `SELECT n FROM t WHERE n > ? ORDER BY n`, 3).Scan(&n); err != nil || n != 4 {
				t.Fatalf("the statement after a canceled read = %d, %v; want 4", n, err)
			}
		}},
		{"SyntaxErrorReported", func(t *testing.T, conn *sql.Conn) {
			if _, err := conn.QueryContext(t.Context(), `SELEKT 1`); err == nil {
				t.Fatal("a syntax error passed")
			}
			if cached(t, conn)[`SELEKT 1`] {
				t.Fatal("a statement that did not prepare is cached")
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, cacheDB(t))
		})
	}
}
