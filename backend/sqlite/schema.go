package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/engramhq/engram/backend"
)

// migrations[i] brings the schema from version i to version i+1. The
// version lives in PRAGMA user_version. Append new steps; never edit one
// that has shipped.
var migrations = []string{
	// 1: memories, their tags and full-text index, relationships.
	`
CREATE TABLE memories (
	-- seq is the stable integer rowid the external-content FTS index needs;
	-- id is the public key.
	seq              INTEGER PRIMARY KEY,
	id               TEXT    NOT NULL UNIQUE,
	type             TEXT    NOT NULL,
	importance       REAL    NOT NULL,
	confidence       REAL    NOT NULL,
	project_path     TEXT    NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	last_accessed_at INTEGER,
	access_count     INTEGER NOT NULL DEFAULT 0,
	version          INTEGER NOT NULL DEFAULT 1,
	dedup_key        TEXT    NOT NULL UNIQUE,
	-- The text comes last: a large content spills into overflow pages, and
	-- columns stored after it would cost a walk through them to read.
	tags             TEXT    NOT NULL DEFAULT '[]',
	context          TEXT    NOT NULL DEFAULT '{}',
	title            TEXT    NOT NULL,
	summary          TEXT    NOT NULL DEFAULT '',
	content          TEXT    NOT NULL
) STRICT;

-- Every index is one more page written by each store: only those a query
-- needs. Memories without a project, common, stay out of memories_project
-- (queries on it say project_path <> '' so that the planner may use it).
CREATE INDEX memories_updated    ON memories (updated_at, id);
CREATE INDEX memories_created    ON memories (created_at, id);
CREATE INDEX memories_type       ON memories (type, created_at);
CREATE INDEX memories_project    ON memories (project_path, updated_at) WHERE project_path <> '';
CREATE INDEX memories_importance ON memories (importance);

-- One b-tree, keyed by tag: tag filters look rows up by (tag, memory_id),
-- and the triggers below, which keep the rows equal to the tags column,
-- find a memory's rows through its tags column. A second index by
-- memory_id, or a foreign key needing one, would cost every store a page.
CREATE TABLE memory_tags (
	memory_id TEXT NOT NULL,
	tag       TEXT NOT NULL,
	PRIMARY KEY (tag, memory_id)
) STRICT, WITHOUT ROWID;

-- Tags are kept in step by triggers so that no write path can forget them.
CREATE TRIGGER memories_tags_ai AFTER INSERT ON memories BEGIN
	INSERT OR IGNORE INTO memory_tags (memory_id, tag) SELECT new.id, value FROM json_each(new.tags);
END;
CREATE TRIGGER memories_tags_au AFTER UPDATE OF tags ON memories BEGIN
	DELETE FROM memory_tags WHERE tag IN (SELECT value FROM json_each(old.tags)) AND memory_id = old.id;
	INSERT OR IGNORE INTO memory_tags (memory_id, tag) SELECT new.id, value FROM json_each(new.tags);
END;
CREATE TRIGGER memories_tags_ad AFTER DELETE ON memories BEGIN
	DELETE FROM memory_tags WHERE tag IN (SELECT value FROM json_each(old.tags)) AND memory_id = old.id;
END;

-- External content: the index stores no second copy of the text.
CREATE VIRTUAL TABLE memories_fts USING fts5 (
	title, summary, content, tags,
	content = 'memories', content_rowid = 'seq',
	tokenize = 'porter unicode61'
);

CREATE TRIGGER memories_fts_ai AFTER INSERT ON memories BEGIN
	INSERT INTO memories_fts (rowid, title, summary, content, tags)
	VALUES (new.seq, new.title, new.summary, new.content, new.tags);
END;
CREATE TRIGGER memories_fts_ad AFTER DELETE ON memories BEGIN
	INSERT INTO memories_fts (memories_fts, rowid, title, summary, content, tags)
	VALUES ('delete', old.seq, old.title, old.summary, old.content, old.tags);
END;
-- Only text changes touch the index: counting an access must stay cheap.
CREATE TRIGGER memories_fts_au AFTER UPDATE OF title, summary, content, tags ON memories BEGIN
	INSERT INTO memories_fts (memories_fts, rowid, title, summary, content, tags)
	VALUES ('delete', old.seq, old.title, old.summary, old.content, old.tags);
	INSERT INTO memories_fts (rowid, title, summary, content, tags)
	VALUES (new.seq, new.title, new.summary, new.content, new.tags);
END;

CREATE TABLE relationships (
	id             TEXT    PRIMARY KEY,
	from_id        TEXT    NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
	to_id          TEXT    NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
	type           TEXT    NOT NULL,
	strength       REAL    NOT NULL,
	confidence     REAL    NOT NULL,
	context        TEXT    NOT NULL DEFAULT '',
	evidence_count INTEGER NOT NULL DEFAULT 1,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	UNIQUE (from_id, to_id, type)
) STRICT;

-- (from_id, to_id, type) is covered by the UNIQUE index.
CREATE INDEX relationships_to      ON relationships (to_id, type);
CREATE INDEX relationships_created ON relationships (created_at, id);
CREATE INDEX relationships_type    ON relationships (type);
`,
}

// migrate applies the missing migrations. They run in one immediate
// transaction that reads the version again, so a second process opening the
// same new file waits for the first and then finds nothing left to do. An
// up-to-date file, the common case, is seen without taking the write lock.
func (s *Store) migrate(ctx context.Context) error {
	var version int
	if err := s.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return s.fail(ctx, "migrate", err)
	}
	if version == len(migrations) {
		return nil
	}
	return s.writeTx(ctx, "migrate", func(tx *sql.Tx) error {
		var version int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			return err
		}
		if version > len(migrations) {
			return backend.Errorf(backend.EUNAVAILABLE, "the database %s has schema version %d, newer than this program knows (%d); upgrade Engram", s.path, version, len(migrations))
		}
		for v := version; v < len(migrations); v++ {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return fmt.Errorf("migration %d: %w", v+1, err)
			}
			// PRAGMA takes no bound parameters; v is our own integer.
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
				return err
			}
		}
		return nil
	})
}
