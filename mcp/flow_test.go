package mcp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/engramhq/engram/backend"
)

// exercise drives an initialized client through what an assistant does:
// list the tools, store, search (stems, prefixes, filters, paging), relate,
// walk, find a path, fail a stale update, delete. It checks the store svc
// serves, so it works the same in-process, over HTTP and through Forward.
func exercise(t *testing.T, c *mcpclient.Client, svc *backend.Service) {
	t.Helper()
	ctx := context.Background()
	tools, err := c.ListTools(ctx, mcpgo.ListToolsRequest{})
	if err != nil {
		t.Fatalf("ListTools: %v", err)
	}
	checkTools(t, tools.Tools)

	store := func(typ, title, content string, tags ...string) string {
		t.Helper()
		var out storeMemoryResult
		text := okCall(t, c, "store_memory", map[string]any{"type": typ, "title": title, "content": content, "tags": tags}, &out)
		if text != "Stored memory "+out.ID+"." {
			t.Fatalf("store_memory text %q", text)
		}
		return out.ID
	}
	problem := store("problem", "Dashboard is slow", "Every request recomputes the caching keys.", "perf")
	fix := store("solution", "Cache the computed keys", "Memoize key computation per request.", "perf", "go")
	for i := range 7 {
		store("general", fmt.Sprintf("Benchmark run %d", i), "benchmark numbers for the dashboard", "bench")
	}

	search := func(args map[string]any) searchMemoriesResult {
		t.Helper()
		var out searchMemoriesResult
		okCall(t, c, "search_memories", args, &out)
		return out
	}
	if got := search(map[string]any{"query": "cached"}); got.Total != 2 {
		t.Errorf("stemmed search found %d, want 2 (cache, caching)", got.Total)
	}
	if got := search(map[string]any{"query": "memo*"}); got.Total != 1 || got.Memories[0].ID != fix {
		t.Errorf("prefix search = %+v", got.Memories)
	}
	if got := search(map[string]any{"query": "dashboard", "memory_types": []string{"problem"}, "tags": []string{"perf"}}); got.Total != 1 || got.Memories[0].ID != problem {
		t.Errorf("filtered search = %+v", got.Memories)
	}
	var seen []string
	for offset := 0; ; {
		page := search(map[string]any{"tags": []string{"bench"}, "limit": 3, "offset": offset})
		if page.Total != 7 {
			t.Fatalf("bench total = %d", page.Total)
		}
		for _, h := range page.Memories {
			seen = append(seen, h.ID)
		}
		if page.NextOffset == nil {
			break
		}
		offset = *page.NextOffset
	}
	if slices.Sort(seen); len(slices.Compact(seen)) != 7 {
		t.Errorf("paging saw %d distinct memories, want 7", len(seen))
	}

	okCall(t, c, "create_relationship", map[string]any{"from_memory_id": fix, "to_memory_id": problem, "relationship_type": "SOLVES"}, nil)
	var related relatedMemoriesResult
	okCall(t, c, "get_related_memories", map[string]any{"memory_id": problem, "direction": "incoming"}, &related)
	if related.Found != 1 || related.Related[0].ID != fix {
		t.Errorf("related = %+v", related)
	}
	var path findPathResult
	okCall(t, c, "find_path", map[string]any{"from_memory_id": problem, "to_memory_id": fix}, &path)
	if !path.Found || path.Hops != 1 {
		t.Errorf("path = %+v", path)
	}

	okCall(t, c, "update_memory", map[string]any{"memory_id": problem, "importance": 0.9, "expected_version": 1}, nil)
	stale := call(t, c, "update_memory", map[string]any{"memory_id": problem, "title": "Overwritten", "expected_version": 1})
	if !stale.IsError || !strings.Contains(resultText(stale), "version") {
		t.Errorf("stale update = %v %q", stale.IsError, resultText(stale))
	}
	if m, err := svc.Store().GetMemory(ctx, problem); err != nil || m.Title != "Dashboard is slow" || m.Version != 2 {
		t.Errorf("after a stale update the memory is %+v, %v", m, err)
	}

	okCall(t, c, "delete_memory", map[string]any{"memory_id": fix}, nil)
	if st, err := svc.Statistics(ctx, 0); err != nil || st.Memories != 8 || st.Relationships != 0 {
		t.Errorf("after delete: %+v, %v", st, err)
	}
}
