package neo4j

import (
	"context"
	"errors"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// exportFetchSize is how many records an export asks the server for at a
// time: memories of up to 50 KB each stay a few MB in flight.
const exportFetchSize = 100

// callbackError carries an export callback's error through the driver,
// which must not mistake it for a failure worth retrying.
type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }
func (e *callbackError) Unwrap() error { return e.err }

// stream runs query in a read transaction and hands the first value of each
// record to each as the driver fetches them, never holding the whole result.
// When the driver retries the transaction after a transient failure, the
// records already handed over are skipped: the order is total, so the retry
// goes on where the failure stopped.
func (s *Store) stream(ctx context.Context, op, query string, each func(any) error) error {
	sent := 0
	err := s.execute(ctx, op, neo4j.AccessModeRead, exportFetchSize, func(tx neo4j.ManagedTransaction) error {
		res, err := tx.Run(ctx, query, s.params(nil))
		if err != nil {
			return err
		}
		for skip := sent; res.Next(ctx); {
			if skip > 0 {
				skip--
				continue
			}
			// Records arrive in batches: checking here stops a slow consumer
			// at once.
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := each(res.Record().Values[0]); err != nil {
				return &callbackError{err}
			}
			sent++
		}
		return res.Err()
	})
	if ce := (*callbackError)(nil); errors.As(err, &ce) {
		return ce.err
	}
	return err
}

// ExportMemories calls fn for each memory, oldest first. Saying created_at
// exists lets the planner read its index in order instead of sorting.
func (s *Store) ExportMemories(ctx context.Context, fn func(*backend.Memory) error) error {
	return s.stream(ctx, "export memories", `MATCH (m:Memory {ns: $ns}) WHERE m.created_at IS NOT NULL
		WITH m ORDER BY m.created_at, m.id RETURN `+memoryMap("m"), func(v any) error {
		m, err := decodeMemory(v)
		if err != nil {
			return err
		}
		return fn(m)
	})
}

// ExportRelationships calls fn for each relationship, oldest first.
func (s *Store) ExportRelationships(ctx context.Context, fn func(*backend.Relationship) error) error {
	return s.stream(ctx, "export relationships", `MATCH (:Memory {ns: $ns})-[r]->() WITH r ORDER BY r.created_at, r.id
		RETURN `+relMap, func(v any) error {
		r, err := decodeRelationship(v)
		if err != nil {
			return err
		}
		return fn(r)
	})
}

// stored is what an import needs to know of a memory already in the store.
type stored struct {
	updated time.Time
	key     string
}

