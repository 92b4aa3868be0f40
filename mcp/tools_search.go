package mcp

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/engramhq/engram/backend"
)

// ---- search_memories ----

const searchMemoriesDesc = `Find memories by words and filters, best match first. Words match title, summary, content and tags, including other forms of a word (caching finds cache); end a word with * for a prefix, quote a phrase. With no query, lists the newest. Results show a content preview; open one with get_memory. Page with offset = next_offset.`

type searchMemoriesArgs struct {
	Query         string               `json:"query" jsonschema:"maxLength=1000" jsonschema_description:"Words to look for; all must match."`
	MemoryTypes   []backend.MemoryType `json:"memory_types" jsonschema:"maxItems=13" jsonschema_description:"Only these kinds."`
	Tags          []string             `json:"tags" jsonschema:"maxItems=50,itemMaxLength=100"`
	TagMode       backend.TagMode      `json:"tag_mode" jsonschema:"default=\"any\"" jsonschema_description:"Whether a memory needs any or all of tags."`
	ProjectPath   string               `json:"project_path" jsonschema:"maxLength=1024"`
	MinImportance *float64             `json:"min_importance" jsonschema:"minimum=0,maximum=1"`
	CreatedAfter  *time.Time           `json:"created_after" jsonschema_description:"RFC 3339, e.g. 2025-01-31T00:00:00Z."`
	CreatedBefore *time.Time           `json:"created_before" jsonschema_description:"RFC 3339."`
	Limit         int                  `json:"limit" jsonschema:"minimum=1,maximum=100,default=20"`
	Offset        int                  `json:"offset" jsonschema:"minimum=0,maximum=100000,default=0"`
}

// searchHit is a memory found by a search, with its relevance score.
type searchHit struct {
	memoryBrief
	Score float64 `json:"score"`
}

type searchMemoriesResult struct {
	Memories   []searchHit `json:"memories"`
	Total      int         `json:"total"`
	Offset     int         `json:"offset"`
	Showing    int         `json:"showing"`
	NextOffset *int        `json:"next_offset,omitempty"`
}

func searchMemories(ctx context.Context, d deps, in searchMemoriesArgs) (searchMemoriesResult, string, error) {
	res, err := d.svc.Search(ctx, backend.SearchQuery{
		Text: in.Query, Types: in.MemoryTypes, Tags: in.Tags, TagMode: in.TagMode, ProjectPath: in.ProjectPath,
		MinImportance: in.MinImportance, CreatedAfter: in.CreatedAfter, CreatedBefore: in.CreatedBefore,
		Limit: in.Limit, Offset: in.Offset,
	})
	if err != nil {
		return searchMemoriesResult{}, "", err
	}
	hits := make([]searchHit, len(res.Hits))
	for i, h := range res.Hits {
		hits[i] = searchHit{memoryBrief: briefOf(h.Memory), Score: h.Score}
	}
	line := func(h searchHit) string { return label(h.ID, h.Type, h.Title) }
	n := fit(hits, maxResultBytes-resultOverhead, line)
	next := nextOffset(res.Total, in.Offset, n)
	out := searchMemoriesResult{Memories: hits[:n], Total: res.Total, Offset: in.Offset, Showing: n, NextOffset: next}
	text := pageText(res.Total, in.Offset, n, next)
	if n < len(hits) {
		text += " (The page was cut to fit the response; continue from the next offset.)"
	}
	return out, listText(text, hits[:n], line), nil
}

func listText[T any](head string, items []T, line func(T) string) string {
	var b strings.Builder
	b.WriteString(head)
	for _, it := range items {
		b.WriteString("\n- " + line(it))
	}
	return b.String()
}

// ---- recall_memories ----

const recallMemoriesDesc = `Recall what is known about a question or topic in plain words: memories matching any of its words, best first, each with its directly related memories (solutions of a problem, causes, …). Prefer it to search_memories when starting a task.`

