package mcp

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/engramhq/engram/backend"
)

// Results are kept small: every byte lands in the assistant's context.
const (
	// maxResultBytes caps a result's structured content and text together.
	maxResultBytes = 100 << 10
	// resultOverhead is kept back from maxResultBytes for a result's fixed
	// parts (counts, headers, the memory of get_memory).
	resultOverhead = 4 << 10
	// previewChars is how much content a list shows per memory; get_memory
	// shows it all.
	previewChars = 500
)

// memoryBrief is a memory in a list: enough to pick which one to open with
// get_memory.
type memoryBrief struct {
	ID               string             `json:"id"`
	Type             backend.MemoryType `json:"type"`
	Title            string             `json:"title"`
	Summary          string             `json:"summary,omitempty"`
	ContentPreview   string             `json:"content_preview"`
	ContentTruncated bool               `json:"content_truncated,omitempty"`
	Tags             []string           `json:"tags"`
	Importance       float64            `json:"importance"`
	ProjectPath      string             `json:"project_path,omitempty"`
	CreatedAt        time.Time          `json:"created_at"`
	UpdatedAt        time.Time          `json:"updated_at"`
	Version          int64              `json:"version"`
}

func briefOf(m *backend.Memory) memoryBrief {
	preview, cut := preview(m.Content, previewChars)
	return memoryBrief{
		ID: m.ID, Type: m.Type, Title: m.Title, Summary: m.Summary,
		ContentPreview: preview, ContentTruncated: cut, Tags: nonNil(m.Tags),
		Importance: m.Importance, ProjectPath: m.Context.ProjectPath,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, Version: m.Version,
	}
}

// memoryRef names a memory in a neighbour list, without its content.
type memoryRef struct {
	ID    string             `json:"id"`
	Type  backend.MemoryType `json:"type"`
	Title string             `json:"title"`
}

func refOf(m *backend.Memory) memoryRef {
	return memoryRef{ID: m.ID, Type: m.Type, Title: m.Title}
}

// label is how text results name a memory: "<id> [type] title".
func label(id string, t backend.MemoryType, title string) string {
	return fmt.Sprintf("%s [%s] %s", id, t, clip(title, 120))
}

// edgeText renders an edge as "from -TYPE-> to".
func edgeText(r *backend.Relationship) string {
	return fmt.Sprintf("%s -%s-> %s", r.FromID, r.Type, r.ToID)
}

// preview returns the first n characters of s and whether it cut any.
func preview(s string, n int) (string, bool) {
	c := clip(s, n)
	return c, c != s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// fit returns how many leading items fit in budget bytes, counting each
// item's JSON and its line of text. Lists are cut to this so a result stays
// near maxResultBytes however many items were asked for.
func fit[T any](items []T, budget int, line func(T) string) int {
	used := 0
	for i, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			return i
		}
		used += len(b) + len(line(it)) + 2
		if used > budget {
			return i
		}
	}
	return len(items)
}

// pageText is the headline of a paged list of memories: "Found 12
// memories, showing 1–10; next offset 10."
func pageText(total, offset, shown int, next *int) string {
	var b strings.Builder
	found := "Found " + plural(total, "memory", "memories")
	switch {
	case total == 0:
		return "No memories found."
	case shown == 0:
		fmt.Fprintf(&b, "%s; offset %d is past the end", found, offset)
	default:
		fmt.Fprintf(&b, "%s, showing %d–%d", found, offset+1, offset+shown)
	}
	if next != nil {
		fmt.Fprintf(&b, "; next offset %d", *next)
	}
	b.WriteString(".")
	return b.String()
}

// nextOffset returns the offset of the following page, or nil on the last.
func nextOffset(total, offset, shown int) *int {
	if n := offset + shown; shown > 0 && n < total {
		return &n
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
