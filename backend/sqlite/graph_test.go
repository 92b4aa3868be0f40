package sqlite

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
)

// graphFixture builds
//
//	a -SOLVES-> b -CAUSES-> c -CAUSES-> d
//	e -RELATED_TO-> a          f (alone)
//
// with c a problem and the others general notes.
func graphFixture(t *testing.T) (*fixture, map[string]*backend.Memory) {
	f := newFixture(t)
	ms := map[string]*backend.Memory{}
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		typ := backend.TypeGeneral
		if n == "c" {
			typ = backend.TypeProblem
		}
		ms[n] = f.add(backend.NewMemory{Type: typ, Title: n, Content: n})
	}
	f.relate(ms["a"], ms["b"], backend.RelSolves)
	f.relate(ms["b"], ms["c"], "CAUSES")
	f.relate(ms["c"], ms["d"], "CAUSES")
	f.relate(ms["e"], ms["a"], backend.RelRelatedTo)
	return f, ms
}

func TestRelatedMemories(t *testing.T) {
	f, ms := graphFixture(t)
	type reached struct {
		title string
		depth int
	}
	tests := []struct {
		name string
		q    backend.RelatedQuery
		want []reached
	}{
		{"Both", backend.RelatedQuery{ID: ms["b"].ID, Depth: 1}, []reached{{"a", 1}, {"c", 1}}},
		{"Out", backend.RelatedQuery{ID: ms["a"].ID, Depth: 5, Direction: backend.DirOut}, []reached{{"b", 1}, {"c", 2}, {"d", 3}}},
		{"In", backend.RelatedQuery{ID: ms["c"].ID, Depth: 5, Direction: backend.DirIn}, []reached{{"b", 1}, {"a", 2}, {"e", 3}}},
		{"Depth2", backend.RelatedQuery{ID: ms["a"].ID, Depth: 2}, []reached{{"b", 1}, {"e", 1}, {"c", 2}}},
		{"Types", backend.RelatedQuery{ID: ms["b"].ID, Depth: 3, Types: []backend.RelationshipType{"CAUSES"}}, []reached{{"c", 1}, {"d", 2}}},
		{"Limit", backend.RelatedQuery{ID: ms["a"].ID, Depth: 5, Limit: 3}, nil},
		{"Alone", backend.RelatedQuery{ID: ms["f"].ID, Depth: 5}, []reached{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := f.svc.RelatedMemories(f.ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got := []reached{}
			for i, r := range rs {
				got = append(got, reached{r.Memory.Title, r.Depth})
				if i > 0 && r.Depth < rs[i-1].Depth {
					t.Errorf("%s at depth %d after depth %d: want nearest first", r.Memory.Title, r.Depth, rs[i-1].Depth)
				}
				if r.Via == nil || (r.Via.FromID != r.Memory.ID && r.Via.ToID != r.Memory.ID) {
					t.Errorf("%s: via %+v does not touch it", r.Memory.Title, r.Via)
				}
			}
			if tt.want == nil {
				if len(got) != tt.q.Limit {
					t.Errorf("got %d memories, want the limit %d", len(got), tt.q.Limit)
				}
				return
			}
			key := func(r reached) string { return r.title }
			slices.SortFunc(got, func(x, y reached) int { return cmpStr(key(x), key(y)) })
			slices.SortFunc(tt.want, func(x, y reached) int { return cmpStr(key(x), key(y)) })
			if !slices.Equal(got, tt.want) {
				t.Errorf("related = %v, want %v", got, tt.want)
			}
		})
	}
	_, err := f.svc.RelatedMemories(f.ctx, backend.RelatedQuery{ID: "missing"})
	wantCode(t, err, backend.ENOTFOUND)
}

// TestNeighbours checks that reading the neighbours of several memories at
// once gives what one RelatedMemories call each gives, also for ids joined
// to each other, with a limit below their degree, repeated or missing.
func TestNeighbours(t *testing.T) {
	f, ms := graphFixture(t)
	g := f.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "g", Content: "g"})
	for _, n := range []string{"a", "c", "d", "e"} {
		f.relate(ms["b"], ms[n], backend.RelRelatedTo)
	}
	f.relate(g, ms["b"], backend.RelSolves)
	ids := func(names ...string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = "missing"
			if m := ms[n]; m != nil {
				out[i] = m.ID
			}
		}
		return out
	}
	tests := []struct {
		name  string
		ids   []string
		limit int
	}{
		{"None", nil, 5},
		{"One", ids("a"), 5},
		{"JoinedToEachOther", ids("b", "a", "c", "e"), 5},
		{"LimitBelowDegree", ids("b", "c"), 2},
		{"Alone", ids("f", "b"), 5},
		{"Missing", ids("a", "missing", "d"), 5},
		{"Repeated", ids("c", "c"), 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.s.Neighbours(f.ctx, tt.ids, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.ids) {
				t.Fatalf("%d lists for %d ids", len(got), len(tt.ids))
			}
			for i, id := range tt.ids {
				want, err := f.s.RelatedMemories(f.ctx, backend.RelatedQuery{ID: id, Depth: 1, Direction: backend.DirBoth, Limit: tt.limit})
				if backend.ErrorCode(err) == backend.ENOTFOUND {
					want = nil
				} else if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got[i], want) {
					t.Errorf("neighbours of %s = %s, want %s", id, relatedText(got[i]), relatedText(want))
				}
			}
		})
	}
}

