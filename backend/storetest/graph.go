package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/engramhq/engram/backend"
)

const (
	relLeadsTo   backend.RelationshipType = "LEADS_TO"
	relDependsOn backend.RelationshipType = "DEPENDS_ON"
	relSimilarTo backend.RelationshipType = "SIMILAR_TO"
	relCauses    backend.RelationshipType = "CAUSES"
)

// chain builds a -LEADS_TO-> b -LEADS_TO-> c -DEPENDS_ON-> d -LEADS_TO-> e
// -LEADS_TO-> f. edges[i] joins nodes[i] and nodes[i+1].
func (e *env) chain() (nodes []*backend.Memory, edges []*backend.Relationship) {
	e.t.Helper()
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		nodes = append(nodes, e.note(n, "node "+n))
	}
	types := []backend.RelationshipType{relLeadsTo, relLeadsTo, relDependsOn, relLeadsTo, relLeadsTo}
	for i, typ := range types {
		edges = append(edges, e.relate(nodes[i], nodes[i+1], typ))
	}
	return nodes, edges
}

// related walks through the Service and fails on error.
func (e *env) related(q backend.RelatedQuery) []*backend.RelatedMemory {
	e.t.Helper()
	rs, err := e.svc.RelatedMemories(e.ctx, q)
	if err != nil {
		e.t.Fatalf("RelatedMemories(%+v): %v", q, err)
	}
	return rs
}

// reach is a memory a traversal should return, at a depth, first reached
// by an edge.
type reach struct {
	m     *backend.Memory
	depth int
	via   *backend.Relationship // nil: any edge joining m to the previous depth
}

// wantRelated fails unless got reaches exactly want, at their depths,
// nearest first, each with a Via edge that touches the memory.
func (e *env) wantRelated(what string, got []*backend.RelatedMemory, want ...reach) {
	e.t.Helper()
	wantMs := make([]*backend.Memory, len(want))
	for i, w := range want {
		wantMs[i] = w.m
	}
	e.wantIDs(what, relatedIDs(got), wantMs...)
	byID := map[string]reach{}
	for _, w := range want {
		byID[w.m.ID] = w
	}
	for i, r := range got {
		if i > 0 && r.Depth < got[i-1].Depth {
			e.t.Errorf("%s: not nearest first: %s at depth %d after depth %d", what, r.Memory.Title, r.Depth, got[i-1].Depth)
		}
		w, ok := byID[r.Memory.ID]
		if !ok {
			continue
		}
		if r.Depth != w.depth {
			e.t.Errorf("%s: %s at depth %d, want %d", what, r.Memory.Title, r.Depth, w.depth)
		}
		if r.Via == nil {
			e.t.Errorf("%s: %s has no via edge", what, r.Memory.Title)
			continue
		}
		if r.Via.FromID != r.Memory.ID && r.Via.ToID != r.Memory.ID {
			e.t.Errorf("%s: via edge of %s (%s -> %s) does not touch it", what, r.Memory.Title, e.name(r.Via.FromID), e.name(r.Via.ToID))
		}
		if w.via != nil && r.Via.ID != w.via.ID {
			e.t.Errorf("%s: %s via %s -%s-> %s, want %s -%s-> %s", what, r.Memory.Title,
				e.name(r.Via.FromID), r.Via.Type, e.name(r.Via.ToID), e.name(w.via.FromID), w.via.Type, e.name(w.via.ToID))
		}
	}
}

