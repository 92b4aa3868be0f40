package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/engramhq/engram/backend"
)

var _ backend.ChangeMarker = (*Store)(nil)

// ChangeMark summarises the tables so that a change by any process shows:
// counts catch creations and deletions, the newest update time catches
// edits and reinforced edges.
func (s *Store) ChangeMark(ctx context.Context) (string, error) {
	var mems, rels, memUpdated, relUpdated int64
	err := s.readTx(ctx, "change mark", func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM memories), (SELECT COALESCE(MAX(updated_at), 0) FROM memories),
			(SELECT COUNT(*) FROM relationships), (SELECT COALESCE(MAX(updated_at), 0) FROM relationships)`).
			Scan(&mems, &memUpdated, &rels, &relUpdated)
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d/%d/%d/%d", mems, memUpdated, rels, relUpdated), nil
}
