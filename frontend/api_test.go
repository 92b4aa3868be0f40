package frontend

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/engramhq/engram/backend"
)

// graphFixture is a small graph on a real store:
//
//	redis-problem <-SOLVES- redis-fix -RELATED_TO-> redis-tech
//	go-problem (alone), and filler memories about nothing in particular.
type graphFixture struct {
	u                                            *ui
	redisProblem, redisFix, redisTech, goProblem *backend.Memory
}

func newGraphFixture(t *testing.T, fillers int) *graphFixture {
	u := newUI(t, Options{})
	f := &graphFixture{u: u}
	for i := range fillers {
		u.memory("general", fmt.Sprintf("Filler %d", i), "nothing to see", "filler")
	}
	f.redisProblem = u.memory("problem", "Redis cache timeouts", "The cache times out under load", "redis")
	f.redisFix = u.memory("fix", "Raise the pool size", "More connections", "redis")
	f.redisTech = u.memory("technology", "Redis", "An in-memory store")
	f.goProblem = u.memory("problem", "Go build is slow", "Linking takes long", "go")
	u.relate(f.redisFix.ID, f.redisProblem.ID, backend.RelSolves)
	u.relate(f.redisFix.ID, f.redisTech.ID, backend.RelRelatedTo)
	return f
}

func (f *graphFixture) graph(t *testing.T, query string) graphResponse {
	t.Helper()
	var g graphResponse
	if code := f.u.api("GET", "/api/graph"+query, nil, &g); code != 200 {
		t.Fatalf("GET /api/graph%s: status %d", query, code)
	}
	return g
}

func ids(g graphResponse) map[string]bool {
	m := map[string]bool{}
	for _, n := range g.Nodes {
		m[n.ID] = true
	}
	return m
}

func TestGraphAPIShape(t *testing.T) {
	f := newGraphFixture(t, 0)
	var raw map[string]json.RawMessage
	if code := f.u.api("GET", "/api/graph?q=redis", nil, &raw); code != 200 {
		t.Fatal(code)
	}
	for _, key := range []string{"nodes", "edges", "total", "shown", "next_offset"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("answer lacks %q", key)
		}
	}
	var nodes []map[string]any
	json.Unmarshal(raw["nodes"], &nodes)
	for _, key := range []string{"id", "type", "title", "summary", "importance", "tags", "created_at"} {
		if _, ok := nodes[0][key]; !ok {
			t.Errorf("node lacks %q: %v", key, nodes[0])
		}
	}
	var edges []map[string]any
	json.Unmarshal(raw["edges"], &edges)
	if len(edges) == 0 {
		t.Fatal("no edges")
	}
	for _, key := range []string{"id", "from", "to", "type", "strength"} {
		if _, ok := edges[0][key]; !ok {
			t.Errorf("edge lacks %q: %v", key, edges[0])
		}
	}
	if string(raw["next_offset"]) != "null" {
		t.Errorf("next_offset = %s, want null on the last page", raw["next_offset"])
	}
}