func relatedText(rs []*backend.RelatedMemory) string {
	if rs == nil {
		return "nil"
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%s via %s", r.Memory.Title, r.Via.ID)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestFindPath(t *testing.T) {
	f, ms := graphFixture(t)
	titles := func(p *backend.Path) []string {
		var out []string
		for _, m := range p.Memories {
			out = append(out, m.Title)
		}
		return out
	}
	tests := []struct {
		name     string
		from, to string
		depth    int
		types    []backend.RelationshipType
		want     []string
	}{
		{"Forward", "a", "d", 5, nil, []string{"a", "b", "c", "d"}},
		{"AgainstEdges", "d", "e", 5, nil, []string{"d", "c", "b", "a", "e"}},
		{"TooFar", "e", "d", 3, nil, nil},
		{"Types", "a", "c", 5, []backend.RelationshipType{"CAUSES"}, nil},
		{"Unconnected", "a", "f", 10, nil, nil},
		{"Same", "a", "a", 1, nil, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := f.svc.FindPath(f.ctx, ms[tt.from].ID, ms[tt.to].ID, tt.depth, tt.types)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if p != nil {
					t.Errorf("path = %v, want none", titles(p))
				}
				return
			}
			if p == nil || !slices.Equal(titles(p), tt.want) {
				t.Fatalf("path = %v, want %v", p, tt.want)
			}
			if len(p.Relationships) != len(p.Memories)-1 {
				t.Fatalf("%d relationships for %d memories", len(p.Relationships), len(p.Memories))
			}
			for i, r := range p.Relationships {
				a, b := p.Memories[i].ID, p.Memories[i+1].ID
				if !(r.FromID == a && r.ToID == b || r.FromID == b && r.ToID == a) {
					t.Errorf("relationship %d joins %s and %s, not %s and %s", i, r.FromID, r.ToID, a, b)
				}
			}
		})
	}
	_, err := f.svc.FindPath(f.ctx, ms["a"].ID, "missing", 5, nil)
	wantCode(t, err, backend.ENOTFOUND)
}

