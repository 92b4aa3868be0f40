package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/engramhq/engram/backend"
)

// ExportMemories calls fn for each memory, oldest first, reading them one
// row at a time from a single snapshot.
func (s *Store) ExportMemories(ctx context.Context, fn func(*backend.Memory) error) error {
	return s.readTx(ctx, "export memories", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+memoryColumns+` FROM memories m ORDER BY m.created_at, m.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMemory(rows)
			if err != nil {
				return err
			}
			// The driver's interrupt reaches SQLite asynchronously; checking
			// here stops a slow consumer at once.
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(m); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// ExportRelationships calls fn for each relationship, oldest first.
func (s *Store) ExportRelationships(ctx context.Context, fn func(*backend.Relationship) error) error {
	return s.readTx(ctx, "export relationships", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+relColumns+` FROM relationships r ORDER BY r.created_at, r.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRelationship(rows)
			if err != nil {
				return err
			}
			// The driver's interrupt reaches SQLite asynchronously; checking
			// here stops a slow consumer at once.
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// ImportMemories writes ms in one transaction, keeping their ids, times,
// versions and counts. An existing id is replaced only by a newer copy; a
// memory equal to another one (same type, title and content) is skipped and
// mapped to it.
func (s *Store) ImportMemories(ctx context.Context, ms []*backend.Memory) (*backend.ImportResult, error) {
	res := &backend.ImportResult{}
	err := s.writeTx(ctx, "import memories", func(tx *sql.Tx) error {
		for _, m := range ms {
			if err := s.importMemory(ctx, tx, m, res); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Store) importMemory(ctx context.Context, tx *sql.Tx, m *backend.Memory, res *backend.ImportResult) error {
	holder, err := s.memoryIDByDedupKey(ctx, tx, m.DedupKey())
	if err != nil {
		return err
	}
	var updated int64
	err = tx.QueryRowContext(ctx, `SELECT updated_at FROM memories WHERE id = ?`, m.ID).Scan(&updated)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if holder != "" {
			res.Skipped++
			if res.IDMap == nil {
				res.IDMap = map[string]string{}
			}
			res.IDMap[m.ID] = holder
			return nil
		}
		res.Created++
		_, err := s.insertMemory(ctx, tx, m)
		return err
	case err != nil:
		return err
	case micros(m.UpdatedAt) <= updated, holder != "" && holder != m.ID:
		// Not newer, or the newer copy would duplicate another memory: the
		// stored one stays.
		res.Skipped++
		return nil
	}
	res.Updated++
	return replaceMemory(ctx, tx, m)
}

// replaceMemory overwrites every column of the memory with m's id.
func replaceMemory(ctx context.Context, tx *sql.Tx, m *backend.Memory) error {
	var accessed sql.NullInt64
	if m.LastAccessedAt != nil {
		accessed = sql.NullInt64{Int64: micros(*m.LastAccessedAt), Valid: true}
	}
	_, err := tx.ExecContext(ctx, `UPDATE memories SET type = ?, title = ?, content = ?, summary = ?, tags = ?,
		importance = ?, confidence = ?, context = ?, project_path = ?, created_at = ?, updated_at = ?,
		last_accessed_at = ?, access_count = ?, version = ?, dedup_key = ? WHERE id = ?`,
		string(m.Type), m.Title, m.Content, m.Summary, tagsJSON(m.Tags), m.Importance, m.Confidence,
		jsonText(m.Context), m.Context.ProjectPath, micros(m.CreatedAt), micros(m.UpdatedAt), accessed,
		m.AccessCount, m.Version, m.DedupKey(), m.ID)
	return err
}

// ImportRelationships writes rs in one transaction, keeping their ids and
// times. An edge that exists (by id or by ends and type) stays as it is; one
// with a missing end is skipped.
func (s *Store) ImportRelationships(ctx context.Context, rs []*backend.Relationship) (*backend.ImportResult, error) {
	res := &backend.ImportResult{}
	err := s.writeTx(ctx, "import relationships", func(tx *sql.Tx) error {
		for _, r := range rs {
			if err := importRelationship(ctx, tx, r, res); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func importRelationship(ctx context.Context, tx *sql.Tx, r *backend.Relationship, res *backend.ImportResult) error {
	for _, id := range []string{r.FromID, r.ToID} {
		ok, err := memoryExists(ctx, tx, id)
		if err != nil {
			return err
		}
		if !ok {
			res.Skipped++
			return nil
		}
	}
	inserted, err := insertRelationship(ctx, tx, r)
	if err != nil {
		return err
	}
	if inserted {
		res.Created++
	} else {
		res.Skipped++
	}
	return nil
}
