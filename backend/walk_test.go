package backend

import (
	"slices"
	"testing"
)

// TestWalkRelated walks a small graph a→b, a→c, b→d, c→d, d→e given as
// hops, and checks what each query reaches, at which depth, by which edge.
func TestWalkRelated(t *testing.T) {
	edges := map[string][]string{"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": {"e"}}
	hops := func(frontier []string) ([]Hop, error) {
		var hs []Hop
		for _, near := range frontier {
			for _, far := range edges[near] {
				hs = append(hs, Hop{Rel: &Relationship{ID: near + far}, Near: near, Far: far})
			}
		}
		return hs, nil
	}
	load := func(ids []string) (map[string]*Memory, error) {
		ms := map[string]*Memory{}
		for _, id := range ids {
			ms[id] = &Memory{ID: id}
		}
		return ms, nil
	}
	tests := []struct {
		depth, limit int
		want         []string // id@depth via edge
	}{
		{1, 50, []string{"b@1 ab", "c@1 ac"}},
		{2, 50, []string{"b@1 ab", "c@1 ac", "d@2 bd"}}, // d once, by the first edge to reach it
		{5, 50, []string{"b@1 ab", "c@1 ac", "d@2 bd", "e@3 de"}},
		{5, 3, []string{"b@1 ab", "c@1 ac", "d@2 bd"}},
		{5, 1, []string{"b@1 ab"}},
	}
	for _, tt := range tests {
		got, err := WalkRelated(RelatedQuery{ID: "a", Depth: tt.depth, Limit: tt.limit}, hops, load)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.Memory.ID+"@"+string(rune('0'+r.Depth))+" "+r.Via.ID)
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("depth %d limit %d: got %v, want %v", tt.depth, tt.limit, ids, tt.want)
		}
	}
}

func TestRelatedQueryWithDefaults(t *testing.T) {
	q := RelatedQuery{}.WithDefaults()
	if q.Limit != DefaultRelatedLimit || q.Direction != DirBoth {
		t.Errorf("defaults: %+v", q)
	}
	q = RelatedQuery{Limit: 3, Direction: DirOut}.WithDefaults()
	if q.Limit != 3 || q.Direction != DirOut {
		t.Errorf("kept values: %+v", q)
	}
}