// ImportMemories writes ms in one transaction of four queries whatever
// their number: it reads the stored memories with the batch's ids and dedup
// keys, decides in Go, memory by memory in batch order (so a batch that
// repeats itself is judged as if stored one by one), what to create, replace
// or skip, then writes the replacements and the new memories with UNWIND.
// An existing id is replaced only by a newer copy; a memory equal to another
// one (same type, title and content) is skipped and mapped to it.
func (s *Store) ImportMemories(ctx context.Context, ms []*backend.Memory) (*backend.ImportResult, error) {
	var res *backend.ImportResult
	err := s.write(ctx, "import memories", func(tx neo4j.ManagedTransaction) error {
		res = &backend.ImportResult{}
		ids := make([]string, len(ms))
		keys := make([]string, len(ms))
		for i, m := range ms {
			ids[i], keys[i] = m.ID, m.DedupKey()
		}
		byID := map[string]stored{}
		recs, err := run(ctx, tx, `UNWIND $ids AS id MATCH (m:Memory {ns: $ns, id: id})
			RETURN m.id, m.updated_at, m.dedup_key`, s.params(map[string]any{"ids": ids}))
		if err != nil {
			return err
		}
		for _, r := range recs {
			byID[r.Values[0].(string)] = stored{updated: r.Values[1].(time.Time), key: r.Values[2].(string)}
		}
		holder := map[string]string{} // dedup key -> id
		recs, err = run(ctx, tx, `UNWIND $keys AS key MATCH (m:Memory {ns: $ns, dedup_key: key})
			RETURN key, m.id`, s.params(map[string]any{"keys": keys}))
		if err != nil {
			return err
		}
		for _, r := range recs {
			holder[r.Values[0].(string)] = r.Values[1].(string)
		}

		var creates, replaces []map[string]any
		created := map[string]int{} // id -> index in creates
		for i, m := range ms {
			key := keys[i]
			old, exists := byID[m.ID]
			switch h := holder[key]; {
			case !exists && h != "":
				res.Skipped++
				if res.IDMap == nil {
					res.IDMap = map[string]string{}
				}
				res.IDMap[m.ID] = h
				continue
			case !exists:
				res.Created++
				created[m.ID] = len(creates)
				creates = append(creates, s.newMemoryProps(m))
			case !m.UpdatedAt.After(old.updated), h != "" && h != m.ID:
				// Not newer, or the newer copy would duplicate another
				// memory: the stored one stays.
				res.Skipped++
				continue
			default:
				res.Updated++
				if j, ok := created[m.ID]; ok {
					creates[j] = s.newMemoryProps(m)
				} else {
					replaces = append(replaces, memoryProps(m))
				}
			}
			if holder[old.key] == m.ID {
				delete(holder, old.key)
			}
			holder[key] = m.ID
			byID[m.ID] = stored{updated: m.UpdatedAt, key: key}
		}
		if len(replaces) > 0 {
			if _, err := run(ctx, tx, `UNWIND $rows AS row MATCH (m:Memory {ns: $ns, id: row.id}) SET m += row`,
				s.params(map[string]any{"rows": replaces})); err != nil {
				return err
			}
		}
		if len(creates) > 0 {
			if _, err := run(ctx, tx, `UNWIND $rows AS row CREATE (m:Memory) SET m = row`,
				map[string]any{"rows": creates}); err != nil {
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

// ImportRelationships writes rs in one transaction, keeping their ids and
// times. An edge that exists (by ends and type) stays as it is; one with a
// missing end is skipped. Edges are merged with one UNWIND query per type,
// since a query names its relationship type literally.
func (s *Store) ImportRelationships(ctx context.Context, rs []*backend.Relationship) (*backend.ImportResult, error) {
	type triple struct {
		from, to string
		typ      backend.RelationshipType
	}
	byType := map[backend.RelationshipType][]map[string]any{}
	var types []backend.RelationshipType
	var res *backend.ImportResult
	err := s.write(ctx, "import relationships", func(tx neo4j.ManagedTransaction) error {
		res = &backend.ImportResult{}
		clear(byType)
		types = types[:0]
		ends := make([]string, 0, 2*len(rs))
		for _, r := range rs {
			ends = append(ends, r.FromID, r.ToID)
		}
		found, err := s.existing(ctx, tx, ends)
		if err != nil {
			return err
		}
		// A batch that names one edge twice keeps the first, as a store
		// of one edge after the other would.
		seen := map[triple]bool{}
		for _, r := range rs {
			t := triple{r.FromID, r.ToID, r.Type}
			if !found[r.FromID] || !found[r.ToID] || seen[t] {
				res.Skipped++
				continue
			}
			seen[t] = true
			if byType[r.Type] == nil {
				types = append(types, r.Type)
			}
			byType[r.Type] = append(byType[r.Type], map[string]any{"from": r.FromID, "to": r.ToID, "props": relProps(r)})
		}
		for _, t := range types {
			label, err := relLabel(t)
			if err != nil {
				return err
			}
			recs, err := run(ctx, tx, `UNWIND $rows AS row
				MATCH (a:Memory {ns: $ns, id: row.from})
				MATCH (b:Memory {ns: $ns, id: row.to})
				MERGE (a)-[r:`+label+`]->(b)
				ON CREATE SET r = row.props, r._new = true
				WITH r, r._new IS NOT NULL AS created
				REMOVE r._new
				RETURN created`, s.params(map[string]any{"rows": byType[t]}))
			if err != nil {
				return err
			}
			for _, rec := range recs {
				if rec.Values[0].(bool) {
					res.Created++
				} else {
					res.Skipped++
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