type recallMemoriesArgs struct {
	Query         string               `json:"query" jsonschema:"required,minLength=1,maxLength=1000" jsonschema_description:"A question or topic, e.g. why do the integration tests hang."`
	MemoryTypes   []backend.MemoryType `json:"memory_types" jsonschema:"maxItems=13"`
	Tags          []string             `json:"tags" jsonschema:"maxItems=50,itemMaxLength=100" jsonschema_description:"Only memories with any of these tags."`
	ProjectPath   string               `json:"project_path" jsonschema:"maxLength=1024"`
	MinImportance *float64             `json:"min_importance" jsonschema:"minimum=0,maximum=1"`
	Limit         int                  `json:"limit" jsonschema:"minimum=1,maximum=100,default=10"`
	Offset        int                  `json:"offset" jsonschema:"minimum=0,maximum=100000,default=0"`
}

// neighbour is a memory one edge away from a recalled memory.
type neighbour struct {
	memoryRef
	Relationship backend.RelationshipType `json:"relationship"`
	// Direction is "outgoing" when the edge points from the recalled memory
	// to this one, "incoming" otherwise.
	Direction backend.Direction `json:"direction"`
}

type recallHit struct {
	memoryBrief
	Score   float64     `json:"score"`
	Related []neighbour `json:"related"`
}

type recallMemoriesResult struct {
	Memories   []recallHit `json:"memories"`
	Total      int         `json:"total"`
	Offset     int         `json:"offset"`
	Showing    int         `json:"showing"`
	NextOffset *int        `json:"next_offset,omitempty"`
}

func recallMemories(ctx context.Context, d deps, in recallMemoriesArgs) (recallMemoriesResult, string, error) {
	limit := cmp.Or(in.Limit, 10)
	res, total, err := d.svc.Recall(ctx, backend.SearchQuery{
		Text: in.Query, Types: in.MemoryTypes, Tags: in.Tags, ProjectPath: in.ProjectPath,
		MinImportance: in.MinImportance, Limit: limit, Offset: in.Offset,
	})
	if err != nil {
		return recallMemoriesResult{}, "", err
	}
	hits := make([]recallHit, len(res))
	for i, h := range res {
		hit := recallHit{memoryBrief: briefOf(h.Memory), Score: h.Score, Related: []neighbour{}}
		for _, r := range h.Related {
			if r.Memory == nil || r.Via == nil {
				continue
			}
			dir := backend.DirIn
			if r.Via.FromID == h.Memory.ID {
				dir = backend.DirOut
			}
			hit.Related = append(hit.Related, neighbour{memoryRef: refOf(r.Memory), Relationship: r.Via.Type, Direction: dir})
		}
		hits[i] = hit
	}
	line := func(h recallHit) string {
		s := label(h.ID, h.Type, h.Title)
		for _, nb := range h.Related {
			arrow := "-" + string(nb.Relationship) + "->"
			if nb.Direction == backend.DirIn {
				arrow = "<-" + string(nb.Relationship) + "-"
			}
			s += "\n    " + arrow + " " + label(nb.ID, nb.Type, nb.Title)
		}
		return s
	}
	n := fit(hits, maxResultBytes-resultOverhead, line)
	next := nextOffset(total, in.Offset, n)
	out := recallMemoriesResult{Memories: hits[:n], Total: total, Offset: in.Offset, Showing: n, NextOffset: next}
	text := pageText(total, in.Offset, n, next)
	if n < len(hits) {
		text += " (The page was cut to fit the response; continue from the next offset.)"
	}
	return out, listText(text, hits[:n], line), nil
}

// ---- get_recent_activity ----

const recentActivityDesc = `What changed lately: memories created and updated in the last days, and problems or errors that nothing SOLVES or ADDRESSES yet. Useful at the start of a session.`

type recentActivityArgs struct {
	Days        int    `json:"days" jsonschema:"minimum=1,maximum=3650,default=7"`
	Limit       int    `json:"limit" jsonschema:"minimum=1,maximum=200,default=20" jsonschema_description:"Most memories per list."`
	ProjectPath string `json:"project_path" jsonschema:"maxLength=1024" jsonschema_description:"Only this project's memories."`
}