func TestGraphAPI(t *testing.T) {
	f := newGraphFixture(t, 6)
	for _, tc := range []struct {
		name       string
		query      string
		want       []*backend.Memory // must be among the nodes
		notWant    []*backend.Memory
		total      int
		shown      int
		edges      int
		nextOffset int // -1: null
	}{
		{"search finds matches and neighbours", "?q=redis", []*backend.Memory{f.redisProblem, f.redisFix, f.redisTech}, []*backend.Memory{f.goProblem}, 3, 3, 2, -1},
		{"stemmed search", "?q=timeout", []*backend.Memory{f.redisProblem, f.redisFix}, []*backend.Memory{f.goProblem}, 1, 1, -1, -1},
		{"type filter", "?type=problem", []*backend.Memory{f.redisProblem, f.goProblem}, []*backend.Memory{f.redisTech}, 2, 2, 0, -1},
		{"two types", "?type=problem&type=fix", []*backend.Memory{f.redisProblem, f.redisFix, f.goProblem}, []*backend.Memory{f.redisTech}, 3, 3, 1, -1},
		{"tag filter", "?tag=go", []*backend.Memory{f.goProblem}, []*backend.Memory{f.redisProblem}, 1, 1, 0, -1},
		{"relationship type filter limits neighbours", "?q=pool&rel_type=SOLVES", []*backend.Memory{f.redisFix, f.redisProblem}, []*backend.Memory{f.redisTech}, 1, 1, 1, -1},
		{"no query: newest first, paged", "?limit=3", []*backend.Memory{f.goProblem, f.redisTech, f.redisFix}, nil, 10, 3, -1, 3},
		{"second page", "?limit=3&offset=9", nil, []*backend.Memory{f.goProblem}, 10, 1, -1, -1},
		{"nothing matches", "?q=kubernetes", nil, []*backend.Memory{f.goProblem}, 0, 0, 0, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := f.graph(t, tc.query)
			got := ids(g)
			for _, m := range tc.want {
				if !got[m.ID] {
					t.Errorf("%q missing from %d nodes", m.Title, len(g.Nodes))
				}
			}
			for _, m := range tc.notWant {
				if got[m.ID] {
					t.Errorf("%q should not be drawn", m.Title)
				}
			}
			if g.Total != tc.total || g.Shown != tc.shown {
				t.Errorf("total %d shown %d, want %d %d", g.Total, g.Shown, tc.total, tc.shown)
			}
			if tc.edges >= 0 && len(g.Edges) != tc.edges {
				t.Errorf("%d edges, want %d: %+v", len(g.Edges), tc.edges, g.Edges)
			}
			for _, e := range g.Edges {
				if !got[e.From] || !got[e.To] {
					t.Errorf("edge %+v has an end that is not drawn", e)
				}
			}
			switch {
			case tc.nextOffset < 0 && g.NextOffset != nil:
				t.Errorf("next_offset %d, want null", *g.NextOffset)
			case tc.nextOffset >= 0 && (g.NextOffset == nil || *g.NextOffset != tc.nextOffset):
				t.Errorf("next_offset %v, want %d", g.NextOffset, tc.nextOffset)
			}
			if len(g.Nodes) != len(got) {
				t.Error("a node is listed twice")
			}
		})
	}
}

func TestGraphExpand(t *testing.T) {
	f := newGraphFixture(t, 0)
	var g graphResponse
	if code := f.u.api("GET", "/api/graph/expand?id="+f.redisTech.ID, nil, &g); code != 200 {
		t.Fatal(code)
	}
	if got := ids(g); len(got) != 2 || !got[f.redisFix.ID] || len(g.Edges) != 1 {
		t.Errorf("depth 1 from Redis: %+v", g)
	}
	if code := f.u.api("GET", "/api/graph/expand?depth=2&id="+f.redisTech.ID, nil, &g); code != 200 {
		t.Fatal(code)
	}
	if got := ids(g); len(got) != 3 || !got[f.redisProblem.ID] || g.Total != 3 || g.Shown != 3 || g.NextOffset != nil {
		t.Errorf("depth 2 from Redis: %+v", g)
	}
	if code := f.u.api("GET", "/api/graph/expand?depth=2&rel_type=RELATED_TO&id="+f.redisTech.ID, nil, &g); code != 200 || len(g.Nodes) != 2 {
		t.Errorf("RELATED_TO only: %d %+v", code, g)
	}
}

