package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"slices"

	"github.com/engramhq/engram/backend"
)

// Traversals walk the graph breadth first in Go, one indexed query per
// level inside one read transaction. Unlike a recursive CTE, which cannot
// remember which nodes it has already seen, this visits each memory once
// and can stop as soon as a limit or the target is reached.

// hops returns the edges that leave the frontier in direction dir, limited
// to relTypes when it is not empty and to far ends of memTypes when that is
// not empty. They come in frontier order, then strongest and oldest first,
// so that every traversal picks the same edge on every run.
func hops(ctx context.Context, tx *sql.Tx, frontier []string, dir backend.Direction,
	relTypes []backend.RelationshipType, memTypes []backend.MemoryType) ([]backend.Hop, error) {
	halves := []struct {
		dir       backend.Direction
		near, far string
	}{{backend.DirOut, "from_id", "to_id"}, {backend.DirIn, "to_id", "from_id"}}
	ids := jsonText(frontier)
	var out []backend.Hop
	for _, h := range halves {
		if dir != backend.DirBoth && dir != h.dir {
			continue
		}
		query := `SELECT ` + relColumns + ` FROM relationships r`
		args := []any{}
		if len(memTypes) > 0 {
			query += ` JOIN memories fm ON fm.id = r.` + h.far + ` AND fm.type IN (SELECT value FROM json_each(?))`
			args = append(args, jsonText(memTypes))
		}
		query += ` WHERE r.` + h.near + ` IN (SELECT value FROM json_each(?))`
		args = append(args, ids)
		if len(relTypes) > 0 {
			query += ` AND r.type IN (SELECT value FROM json_each(?))`
			args = append(args, jsonText(relTypes))
		}
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		rels, err := scanRelationships(rows)
		if err != nil {
			return nil, err
		}
		for _, r := range rels {
			if h.near == "from_id" {
				out = append(out, backend.Hop{Rel: r, Near: r.FromID, Far: r.ToID})
			} else {
				out = append(out, backend.Hop{Rel: r, Near: r.ToID, Far: r.FromID})
			}
		}
	}
	backend.SortHops(out, frontier)
	return out, nil
}

