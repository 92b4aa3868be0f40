package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/engramhq/engram/backend"
	"github.com/mark3labs/mcp-go/client"
)

// engramDriver runs the workload on Engram's tools.
type engramDriver struct{}

// brief is the part of a listed memory the checks read.
type brief struct {
	ID             string   `json:"id"`
	Title          string   `json:"title"`
	Summary        string   `json:"summary"`
	ContentPreview string   `json:"content_preview"`
	Tags           []string `json:"tags"`
}

type searchResult struct {
	Memories []brief `json:"memories"`
	Total    int     `json:"total"`
	Showing  int     `json:"showing"`
}

func (engramDriver) do(ctx context.Context, s *session, c *client.Client, op opKind) error {
	switch op {
	case opStore:
		m := s.fresh()
		var out struct {
			ID        string `json:"id"`
			Version   int64  `json:"version"`
			Duplicate bool   `json:"duplicate"`
		}
		if err := callTool(ctx, c, "store_memory", engramArgs(m), &out); err != nil {
			return err
		}
		if out.ID == "" || out.Duplicate || out.Version != 1 {
			return wrong(op, "stored %q, got %+v", m.Title, out)
		}
		m.ID = out.ID
		s.remember(m)

	case opSearch:
		if s.rng.IntN(2) == 0 {
			m, _ := s.pick()
			var out searchResult
			if err := callTool(ctx, c, "search_memories", map[string]any{"query": m.Token}, &out); err != nil {
				return err
			}
			if out.Total != 1 || len(out.Memories) != 1 || out.Memories[0].ID != m.ID {
				return wrong(op, "searching the unique token %s found %d memories, want only %s", m.Token, out.Total, m.ID)
			}
			return nil
		}
		word := s.topic()
		var out searchResult
		if err := callTool(ctx, c, "search_memories", map[string]any{"query": word, "limit": 20}, &out); err != nil {
			return err
		}
		if len(out.Memories) != min(out.Total, 20) || out.Showing != len(out.Memories) {
			return wrong(op, "search %q: total %d, showing %d, %d memories", word, out.Total, out.Showing, len(out.Memories))
		}
		for _, h := range out.Memories {
			text := strings.ToLower(h.Title + " " + h.Summary + " " + h.ContentPreview + " " + strings.Join(h.Tags, " "))
			if !strings.Contains(text, word) {
				return wrong(op, "search %q returned %s, which does not contain the word", word, h.ID)
			}
		}

	case opRecall:
		m, _ := s.pick()
		query := "what do we know about " + titleWord(m) + " " + m.Token
		var out searchResult
		if err := callTool(ctx, c, "recall_memories", map[string]any{"query": query}, &out); err != nil {
			return err
		}
		if !slices.ContainsFunc(out.Memories, func(b brief) bool { return b.ID == m.ID }) {
			return wrong(op, "recall %q did not return %s among %d hits", query, m.ID, len(out.Memories))
		}

	case opGet:
		m, owned := s.pick()
		var out struct {
			Memory *backend.Memory `json:"memory"`
		}
		if err := callTool(ctx, c, "get_memory", map[string]any{"memory_id": m.ID}, &out); err != nil {
			return err
		}
		got := out.Memory
		if got == nil || got.ID != m.ID || got.Title != m.Title || got.Content != m.Content || got.Type != m.Type || !slices.Equal(got.Tags, m.Tags) {
			return wrong(op, "get %s returned a different memory: %+v", m.ID, got)
		}
		if owned && (got.Summary != m.Summary || got.Version != m.Version) {
			return wrong(op, "get %s: version %d summary %q, want version %d summary %q", m.ID, got.Version, got.Summary, m.Version, m.Summary)
		}

	case opRelate:
		from, to, typ, ok := s.pickPair()
		if !ok {
			return errSkip
		}
		var out struct {
			Relationship *backend.Relationship `json:"relationship"`
		}
		args := map[string]any{"from_memory_id": from.ID, "to_memory_id": to.ID, "relationship_type": string(typ), "strength": 0.7, "context": "seen together in a bench session"}
		if err := callTool(ctx, c, "create_relationship", args, &out); err != nil {
			return err
		}
		r := out.Relationship
		if r == nil || r.ID == "" || r.FromID != from.ID || r.ToID != to.ID || r.Type != typ {
			return wrong(op, "create_relationship %s -%s-> %s returned %+v", from.ID, typ, to.ID, r)
		}
		s.link(ownEdge{from: from, to: to, typ: typ})

	case opTraverse:
		e, ok := s.pickEdge()
		if !ok {
			return errSkip
		}
		var out struct {
			Related []brief `json:"related"`
		}
		if err := callTool(ctx, c, "get_related_memories", map[string]any{"memory_id": e.from.ID, "depth": 2, "limit": 100}, &out); err != nil {
			return err
		}
		if !slices.ContainsFunc(out.Related, func(b brief) bool { return b.ID == e.to.ID }) {
			return wrong(op, "related to %s at depth 2 (%d memories) lacks %s, linked by %s", e.from.ID, len(out.Related), e.to.ID, e.typ)
		}

	case opUpdate:
		m := s.pickOwn()
		if m == nil {
			return errSkip
		}
		summary := fmt.Sprintf("Revision %d: %s.", m.Version+1, words(s.rng, 8))
		var out struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
		}
		if err := callTool(ctx, c, "update_memory", map[string]any{"memory_id": m.ID, "summary": summary, "expected_version": m.Version}, &out); err != nil {
			return err
		}
		if out.ID != m.ID || out.Version != m.Version+1 {
			return wrong(op, "update %s at version %d returned %+v", m.ID, m.Version, out)
		}
		m.Version, m.Summary = out.Version, summary
	}
	return nil
}

// engramArgs are store_memory's arguments for m.
func engramArgs(m *memory) map[string]any {
	return map[string]any{"type": string(m.Type), "title": m.Title, "content": m.Content, "tags": m.Tags,
		"context": map[string]any{"project_path": "/src/bench"}}
}