func testRelated(t *testing.T, s *suite) {
	for depth := 1; depth <= backend.MaxDepth; depth++ {
		s.run(t, fmt.Sprintf("OutDepth%d", depth), func(t *testing.T, e *env) {
			n, r := e.chain()
			var want []reach
			for i := 1; i <= depth; i++ {
				want = append(want, reach{n[i], i, r[i-1]})
			}
			got := e.related(backend.RelatedQuery{ID: n[0].ID, Depth: depth, Direction: backend.DirOut})
			e.wantRelated(fmt.Sprintf("out from a, depth %d", depth), got, want...)
		})
	}

	s.run(t, "TypeFilter", func(t *testing.T, e *env) {
		n, r := e.chain()
		leads := []backend.RelationshipType{relLeadsTo}
		e.wantRelated("LEADS_TO from a", e.related(backend.RelatedQuery{ID: n[0].ID, Depth: 5, Direction: backend.DirOut, Types: leads}),
			reach{n[1], 1, r[0]}, reach{n[2], 2, r[1]})
		e.wantRelated("DEPENDS_ON from a", e.related(backend.RelatedQuery{ID: n[0].ID, Depth: 5, Direction: backend.DirOut,
			Types: []backend.RelationshipType{relDependsOn}}))
		e.wantRelated("DEPENDS_ON from c", e.related(backend.RelatedQuery{ID: n[2].ID, Depth: 5, Direction: backend.DirOut,
			Types: []backend.RelationshipType{relDependsOn}}), reach{n[3], 1, r[2]})
		e.wantRelated("LEADS_TO or DEPENDS_ON from a", e.related(backend.RelatedQuery{ID: n[0].ID, Depth: 5, Direction: backend.DirOut,
			Types: []backend.RelationshipType{relDependsOn, relLeadsTo}}),
			reach{n[1], 1, r[0]}, reach{n[2], 2, r[1]}, reach{n[3], 3, r[2]}, reach{n[4], 4, r[3]}, reach{n[5], 5, r[4]})
	})

	s.run(t, "Incoming", func(t *testing.T, e *env) {
		n, r := e.chain()
		e.wantRelated("in from f, depth 3", e.related(backend.RelatedQuery{ID: n[5].ID, Depth: 3, Direction: backend.DirIn}),
			reach{n[4], 1, r[4]}, reach{n[3], 2, r[3]}, reach{n[2], 3, r[2]})
		e.wantRelated("in from a", e.related(backend.RelatedQuery{ID: n[0].ID, Depth: 5, Direction: backend.DirIn}))
	})

	s.run(t, "OutgoingFromEnd", func(t *testing.T, e *env) {
		n, _ := e.chain()
		e.wantRelated("out from f", e.related(backend.RelatedQuery{ID: n[5].ID, Depth: 5, Direction: backend.DirOut}))
	})

	s.run(t, "Both", func(t *testing.T, e *env) {
		n, r := e.chain()
		e.wantRelated("both from c, depth 2", e.related(backend.RelatedQuery{ID: n[2].ID, Depth: 2, Direction: backend.DirBoth}),
			reach{n[1], 1, r[1]}, reach{n[3], 1, r[2]}, reach{n[0], 2, r[0]}, reach{n[4], 2, r[3]})
		e.wantRelated("default direction from c, depth 1", e.related(backend.RelatedQuery{ID: n[2].ID, Depth: 1}),
			reach{n[1], 1, r[1]}, reach{n[3], 1, r[2]})
	})

	s.run(t, "Limit", func(t *testing.T, e *env) {
		n, r := e.chain()
		e.wantRelated("out from a, limit 2", e.related(backend.RelatedQuery{ID: n[0].ID, Depth: 5, Direction: backend.DirOut, Limit: 2}),
			reach{n[1], 1, r[0]}, reach{n[2], 2, r[1]})
		got := e.related(backend.RelatedQuery{ID: n[2].ID, Depth: 5, Direction: backend.DirBoth, Limit: 3})
		if len(got) != 3 {
			t.Fatalf("both from c, limit 3: %d results, want 3", len(got))
		}
		for _, r := range got[:2] {
			if r.Depth != 1 {
				t.Errorf("both from c, limit 3: the nearest two should be b and d at depth 1, got %s at %d", r.Memory.Title, r.Depth)
			}
		}
	})

	s.run(t, "Cycle", func(t *testing.T, e *env) {
		a, b, c := e.note("a", "a"), e.note("b", "b"), e.note("c", "c")
		ab, bc, ca := e.relate(a, b, relLeadsTo), e.relate(b, c, relLeadsTo), e.relate(c, a, relLeadsTo)
		e.wantRelated("out from a", e.related(backend.RelatedQuery{ID: a.ID, Depth: 5, Direction: backend.DirOut}),
			reach{b, 1, ab}, reach{c, 2, bc})
		e.wantRelated("both from a", e.related(backend.RelatedQuery{ID: a.ID, Depth: 5, Direction: backend.DirBoth}),
			reach{b, 1, ab}, reach{c, 1, ca})
	})

	s.run(t, "TwoWayEdges", func(t *testing.T, e *env) {
		a, b := e.note("a", "a"), e.note("b", "b")
		e.relate(a, b, relLeadsTo)
		e.relate(b, a, relLeadsTo)
		e.relate(a, b, relSimilarTo)
		e.wantRelated("both from a", e.related(backend.RelatedQuery{ID: a.ID, Depth: 5}), reach{b, 1, nil})
	})

	s.run(t, "SmallestDepth", func(t *testing.T, e *env) {
		a, b, c, d := e.note("a", "a"), e.note("b", "b"), e.note("c", "c"), e.note("d", "d")
		ab := e.relate(a, b, relLeadsTo)
		bc := e.relate(b, c, relLeadsTo)
		e.relate(c, d, relLeadsTo)
		ad := e.relate(a, d, relLeadsTo)
		e.wantRelated("out from a", e.related(backend.RelatedQuery{ID: a.ID, Depth: 5, Direction: backend.DirOut}),
			reach{b, 1, ab}, reach{d, 1, ad}, reach{c, 2, bc})
	})

	s.run(t, "Isolated", func(t *testing.T, e *env) {
		a := e.note("a", "a")
		e.note("b", "b")
		e.wantRelated("from a lone memory", e.related(backend.RelatedQuery{ID: a.ID, Depth: 5}))
	})

	s.run(t, "CarriesMemory", func(t *testing.T, e *env) {
		a := e.note("a", "a")
		full := e.add(fullMemory())
		r := e.relate(a, full, backend.RelSolves)
		got := e.related(backend.RelatedQuery{ID: a.ID})
		if len(got) != 1 {
			t.Fatalf("%d results, want 1", len(got))
		}
		if d := diffMemory(got[0].Memory, full); d != "" {
			t.Errorf("related memory: %s", d)
		}
		if d := diffRelationship(got[0].Via, r); d != "" {
			t.Errorf("via: %s", d)
		}
	})
}