func TestAPIErrors(t *testing.T) {
	f := newGraphFixture(t, 0)
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
		code, field  string
	}{
		{"GET", "/api/graph?type=idea", nil, 400, "invalid", "type"},
		{"GET", "/api/graph?rel_type=FIXES", nil, 400, "invalid", "rel_type"},
		{"GET", "/api/graph?limit=0", nil, 400, "invalid", "limit"},
		{"GET", "/api/graph?limit=5001", nil, 400, "invalid", "limit"},
		{"GET", "/api/graph?offset=-1", nil, 400, "invalid", "offset"},
		{"GET", "/api/graph/expand", nil, 400, "invalid", "id"},
		{"GET", "/api/graph/expand?id=nope", nil, 404, "not_found", ""},
		{"GET", "/api/graph/expand?depth=9&id=" + f.redisTech.ID, nil, 400, "invalid", "depth"},
		{"GET", "/api/memories/nope", nil, 404, "not_found", ""},
		{"GET", "/api/search?limit=101", nil, 400, "invalid", "limit"},
		{"POST", "/api/memories", map[string]any{"type": "general", "title": "", "content": "c"}, 400, "invalid", "title"},
		{"POST", "/api/memories", map[string]any{"type": "general", "titel": "typo"}, 400, "invalid", "body"},
		{"PATCH", "/api/memories/" + f.goProblem.ID, map[string]any{"title": "x", "expected_version": 7}, 409, "conflict", ""},
		{"PATCH", "/api/memories/" + f.goProblem.ID, map[string]any{"importance": 3}, 400, "invalid", "importance"},
		{"POST", "/api/relationships", map[string]any{"from": f.goProblem.ID, "to": f.goProblem.ID, "type": "SOLVES"}, 400, "invalid", "to_memory_id"},
		{"DELETE", "/api/relationships?from=" + f.goProblem.ID + "&to=" + f.redisTech.ID + "&type=SOLVES", nil, 404, "not_found", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			var e apiErrorBody
			status := f.u.api(tc.method, tc.path, tc.body, &e)
			if status != tc.status || e.Error.Code != tc.code || e.Error.Field != tc.field || e.Error.Message == "" {
				t.Errorf("got %d %+v, want %d code %q field %q", status, e.Error, tc.status, tc.code, tc.field)
			}
		})
	}
}

func TestAPIWrites(t *testing.T) {
	f := newGraphFixture(t, 0)
	var created struct {
		Memory    backend.Memory `json:"memory"`
		Duplicate bool           `json:"duplicate"`
	}
	body := map[string]any{"type": "solution", "title": "Cache warmup", "content": "Warm it", "tags": []string{"Redis"}}
	if code := f.u.api("POST", "/api/memories", body, &created); code != http.StatusCreated || created.Memory.Tags[0] != "redis" {
		t.Fatalf("create: %d %+v", code, created)
	}
	if code := f.u.api("POST", "/api/memories", body, &created); code != http.StatusOK || !created.Duplicate {
		t.Errorf("duplicate: %d %+v", code, created)
	}
	id := created.Memory.ID
	if code := f.u.api("PATCH", "/api/memories/"+id, map[string]any{"title": "Warm the cache", "expected_version": 1}, &created); code != 200 || created.Memory.Version != 2 {
		t.Errorf("update: %d %+v", code, created.Memory)
	}
	rel := map[string]any{"from": id, "to": f.redisProblem.ID, "type": "ADDRESSES"}
	if code := f.u.api("POST", "/api/relationships", rel, nil); code != http.StatusCreated {
		t.Errorf("relate: %d", code)
	}
	if code := f.u.api("POST", "/api/relationships", rel, nil); code != http.StatusOK {
		t.Errorf("reinforce: %d", code)
	}
	var hits struct {
		Hits  []searchHit `json:"hits"`
		Total int         `json:"total"`
	}
	if code := f.u.api("GET", "/api/search?q=warm", nil, &hits); code != 200 || hits.Total != 1 || hits.Hits[0].ID != id {
		t.Errorf("search: %d %+v", code, hits)
	}
	if code := f.u.api("DELETE", "/api/relationships?from="+id+"&to="+f.redisProblem.ID+"&type=ADDRESSES", nil, nil); code != http.StatusNoContent {
		t.Errorf("unrelate: %d", code)
	}
	if code := f.u.api("DELETE", "/api/memories/"+id, nil, nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
}
