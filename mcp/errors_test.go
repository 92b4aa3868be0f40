package mcp

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/sqlite"
)

// TestStoreFailures checks how failures of the store reach the assistant:
// a closed or damaged database, a call whose client gave up.
func TestStoreFailures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "engram.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	d := deps{svc: backend.NewService(st), log: slog.New(slog.NewTextHandler(logs, nil))}
	run := func(ctx context.Context, tool string, args string) string {
		t.Helper()
		for _, s := range registry {
			if s.tool.Name == tool {
				req := mcpgo.CallToolRequest{}
				req.Params.Name = tool
				req.Params.RawArguments = []byte(args)
				res, err := s.handler(d)(ctx, req)
				if err != nil || !res.IsError {
					t.Fatalf("%s(%s) = %v, %v; want a tool error", tool, args, res, err)
				}
				return resultText(res)
			}
		}
		t.Fatalf("no tool %s", tool)
		return ""
	}

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if msg := run(canceled, "search_memories", `{"query":"x"}`); msg != "the operation was canceled" {
		t.Errorf("canceled call: %q", msg)
	}

	// Another connection damages the schema under the store's feet.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TABLE relationships`); err != nil {
		t.Fatalf("drop: %v", err)
	}
	db.Close()
	msg := run(context.Background(), "get_memory_statistics", `{}`)
	if msg != "internal error in get_memory_statistics; the details are in Engram's log" {
		t.Errorf("internal failure shown as %q", msg)
	}
	if n := strings.Count(logs.String(), "tool failed"); n != 1 || !strings.Contains(logs.String(), "tool=get_memory_statistics") || !strings.Contains(logs.String(), "relationships") {
		t.Errorf("internal failure logged %d times:\n%s", n, logs)
	}

	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	msg = run(context.Background(), "search_memories", `{"query":"x"}`)
	if !strings.HasPrefix(msg, "the memory store is unavailable right now") || !strings.Contains(logs.String(), "memory store unavailable") {
		t.Errorf("closed store shown as %q; log:\n%s", msg, logs)
	}
}