// wantPath fails unless p runs through want in order, each step an edge
// joining the two memories in one direction or the other. No want means
// no path.
func (e *env) wantPath(what string, p *backend.Path, want ...*backend.Memory) {
	e.t.Helper()
	if len(want) == 0 {
		if p != nil {
			e.t.Errorf("%s: got a path through %v, want none", what, e.namesInOrder(memIDs(p.Memories)))
		}
		return
	}
	if p == nil {
		e.t.Errorf("%s: no path, want %v", what, e.namesInOrder(memIDs(want)))
		return
	}
	e.wantOrder(what, memIDs(p.Memories), want...)
	if len(p.Relationships) != len(p.Memories)-1 {
		e.t.Fatalf("%s: %d relationships for %d memories", what, len(p.Relationships), len(p.Memories))
	}
	for i, r := range p.Relationships {
		x, y := p.Memories[i].ID, p.Memories[i+1].ID
		if !(r.FromID == x && r.ToID == y || r.FromID == y && r.ToID == x) {
			e.t.Errorf("%s: step %d (%s -> %s) does not join %s and %s", what, i,
				e.name(r.FromID), e.name(r.ToID), e.name(x), e.name(y))
		}
	}
}

func (e *env) path(from, to *backend.Memory, maxDepth int, types ...backend.RelationshipType) *backend.Path {
	e.t.Helper()
	p, err := e.svc.FindPath(e.ctx, from.ID, to.ID, maxDepth, types)
	if err != nil {
		e.t.Fatalf("FindPath(%s, %s): %v", from.Title, to.Title, err)
	}
	return p
}

