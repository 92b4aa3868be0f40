package backend

import (
	"cmp"
	"slices"
)

// Hop is one edge a store found leaving a walk's frontier.
type Hop struct {
	Rel  *Relationship
	Near string // the end in the frontier
	Far  string // the end the edge leads to
}

// WalkRelated is the breadth-first walk behind Store.RelatedMemories, one
// for every store so that all report each memory at its smallest depth with
// the edge that first reached it, nearest first, at most q.Limit of them.
// hops returns the edges leaving a frontier in the store's order; load
// returns memories by id. q must have passed WithDefaults.
func WalkRelated(q RelatedQuery, hops func(frontier []string) ([]Hop, error), load func(ids []string) (map[string]*Memory, error)) ([]*RelatedMemory, error) {
	out := []*RelatedMemory{}
	seen := map[string]bool{q.ID: true}
	var ids []string
	frontier := []string{q.ID}
	for depth := 1; depth <= q.Depth && len(frontier) > 0 && len(out) < q.Limit; depth++ {
		hs, err := hops(frontier)
		if err != nil {
			return nil, err
		}
		frontier = nil
		for _, h := range hs {
			if seen[h.Far] || len(out) == q.Limit {
				continue
			}
			seen[h.Far] = true
			frontier = append(frontier, h.Far)
			ids = append(ids, h.Far)
			out = append(out, &RelatedMemory{Depth: depth, Via: h.Rel})
		}
	}
	ms, err := load(ids)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		out[i].Memory = ms[id]
	}
	return out, nil
}

// WithDefaults returns q with the default limit and direction filled in.
func (q RelatedQuery) WithDefaults() RelatedQuery {
	if q.Limit <= 0 {
		q.Limit = DefaultRelatedLimit
	}
	if q.Direction == "" {
		q.Direction = DirBoth
	}
	return q
}

// SortHops puts the hops leaving a frontier in the order every store walks
// them: by the frontier position of their near end, then the strongest,
// oldest edge first, then by edge id.
func SortHops(hs []Hop, frontier []string) {
	pos := make(map[string]int, len(frontier))
	for i, id := range frontier {
		pos[id] = i
	}
	slices.SortStableFunc(hs, func(a, b Hop) int {
		return cmp.Or(
			cmp.Compare(pos[a.Near], pos[b.Near]),
			cmp.Compare(b.Rel.Strength, a.Rel.Strength),
			a.Rel.CreatedAt.Compare(b.Rel.CreatedAt),
			cmp.Compare(a.Rel.ID, b.Rel.ID),
		)
	})
}
