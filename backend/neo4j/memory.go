package neo4j

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// A memory is a :Memory node. Its context is spread over plain properties
// (project_path, files, …) so that Cypher users can query them; only the
// free-form extra map, which Neo4j cannot store, is JSON text. Times are
// native zoned datetimes in UTC, which keep microseconds exactly. The
// search_* properties are the full-text index's copies of the text (see
// schema).

// memoryFields are the properties decodeMemory reads, as a map projection.
const memoryFields = `.id, .type, .title, .content, .summary, .tags, .importance, .confidence,
	.project_path, .files, .languages, .frameworks, .git_branch, .git_commit, .session_id, .extra,
	.created_at, .updated_at, .last_accessed_at, .access_count, .version`

// memoryMap projects the node variable v onto the properties decodeMemory
// reads, leaving out the search copies of the text.
func memoryMap(v string) string { return v + ` {` + memoryFields + `}` }

// nonNil returns an empty list for nil so the property is a list either way.
func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// extraJSON stores the context's extra map as JSON text, "" when empty.
func extraJSON(extra map[string]string) string {
	if len(extra) == 0 {
		return ""
	}
	b, err := json.Marshal(extra)
	if err != nil { // a map of strings always marshals
		panic(fmt.Sprintf("neo4j: marshal context extra: %v", err))
	}
	return string(b)
}

// textProps are the properties a change of title, content, summary or tags
// rewrites, search copies included.
func textProps(m *backend.Memory, props map[string]any) {
	props["title"] = m.Title
	props["content"] = m.Content
	props["summary"] = m.Summary
	props["tags"] = nonNil(m.Tags)
	searchProps(m.Title, m.Summary, m.Content, m.Tags, props)
}

func contextProps(c backend.Context, props map[string]any) {
	props["project_path"] = c.ProjectPath
	props["files"] = nonNil(c.Files)
	props["languages"] = nonNil(c.Languages)
	props["frameworks"] = nonNil(c.Frameworks)
	props["git_branch"] = c.GitBranch
	props["git_commit"] = c.GitCommit
	props["session_id"] = c.SessionID
	props["extra"] = extraJSON(c.Extra)
}

// newMemoryProps returns every property of a new node for m: memoryProps
// and the store's namespace, also as the token the full-text index filters
// on.
func (s *Store) newMemoryProps(m *backend.Memory) map[string]any {
	props := memoryProps(m)
	props["ns"] = s.ns
	props[nsField] = namespaceToken(s.ns)
	return props
}

// memoryProps returns every stored property of m except its namespace.
func memoryProps(m *backend.Memory) map[string]any {
	props := map[string]any{
		"id": m.ID, "type": string(m.Type), "importance": m.Importance, "confidence": m.Confidence,
		"created_at": m.CreatedAt.UTC(), "updated_at": m.UpdatedAt.UTC(), "last_accessed_at": timeOrNil(m.LastAccessedAt),
		"access_count": m.AccessCount, "version": m.Version, "dedup_key": m.DedupKey(),
	}
	textProps(m, props)
	contextProps(m.Context, props)
	return props
}

func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// props reads a projected map; each getter records the first property that
// is missing or of the wrong type, so a bad node gives one clear error.
type props struct {
	m   map[string]any
	err error
}

func (p *props) fail(key string, v any) {
	if p.err == nil {
		p.err = fmt.Errorf("property %s has unexpected value %#v", key, v)
	}
}

func (p *props) str(key string) string {
	switch v := p.m[key].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		p.fail(key, v)
		return ""
	}
}

func (p *props) float(key string) float64 {
	switch v := p.m[key].(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	default:
		p.fail(key, v)
		return 0
	}
}

func (p *props) int(key string) int64 {
	v, ok := p.m[key].(int64)
	if !ok {
		p.fail(key, p.m[key])
	}
	return v
}

func (p *props) list(key string) []string {
	v, ok := p.m[key].([]any)
	if !ok {
		if p.m[key] != nil {
			p.fail(key, p.m[key])
		}
		return nil
	}
	out := make([]string, 0, len(v))
	for _, x := range v {
		s, ok := x.(string)
		if !ok {
			p.fail(key, v)
		}
		out = append(out, s)
	}
	return out
}

func (p *props) time(key string) time.Time {
	v, ok := p.m[key].(time.Time)
	if !ok {
		p.fail(key, p.m[key])
	}
	return v.UTC()
}

func (p *props) timePtr(key string) *time.Time {
	if p.m[key] == nil {
		return nil
	}
	t := p.time(key)
	return &t
}

// decodeMemory reads a memoryMap projection.
func decodeMemory(v any) (*backend.Memory, error) {
	raw, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("memory: got %T, want a map", v)
	}
	p := &props{m: raw}
	m := &backend.Memory{
		ID: p.str("id"), Type: backend.MemoryType(p.str("type")),
		Title: p.str("title"), Content: p.str("content"), Summary: p.str("summary"),
		Tags: p.list("tags"), Importance: p.float("importance"), Confidence: p.float("confidence"),
		Context: backend.Context{
			ProjectPath: p.str("project_path"), Files: p.list("files"), Languages: p.list("languages"),
			Frameworks: p.list("frameworks"), GitBranch: p.str("git_branch"), GitCommit: p.str("git_commit"),
			SessionID: p.str("session_id"),
		},
		CreatedAt: p.time("created_at"), UpdatedAt: p.time("updated_at"), LastAccessedAt: p.timePtr("last_accessed_at"),
		AccessCount: p.int("access_count"), Version: p.int("version"),
	}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	if extra := p.str("extra"); extra != "" {
		if err := json.Unmarshal([]byte(extra), &m.Context.Extra); err != nil {
			return nil, fmt.Errorf("memory %s: context extra: %w", m.ID, err)
		}
	}
	if p.err != nil {
		return nil, fmt.Errorf("memory %s: %w", m.ID, p.err)
	}
	return m, nil
}