func TestSubgraph(t *testing.T) {
	f, ms := graphFixture(t)
	tests := []struct {
		name       string
		q          backend.SubgraphQuery
		nodes      []string
		edges      int
		totalNodes int
	}{
		{"SeedsOnly", backend.SubgraphQuery{Seeds: []string{ms["a"].ID, ms["d"].ID}}, []string{"a", "d"}, 0, 2},
		{"Depth1", backend.SubgraphQuery{Seeds: []string{ms["b"].ID}, Depth: 1}, []string{"a", "b", "c"}, 2, 3},
		{"Depth2", backend.SubgraphQuery{Seeds: []string{ms["b"].ID}, Depth: 2}, []string{"a", "b", "c", "d", "e"}, 4, 5},
		{"Capped", backend.SubgraphQuery{Seeds: []string{ms["b"].ID}, Depth: 2, Limit: 3}, []string{"a", "b", "c"}, 2, 5},
		{"RelTypes", backend.SubgraphQuery{Seeds: []string{ms["b"].ID}, Depth: 5, RelTypes: []backend.RelationshipType{"CAUSES"}}, []string{"b", "c", "d"}, 2, 3},
		{"MemTypes", backend.SubgraphQuery{Seeds: []string{ms["a"].ID}, Depth: 5, MemTypes: []backend.MemoryType{backend.TypeProblem}}, []string{"a"}, 0, 1},
		{"MemTypesSeedKept", backend.SubgraphQuery{Seeds: []string{ms["c"].ID}, Depth: 1, MemTypes: []backend.MemoryType{backend.TypeGeneral}}, []string{"b", "c", "d"}, 2, 3},
		{"UnknownSeed", backend.SubgraphQuery{Seeds: []string{"missing", ms["f"].ID}, Depth: 2}, []string{"f"}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := f.svc.Subgraph(f.ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var nodes []string
			in := map[string]bool{}
			for _, m := range g.Nodes {
				nodes = append(nodes, m.Title)
				in[m.ID] = true
			}
			if !slices.Equal(sorted(nodes), tt.nodes) || len(g.Edges) != tt.edges || g.TotalNodes != tt.totalNodes {
				t.Errorf("nodes %v, %d edges, total %d; want %v, %d, %d", nodes, len(g.Edges), g.TotalNodes, tt.nodes, tt.edges, tt.totalNodes)
			}
			if g.Nodes[0].ID != tt.q.Seeds[len(tt.q.Seeds)-1] && g.Nodes[0].ID != tt.q.Seeds[0] {
				t.Errorf("first node %s is not a seed", g.Nodes[0].Title)
			}
			for _, e := range g.Edges {
				if !in[e.FromID] || !in[e.ToID] {
					t.Errorf("edge %s -> %s leaves the returned nodes", e.FromID, e.ToID)
				}
			}
		})
	}
}

