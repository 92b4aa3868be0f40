package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/engramhq/engram/backend"
)

// relColumns is the column list scanRelationship reads, qualified with the
// alias r that every relationship query uses.
const relColumns = `r.id, r.from_id, r.to_id, r.type, r.strength, r.confidence, r.context,
	r.evidence_count, r.created_at, r.updated_at`

func scanRelationship(sc scanner, extra ...any) (*backend.Relationship, error) {
	var (
		r                backend.Relationship
		created, updated int64
	)
	dest := append([]any{&r.ID, &r.FromID, &r.ToID, &r.Type, &r.Strength, &r.Confidence, &r.Context,
		&r.EvidenceCount, &created, &updated}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	r.CreatedAt = fromMicros(created)
	r.UpdatedAt = fromMicros(updated)
	return &r, nil
}

// scanRelationships reads every row of rows.
func scanRelationships(rows *sql.Rows) ([]*backend.Relationship, error) {
	defer rows.Close()
	var out []*backend.Relationship
	for rows.Next() {
		r, err := scanRelationship(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// getRelationship returns the edge (from, to, typ) or sql.ErrNoRows.
func getRelationship(ctx context.Context, tx *sql.Tx, from, to string, typ backend.RelationshipType) (*backend.Relationship, error) {
	return scanRelationship(tx.QueryRowContext(ctx, `SELECT `+relColumns+` FROM relationships r
		WHERE r.from_id = ? AND r.to_id = ? AND r.type = ?`, from, to, string(typ)))
}

func memoryExists(ctx context.Context, tx *sql.Tx, id string) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM memories WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// requireEnds returns ENOTFOUND naming the field of the first missing end.
func requireEnds(ctx context.Context, tx *sql.Tx, from, to string) error {
	for _, end := range []struct{ field, id string }{{"from_memory_id", from}, {"to_memory_id", to}} {
		ok, err := memoryExists(ctx, tx, end.id)
		if err != nil {
			return err
		}
		if !ok {
			return &backend.Error{Code: backend.ENOTFOUND, Field: end.field, Message: fmt.Sprintf("memory %q not found", end.id)}
		}
	}
	return nil
}

// insertRelationship inserts r unless its id or its (from, to, type)
// exists: with no conflict target, DO NOTHING covers both.
func insertRelationship(ctx context.Context, tx *sql.Tx, r *backend.Relationship) (inserted bool, err error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO relationships (id, from_id, to_id, type, strength, confidence,
		context, evidence_count, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		r.ID, r.FromID, r.ToID, string(r.Type), r.Strength, r.Confidence, r.Context, r.EvidenceCount,
		micros(r.CreatedAt), micros(r.UpdatedAt))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// CreateRelationship inserts r or reinforces the edge it repeats.
func (s *Store) CreateRelationship(ctx context.Context, r *backend.Relationship) (*backend.Relationship, bool, error) {
	var (
		stored  *backend.Relationship
		created bool
	)
	err := s.writeTx(ctx, "create relationship", func(tx *sql.Tx) error {
		if err := requireEnds(ctx, tx, r.FromID, r.ToID); err != nil {
			return err
		}
		old, err := getRelationship(ctx, tx, r.FromID, r.ToID, r.Type)
		if errors.Is(err, sql.ErrNoRows) {
			stored, created = r, true
			inserted, err := insertRelationship(ctx, tx, r)
			if err == nil && !inserted {
				err = backend.Errorf(backend.ECONFLICT, "a relationship with id %s already exists", r.ID)
			}
			return err
		}
		if err != nil {
			return err
		}
		old.Strength, old.Confidence = r.Strength, r.Confidence
		if r.Context != "" {
			old.Context = r.Context
		}
		old.EvidenceCount++
		old.UpdatedAt = r.UpdatedAt
		stored = old
		_, err = tx.ExecContext(ctx, `UPDATE relationships SET strength = ?, confidence = ?, context = ?,
			evidence_count = ?, updated_at = ? WHERE id = ?`,
			old.Strength, old.Confidence, old.Context, old.EvidenceCount, micros(old.UpdatedAt), old.ID)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return stored, created, nil
}

// DeleteRelationship removes the edge (from, to, typ).
func (s *Store) DeleteRelationship(ctx context.Context, from, to string, typ backend.RelationshipType) error {
	return s.writeTx(ctx, "delete relationship", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM relationships WHERE from_id = ? AND to_id = ? AND type = ?`,
			from, to, string(typ))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err == nil && n == 0 {
			err = backend.Errorf(backend.ENOTFOUND, "relationship %s -%s-> %s not found", from, typ, to)
		}
		return err
	})
}

// Relationships returns the edges that start or end at id, newest first.
func (s *Store) Relationships(ctx context.Context, id string) ([]*backend.Relationship, error) {
	var out []*backend.Relationship
	err := s.readTx(ctx, "list relationships", func(tx *sql.Tx) error {
		ok, err := memoryExists(ctx, tx, id)
		if err != nil {
			return err
		}
		if !ok {
			return backend.NotFound("memory", id)
		}
		// Two indexed halves instead of one OR, which would scan the table.
		rows, err := tx.QueryContext(ctx, `SELECT `+relColumns+` FROM relationships r WHERE r.from_id = ?
			UNION ALL SELECT `+relColumns+` FROM relationships r WHERE r.to_id = ?
			ORDER BY created_at DESC, id DESC`, id, id)
		if err != nil {
			return err
		}
		out, err = scanRelationships(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []*backend.Relationship{}
	}
	return out, nil
}
