package neo4j

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

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
var schema = []struct{ name, create string }{
	{"memory_id", `CREATE CONSTRAINT memory_id IF NOT EXISTS FOR (m:Memory) REQUIRE (m.ns, m.id) IS UNIQUE`},
	{"memory_dedup", `CREATE CONSTRAINT memory_dedup IF NOT EXISTS FOR (m:Memory) REQUIRE (m.ns, m.dedup_key) IS UNIQUE`},
	{"memory_type", `CREATE RANGE INDEX memory_type IF NOT EXISTS FOR (m:Memory) ON (m.type)`},
	{"memory_created", `CREATE RANGE INDEX memory_created IF NOT EXISTS FOR (m:Memory) ON (m.created_at)`},
	{"memory_updated", `CREATE RANGE INDEX memory_updated IF NOT EXISTS FOR (m:Memory) ON (m.updated_at)`},
	{"memory_project", `CREATE RANGE INDEX memory_project IF NOT EXISTS FOR (m:Memory) ON (m.project_path)`},
	{textIndex, createTextIndex()},
}

// The full-text index holds the SQLite store's tokens: the search_*
// properties are searchWords of the text (split as unicode61 splits,
// diacritics folded, Porter-stemmed as FTS5's porter tokenizer stems)
// separated by spaces, and the whitespace analyzer takes them as they are,
// with no stop words and no stemming of its own. Lucene's english
// analyzer, used before, dropped stop words from the index (so the phrase
// "run to" matched any "run") and stemmed differently. Built-in analyzers
// cannot do this themselves, and a custom one would need a server plugin,
// which hosted Neo4j (Aura) does not allow. When the analyzer changes,
// bootstrap derives every memory's search_* properties again: change it
// (or the index's name) whenever searchWords changes.
//
// Updates are applied at commit (eventually_consistent false), so a memory
// is found by any search that starts after it was stored. Each write
// transaction then pays for bringing Lucene's index and reader up to date:
// the commit adds the documents and refreshes the reader, which writes
// them as a new small segment. Measured on a busy 2-core machine, a
// transaction storing one memory took 7 ms and one storing 16 took 10 to
// 12, 6 of them in the commit, where 16 without the full-text and range
// indexes took 4.5 in all: hence the group commit of CreateMemory.
// Neo4j then merges the small segments in the background (its merge
// policy joins segments two at a time), which took half the server's CPU
// while memories were stored. An eventually consistent index makes the
// store itself cheap but leaves the same work, done transaction by
// transaction by a background thread, to the next search, which must wait
// for it to see what was stored: measured, 200 stores and then a search
// that waited 3.5 to 6 s. Bulk writes (import, migration) put many
// memories in one transaction and one refresh.
const (
	textAnalyzer           = "whitespace"
	textEventualConsistent = false
)

// nsField holds namespaceToken of a memory's namespace, indexed so that a
// search can leave other namespaces to Lucene: filtering the hits in Cypher
// instead reads every hit's node, which made a search for a common word
// among 10,000 memories 20 to 100 times slower.
const nsField = "search_ns"

// namespaceToken is the namespace ns as one word that the analyzer keeps
// whole: letters and digits only. Hashing makes every namespace, the empty
// one too, a token of the same shape.
func namespaceToken(ns string) string {
	sum := sha256.Sum256([]byte(ns))
	return "ns" + hex.EncodeToString(sum[:16]) + "0"
}

// textIndexProperties are the full-text index's properties in order.
func textIndexProperties() []string {
	props := make([]string, 0, len(searchFields)+1)
	for _, f := range searchFields {
		props = append(props, f.name)
	}
	return append(props, nsField)
}

func createTextIndex() string {
	var props []string
	for _, p := range textIndexProperties() {
		props = append(props, "m."+p)
	}
	return fmt.Sprintf("CREATE FULLTEXT INDEX %s IF NOT EXISTS FOR (m:Memory) ON EACH [%s]"+
		" OPTIONS {indexConfig: {`fulltext.analyzer`: '%s', `fulltext.eventually_consistent`: %t}}",
		textIndex, strings.Join(props, ", "), textAnalyzer, textEventualConsistent)
}

