package neo4j

import (
	"context"
	"fmt"

	"github.com/engramhq/engram/backend"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// textIndex is the full-text index over the searchable copies of a memory's
// title, summary, content and tags.
const textIndex = "memory_text"

// schema lists every constraint and index by name, with the statement that
// creates it. Names are stable: bootstrap compares them with what exists.
//
// Uniqueness is on (ns, id) and (ns, dedup_key), not on id alone, so that
// stores in different namespaces (see Config.Namespace) may hold the same
// ids, as an export imported next to its source does. Neo4j Community 5
// enforces composite property uniqueness; a lookup by (ns, id) is one seek of
// the constraint's index, as fast as one by id.
//
// The full-text index uses Lucene's English analyzer (lower case, English
// stop words, Porter stemming: "caching" finds "cache", like the SQLite
// store's porter tokenizer). Its tokenizer keeps words joined by _ . : or '
// together (pg_isready is one token) while backend.ParseQuery splits a query
// on anything that is not a letter or digit, so the index covers copies of
// the text in which every other character is a space (see searchable).
// Built-in analyzers cannot split that way, and a custom one would need a
// server plugin, which hosted Neo4j (Aura) does not allow. Updates are
// applied at commit (eventually_consistent false): a memory is searchable as
// soon as it is stored.
var schema = []struct{ name, create string }{
	{"memory_id", `CREATE CONSTRAINT memory_id IF NOT EXISTS FOR (m:Memory) REQUIRE (m.ns, m.id) IS UNIQUE`},
	{"memory_dedup", `CREATE CONSTRAINT memory_dedup IF NOT EXISTS FOR (m:Memory) REQUIRE (m.ns, m.dedup_key) IS UNIQUE`},
	{"memory_type", `CREATE RANGE INDEX memory_type IF NOT EXISTS FOR (m:Memory) ON (m.type)`},
	{"memory_created", `CREATE RANGE INDEX memory_created IF NOT EXISTS FOR (m:Memory) ON (m.created_at)`},
	{"memory_updated", `CREATE RANGE INDEX memory_updated IF NOT EXISTS FOR (m:Memory) ON (m.updated_at)`},
	{"memory_project", `CREATE RANGE INDEX memory_project IF NOT EXISTS FOR (m:Memory) ON (m.project_path)`},
	{textIndex, `CREATE FULLTEXT INDEX ` + textIndex + ` IF NOT EXISTS FOR (m:Memory)
		ON EACH [m.search_title, m.search_summary, m.search_content, m.search_tags]
		OPTIONS {indexConfig: {` + "`fulltext.analyzer`: 'english', `fulltext.eventually_consistent`: false" + `}}`},
}

// indexWait bounds how long bootstrap waits for new indexes to come online
// (populating them over existing data).
const indexWaitSeconds = 300

// bootstrap creates the constraints and indexes that are missing and waits
// until all are online. A database that has them all, the common case, costs
// one read. Several processes may bootstrap at once: IF NOT EXISTS makes the
// statements idempotent.
func (s *Store) bootstrap(ctx context.Context) error {
	states := map[string]string{}
	err := s.read(ctx, "read schema", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, `SHOW INDEXES YIELD name, state RETURN name, state`, nil)
		if err != nil {
			return err
		}
		for _, r := range recs {
			states[r.Values[0].(string)] = r.Values[1].(string)
		}
		return nil
	})
	if err != nil {
		return err
	}
	ready := true
	for _, item := range schema {
		state, ok := states[item.name]
		switch {
		case !ok:
			ready = false
			// Schema changes cannot share a transaction with anything else.
			err := s.write(ctx, "create "+item.name, func(tx neo4j.ManagedTransaction) error {
				_, err := run(ctx, tx, item.create, nil)
				return err
			})
			if err != nil && !alreadyExists(err) {
				return err
			}
		case state == "FAILED":
			return backend.Errorf(backend.EUNAVAILABLE,
				"the Neo4j index %s at %s failed to build; drop it (DROP INDEX %s) and restart Engram to rebuild it",
				item.name, s.uri, item.name)
		case state != "ONLINE":
			ready = false
		}
	}
	if ready {
		return nil
	}
	return s.read(ctx, "wait for indexes", func(tx neo4j.ManagedTransaction) error {
		_, err := run(ctx, tx, fmt.Sprintf(`CALL db.awaitIndexes(%d)`, indexWaitSeconds), nil)
		return err
	})
}

// alreadyExists reports the error of a schema statement that lost a race
// with another process creating the same constraint or index.
func alreadyExists(err error) bool {
	return isCode(err, "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists") ||
		isCode(err, "Neo.ClientError.Schema.IndexAlreadyExists") ||
		isCode(err, "Neo.ClientError.Schema.ConstraintAlreadyExists")
}
