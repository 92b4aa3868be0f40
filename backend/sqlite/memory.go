package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/engramhq/engram/backend"
)

// memoryColumns is the column list scanMemory reads, qualified with the
// alias m that every memory query uses.
const memoryColumns = `m.id, m.type, m.title, m.content, m.summary, m.tags, m.importance, m.confidence,
	m.context, m.created_at, m.updated_at, m.last_accessed_at, m.access_count, m.version`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanMemory reads the memoryColumns of one row, then extra columns.
func scanMemory(sc scanner, extra ...any) (*backend.Memory, error) {
	var (
		m                backend.Memory
		tags, mctx       string
		created, updated int64
		accessed         sql.NullInt64
	)
	dest := append([]any{&m.ID, &m.Type, &m.Title, &m.Content, &m.Summary, &tags, &m.Importance, &m.Confidence,
		&mctx, &created, &updated, &accessed, &m.AccessCount, &m.Version}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(tags), &m.Tags); err != nil {
		return nil, fmt.Errorf("memory %s: tags: %w", m.ID, err)
	}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	if err := json.Unmarshal([]byte(mctx), &m.Context); err != nil {
		return nil, fmt.Errorf("memory %s: context: %w", m.ID, err)
	}
	m.CreatedAt = fromMicros(created)
	m.UpdatedAt = fromMicros(updated)
	if accessed.Valid {
		t := fromMicros(accessed.Int64)
		m.LastAccessedAt = &t
	}
	return &m, nil
}

// micros is the stored form of a time: unix microseconds, the precision
// backend.Now keeps.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// jsonText marshals v, which is always a plain slice, map or struct of
// strings, so it cannot fail.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sqlite: marshal %T: %v", v, err))
	}
	return string(b)
}

// tagsJSON stores nil tags as an empty list so json_each and the FTS index
// see the same text for both.
func tagsJSON(tags []string) string {
	if tags == nil {
		tags = []string{}
	}
	return jsonText(tags)
}

func getMemory(ctx context.Context, tx *sql.Tx, id string) (*backend.Memory, error) {
	m, err := scanMemory(tx.QueryRowContext(ctx, `SELECT `+memoryColumns+` FROM memories m WHERE m.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.NotFound("memory", id)
	}
	return m, err
}

// Statements every store of a memory runs. Store.Open prepares them once on
// the writer's connection: parsing the INSERT, with the triggers it fires,
// costs about as much as running it.
const (
	sqlDedupLookup = `SELECT id FROM memories WHERE dedup_key = ?`
	// The INSERT does the de-duplication itself: it must look the key up in
	// its unique index anyway, and a separate SELECT first cost a store
	// about 5 % of its time.
	sqlInsertMemory = `INSERT INTO memories (id, type, title, content, summary, tags, importance, confidence,
		context, project_path, created_at, updated_at, last_accessed_at, access_count, version, dedup_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (dedup_key) DO NOTHING`
)

// memoryIDByDedupKey returns the id holding key, or "" when none does.
func (s *Store) memoryIDByDedupKey(ctx context.Context, tx *sql.Tx, key string) (string, error) {
	var id string
	err := s.stmt(ctx, tx, sqlDedupLookup).QueryRowContext(ctx, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// insertMemory inserts m unless a memory with its type, title and content
// exists, and says which happened.
func (s *Store) insertMemory(ctx context.Context, tx *sql.Tx, m *backend.Memory) (inserted bool, err error) {
	var accessed sql.NullInt64
	if m.LastAccessedAt != nil {
		accessed = sql.NullInt64{Int64: micros(*m.LastAccessedAt), Valid: true}
	}
	res, err := s.stmt(ctx, tx, sqlInsertMemory).ExecContext(ctx,
		m.ID, string(m.Type), m.Title, m.Content, m.Summary, tagsJSON(m.Tags), m.Importance, m.Confidence,
		jsonText(m.Context), m.Context.ProjectPath, micros(m.CreatedAt), micros(m.UpdatedAt), accessed,
		m.AccessCount, m.Version, m.DedupKey())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CreateMemory inserts m, or returns the memory that already has its type,
// title and content.
func (s *Store) CreateMemory(ctx context.Context, m *backend.Memory) (*backend.Memory, bool, error) {
	// Storing a memory is well under a millisecond of work, not worth
	// interrupting: past this check it runs to the end. A context that can
	// end would cost every statement a goroutine in the driver, each woken
	// twice, a good share of the time of the most frequent write. (Should
	// another process hold the lock, the wait still ends with busy_timeout.)
	if err := ctx.Err(); err != nil {
		return nil, false, s.fail(ctx, "create memory", err)
	}
	ctx = context.WithoutCancel(ctx)
	var (
		stored    *backend.Memory
		duplicate bool
	)
	err := s.writeTx(ctx, "create memory", func(tx *sql.Tx) error {
		inserted, err := s.insertMemory(ctx, tx, m)
		if err != nil || inserted {
			stored = m
			return err
		}
		duplicate = true
		id, err := s.memoryIDByDedupKey(ctx, tx, m.DedupKey())
		if err != nil {
			return err
		}
		stored, err = getMemory(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return stored, duplicate, nil
}

// GetMemory returns the memory with id.
func (s *Store) GetMemory(ctx context.Context, id string) (*backend.Memory, error) {
	var m *backend.Memory
	err := s.readTx(ctx, "get memory", func(tx *sql.Tx) (err error) {
		m, err = getMemory(ctx, tx, id)
		return err
	})
	return m, err
}

// RecordAccess counts one access to each existing id.
func (s *Store) RecordAccess(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return s.writeTx(ctx, "record access", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE memories SET access_count = access_count + 1, last_accessed_at = ?
			WHERE id IN (SELECT value FROM json_each(?))`, micros(at), jsonText(ids))
		return err
	})
}