// sameTextIndex reports whether an existing full-text index covers
// textIndexProperties with the analyzer and consistency above.
func sameTextIndex(properties []any, options map[string]any) bool {
	want := textIndexProperties()
	if len(properties) != len(want) {
		return false
	}
	for i, p := range want {
		if properties[i] != p {
			return false
		}
	}
	config, _ := options["indexConfig"].(map[string]any)
	return config["fulltext.analyzer"] == textAnalyzer && config["fulltext.eventually_consistent"] == textEventualConsistent
}

// indexWaitSeconds bounds how long bootstrap waits for new indexes to come
// online (populating them over existing data).
const indexWaitSeconds = 300

// bootstrap creates the constraints and indexes that are missing, rebuilds
// a full-text index made with other settings (by an older Engram), and waits
// until all are online. A database that has them all, the common case, costs
// one read. Several processes may bootstrap at once: IF NOT EXISTS makes the
// statements idempotent.
func (s *Store) bootstrap(ctx context.Context) error {
	states := map[string]string{}
	stale := false
	err := s.read(ctx, "read schema", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, `SHOW INDEXES YIELD name, state, properties, options`, nil)
		if err != nil {
			return err
		}
		for _, r := range recs {
			name := r.Values[0].(string)
			states[name] = r.Values[1].(string)
			if name == textIndex {
				props, _ := r.Values[2].([]any)
				opts, _ := r.Values[3].(map[string]any)
				stale = !sameTextIndex(props, opts)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if stale {
		if err := s.schemaChange(ctx, "drop "+textIndex, `DROP INDEX `+textIndex+` IF EXISTS`); err != nil {
			return err
		}
		delete(states, textIndex)
	}
	if _, ok := states[textIndex]; !ok {
		// Without the index (new, dropped, or stale from an older
		// Engram) the search_* properties may come from another
		// derivation: write them again before the index reads them.
		if err := s.rederiveSearchText(ctx); err != nil {
			return err
		}
	}
	ready := true
	for _, item := range schema {
		state, ok := states[item.name]
		switch {
		case !ok:
			ready = false
			if err := s.schemaChange(ctx, "create "+item.name, item.create); err != nil && !alreadyExists(err) {
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

// rederiveBatch is how many memories one transaction of rederiveSearchText
// rewrites: large enough to be quick, small enough for a modest heap.
const rederiveBatch = 1000

// rederiveSearchText writes every memory's search_* properties again, in
// every namespace, from its title, summary, content and tags, a batch per
// transaction. Rerunning it (several processes, or one interrupted) is
// harmless.
func (s *Store) rederiveSearchText(ctx context.Context) error {
	var keys []any // [ns, id] of every memory
	err := s.read(ctx, "list memories to re-index", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, `MATCH (m:Memory) RETURN [m.ns, m.id]`, nil)
		keys = make([]any, len(recs))
		for i, r := range recs {
			keys[i] = r.Values[0]
		}
		return err
	})
	if err != nil {
		return err
	}
	for start := 0; start < len(keys); start += rederiveBatch {
		batch := keys[start:min(start+rederiveBatch, len(keys))]
		err := s.write(ctx, "re-index memories", func(tx neo4j.ManagedTransaction) error {
			// Matching on ns and id seeks memory_id's index.
			recs, err := run(ctx, tx, `UNWIND $keys AS k MATCH (m:Memory {ns: k[0], id: k[1]})
				RETURN k, m.title, m.summary, m.content, m.tags`, map[string]any{"keys": batch})
			if err != nil {
				return err
			}
			rows := make([]map[string]any, len(recs))
			for i, r := range recs {
				var tags []string
				for _, t := range asList(r.Values[4]) {
					tags = append(tags, fmt.Sprint(t))
				}
				props := map[string]any{}
				searchProps(asString(r.Values[1]), asString(r.Values[2]), asString(r.Values[3]), tags, props)
				rows[i] = map[string]any{"k": r.Values[0], "props": props}
			}
			_, err = run(ctx, tx, `UNWIND $rows AS r MATCH (m:Memory {ns: r.k[0], id: r.k[1]}) SET m += r.props`,
				map[string]any{"rows": rows})
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// asString is a property read from Neo4j as a string, "" when missing.
func asString(v any) string {
	s, _ := v.(string)
	return s
}

// asList is a list property read from Neo4j, nil when missing.
func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// schemaChange runs one schema statement in a transaction of its own:
// schema changes cannot share one with anything else.
func (s *Store) schemaChange(ctx context.Context, op, statement string) error {
	return s.write(ctx, op, func(tx neo4j.ManagedTransaction) error {
		_, err := run(ctx, tx, statement, nil)
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