type recentActivityResult struct {
	Days               int           `json:"days"`
	Created            []memoryBrief `json:"created"`
	Updated            []memoryBrief `json:"updated"`
	UnresolvedProblems []memoryBrief `json:"unresolved_problems"`
	CreatedTotal       int           `json:"created_total"`
	UpdatedTotal       int           `json:"updated_total"`
	UnresolvedTotal    int           `json:"unresolved_total"`
}

func recentActivity(ctx context.Context, d deps, in recentActivityArgs) (recentActivityResult, string, error) {
	days := cmp.Or(in.Days, backend.DefaultActivityDays)
	a, err := d.svc.RecentActivity(ctx, days, in.Limit, in.ProjectPath)
	if err != nil {
		return recentActivityResult{}, "", err
	}
	out := recentActivityResult{Days: days, CreatedTotal: a.CreatedTotal, UpdatedTotal: a.UpdatedTotal, UnresolvedTotal: a.UnresolvedTotal}
	var b strings.Builder
	fmt.Fprintf(&b, "In the last %s: %d created, %d updated, %s.",
		plural(days, "day", "days"), a.CreatedTotal, a.UpdatedTotal, plural(a.UnresolvedTotal, "unresolved problem", "unresolved problems"))
	line := func(m memoryBrief) string { return label(m.ID, m.Type, m.Title) }
	// The three lists share the budget evenly so none crowds out the others.
	section := func(name string, ms []*backend.Memory, total int) []memoryBrief {
		briefs := make([]memoryBrief, len(ms))
		for i, m := range ms {
			briefs[i] = briefOf(m)
		}
		n := fit(briefs, (maxResultBytes-resultOverhead)/3, line)
		if total > 0 {
			fmt.Fprintf(&b, "\n%s (showing %d of %d):", name, n, total)
			for _, m := range briefs[:n] {
				b.WriteString("\n- " + line(m))
			}
		}
		return briefs[:n]
	}
	out.Created = section("Created", a.Created, a.CreatedTotal)
	out.Updated = section("Updated", a.Updated, a.UpdatedTotal)
	out.UnresolvedProblems = section("Unresolved problems", a.UnresolvedProblems, a.UnresolvedTotal)
	return out, b.String(), nil
}

// ---- get_memory_statistics ----

const statisticsDesc = `Counts of memories by type and of relationships by type, and the most used tags.`

type statisticsArgs struct {
	TopTags int `json:"top_tags" jsonschema:"minimum=1,maximum=100,default=20" jsonschema_description:"How many tags to list."`
}

func statistics(ctx context.Context, d deps, in statisticsArgs) (backend.Statistics, string, error) {
	st, err := d.svc.Statistics(ctx, in.TopTags)
	if err != nil {
		return backend.Statistics{}, "", err
	}
	// The output schema promises objects; a store may leave an empty count nil.
	if st.ByType == nil {
		st.ByType = map[backend.MemoryType]int{}
	}
	if st.ByRelationshipType == nil {
		st.ByRelationshipType = map[backend.RelationshipType]int{}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s.", plural(st.Memories, "memory", "memories"), plural(st.Relationships, "relationship", "relationships"))
	b.WriteString(countsText("\nBy type: ", st.ByType))
	b.WriteString(countsText("\nBy relationship: ", st.ByRelationshipType))
	if len(st.TopTags) > 0 {
		tags := make([]string, len(st.TopTags))
		for i, t := range st.TopTags {
			tags[i] = fmt.Sprintf("%s %d", t.Tag, t.Count)
		}
		b.WriteString("\nTop tags: " + strings.Join(tags, ", "))
	}
	return *st, b.String(), nil
}

// countsText lists counts largest first, as "head a 3, b 1".
func countsText[K ~string](head string, counts map[K]int) string {
	keys := make([]K, 0, len(counts))
	for k, n := range counts {
		if n > 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	slices.SortFunc(keys, func(a, b K) int { return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b)) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, counts[k])
	}
	return head + strings.Join(parts, ", ")
}
