package neo4j

import (
	"context"
	"fmt"

	"github.com/engramhq/engram/backend"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// RelatedMemories and Subgraph walk breadth first in Go, one query per
// level inside one read transaction, exactly as the SQLite store does: each
// memory is visited once, at its smallest depth, through the same edge on
// every run (strongest, then oldest), and the walk stops at its limit.
// FindPath leaves the search to Neo4j's shortestPath.

// patterns are the edge patterns from a frontier node n to far by direction.
var patterns = map[backend.Direction]string{
	backend.DirOut:  `(n)-[r]->(far)`,
	backend.DirIn:   `(n)<-[r]-(far)`,
	backend.DirBoth: `(n)-[r]-(far)`,
}

// hops returns the edges that leave the frontier in direction dir, limited
// to relTypes when it is not empty and to far ends of memTypes when that is
// not empty, in frontier order, then strongest and oldest first.
func (s *Store) hops(ctx context.Context, tx neo4j.ManagedTransaction, frontier []string, dir backend.Direction,
	relTypes []backend.RelationshipType, memTypes []backend.MemoryType) ([]backend.Hop, error) {
	pattern, ok := patterns[dir]
	if !ok {
		return nil, backend.Invalid("direction", "%q is not a direction; use %q, %q or %q", dir, backend.DirOut, backend.DirIn, backend.DirBoth)
	}
	ps := map[string]any{"frontier": frontier}
	query := `UNWIND $frontier AS id MATCH (n:Memory {ns: $ns, id: id}) MATCH ` + pattern + ` WHERE true`
	if len(relTypes) > 0 {
		ps["relTypes"] = relTypeNames(relTypes)
		query += ` AND type(r) IN $relTypes`
	}
	if len(memTypes) > 0 {
		ps["memTypes"] = typeNames(memTypes)
		query += ` AND far.type IN $memTypes`
	}
	recs, err := run(ctx, tx, query+` RETURN `+relMap+`, id, far.id`, s.params(ps))
	if err != nil {
		return nil, err
	}
	out := make([]backend.Hop, 0, len(recs))
	for _, rec := range recs {
		r, err := decodeRelationship(rec.Values[0])
		if err != nil {
			return nil, err
		}
		out = append(out, backend.Hop{Rel: r, Near: rec.Values[1].(string), Far: rec.Values[2].(string)})
	}
	backend.SortHops(out, frontier)
	return out, nil
}

func relTypeNames(l []backend.RelationshipType) []string {
	out := make([]string, len(l))
	for i, t := range l {
		out[i] = string(t)
	}
	return out
}

// memoriesByID returns the existing memories among ids, by id.
func (s *Store) memoriesByID(ctx context.Context, tx neo4j.ManagedTransaction, ids []string) (map[string]*backend.Memory, error) {
	out := make(map[string]*backend.Memory, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ms, err := s.memories(ctx, tx, `UNWIND $ids AS id MATCH (m:Memory {ns: $ns, id: id}) RETURN `+memoryMap("m"),
		map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		out[m.ID] = m
	}
	return out, nil
}

// RelatedMemories returns the memories within q.Depth hops of q.ID, each at
// its smallest depth with the edge that first reached it, nearest first.
func (s *Store) RelatedMemories(ctx context.Context, q backend.RelatedQuery) ([]*backend.RelatedMemory, error) {
	q = q.WithDefaults()
	var out []*backend.RelatedMemory
	err := s.read(ctx, "related memories", func(tx neo4j.ManagedTransaction) error {
		found, err := s.existing(ctx, tx, []string{q.ID})
		if err != nil {
			return err
		}
		if !found[q.ID] {
			return backend.NotFound("memory", q.ID)
		}
		out, err = backend.WalkRelated(q,
			func(frontier []string) ([]backend.Hop, error) {
				return s.hops(ctx, tx, frontier, q.Direction, q.Types, nil)
			},
			func(ids []string) (map[string]*backend.Memory, error) { return s.memoriesByID(ctx, tx, ids) })
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindPath returns a shortest path from one memory to another over edges
// of either direction, or nil when none is within maxDepth hops.
func (s *Store) FindPath(ctx context.Context, from, to string, maxDepth int, types []backend.RelationshipType) (*backend.Path, error) {
	labels, err := relLabels(types)
	if err != nil {
		return nil, err
	}
	var path *backend.Path
	err = s.read(ctx, "find path", func(tx neo4j.ManagedTransaction) error {
		path = nil
		if err := s.missingEnd(ctx, tx, from, to); err != nil {
			return err
		}
		if from == to {
			ms, err := s.memoriesByID(ctx, tx, []string{from})
			if err != nil {
				return err
			}
			path = &backend.Path{Memories: []*backend.Memory{ms[from]}, Relationships: []*backend.Relationship{}}
			return nil
		}
		if maxDepth < 1 {
			return nil
		}
		// The bound of a variable-length pattern must be a literal; maxDepth
		// is an int, so formatting it cannot inject anything.
		recs, err := run(ctx, tx, fmt.Sprintf(`MATCH (a:Memory {ns: $ns, id: $from}), (b:Memory {ns: $ns, id: $to})
			MATCH p = shortestPath((a)-[%s*..%d]-(b))
			RETURN [m IN nodes(p) | %s], [r IN relationships(p) | %s]`, labels, maxDepth, memoryMap("m"), relMap),
			s.params(map[string]any{"from": from, "to": to}))
		if err != nil || len(recs) == 0 {
			return err
		}
		path = &backend.Path{}
		for _, v := range recs[0].Values[0].([]any) {
			m, err := decodeMemory(v)
			if err != nil {
				return err
			}
			path.Memories = append(path.Memories, m)
		}
		for _, v := range recs[0].Values[1].([]any) {
			r, err := decodeRelationship(v)
			if err != nil {
				return err
			}
			path.Relationships = append(path.Relationships, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return path, nil
}

// Subgraph returns the memories within q.Depth hops of the existing seeds,
// breadth first over edges of either direction, the first q.Limit of them
// and the edges among those. A memory whose type is filtered out is neither
// returned nor walked through.
func (s *Store) Subgraph(ctx context.Context, q backend.SubgraphQuery) (*backend.Graph, error) {
	if q.Limit <= 0 {
		q.Limit = backend.DefaultSubgraphLimit
	}
	var g *backend.Graph
	err := s.read(ctx, "subgraph", func(tx neo4j.ManagedTransaction) error {
		g = &backend.Graph{Nodes: []*backend.Memory{}, Edges: []*backend.Relationship{}}
		seeds, err := s.existing(ctx, tx, q.Seeds)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		var order []string
		for _, id := range q.Seeds {
			if seeds[id] && !seen[id] {
				seen[id] = true
				order = append(order, id)
			}
		}
		frontier := order
		for depth := 1; depth <= q.Depth && len(frontier) > 0; depth++ {
			hs, err := s.hops(ctx, tx, frontier, backend.DirBoth, q.RelTypes, q.MemTypes)
			if err != nil {
				return err
			}
			frontier = nil
			for _, h := range hs {
				if !seen[h.Far] {
					seen[h.Far] = true
					frontier = append(frontier, h.Far)
					order = append(order, h.Far)
				}
			}
		}
		g.TotalNodes = len(order)
		order = order[:min(len(order), q.Limit)]
		ms, err := s.memoriesByID(ctx, tx, order)
		if err != nil {
			return err
		}
		for _, id := range order {
			g.Nodes = append(g.Nodes, ms[id])
		}
		if len(order) < 2 {
			return nil
		}
		ps := map[string]any{"ids": order}
		query := `UNWIND $ids AS id MATCH (a:Memory {ns: $ns, id: id})-[r]->(b:Memory) WHERE b.id IN $ids`
		if len(q.RelTypes) > 0 {
			ps["relTypes"] = relTypeNames(q.RelTypes)
			query += ` AND type(r) IN $relTypes`
		}
		g.Edges, err = s.relationships(ctx, tx, query+` RETURN `+relMap+` ORDER BY r.created_at, r.id`, ps)
		return err
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}
