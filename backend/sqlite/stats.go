package sqlite

import (
	"context"
	"database/sql"

	"github.com/engramhq/engram/backend"
)

// Statistics counts memories and relationships by type and ranks tags by
// the number of memories that carry them.
func (s *Store) Statistics(ctx context.Context, topTags int) (*backend.Statistics, error) {
	st := &backend.Statistics{
		ByType:             map[backend.MemoryType]int{},
		ByRelationshipType: map[backend.RelationshipType]int{},
		TopTags:            []backend.TagCount{},
	}
	err := s.readTx(ctx, "statistics", func(tx *sql.Tx) error {
		if err := countByType(ctx, tx, `SELECT type, COUNT(*) FROM memories GROUP BY type`, func(t string, n int) {
			st.ByType[backend.MemoryType(t)] = n
			st.Memories += n
		}); err != nil {
			return err
		}
		if err := countByType(ctx, tx, `SELECT type, COUNT(*) FROM relationships GROUP BY type`, func(t string, n int) {
			st.ByRelationshipType[backend.RelationshipType(t)] = n
			st.Relationships += n
		}); err != nil {
			return err
		}
		return countByType(ctx, tx, `SELECT tag, COUNT(*) AS n FROM memory_tags GROUP BY tag
			ORDER BY n DESC, tag LIMIT ?`, func(t string, n int) {
			st.TopTags = append(st.TopTags, backend.TagCount{Tag: t, Count: n})
		}, topTags)
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// countByType runs a query of (text, count) rows and hands each to fn.
func countByType(ctx context.Context, tx *sql.Tx, query string, fn func(string, int), args ...any) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			t string
			n int
		)
		if err := rows.Scan(&t, &n); err != nil {
			return err
		}
		fn(t, n)
	}
	return rows.Err()
}

// RecentActivity lists the memories created since q.Since, those updated
// since then but created before, and the problems and errors that no
// resolving edge points at, each newest first with its total.
func (s *Store) RecentActivity(ctx context.Context, q backend.ActivityQuery) (*backend.Activity, error) {
	if q.Limit <= 0 {
		q.Limit = backend.DefaultActivityLimit
	}
	since := micros(q.Since)
	a := &backend.Activity{}
	err := s.readTx(ctx, "recent activity", func(tx *sql.Tx) error {
		lists := []struct {
			cond  string
			args  []any
			order string
			out   *[]*backend.Memory
			total *int
		}{
			{"m.created_at >= ?", []any{since}, "m.created_at", &a.Created, &a.CreatedTotal},
			{"m.updated_at >= ? AND m.created_at < ?", []any{since, since}, "m.updated_at", &a.Updated, &a.UpdatedTotal},
			{`m.type IN (SELECT value FROM json_each(?)) AND NOT EXISTS (SELECT 1 FROM relationships r
				WHERE r.to_id = m.id AND r.type IN (SELECT value FROM json_each(?)))`,
				[]any{jsonText([]backend.MemoryType{backend.TypeProblem, backend.TypeError}), jsonText(backend.ResolvingTypes)},
				"m.created_at", &a.UnresolvedProblems, &a.UnresolvedTotal},
		}
		for _, l := range lists {
			w := &where{}
			w.add(l.cond, l.args...)
			w.addProjectPath(q.ProjectPath)
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM memories m`+w.sql(), w.args...).Scan(l.total); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, `SELECT `+memoryColumns+` FROM memories m`+w.sql()+`
				ORDER BY `+l.order+` DESC, m.id DESC LIMIT ?`, append(w.args, q.Limit)...)
			if err != nil {
				return err
			}
			if *l.out, err = scanMemories(rows); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// scanMemories reads every row of rows; never nil.
func scanMemories(rows *sql.Rows) ([]*backend.Memory, error) {
	defer rows.Close()
	out := []*backend.Memory{}
	for rows.Next() {
		m, err := scanMemory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
