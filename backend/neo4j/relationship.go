package neo4j

import (
	"context"
	"fmt"
	"strings"

	"github.com/engramhq/engram/backend"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// A relationship is a native edge whose type is the relationship type
// (-[:SOLVES]->), with id, strength, confidence, context, evidence_count,
// created_at and updated_at as properties.

// relMap projects the edge variable r onto what decodeRelationship reads.
const relMap = `{id: r.id, from: startNode(r).id, to: endNode(r).id, type: type(r), strength: r.strength,
	confidence: r.confidence, context: r.context, evidence_count: r.evidence_count,
	created_at: r.created_at, updated_at: r.updated_at}`

func decodeRelationship(v any) (*backend.Relationship, error) {
	raw, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("relationship: got %T, want a map", v)
	}
	p := &props{m: raw}
	r := &backend.Relationship{
		ID: p.str("id"), FromID: p.str("from"), ToID: p.str("to"), Type: backend.RelationshipType(p.str("type")),
		Strength: p.float("strength"), Confidence: p.float("confidence"), Context: p.str("context"),
		EvidenceCount: p.int("evidence_count"), CreatedAt: p.time("created_at"), UpdatedAt: p.time("updated_at"),
	}
	if p.err != nil {
		return nil, fmt.Errorf("relationship %s: %w", r.ID, p.err)
	}
	return r, nil
}

// relationships runs a query whose records start with a relMap projection.
func (s *Store) relationships(ctx context.Context, tx neo4j.ManagedTransaction, query string, ps map[string]any) ([]*backend.Relationship, error) {
	return decodeAll(ctx, tx, query, s.params(ps), decodeRelationship)
}

// relProps returns the stored properties of r.
func relProps(r *backend.Relationship) map[string]any {
	return map[string]any{
		"id": r.ID, "strength": r.Strength, "confidence": r.Confidence, "context": r.Context,
		"evidence_count": r.EvidenceCount, "created_at": r.CreatedAt.UTC(), "updated_at": r.UpdatedAt.UTC(),
	}
}

// relLabel returns t for use as a native relationship type in a query.
// Cypher cannot take a relationship type as a parameter, so this check
// against the fixed enum is what keeps input out of the query text.
func relLabel(t backend.RelationshipType) (string, error) {
	if !t.Valid() {
		return "", backend.Invalid("relationship_type", "%q is not a relationship type; use one of %v", t, backend.RelationshipTypes)
	}
	return string(t), nil
}

// relLabels returns ":A|B" for a pattern limited to types, or "" for none.
func relLabels(types []backend.RelationshipType) (string, error) {
	if len(types) == 0 {
		return "", nil
	}
	labels := make([]string, len(types))
	for i, t := range types {
		l, err := relLabel(t)
		if err != nil {
			return "", err
		}
		labels[i] = l
	}
	return ":" + strings.Join(labels, "|"), nil
}

// missingEnd returns ENOTFOUND naming the field of the first of from and to
// that is not a memory, or nil when both are.
func (s *Store) missingEnd(ctx context.Context, tx neo4j.ManagedTransaction, from, to string) error {
	found, err := s.existing(ctx, tx, []string{from, to})
	if err != nil {
		return err
	}
	for _, end := range []struct{ field, id string }{{"from_memory_id", from}, {"to_memory_id", to}} {
		if !found[end.id] {
			return &backend.Error{Code: backend.ENOTFOUND, Field: end.field, Message: fmt.Sprintf("memory %q not found", end.id)}
		}
	}
	return nil
}

// existing returns which of ids are memories.
func (s *Store) existing(ctx context.Context, tx neo4j.ManagedTransaction, ids []string) (map[string]bool, error) {
	recs, err := run(ctx, tx, `UNWIND $ids AS id MATCH (m:Memory {ns: $ns, id: id}) RETURN m.id`,
		s.params(map[string]any{"ids": ids}))
	if err != nil {
		return nil, err
	}
	found := make(map[string]bool, len(recs))
	for _, r := range recs {
		found[r.Values[0].(string)] = true
	}
	return found, nil
}

// CreateRelationship inserts r or reinforces the edge it repeats. MERGE
// locks both memories, so concurrent creations of one edge make it once and
// reinforce it for the rest; the _new marker says which happened.
func (s *Store) CreateRelationship(ctx context.Context, r *backend.Relationship) (*backend.Relationship, bool, error) {
	label, err := relLabel(r.Type)
	if err != nil {
		return nil, false, err
	}
	if r.FromID == r.ToID {
		return nil, false, backend.Invalid("to_memory_id", "a memory cannot be related to itself; pick two different memories")
	}
	var (
		stored  *backend.Relationship
		created bool
	)
	err = s.write(ctx, "create relationship", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, `MATCH (a:Memory {ns: $ns, id: $from})
			MATCH (b:Memory {ns: $ns, id: $to})
			MERGE (a)-[r:`+label+`]->(b)
			ON CREATE SET r += $props, r._new = true
			ON MATCH SET r.strength = $props.strength, r.confidence = $props.confidence,
				r.context = CASE WHEN $props.context = '' THEN r.context ELSE $props.context END,
				r.evidence_count = r.evidence_count + 1, r.updated_at = $props.updated_at
			WITH r, r._new IS NOT NULL AS created
			REMOVE r._new
			RETURN `+relMap+`, created`,
			s.params(map[string]any{"from": r.FromID, "to": r.ToID, "props": relProps(r)}))
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return s.missingEnd(ctx, tx, r.FromID, r.ToID)
		}
		created = recs[0].Values[1].(bool)
		stored, err = decodeRelationship(recs[0].Values[0])
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return stored, created, nil
}

// DeleteRelationship removes the edge (from, to, typ).
func (s *Store) DeleteRelationship(ctx context.Context, from, to string, typ backend.RelationshipType) error {
	return s.write(ctx, "delete relationship", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, `MATCH (:Memory {ns: $ns, id: $from})-[r]->(:Memory {ns: $ns, id: $to})
			WHERE type(r) = $type DELETE r RETURN count(*)`,
			s.params(map[string]any{"from": from, "to": to, "type": string(typ)}))
		if err != nil {
			return err
		}
		if recs[0].Values[0].(int64) == 0 {
			return backend.Errorf(backend.ENOTFOUND, "relationship %s -%s-> %s not found", from, typ, to)
		}
		return nil
	})
}

// Relationships returns the edges that start or end at id, newest first.
func (s *Store) Relationships(ctx context.Context, id string) ([]*backend.Relationship, error) {
	var out []*backend.Relationship
	err := s.read(ctx, "list relationships", func(tx neo4j.ManagedTransaction) error {
		found, err := s.existing(ctx, tx, []string{id})
		if err != nil {
			return err
		}
		if !found[id] {
			return backend.NotFound("memory", id)
		}
		out, err = s.relationships(ctx, tx, `MATCH (:Memory {ns: $ns, id: $id})-[r]-()
			RETURN `+relMap+` ORDER BY r.created_at DESC, r.id DESC`, map[string]any{"id": id})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