func testPath(t *testing.T, s *suite) {
	// shortcut builds the chain a..f plus b -SIMILAR_TO-> e.
	shortcut := func(e *env) []*backend.Memory {
		n, _ := e.chain()
		e.relate(n[1], n[4], relSimilarTo)
		return n
	}

	s.run(t, "Shortest", func(t *testing.T, e *env) {
		n := shortcut(e)
		e.wantPath("a to e", e.path(n[0], n[4], 5), n[0], n[1], n[4])
		e.wantPath("a to f", e.path(n[0], n[5], 5), n[0], n[1], n[4], n[5])
	})

	s.run(t, "EitherDirection", func(t *testing.T, e *env) {
		n := shortcut(e)
		e.wantPath("e to a", e.path(n[4], n[0], 5), n[4], n[1], n[0])
		e.wantPath("f to d", e.path(n[5], n[3], 5), n[5], n[4], n[3])
	})

	s.run(t, "AgainstEdgeDirection", func(t *testing.T, e *env) {
		p, q, r := e.note("p", "p"), e.note("q", "q"), e.note("r", "r")
		e.relate(p, q, relCauses)
		e.relate(r, q, relCauses)
		e.wantPath("p to r", e.path(p, r, 5), p, q, r)
	})

	s.run(t, "Adjacent", func(t *testing.T, e *env) {
		a, b := e.note("a", "a"), e.note("b", "b")
		ab := e.relate(a, b, relCauses)
		p := e.path(a, b, 1)
		e.wantPath("a to b", p, a, b)
		if p != nil && len(p.Relationships) == 1 {
			if d := diffRelationship(p.Relationships[0], ab); d != "" {
				t.Errorf("step: %s", d)
			}
			if d := diffMemory(p.Memories[1], b); d != "" {
				t.Errorf("second memory: %s", d)
			}
		}
	})

	s.run(t, "TypeFilter", func(t *testing.T, e *env) {
		n := shortcut(e)
		e.wantPath("a to e without the shortcut", e.path(n[0], n[4], 5, relLeadsTo, relDependsOn), n[0], n[1], n[2], n[3], n[4])
		e.wantPath("a to e over LEADS_TO only", e.path(n[0], n[4], 5, relLeadsTo))
		e.wantPath("a to e over SIMILAR_TO only", e.path(n[0], n[4], 5, relSimilarTo))
		e.wantPath("b to e over SIMILAR_TO only", e.path(n[1], n[4], 5, relSimilarTo), n[1], n[4])
	})

	s.run(t, "NoPath", func(t *testing.T, e *env) {
		n := shortcut(e)
		z := e.note("z", "island")
		e.wantPath("a to z", e.path(n[0], z, 10))
		e.wantPath("z to a", e.path(z, n[0], 10))
	})

	s.run(t, "MaxDepth", func(t *testing.T, e *env) {
		n := shortcut(e)
		e.wantPath("a to e within 1", e.path(n[0], n[4], 1))
		e.wantPath("a to e within 2", e.path(n[0], n[4], 2), n[0], n[1], n[4])
		e.wantPath("a to e within 3 without the shortcut", e.path(n[0], n[4], 3, relLeadsTo, relDependsOn))
		e.wantPath("a to e within 4 without the shortcut", e.path(n[0], n[4], 4, relLeadsTo, relDependsOn), n[0], n[1], n[2], n[3], n[4])
	})

	s.run(t, "SameMemory", func(t *testing.T, e *env) {
		n := shortcut(e)
		p := e.path(n[2], n[2], 3)
		e.wantPath("c to c", p, n[2])
	})

	s.run(t, "LongPath", func(t *testing.T, e *env) {
		var ms []*backend.Memory
		for i := range 11 {
			ms = append(ms, e.note(fmt.Sprintf("n%02d", i), "node"))
			if i > 0 {
				e.relate(ms[i-1], ms[i], relLeadsTo)
			}
		}
		e.wantPath("10 hops within 10", e.path(ms[0], ms[10], backend.MaxPathDepth), ms...)
		e.wantPath("10 hops within 9", e.path(ms[0], ms[10], 9))
	})
}

