package mcp

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/engramhq/engram/backend"
)

// checkTools checks what a client sees in tools/list: the twelve tools of
// SPEC §3, each with a title, a short description, an input schema that
// names its required fields and refuses unknown ones, an output schema and
// every annotation set.
func checkTools(t *testing.T, tools []mcpgo.Tool) {
	t.Helper()
	required := map[string][]string{
		"store_memory":          {"type", "title", "content"},
		"get_memory":            {"memory_id"},
		"update_memory":         {"memory_id"},
		"delete_memory":         {"memory_id"},
		"search_memories":       nil,
		"recall_memories":       {"query"},
		"create_relationship":   {"from_memory_id", "to_memory_id", "relationship_type"},
		"delete_relationship":   {"from_memory_id", "to_memory_id", "relationship_type"},
		"get_related_memories":  {"memory_id"},
		"find_path":             {"from_memory_id", "to_memory_id"},
		"get_recent_activity":   nil,
		"get_memory_statistics": nil,
	}
	readOnly := []string{"get_memory", "search_memories", "recall_memories", "get_related_memories", "find_path", "get_recent_activity", "get_memory_statistics"}
	destructive := []string{"update_memory", "delete_memory", "delete_relationship"}
	if len(tools) != len(required) {
		t.Errorf("%d tools, want %d", len(tools), len(required))
	}
	for _, tool := range tools {
		want, known := required[tool.Name]
		if !known {
			t.Errorf("unexpected tool %q", tool.Name)
			continue
		}
		if tool.Title == "" || tool.Annotations.Title == "" {
			t.Errorf("%s: no title", tool.Name)
		}
		if n := len(tool.Description); n < 40 || n > 400 {
			t.Errorf("%s: description of %d characters; keep it short but clear", tool.Name, n)
		}
		var in struct {
			Type                 string                     `json:"type"`
			Properties           map[string]json.RawMessage `json:"properties"`
			Required             []string                   `json:"required"`
			AdditionalProperties *bool                      `json:"additionalProperties"`
		}
		if err := json.Unmarshal(schemaJSON(t, tool), &in); err != nil {
			t.Fatalf("%s: input schema: %v", tool.Name, err)
		}
		if in.Type != "object" || len(in.Properties) == 0 && tool.Name != "get_memory_statistics" {
			t.Errorf("%s: input schema %+v", tool.Name, in)
		}
		if in.AdditionalProperties == nil || *in.AdditionalProperties {
			t.Errorf("%s: input schema allows unknown arguments", tool.Name)
		}
		if !slices.Equal(in.Required, want) {
			t.Errorf("%s: required = %v, want %v", tool.Name, in.Required, want)
		}
		if tool.OutputSchema.Type != "object" || len(tool.OutputSchema.Properties) == 0 {
			t.Errorf("%s: output schema %+v", tool.Name, tool.OutputSchema)
		}
		a := tool.Annotations
		if a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil {
			t.Fatalf("%s: annotations not all set: %+v", tool.Name, a)
		}
		if *a.ReadOnlyHint != slices.Contains(readOnly, tool.Name) || *a.DestructiveHint != slices.Contains(destructive, tool.Name) || *a.OpenWorldHint {
			t.Errorf("%s: annotations readOnly %v destructive %v openWorld %v", tool.Name, *a.ReadOnlyHint, *a.DestructiveHint, *a.OpenWorldHint)
		}
	}
}

// schemaJSON returns a listed tool's input schema as JSON.
func schemaJSON(t *testing.T, tool mcpgo.Tool) []byte {
	t.Helper()
	if len(tool.RawInputSchema) > 0 {
		return tool.RawInputSchema
	}
	b, err := json.Marshal(tool.InputSchema)
	if err != nil {
		t.Fatalf("%s: %v", tool.Name, err)
	}
	return b
}

func TestListTools(t *testing.T) {
	e := newEnv(t)
	res, err := e.c.ListTools(e.ctx, mcpgo.ListToolsRequest{})
	if err != nil {
		t.Fatalf("ListTools: %v", err)
	}
	checkTools(t, res.Tools)
}