// memoriesByID returns the existing memories among ids, by id.
func memoriesByID(ctx context.Context, tx *sql.Tx, ids []string) (map[string]*backend.Memory, error) {
	out := make(map[string]*backend.Memory, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+memoryColumns+` FROM memories m
		WHERE m.id IN (SELECT value FROM json_each(?))`, jsonText(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMemory(rows)
		if err != nil {
			return nil, err
		}
		out[m.ID] = m
	}
	return out, rows.Err()
}

// RelatedMemories returns the memories within q.Depth hops of q.ID, each at
// its smallest depth with the edge that first reached it, nearest first.
func (s *Store) RelatedMemories(ctx context.Context, q backend.RelatedQuery) ([]*backend.RelatedMemory, error) {
	q = q.WithDefaults()
	var out []*backend.RelatedMemory
	err := s.readTx(ctx, "related memories", func(tx *sql.Tx) error {
		ok, err := memoryExists(ctx, tx, q.ID)
		if err != nil {
			return err
		}
		if !ok {
			return backend.NotFound("memory", q.ID)
		}
		out, err = backend.WalkRelated(q,
			func(frontier []string) ([]backend.Hop, error) {
				return hops(ctx, tx, frontier, q.Direction, q.Types, nil)
			},
			func(ids []string) (map[string]*backend.Memory, error) { return memoriesByID(ctx, tx, ids) })
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var _ backend.NeighbourReader = (*Store)(nil)

// Neighbours reads the direct neighbours of all of ids in one transaction
// of three queries (the edges leaving them, the edges reaching them, the
// memories at both ends) where a RelatedMemories call each would take a
// transaction and four queries per id.
func (s *Store) Neighbours(ctx context.Context, ids []string, limit int) ([][]*backend.RelatedMemory, error) {
	out := make([][]*backend.RelatedMemory, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := s.readTx(ctx, "neighbours", func(tx *sql.Tx) error {
		hs, err := hops(ctx, tx, ids, backend.DirBoth, nil, nil)
		if err != nil {
			return err
		}
		// hops keeps each id's edges in the order a walk from it alone
		// would see them.
		byNear := map[string][]backend.Hop{}
		load := slices.Clone(ids)
		for _, h := range hs {
			byNear[h.Near] = append(byNear[h.Near], h)
			load = append(load, h.Far)
		}
		ms, err := memoriesByID(ctx, tx, load)
		if err != nil {
			return err
		}
		for i, id := range ids {
			if ms[id] == nil {
				continue
			}
			q := backend.RelatedQuery{ID: id, Depth: 1, Direction: backend.DirBoth, Limit: limit}.WithDefaults()
			out[i], err = backend.WalkRelated(q,
				func([]string) ([]backend.Hop, error) { return byNear[id], nil },
				func([]string) (map[string]*backend.Memory, error) { return ms, nil })
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindPath returns a shortest path from one memory to another over edges
// of either direction, or nil when none is within maxDepth hops.
func (s *Store) FindPath(ctx context.Context, from, to string, maxDepth int, types []backend.RelationshipType) (*backend.Path, error) {
	var path *backend.Path
	err := s.readTx(ctx, "find path", func(tx *sql.Tx) error {
		if err := requireEnds(ctx, tx, from, to); err != nil {
			return err
		}
		// reached maps each visited memory to the hop that first reached it.
		reached := map[string]*backend.Hop{from: nil}
		frontier := []string{from}
		for depth := 1; depth <= maxDepth && len(frontier) > 0 && from != to; depth++ {
			hs, err := hops(ctx, tx, frontier, backend.DirBoth, types, nil)
			if err != nil {
				return err
			}
			frontier = nil
			for i := range hs {
				h := &hs[i]
				if _, ok := reached[h.Far]; ok {
					continue
				}
				reached[h.Far] = h
				frontier = append(frontier, h.Far)
			}
			if _, ok := reached[to]; ok {
				break
			}
		}
		if _, ok := reached[to]; !ok {
			return nil
		}
		ids := []string{to}
		var rels []*backend.Relationship
		for h := reached[to]; h != nil; h = reached[h.Near] {
			ids = append(ids, h.Near)
			rels = append(rels, h.Rel)
		}
		slices.Reverse(ids)
		slices.Reverse(rels)
		ms, err := memoriesByID(ctx, tx, ids)
		if err != nil {
			return err
		}
		path = &backend.Path{Memories: make([]*backend.Memory, len(ids)), Relationships: rels}
		if path.Relationships == nil {
			path.Relationships = []*backend.Relationship{}
		}
		for i, id := range ids {
			path.Memories[i] = ms[id]
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
	g := &backend.Graph{Nodes: []*backend.Memory{}, Edges: []*backend.Relationship{}}
	err := s.readTx(ctx, "subgraph", func(tx *sql.Tx) error {
		seeds, err := memoriesByID(ctx, tx, q.Seeds)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		var order, frontier []string
		for _, id := range q.Seeds {
			if seeds[id] != nil && !seen[id] {
				seen[id] = true
				order = append(order, id)
			}
		}
		frontier = order
		for depth := 1; depth <= q.Depth && len(frontier) > 0; depth++ {
			hs, err := hops(ctx, tx, frontier, backend.DirBoth, q.RelTypes, q.MemTypes)
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
		ms, err := memoriesByID(ctx, tx, order)
		if err != nil {
			return err
		}
		for _, id := range order {
			g.Nodes = append(g.Nodes, ms[id])
		}
		return edgesAmong(ctx, tx, order, q.RelTypes, g)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// edgesAmong adds to g the edges whose both ends are in ids, oldest first.
// The query looks edges up by their start only, through the (from_id, …)
// index, and the ends are checked here: asking SQLite for both ends and
// the order at once made it walk every edge in creation order.
func edgesAmong(ctx context.Context, tx *sql.Tx, ids []string, relTypes []backend.RelationshipType, g *backend.Graph) error {
	if len(ids) < 2 {
		return nil
	}
	query := `SELECT ` + relColumns + ` FROM relationships r WHERE r.from_id IN (SELECT value FROM json_each(?))`
	args := []any{jsonText(ids)}
	if len(relTypes) > 0 {
		query += ` AND r.type IN (SELECT value FROM json_each(?))`
		args = append(args, jsonText(relTypes))
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	rels, err := scanRelationships(rows)
	if err != nil {
		return err
	}
	in := make(map[string]bool, len(ids))
	for _, id := range ids {
		in[id] = true
	}
	rels = slices.DeleteFunc(rels, func(r *backend.Relationship) bool { return !in[r.ToID] })
	slices.SortFunc(rels, func(a, b *backend.Relationship) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	g.Edges = append(g.Edges, rels...)
	return nil
}
