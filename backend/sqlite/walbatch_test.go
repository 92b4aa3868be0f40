//go:build linux || darwin

package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/engramhq/engram/backend"
)

// countWALWrites counts the writes that reach WAL files while the test runs.
func countWALWrites(t *testing.T) *atomic.Int64 {
	t.Helper()
	if walBatchQuery == "" {
		t.Fatal("the gathering VFS is not registered")
	}
	var n atomic.Int64
	walWriteCounter = func() { n.Add(1) }
	t.Cleanup(func() { walWriteCounter = nil })
	return &n
}

func openAt(t *testing.T, path string) (*Store, *backend.Service) {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, backend.NewService(s)
}

func storeN(t *testing.T, svc *backend.Service, prefix string, n, contentBytes int) {
	t.Helper()
	for i := range n {
		_, _, err := svc.StoreMemory(context.Background(), backend.NewMemory{Type: backend.TypeGeneral,
			Title: fmt.Sprintf("%s %d", prefix, i), Content: fmt.Sprintf("%s %d %s", prefix, i, strings.Repeat("word ", contentBytes/5))})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// checkFile opens path afresh and checks that it is sound and holds want
// memories, each found by the full-text index.
func checkFile(t *testing.T, path string, want int) {
	t.Helper()
	s, _ := openAt(t, path)
	var res string
	if err := s.write.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check = %q, %v", res, err)
	}
	if _, err := s.write.Exec("INSERT INTO memories_fts(memories_fts) VALUES('integrity-check')"); err != nil {
		t.Errorf("FTS integrity-check: %v", err)
	}
	var n, indexed int
	s.write.QueryRow("SELECT COUNT(*) FROM memories").Scan(&n)
	s.write.QueryRow("SELECT COUNT(*) FROM memories_fts WHERE memories_fts MATCH 'word'").Scan(&indexed)
	if n != want || indexed != want {
		t.Errorf("%d memories, %d in the index; want %d", n, indexed, want)
	}
}

// A store's commit reaches the WAL file in one write instead of two per
// page.
func TestWALBatchOneWritePerCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	_, svc := openAt(t, path)
	storeN(t, svc, "warm", 5, 100)
	writes := countWALWrites(t)
	const n = 200
	storeN(t, svc, "small", n, 100)
	t.Logf("%d stores, %d writes to the WAL file", n, writes.Load())
	if got := writes.Load(); got == 0 || got > n+n/10 {
		t.Errorf("%d stores made %d writes to the WAL file, want about 1 each", n, got)
	}
	checkFile(t, path, n+5)
}

// A transaction bigger than the gathering buffer and than the page cache
// (which then spills frames before the commit) lands whole.
func TestWALBatchLargeTransaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	s, _ := openAt(t, path)
	ms := make([]*backend.Memory, 3000)
	for i := range ms {
		m := &backend.Memory{ID: backend.NewID(), Type: backend.TypeGeneral, Title: fmt.Sprintf("big %d", i),
			Content: fmt.Sprintf("big %d %s", i, strings.Repeat("word ", 400)), Importance: 0.5, Confidence: 0.5,
			Tags: []string{}, Version: 1}
		m.CreatedAt, m.UpdatedAt = backend.Now(), backend.Now()
		ms[i] = m
	}
	if _, err := s.ImportMemories(context.Background(), ms); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, len(ms))
}

// Frames a transaction wrote and rolled back are written before its
// connection lets another writer in, never over that writer's frames later.
func TestWALBatchRollbackThenAnotherWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	a, _ := openAt(t, path)
	_, b := openAt(t, path)
	tx, err := a.write.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 { // more than the page cache holds: frames spill to the WAL
		if _, err := tx.Exec(`INSERT INTO memories (id, type, title, content, importance, confidence, created_at, updated_at, dedup_key)
			VALUES (?, 'general', ?, ?, 0.5, 0.5, 0, 0, ?)`, fmt.Sprint("rolled-", i), fmt.Sprint("rolled ", i), strings.Repeat("gone ", 400), fmt.Sprint("k", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	storeN(t, b, "kept", 150, 200) // fewer frames than a checkpoint needs, more than a spilled
	// a writes and reads again: anything it still held would land now.
	if _, err := a.write.Exec("UPDATE memories SET access_count = access_count + 1"); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, 150)
}