// subgraph runs q through the Service, fails on error and checks what holds
// for every graph: no node twice, at most Limit nodes, edges only among the
// nodes returned and each edge once.
func (e *env) subgraph(q backend.SubgraphQuery) *backend.Graph {
	e.t.Helper()
	g, err := e.svc.Subgraph(e.ctx, q)
	if err != nil {
		e.t.Fatalf("Subgraph(%+v): %v", q, err)
	}
	ids := memIDs(g.Nodes)
	if len(distinct(ids)) != len(ids) {
		e.t.Errorf("subgraph has a node twice: %v", e.namesInOrder(ids))
	}
	limit := q.Limit
	if limit == 0 {
		limit = backend.DefaultSubgraphLimit
	}
	if len(g.Nodes) > limit {
		e.t.Errorf("subgraph has %d nodes, limit %d", len(g.Nodes), limit)
	}
	var edgeIDs []string
	for _, r := range g.Edges {
		if !slices.Contains(ids, r.FromID) || !slices.Contains(ids, r.ToID) {
			e.t.Errorf("subgraph edge %s -%s-> %s leaves the returned nodes", e.name(r.FromID), r.Type, e.name(r.ToID))
		}
		edgeIDs = append(edgeIDs, r.ID)
	}
	if len(distinct(edgeIDs)) != len(edgeIDs) {
		e.t.Errorf("subgraph has an edge twice")
	}
	return g
}

// wantEdges fails unless g holds exactly the edges want.
func (e *env) wantEdges(what string, g *backend.Graph, want ...*backend.Relationship) {
	e.t.Helper()
	got := make([]string, len(g.Edges))
	for i, r := range g.Edges {
		got[i] = fmt.Sprintf("%s-%s->%s", e.name(r.FromID), r.Type, e.name(r.ToID))
	}
	ws := make([]string, len(want))
	for i, r := range want {
		ws[i] = fmt.Sprintf("%s-%s->%s", e.name(r.FromID), r.Type, e.name(r.ToID))
	}
	if !sameSet(got, ws) {
		slices.Sort(got)
		slices.Sort(ws)
		e.t.Errorf("%s: edges %v, want %v", what, got, ws)
	}
}

