package neo4j

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

var _ backend.ChangeMarker = (*Store)(nil)

// ChangeMark summarises the namespace's memories and edges so that a change
// by any process shows, as the SQLite store does: counts catch creations
// and deletions, the newest update time catches edits and reinforced
// edges. That summary reads every node and edge of the namespace
// (BenchmarkChangeMark), so it is only recomputed when the database
// committed something since the last call, which the bookmark of a trivial
// read tells. No write path pays for it, where a counter node would make
// every write of a namespace queue on one lock.
func (s *Store) ChangeMark(ctx context.Context) (string, error) {
	bookmark, err := s.lastCommitted(ctx)
	if err != nil {
		return "", err
	}
	if mark, ok := s.marks.get(bookmark); ok {
		return mark, nil
	}
	// A write committed after the bookmark was read is in the mark too, and
	// moves the bookmark: the next call computes the mark again.
	mark, err := s.summary(ctx)
	if err != nil {
		return "", err
	}
	s.marks.set(bookmark, mark)
	return mark, nil
}

// markCache is the last change mark and the bookmark read before it.
type markCache struct {
	mu       sync.Mutex // guards bookmark and mark
	bookmark string
	mark     string
}

func (c *markCache) get(bookmark string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mark, bookmark != "" && bookmark == c.bookmark
}

func (c *markCache) set(bookmark, mark string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bookmark, c.mark = bookmark, mark
}

// lastCommitted returns the bookmark of a read on the database, which
// names the last transaction the server committed there (by any client).
func (s *Store) lastCommitted(ctx context.Context) (string, error) {
	// No bookmark manager: this read must not wait for or join the
	// process's causal chain, only learn where the database is.
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeRead, DatabaseName: s.db})
	defer session.Close(context.WithoutCancel(ctx))
	_, err := session.ExecuteRead(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		_, err := run(ctx, tx, `RETURN 1`, nil)
		return nil, err
	}, neo4j.WithTxMetadata(txMetadata("change mark")))
	if err != nil {
		return "", s.fail(ctx, "change mark", err)
	}
	return strings.Join(session.LastBookmarks(), ","), nil
}

// summary counts the namespace's memories and edges and finds their newest
// update times.
func (s *Store) summary(ctx context.Context) (string, error) {
	var mark string
	err := s.read(ctx, "change mark", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, `
			CALL { MATCH (m:Memory {ns: $ns}) RETURN count(m) AS memories, max(m.updated_at) AS memUpdated }
			CALL { MATCH (:Memory {ns: $ns})-[r]->() RETURN count(r) AS rels, max(r.updated_at) AS relUpdated }
			RETURN memories, memUpdated, rels, relUpdated`, s.params(nil))
		if err != nil {
			return err
		}
		if len(recs) != 1 {
			return backend.Errorf(backend.EINTERNAL, "change mark: got %d rows, want 1", len(recs))
		}
		v := recs[0].Values
		mark = fmt.Sprintf("%d/%d/%d/%d", v[0], micros(v[1]), v[2], micros(v[3]))
		return nil
	})
	return mark, err
}

// micros returns a stored time in microseconds, 0 for none.
func micros(v any) int64 {
	if t, ok := v.(time.Time); ok {
		return t.UnixMicro()
	}
	return 0
}

// ServerInfo is what Probe found.
type ServerInfo struct {
	Version  string // such as 5.26.0
	Edition  string // community or enterprise
	Database string // the database used (the server's default when none is set)
	// Schema says whether Engram's schema exists in the database; Memories
	// counts the memories of the namespace when it does.
	Schema   bool
	Memories int
}

// Probe connects to the server of cfg as Open does, with the same checks
// and errors, and reports what it found without writing anything: a
// connection test must not create a schema. Errors: EINVALID for a
// malformed URI, EUNAVAILABLE when the server cannot be reached, refuses
// the login or lacks the database.
func Probe(ctx context.Context, cfg Config) (*ServerInfo, error) {
	s, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	info := &ServerInfo{}
	err = s.read(ctx, "probe", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, `CALL dbms.components() YIELD name, versions, edition
			WHERE name = 'Neo4j Kernel' RETURN versions[0], edition`, nil)
		if err != nil {
			return err
		}
		if len(recs) == 1 {
			info.Version, _ = recs[0].Values[0].(string)
			info.Edition, _ = recs[0].Values[1].(string)
		}
		if recs, err = run(ctx, tx, `CALL db.info() YIELD name`, nil); err != nil {
			return err
		}
		if len(recs) == 1 {
			info.Database, _ = recs[0].Values[0].(string)
		}
		if recs, err = run(ctx, tx, `SHOW CONSTRAINTS YIELD name WHERE name = $name RETURN count(*)`,
			map[string]any{"name": schema[0].name}); err != nil {
			return err
		}
		info.Schema = len(recs) == 1 && recs[0].Values[0].(int64) > 0
		if !info.Schema {
			return nil
		}
		recs, err = run(ctx, tx, `MATCH (m:Memory {ns: $ns}) RETURN count(m)`, s.params(nil))
		if err != nil {
			return err
		}
		info.Memories = int(recs[0].Values[0].(int64))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return info, nil
}