// params returns ps with the store's namespace added as $ns.
func (s *Store) params(ps map[string]any) map[string]any {
	if ps == nil {
		ps = map[string]any{}
	}
	ps["ns"] = s.ns
	return ps
}

// memories runs a query whose records start with a memoryMap projection.
func (s *Store) memories(ctx context.Context, tx neo4j.ManagedTransaction, query string, ps map[string]any) ([]*backend.Memory, error) {
	return decodeAll(ctx, tx, query, s.params(ps), decodeMemory)
}

func (s *Store) getMemory(ctx context.Context, tx neo4j.ManagedTransaction, id string) (*backend.Memory, error) {
	ms, err := s.memories(ctx, tx, `MATCH (m:Memory {ns: $ns, id: $id}) RETURN `+memoryMap("m"), map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, backend.NotFound("memory", id)
	}
	return ms[0], nil
}

// GetMemory returns the memory with id.
func (s *Store) GetMemory(ctx context.Context, id string) (*backend.Memory, error) {
	var m *backend.Memory
	err := s.read(ctx, "get memory", func(tx neo4j.ManagedTransaction) (err error) {
		m, err = s.getMemory(ctx, tx, id)
		return err
	})
	return m, err
}

// RecordAccess counts one access to each existing id. Reading the count in
// the SET that writes it makes Cypher lock the node first, so concurrent
// accesses are all counted; taking the locks in id order keeps two calls
// with the same ids from deadlocking.
func (s *Store) RecordAccess(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return s.write(ctx, "record access", func(tx neo4j.ManagedTransaction) error {
		_, err := run(ctx, tx, `UNWIND $ids AS id MATCH (m:Memory {ns: $ns, id: id})
			SET m.access_count = m.access_count + 1, m.last_accessed_at = $at`,
			s.params(map[string]any{"ids": ids, "at": at.UTC()}))
		return err
	})
}

// UpdateMemory applies u to the memory with id under optimistic locking.
func (s *Store) UpdateMemory(ctx context.Context, id string, u backend.MemoryUpdate, now time.Time) (*backend.Memory, error) {
	var m *backend.Memory
	err := s.write(ctx, "update memory", func(tx neo4j.ManagedTransaction) error {
		// Writing a property first takes the node's write lock, so what is
		// read next cannot change before this transaction ends. (Writing a
		// property its own value takes no lock.)
		ms, err := s.memories(ctx, tx, `MATCH (m:Memory {ns: $ns, id: $id}) SET m._lock = true REMOVE m._lock
			RETURN `+memoryMap("m"), map[string]any{"id": id})
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			return backend.NotFound("memory", id)
		}
		m = ms[0]
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
			recs, err := run(ctx, tx, `MATCH (o:Memory {ns: $ns, dedup_key: $key}) RETURN o.id`,
				s.params(map[string]any{"key": key}))
			if err != nil {
				return err
			}
			if len(recs) > 0 && recs[0].Values[0] != id {
				return backend.Errorf(backend.ECONFLICT,
					"memory %s already has this type, title and content; update or delete that one instead", recs[0].Values[0])
			}
		}
		_, err = run(ctx, tx, `MATCH (m:Memory {ns: $ns, id: $id}) SET m += $props`,
			s.params(map[string]any{"id": id, "props": updateProps(m, u, key)}))
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// updateProps returns the properties an update writes: the bookkeeping ones
// and those u sets. Leaving the text alone when only numbers change keeps
// the full-text index from re-indexing it.
func updateProps(m *backend.Memory, u backend.MemoryUpdate, key string) map[string]any {
	props := map[string]any{"updated_at": m.UpdatedAt.UTC(), "version": m.Version, "dedup_key": key}
	if u.Type != nil {
		props["type"] = string(m.Type)
	}
	if u.Title != nil || u.Content != nil || u.Summary != nil || u.Tags != nil {
		textProps(m, props)
	}
	if u.Importance != nil {
		props["importance"] = m.Importance
	}
	if u.Confidence != nil {
		props["confidence"] = m.Confidence
	}
	if u.Context != nil {
		contextProps(m.Context, props)
	}
	return props
}

// DeleteMemory removes the memory with id and its edges.
func (s *Store) DeleteMemory(ctx context.Context, id string) error {
	return s.write(ctx, "delete memory", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, `MATCH (m:Memory {ns: $ns, id: $id}) DETACH DELETE m RETURN count(*)`,
			s.params(map[string]any{"id": id}))
		if err != nil {
			return err
		}
		if recs[0].Values[0].(int64) == 0 {
			return backend.NotFound("memory", id)
		}
		return nil
	})
}