func TestStatisticsAndActivity(t *testing.T) {
	f, ms := graphFixture(t)
	st, err := f.svc.Statistics(f.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Memories != 6 || st.Relationships != 4 || st.ByType[backend.TypeGeneral] != 5 || st.ByType[backend.TypeProblem] != 1 ||
		st.ByRelationshipType["CAUSES"] != 2 || st.ByRelationshipType[backend.RelSolves] != 1 {
		t.Errorf("statistics = %+v", st)
	}

	for i, tags := range [][]string{{"go", "db"}, {"go"}, {"go", "ci"}, {"db"}} {
		f.add(backend.NewMemory{Type: backend.TypeError, Title: "err " + tags[0] + string(rune('0'+i)), Content: "x", Tags: tags,
			Context: backend.Context{ProjectPath: "/w/" + tags[0]}})
	}
	st, err = f.svc.Statistics(f.ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := []backend.TagCount{{Tag: "go", Count: 3}, {Tag: "db", Count: 2}}; !slices.Equal(st.TopTags, want) {
		t.Errorf("top tags = %v, want %v", st.TopTags, want)
	}

	// "old" was created a month ago and is updated now: it counts as updated.
	month := backend.Now().AddDate(0, 0, -30)
	if _, err := f.s.ImportMemories(f.ctx, []*backend.Memory{{ID: "old", Type: backend.TypeProblem, Title: "Old problem", Content: "x",
		Tags: []string{}, Importance: 0.5, Confidence: 0.5, CreatedAt: month, UpdatedAt: month, Version: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateMemory(f.ctx, "old", backend.MemoryUpdate{Importance: new(0.9)}); err != nil {
		t.Fatal(err)
	}
	act, err := f.svc.RecentActivity(f.ctx, 7, 2, "")
	if err != nil {
		t.Fatal(err)
	}
	if act.CreatedTotal != 10 || len(act.Created) != 2 || act.UpdatedTotal != 1 || act.Updated[0].ID != "old" {
		t.Errorf("activity: created %d (%d listed), updated %d %v", act.CreatedTotal, len(act.Created), act.UpdatedTotal, act.Updated)
	}
	if !act.Created[0].CreatedAt.After(act.Created[1].CreatedAt) {
		t.Errorf("created not newest first")
	}
	// c is solved by nothing (b CAUSES it); the four errors and "old" are open.
	if act.UnresolvedTotal != 6 {
		t.Errorf("unresolved total = %d, want 6", act.UnresolvedTotal)
	}
	f.relate(ms["a"], ms["c"], backend.RelSolves)
	act, err = f.svc.RecentActivity(f.ctx, 7, 200, "/w/go")
	if err != nil {
		t.Fatal(err)
	}
	if act.UnresolvedTotal != 3 || act.CreatedTotal != 3 || act.UpdatedTotal != 0 {
		t.Errorf("activity in /w/go: created %d, updated %d, unresolved %d; want 3, 0, 3", act.CreatedTotal, act.UpdatedTotal, act.UnresolvedTotal)
	}
	act, _ = f.svc.RecentActivity(f.ctx, 7, 200, "")
	if act.UnresolvedTotal != 5 {
		t.Errorf("after SOLVES, unresolved total = %d, want 5", act.UnresolvedTotal)
	}
}

func TestImportExport(t *testing.T) {
	src := newFixture(t)
	a := src.note("A", "a", "x")
	b := src.note("B", "b")
	src.relate(a, b, backend.RelSolves)
	if err := src.s.RecordAccess(src.ctx, []string{a.ID}, backend.Now()); err != nil {
		t.Fatal(err)
	}
	var ms []*backend.Memory
	var rs []*backend.Relationship
	if err := src.s.ExportMemories(src.ctx, func(m *backend.Memory) error { ms = append(ms, m); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := src.s.ExportRelationships(src.ctx, func(r *backend.Relationship) error { rs = append(rs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].ID != a.ID || len(rs) != 1 {
		t.Fatalf("exported %d memories, %d relationships", len(ms), len(rs))
	}

	dst := newFixture(t)
	// The destination already holds a copy of B under another id.
	bCopy := dst.note("B", "b")
	res, err := dst.svc.ImportMemories(dst.ctx, ms)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 1 || res.Skipped != 1 || res.IDMap[b.ID] != bCopy.ID {
		t.Errorf("import = %+v", res)
	}
	got, err := dst.s.GetMemory(dst.ctx, a.ID)
	if err != nil || got.AccessCount != 1 || got.LastAccessedAt == nil || !got.CreatedAt.Equal(a.CreatedAt) {
		t.Errorf("imported A = %+v, %v", got, err)
	}

	// Edges follow the id map; one with a missing end is skipped.
	r := *rs[0]
	r.ToID = res.IDMap[r.ToID]
	lost := r
	lost.ID, lost.FromID = backend.NewID(), "gone"
	rres, err := dst.svc.ImportRelationships(dst.ctx, []*backend.Relationship{&r, &lost})
	if err != nil || rres.Created != 1 || rres.Skipped != 1 {
		t.Errorf("import relationships = %+v, %v", rres, err)
	}

	// Re-running changes nothing.
	res, err = dst.svc.ImportMemories(dst.ctx, ms)
	if err != nil || res.Created != 0 || res.Updated != 0 || res.Skipped != 2 {
		t.Errorf("re-import = %+v, %v", res, err)
	}
	rres, err = dst.svc.ImportRelationships(dst.ctx, []*backend.Relationship{&r})
	if err != nil || rres.Skipped != 1 {
		t.Errorf("re-import relationships = %+v, %v", rres, err)
	}

	// A newer copy replaces the stored one, and search sees its new text.
	newer := *ms[0]
	newer.Title, newer.Tags, newer.Version = "A renamed", []string{"y"}, 7
	newer.UpdatedAt = newer.UpdatedAt.Add(time.Second)
	res, err = dst.svc.ImportMemories(dst.ctx, []*backend.Memory{&newer})
	if err != nil || res.Updated != 1 {
		t.Fatalf("import newer = %+v, %v", res, err)
	}
	if got := dst.titles(backend.SearchQuery{Text: "renamed", Tags: []string{"y"}}); !slices.Equal(got, []string{"A renamed"}) {
		t.Errorf("search after replace = %q", got)
	}
	if got, _ := dst.s.GetMemory(dst.ctx, a.ID); got.Version != 7 {
		t.Errorf("replaced version = %d, want 7", got.Version)
	}
}