func testSubgraph(t *testing.T, s *suite) {
	s.run(t, "SeedsOnly", func(t *testing.T, e *env) {
		n, r := e.chain()
		g := e.subgraph(backend.SubgraphQuery{Seeds: []string{n[0].ID, n[1].ID}})
		e.wantIDs("seeds a,b depth 0", memIDs(g.Nodes), n[0], n[1])
		e.wantEdges("seeds a,b depth 0", g, r[0])
		if g.TotalNodes != 2 {
			t.Errorf("total_nodes = %d, want 2", g.TotalNodes)
		}
		g = e.subgraph(backend.SubgraphQuery{Seeds: []string{n[0].ID, n[2].ID}})
		e.wantIDs("seeds a,c depth 0", memIDs(g.Nodes), n[0], n[2])
		e.wantEdges("seeds a,c depth 0", g)
	})

	s.run(t, "Depth", func(t *testing.T, e *env) {
		n, r := e.chain()
		g := e.subgraph(backend.SubgraphQuery{Seeds: []string{n[2].ID}, Depth: 1})
		e.wantIDs("c depth 1", memIDs(g.Nodes), n[1], n[2], n[3])
		e.wantEdges("c depth 1", g, r[1], r[2])
		if g.TotalNodes != 3 {
			t.Errorf("c depth 1: total_nodes = %d, want 3", g.TotalNodes)
		}
		g = e.subgraph(backend.SubgraphQuery{Seeds: []string{n[2].ID}, Depth: 2})
		e.wantIDs("c depth 2", memIDs(g.Nodes), n[0], n[1], n[2], n[3], n[4])
		e.wantEdges("c depth 2", g, r[0], r[1], r[2], r[3])
		g = e.subgraph(backend.SubgraphQuery{Seeds: []string{n[0].ID}, Depth: 5})
		e.wantIDs("a depth 5", memIDs(g.Nodes), n...)
		e.wantEdges("a depth 5", g, r...)
		if g.TotalNodes != 6 {
			t.Errorf("a depth 5: total_nodes = %d, want 6", g.TotalNodes)
		}
	})

	s.run(t, "SeveralSeeds", func(t *testing.T, e *env) {
		n, r := e.chain()
		g := e.subgraph(backend.SubgraphQuery{Seeds: []string{n[0].ID, n[5].ID}, Depth: 1})
		e.wantIDs("a,f depth 1", memIDs(g.Nodes), n[0], n[1], n[4], n[5])
		e.wantEdges("a,f depth 1", g, r[0], r[4])
		g = e.subgraph(backend.SubgraphQuery{Seeds: []string{n[0].ID, n[1].ID, n[0].ID}, Depth: 5})
		e.wantIDs("a,b,a depth 5", memIDs(g.Nodes), n...)
		if g.TotalNodes != 6 {
			t.Errorf("a,b,a depth 5: total_nodes = %d, want 6", g.TotalNodes)
		}
	})

	s.run(t, "LimitCapsWithTotal", func(t *testing.T, e *env) {
		hub := e.note("hub", "hub")
		spokes := map[string]*backend.Relationship{}
		for i := range 10 {
			m := e.note(fmt.Sprintf("spoke %d", i), "spoke")
			spokes[m.ID] = e.relate(hub, m, backend.RelRelatedTo)
		}
		g := e.subgraph(backend.SubgraphQuery{Seeds: []string{hub.ID}, Depth: 1, Limit: 4})
		if len(g.Nodes) != 4 || g.TotalNodes != 11 {
			t.Fatalf("%d nodes total_nodes %d, want 4 11", len(g.Nodes), g.TotalNodes)
		}
		if !slices.Contains(memIDs(g.Nodes), hub.ID) {
			t.Errorf("the seed is not among the capped nodes")
		}
		var want []*backend.Relationship
		for _, m := range g.Nodes {
			if r, ok := spokes[m.ID]; ok {
				want = append(want, r)
			}
		}
		e.wantEdges("capped hub", g, want...)
	})

	s.run(t, "BreadthFirstUnderCap", func(t *testing.T, e *env) {
		n, r := e.chain()
		g := e.subgraph(backend.SubgraphQuery{Seeds: []string{n[0].ID}, Depth: 5, Limit: 3})
		e.wantIDs("a depth 5 limit 3", memIDs(g.Nodes), n[0], n[1], n[2])
		e.wantEdges("a depth 5 limit 3", g, r[0], r[1])
		if g.TotalNodes != 6 {
			t.Errorf("total_nodes = %d, want 6", g.TotalNodes)
		}
	})

	s.run(t, "RelTypes", func(t *testing.T, e *env) {
		n, r := e.chain()
		g := e.subgraph(backend.SubgraphQuery{Seeds: []string{n[0].ID}, Depth: 5, RelTypes: []backend.RelationshipType{relLeadsTo}})
		e.wantIDs("a depth 5 over LEADS_TO", memIDs(g.Nodes), n[0], n[1], n[2])
		e.wantEdges("a depth 5 over LEADS_TO", g, r[0], r[1])
		if g.TotalNodes != 3 {
			t.Errorf("total_nodes = %d, want 3", g.TotalNodes)
		}
	})

	s.run(t, "MemTypesKeepSeeds", func(t *testing.T, e *env) {
		seed := e.typed(backend.TypeProject, "seed project")
		prob := e.typed(backend.TypeProblem, "a problem")
		sol := e.typed(backend.TypeSolution, "a solution")
		gen := e.typed(backend.TypeGeneral, "a note")
		sp := e.relate(seed, prob, backend.RelRelatedTo)
		e.relate(sol, seed, backend.RelRelatedTo)
		e.relate(seed, gen, backend.RelRelatedTo)
		e.relate(sol, prob, backend.RelSolves)
		g := e.subgraph(backend.SubgraphQuery{Seeds: []string{seed.ID}, Depth: 1, MemTypes: []backend.MemoryType{backend.TypeProblem}})
		e.wantIDs("problems around the project", memIDs(g.Nodes), seed, prob)
		e.wantEdges("problems around the project", g, sp)
		if g.TotalNodes != 2 {
			t.Errorf("total_nodes = %d, want 2", g.TotalNodes)
		}
	})

	s.run(t, "RelTypesFilterEdges", func(t *testing.T, e *env) {
		n, r := e.chain()
		e.relate(n[2], n[0], relSimilarTo)
		g := e.subgraph(backend.SubgraphQuery{Seeds: []string{n[0].ID}, Depth: 2, RelTypes: []backend.RelationshipType{relLeadsTo}})
		e.wantIDs("a depth 2 over LEADS_TO", memIDs(g.Nodes), n[0], n[1], n[2])
		e.wantEdges("a depth 2 over LEADS_TO (no SIMILAR_TO edge)", g, r[0], r[1])
	})

	s.run(t, "MemTypesDoNotWalkThrough", func(t *testing.T, e *env) {
		seed := e.typed(backend.TypeProject, "seed project")
		note := e.typed(backend.TypeGeneral, "a note")
		prob := e.typed(backend.TypeProblem, "a problem behind the note")
		near := e.typed(backend.TypeProblem, "a problem next to the seed")
		e.relate(seed, note, backend.RelRelatedTo)
		e.relate(note, prob, backend.RelRelatedTo)
		sn := e.relate(near, seed, backend.RelRelatedTo)
		g := e.subgraph(backend.SubgraphQuery{Seeds: []string{seed.ID}, Depth: 3, MemTypes: []backend.MemoryType{backend.TypeProblem}})
		e.wantIDs("problems, not walking through the note", memIDs(g.Nodes), seed, near)
		e.wantEdges("problems, not walking through the note", g, sn)
		if g.TotalNodes != 2 {
			t.Errorf("total_nodes = %d, want 2", g.TotalNodes)
		}
	})

	s.run(t, "NoSeeds", func(t *testing.T, e *env) {
		e.chain()
		g := e.subgraph(backend.SubgraphQuery{Depth: 2})
		if len(g.Nodes) != 0 || len(g.Edges) != 0 || g.TotalNodes != 0 {
			t.Errorf("no seeds: %d nodes %d edges total %d, want an empty graph", len(g.Nodes), len(g.Edges), g.TotalNodes)
		}
	})

	s.run(t, "UnknownSeedIgnored", func(t *testing.T, e *env) {
		n, r := e.chain()
		g := e.subgraph(backend.SubgraphQuery{Seeds: []string{missingID, n[0].ID}, Depth: 1})
		e.wantIDs("a and a missing seed", memIDs(g.Nodes), n[0], n[1])
		e.wantEdges("a and a missing seed", g, r[0])
	})

	s.run(t, "Cycle", func(t *testing.T, e *env) {
		a, b, c := e.note("a", "a"), e.note("b", "b"), e.note("c", "c")
		ab, bc, ca := e.relate(a, b, relLeadsTo), e.relate(b, c, relLeadsTo), e.relate(c, a, relLeadsTo)
		g := e.subgraph(backend.SubgraphQuery{Seeds: []string{a.ID}, Depth: 5})
		e.wantIDs("triangle", memIDs(g.Nodes), a, b, c)
		e.wantEdges("triangle", g, ab, bc, ca)
		if g.TotalNodes != 3 {
			t.Errorf("total_nodes = %d, want 3", g.TotalNodes)
		}
	})

	s.run(t, "CarriesMemoriesAndEdges", func(t *testing.T, e *env) {
		full := e.add(fullMemory())
		other := e.note("other", "other")
		r := e.relate(full, other, backend.RelSolves)
		g := e.subgraph(backend.SubgraphQuery{Seeds: []string{full.ID}, Depth: 1})
		for _, m := range g.Nodes {
			if m.ID == full.ID {
				if d := diffMemory(m, full); d != "" {
					t.Errorf("node: %s", d)
				}
			}
		}
		if len(g.Edges) != 1 {
			t.Fatalf("%d edges, want 1", len(g.Edges))
		}
		if d := diffRelationship(g.Edges[0], r); d != "" {
			t.Errorf("edge: %s", d)
		}
	})
}