// UpdateMemory applies u to the memory with id under optimistic locking.
func (s *Store) UpdateMemory(ctx context.Context, id string, u backend.MemoryUpdate, now time.Time) (*backend.Memory, error) {
	var m *backend.Memory
	err := s.writeTx(ctx, "update memory", func(tx *sql.Tx) (err error) {
		m, err = getMemory(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.ExpectedVersion != nil && *u.ExpectedVersion != m.Version {
			return backend.Errorf(backend.ECONFLICT,
				"memory %s was changed elsewhere: you read version %d, it is now at version %d; get it again and retry",
				id, *u.ExpectedVersion, m.Version)
		}
		oldKey := m.DedupKey()
		u.Apply(m)
		m.UpdatedAt = now
		m.Version++
		key := m.DedupKey()
		if key != oldKey {
			other, err := s.memoryIDByDedupKey(ctx, tx, key)
			if err != nil {
				return err
			}
			if other != "" && other != id {
				return backend.Errorf(backend.ECONFLICT,
					"memory %s already has this type, title and content; update or delete that one instead", other)
			}
		}
		return updateMemory(ctx, tx, m, u, key)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// updateMemory writes the fields u sets (and the bookkeeping columns) of m.
// Naming only those columns keeps the FTS and tag triggers, which fire on
// the columns an UPDATE names, from re-indexing text that did not change.
func updateMemory(ctx context.Context, tx *sql.Tx, m *backend.Memory, u backend.MemoryUpdate, key string) error {
	sets := []string{"updated_at = ?", "version = ?", "dedup_key = ?"}
	args := []any{micros(m.UpdatedAt), m.Version, key}
	set := func(col string, v any) {
		sets = append(sets, col+" = ?")
		args = append(args, v)
	}
	if u.Type != nil {
		set("type", string(m.Type))
	}
	if u.Title != nil {
		set("title", m.Title)
	}
	if u.Content != nil {
		set("content", m.Content)
	}
	if u.Summary != nil {
		set("summary", m.Summary)
	}
	if u.Tags != nil {
		set("tags", tagsJSON(m.Tags))
	}
	if u.Importance != nil {
		set("importance", m.Importance)
	}
	if u.Confidence != nil {
		set("confidence", m.Confidence)
	}
	if u.Context != nil {
		set("context", jsonText(m.Context))
		set("project_path", m.Context.ProjectPath)
	}
	args = append(args, m.ID)
	_, err := tx.ExecContext(ctx, `UPDATE memories SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...)
	return err
}

// DeleteMemory removes the memory with id; foreign keys remove its edges
// and tags, a trigger its index entry.
func (s *Store) DeleteMemory(ctx context.Context, id string) error {
	return s.writeTx(ctx, "delete memory", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM memories WHERE id = ?`, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err == nil && n == 0 {
			err = backend.NotFound("memory", id)
		}
		return err
	})
}