// TestSchemaBoundsMatchBackend keeps the bounds written in argument tags
// equal to the limits the service enforces.
func TestSchemaBoundsMatchBackend(t *testing.T) {
	schemas := map[string]map[string]map[string]any{}
	for _, s := range registry {
		var sc struct {
			Properties map[string]map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(s.tool.RawInputSchema, &sc); err != nil {
			t.Fatal(err)
		}
		schemas[s.tool.Name] = sc.Properties
	}
	tests := []struct {
		tool, prop, keyword string
		want                int
	}{
		{"store_memory", "title", "maxLength", backend.MaxTitleChars},
		{"store_memory", "content", "maxLength", backend.MaxContentBytes},
		{"store_memory", "summary", "maxLength", backend.MaxSummaryChars},
		{"store_memory", "tags", "maxItems", backend.MaxTags},
		{"update_memory", "title", "maxLength", backend.MaxTitleChars},
		{"update_memory", "tags", "maxItems", backend.MaxTags},
		{"get_memory", "memory_id", "maxLength", backend.MaxIDChars},
		{"search_memories", "query", "maxLength", backend.MaxQueryChars},
		{"search_memories", "limit", "maximum", backend.MaxSearchLimit},
		{"search_memories", "limit", "default", backend.DefaultSearchLimit},
		{"search_memories", "offset", "maximum", backend.MaxSearchOffset},
		{"search_memories", "project_path", "maxLength", backend.MaxContextString},
		{"recall_memories", "limit", "maximum", backend.MaxSearchLimit},
		{"create_relationship", "context", "maxLength", backend.MaxRelContextChars},
		{"get_related_memories", "depth", "maximum", backend.MaxDepth},
		{"get_related_memories", "limit", "maximum", backend.MaxRelatedLimit},
		{"find_path", "max_depth", "maximum", backend.MaxPathDepth},
		{"find_path", "max_depth", "default", backend.DefaultPathDepth},
		{"get_recent_activity", "days", "maximum", backend.MaxActivityDays},
		{"get_recent_activity", "days", "default", backend.DefaultActivityDays},
		{"get_recent_activity", "limit", "maximum", backend.MaxActivityLimit},
		{"get_memory_statistics", "top_tags", "default", backend.DefaultTopTags},
	}
	for _, tt := range tests {
		got, ok := schemas[tt.tool][tt.prop][tt.keyword].(float64)
		if !ok || int(got) != tt.want {
			t.Errorf("%s.%s %s = %v, want %d", tt.tool, tt.prop, tt.keyword, schemas[tt.tool][tt.prop][tt.keyword], tt.want)
		}
	}
	var ctxSchema struct {
		Properties map[string]map[string]any `json:"properties"`
	}
	raw, _ := json.Marshal(schemas["store_memory"]["context"])
	if err := json.Unmarshal(raw, &ctxSchema); err != nil {
		t.Fatal(err)
	}
	if got := ctxSchema.Properties["files"]["maxItems"]; got != float64(backend.MaxContextList) {
		t.Errorf("context.files maxItems = %v, want %d", got, backend.MaxContextList)
	}
	if got := ctxSchema.Properties["extra"]["maxProperties"]; got != float64(backend.MaxContextExtra) {
		t.Errorf("context.extra maxProperties = %v, want %d", got, backend.MaxContextExtra)
	}
}

func TestMemoryLifecycle(t *testing.T) {
	e := newEnv(t)
	args := map[string]any{
		"type": "problem", "title": "  Tests hang on CI  ", "content": "go test ./... never finishes on the CI runner",
		"summary": "CI hangs", "tags": []string{"CI", "go", "ci"}, "importance": 0.9,
		"context": map[string]any{"project_path": "/src/engram", "languages": []string{"go"}, "extra": map[string]string{"runner": "linux"}},
	}
	var stored storeMemoryResult
	text := e.ok("store_memory", args, &stored)
	if text != "Stored memory "+stored.ID+"." || stored.Version != 1 || stored.Duplicate {
		t.Fatalf("store_memory = %q, %+v", text, stored)
	}

	t.Run("Duplicate", func(t *testing.T) {
		var again storeMemoryResult
		text := e.ok("store_memory", args, &again)
		if !again.Duplicate || again.ID != stored.ID || !strings.Contains(text, "Already stored as memory "+stored.ID) {
			t.Fatalf("second store = %q, %+v", text, again)
		}
		if n, _ := e.count(); n != 1 {
			t.Fatalf("%d memories after a duplicate store, want 1", n)
		}
	})

	t.Run("Get", func(t *testing.T) {
		var got getMemoryResult
		text := e.ok("get_memory", map[string]any{"memory_id": stored.ID}, &got)
		m := got.Memory
		if m == nil || m.Title != "Tests hang on CI" || !slices.Equal(m.Tags, []string{"ci", "go"}) || m.Importance != 0.9 ||
			m.Confidence != backend.DefaultConfidence || m.Context.ProjectPath != "/src/engram" || m.Context.Extra["runner"] != "linux" {
			t.Fatalf("get_memory = %+v", m)
		}
		if !strings.Contains(text, "go test ./... never finishes") || got.Relationships != nil || got.RelationshipsTotal != nil {
			t.Fatalf("get_memory text %q, relationships %v", text, got.Relationships)
		}
	})

	t.Run("Update", func(t *testing.T) {
		var up updateMemoryResult
		text := e.ok("update_memory", map[string]any{"memory_id": stored.ID, "title": "Tests hang on CI runners", "expected_version": 1, "tags": []string{}}, &up)
		if up.Version != 2 || up.Title != "Tests hang on CI runners" || !strings.Contains(text, "now version 2") {
			t.Fatalf("update_memory = %q, %+v", text, up)
		}
		var got getMemoryResult
		e.ok("get_memory", map[string]any{"memory_id": stored.ID}, &got)
		if len(got.Memory.Tags) != 0 || got.Memory.Content != args["content"] || got.Memory.Summary != "CI hangs" {
			t.Fatalf("after update: %+v", got.Memory)
		}
	})

	t.Run("StaleVersion", func(t *testing.T) {
		msg := e.fail("update_memory", map[string]any{"memory_id": stored.ID, "content": "lost update", "expected_version": 1})
		if !strings.Contains(msg, "version 1") || !strings.Contains(msg, "version 2") {
			t.Fatalf("stale update error %q does not explain the versions", msg)
		}
		var got getMemoryResult
		e.ok("get_memory", map[string]any{"memory_id": stored.ID}, &got)
		if got.Memory.Version != 2 || got.Memory.Content == "lost update" {
			t.Fatalf("a stale update changed the memory: %+v", got.Memory)
		}
	})

	t.Run("NothingToUpdate", func(t *testing.T) {
		if msg := e.fail("update_memory", map[string]any{"memory_id": stored.ID}); !strings.Contains(msg, "nothing to update") {
			t.Fatalf("empty update error %q", msg)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		var del deleteMemoryResult
		text := e.ok("delete_memory", map[string]any{"memory_id": stored.ID}, &del)
		if !del.Deleted || del.ID != stored.ID || !strings.Contains(text, "Deleted memory "+stored.ID) {
			t.Fatalf("delete_memory = %q, %+v", text, del)
		}
		for tool, args := range map[string]map[string]any{
			"get_memory":    {"memory_id": stored.ID},
			"delete_memory": {"memory_id": stored.ID},
			"update_memory": {"memory_id": stored.ID, "title": "x"},
		} {
			msg := e.fail(tool, args)
			if !strings.Contains(msg, "not found") || !strings.Contains(msg, "search_memories") {
				t.Errorf("%s of a deleted memory: %q", tool, msg)
			}
		}
	})
}

func TestSearchMemories(t *testing.T) {
	e := newEnv(t)
	cache := e.store("solution", "Caching layer for the search API", "Put a read-through cache in front of the index.", map[string]any{"tags": []string{"perf", "api"}, "importance": 0.8})
	stem := e.store("problem", "Slow cached responses", "Responses served from caches are stale after a deploy.", map[string]any{"tags": []string{"perf"}, "importance": 0.3})
	pg := e.store("command", "Check Postgres readiness", "Run pg_isready -h localhost before the migrations.", map[string]any{"tags": []string{"db"}, "context": map[string]any{"project_path": "/src/app"}})
	var ids []string
	for i := range 12 {
		ids = append(ids, e.store("general", fmt.Sprintf("Paging note %02d", i), "filler text about paging", nil))
	}

	search := func(args map[string]any) searchMemoriesResult {
		t.Helper()
		var out searchMemoriesResult
		e.ok("search_memories", args, &out)
		return out
	}
	idsOf := func(r searchMemoriesResult) []string {
		var out []string
		for _, h := range r.Memories {
			out = append(out, h.ID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }

	tests := []struct {
		name string
		args map[string]any
		want []string
	}{
		{"Stem", map[string]any{"query": "caching"}, sorted(cache, stem)},
		{"Prefix", map[string]any{"query": "readi*"}, sorted(pg)},
		{"Punctuated", map[string]any{"query": "pg_isready"}, sorted(pg)},
		{"Type", map[string]any{"query": "cache", "memory_types": []string{"problem"}}, sorted(stem)},
		{"TagsAll", map[string]any{"tags": []string{"PERF", "api"}, "tag_mode": "all"}, sorted(cache)},
		{"TagsAny", map[string]any{"tags": []string{"api", "db"}}, sorted(cache, pg)},
		{"Project", map[string]any{"project_path": "/src/app"}, sorted(pg)},
		{"MinImportance", map[string]any{"query": "cache", "min_importance": 0.5}, sorted(cache)},
		{"CreatedBefore", map[string]any{"query": "cache", "created_before": "2000-01-01T00:00:00Z"}, nil},
		{"CreatedAfter", map[string]any{"query": "cache", "created_after": time.Now().Add(-time.Hour).Format(time.RFC3339)}, sorted(cache, stem)},
		{"NoMatch", map[string]any{"query": "kubernetes"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := search(tt.args)
			if !slices.Equal(idsOf(got), tt.want) || got.Total != len(tt.want) {
				t.Fatalf("search(%v) = %v (total %d), want %v", tt.args, idsOf(got), got.Total, tt.want)
			}
		})
	}

	t.Run("Paging", func(t *testing.T) {
		var seen []string
		offset := 0
		for page := 0; ; page++ {
			var out searchMemoriesResult
			text := e.ok("search_memories", map[string]any{"query": "paging", "limit": 5, "offset": offset}, &out)
			if out.Total != 12 || out.Showing != len(out.Memories) {
				t.Fatalf("page %d: %+v", page, out)
			}
			head := fmt.Sprintf("Found 12 memories, showing %d–%d", offset+1, offset+len(out.Memories))
			if !strings.HasPrefix(text, head) {
				t.Fatalf("page %d text %q, want prefix %q", page, text, head)
			}
			for _, h := range out.Memories {
				seen = append(seen, h.ID)
				if !strings.Contains(text, h.ID) {
					t.Errorf("text does not list %s", h.ID)
				}
			}
			if out.NextOffset == nil {
				if strings.Contains(text, "next offset") {
					t.Errorf("last page text %q offers a next offset", text)
				}
				break
			}
			if !strings.Contains(text, fmt.Sprintf("next offset %d", *out.NextOffset)) {
				t.Errorf("text %q does not give next offset %d", text, *out.NextOffset)
			}
			offset = *out.NextOffset
		}
		slices.Sort(seen)
		if !slices.Equal(seen, sorted(ids...)) {
			t.Fatalf("paging saw %v, want %v", seen, sorted(ids...))
		}
	})

	t.Run("Preview", func(t *testing.T) {
		long := strings.Repeat("word ", 400)
		id := e.store("general", "Long memory", long, nil)
		out := search(map[string]any{"query": "long memory"})
		if len(out.Memories) != 1 || out.Memories[0].ID != id || !out.Memories[0].ContentTruncated ||
			len([]rune(out.Memories[0].ContentPreview)) != previewChars+1 {
			t.Fatalf("search of a long memory = %+v", out.Memories)
		}
	})
}

func TestResultsAreCapped(t *testing.T) {
	e := newEnv(t)
	tags := make([]string, backend.MaxTags)
	for i := range tags {
		tags[i] = fmt.Sprintf("%03d-%s", i, strings.Repeat("t", backend.MaxTagChars-4))
	}
	for i := range 60 {
		e.store("general", fmt.Sprintf("Heavy memory %d", i), strings.Repeat("heavy content ", 100), map[string]any{"tags": tags})
	}
	res := call(t, e.c, "search_memories", map[string]any{"query": "heavy", "limit": 100})
	raw, _ := json.Marshal(res)
	if len(raw) > maxResultBytes+8<<10 {
		t.Fatalf("result of %d bytes, want about %d at most", len(raw), maxResultBytes)
	}
	var out searchMemoriesResult
	text := okCall(t, e.c, "search_memories", map[string]any{"query": "heavy", "limit": 100}, &out)
	if out.Total != 60 || out.Showing >= 60 || out.Showing == 0 || out.NextOffset == nil || *out.NextOffset != out.Showing {
		t.Fatalf("capped search = total %d showing %d next %v", out.Total, out.Showing, out.NextOffset)
	}
	want := fmt.Sprintf("Found 60 memories, showing 1–%d; next offset %d.", out.Showing, out.Showing)
	if !strings.HasPrefix(text, want) || !strings.Contains(text, "cut to fit") {
		t.Fatalf("capped search text %q, want prefix %q", text[:min(len(text), 200)], want)
	}
	var activity recentActivityResult
	e.ok("get_recent_activity", map[string]any{"limit": 200}, &activity)
	if activity.CreatedTotal != 60 || len(activity.Created) == 0 || len(activity.Created) >= 60 {
		t.Fatalf("capped activity: %d of %d created", len(activity.Created), activity.CreatedTotal)
	}
}

func TestGraphTools(t *testing.T) {
	e := newEnv(t)
	problem := e.store("problem", "Tests hang", "The integration tests hang forever.", map[string]any{"tags": []string{"ci"}})
	cause := e.store("error", "Deadlock in the pool", "Two goroutines wait on each other.", nil)
	fix := e.store("solution", "Release the lock first", "Unlock before sending on the channel.", nil)
	other := e.store("general", "Unrelated note", "Nothing to do with it.", nil)

	var rel createRelationshipResult
	text := e.ok("create_relationship", map[string]any{"from_memory_id": fix, "to_memory_id": problem, "relationship_type": "SOLVES", "strength": 0.9, "context": "verified on CI"}, &rel)
	if !rel.Created || rel.Relationship.Type != "SOLVES" || rel.Relationship.Strength != 0.9 || text != fmt.Sprintf("Created relationship %s -SOLVES-> %s.", fix, problem) {
		t.Fatalf("create_relationship = %q, %+v", text, rel)
	}
	text = e.ok("create_relationship", map[string]any{"from_memory_id": fix, "to_memory_id": problem, "relationship_type": "SOLVES", "strength": 0.7}, &rel)
	if rel.Created || rel.Relationship.EvidenceCount != 2 || !strings.HasPrefix(text, "Reinforced relationship") {
		t.Fatalf("reinforce = %q, %+v", text, rel)
	}
	e.ok("create_relationship", map[string]any{"from_memory_id": cause, "to_memory_id": problem, "relationship_type": "CAUSES"}, nil)

	if msg := e.fail("create_relationship", map[string]any{"from_memory_id": fix, "to_memory_id": fix, "relationship_type": "SOLVES"}); !strings.Contains(msg, "to_memory_id") {
		t.Errorf("self-loop error %q", msg)
	}
	if msg := e.fail("create_relationship", map[string]any{"from_memory_id": fix, "to_memory_id": "no-such-id", "relationship_type": "SOLVES"}); !strings.Contains(msg, "not found") {
		t.Errorf("missing end error %q", msg)
	}

	t.Run("GetWithRelationships", func(t *testing.T) {
		var got getMemoryResult
		text := e.ok("get_memory", map[string]any{"memory_id": problem, "include_relationships": true}, &got)
		if got.RelationshipsTotal == nil || *got.RelationshipsTotal != 2 || len(got.Relationships) != 2 || !strings.Contains(text, fix+" -SOLVES-> "+problem) {
			t.Fatalf("get_memory with relationships = %q, %+v", text, got)
		}
	})

	t.Run("Related", func(t *testing.T) {
		var out relatedMemoriesResult
		text := e.ok("get_related_memories", map[string]any{"memory_id": problem, "relationship_types": []string{"SOLVES"}, "direction": "incoming"}, &out)
		if out.Found != 1 || out.Related[0].ID != fix || out.Related[0].Via.Type != "SOLVES" || out.Related[0].Depth != 1 || !strings.Contains(text, fix) {
			t.Fatalf("related = %q, %+v", text, out)
		}
		e.ok("get_related_memories", map[string]any{"memory_id": fix, "depth": 2}, &out)
		var got []string
		for _, r := range out.Related {
			got = append(got, r.ID)
		}
		slices.Sort(got)
		want := []string{problem, cause}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("depth 2 from the fix = %v, want %v", got, want)
		}
		e.ok("get_related_memories", map[string]any{"memory_id": problem, "direction": "outgoing"}, &out)
		if out.Found != 0 || len(out.Related) != 0 {
			t.Fatalf("outgoing from the problem = %+v", out)
		}
	})

	t.Run("Path", func(t *testing.T) {
		var out findPathResult
		text := e.ok("find_path", map[string]any{"from_memory_id": cause, "to_memory_id": fix}, &out)
		if !out.Found || out.Hops != 2 || len(out.Memories) != 3 || out.Memories[0].ID != cause || out.Memories[1].ID != problem || out.Memories[2].ID != fix {
			t.Fatalf("find_path = %+v", out)
		}
		if !strings.Contains(text, "-CAUSES->") || !strings.Contains(text, "<-SOLVES-") {
			t.Fatalf("path text %q does not show the directions", text)
		}
		text = e.ok("find_path", map[string]any{"from_memory_id": cause, "to_memory_id": other}, &out)
		if out.Found || len(out.Memories) != 0 || !strings.HasPrefix(text, "No path") {
			t.Fatalf("find_path to an unconnected memory = %q, %+v", text, out)
		}
	})

	t.Run("Recall", func(t *testing.T) {
		var out recallMemoriesResult
		text := e.ok("recall_memories", map[string]any{"query": "why do the tests hang"}, &out)
		if out.Total < 1 || out.Memories[0].ID != problem || len(out.Memories[0].Related) != 2 || !strings.Contains(text, "<-SOLVES- "+fix) {
			t.Fatalf("recall = %q, %+v", text, out)
		}
		if msg := e.fail("recall_memories", map[string]any{"query": "the of and"}); !strings.Contains(msg, "query") {
			t.Errorf("recall of stop words: %q", msg)
		}
	})

	t.Run("ActivityAndStatistics", func(t *testing.T) {
		var act recentActivityResult
		text := e.ok("get_recent_activity", map[string]any{}, &act)
		if act.Days != 7 || act.CreatedTotal != 4 || act.UnresolvedTotal != 1 || act.UnresolvedProblems[0].ID != cause {
			t.Fatalf("activity = %q, %+v", text, act)
		}
		var st backend.Statistics
		text = e.ok("get_memory_statistics", nil, &st)
		if st.Memories != 4 || st.Relationships != 2 || st.ByRelationshipType["SOLVES"] != 1 || !strings.HasPrefix(text, "4 memories, 2 relationships.") {
			t.Fatalf("statistics = %q, %+v", text, st)
		}
	})

	t.Run("DeleteRelationship", func(t *testing.T) {
		var del deleteRelationshipResult
		e.ok("delete_relationship", map[string]any{"from_memory_id": fix, "to_memory_id": problem, "relationship_type": "SOLVES"}, &del)
		if !del.Deleted {
			t.Fatalf("delete_relationship = %+v", del)
		}
		if msg := e.fail("delete_relationship", map[string]any{"from_memory_id": fix, "to_memory_id": problem, "relationship_type": "SOLVES"}); !strings.Contains(msg, "not found") {
			t.Fatalf("second delete_relationship: %q", msg)
		}
		if _, rels := e.count(); rels != 1 {
			t.Fatalf("%d relationships left, want 1", rels)
		}
	})
}

func TestPageText(t *testing.T) {
	next := func(n int) *int { return &n }
	tests := []struct {
		total, offset, shown int
		next                 *int
		want                 string
	}{
		{0, 0, 0, nil, "No memories found."},
		{1, 0, 1, nil, "Found 1 memory, showing 1–1."},
		{12, 0, 10, next(10), "Found 12 memories, showing 1–10; next offset 10."},
		{12, 10, 2, nil, "Found 12 memories, showing 11–12."},
		{12, 20, 0, nil, "Found 12 memories; offset 20 is past the end."},
	}
	for _, tt := range tests {
		if got := pageText(tt.total, tt.offset, tt.shown, tt.next); got != tt.want {
			t.Errorf("pageText(%d, %d, %d) = %q, want %q", tt.total, tt.offset, tt.shown, got, tt.want)
		}
	}
}
