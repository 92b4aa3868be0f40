package backend

import (
	"slices"
	"testing"
	"time"
)

func TestMemoryUpdateApply(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)
	base := func() Memory {
		return Memory{
			ID: "id", Type: TypeProblem, Title: "title", Content: "content", Summary: "summary",
			Tags: []string{"a"}, Importance: 0.5, Confidence: 0.8,
			Context:   Context{ProjectPath: "/p", Files: []string{"f"}},
			CreatedAt: at, UpdatedAt: at, AccessCount: 3, Version: 2,
		}
	}
	ctx := Context{ProjectPath: "/q", Extra: map[string]string{"k": "v"}}
	tests := []struct {
		name string
		u    MemoryUpdate
		want func(*Memory)
	}{
		{"Nothing", MemoryUpdate{}, func(*Memory) {}},
		{"ExpectedVersionOnly", MemoryUpdate{ExpectedVersion: ptrTo(int64(2))}, func(*Memory) {}},
		{"Type", MemoryUpdate{Type: ptrTo(TypeSolution)}, func(m *Memory) { m.Type = TypeSolution }},
		{"Title", MemoryUpdate{Title: ptrTo("new")}, func(m *Memory) { m.Title = "new" }},
		{"Content", MemoryUpdate{Content: ptrTo("new")}, func(m *Memory) { m.Content = "new" }},
		{"SummaryCleared", MemoryUpdate{Summary: ptrTo("")}, func(m *Memory) { m.Summary = "" }},
		{"TagsReplaced", MemoryUpdate{Tags: &[]string{"x", "y"}}, func(m *Memory) { m.Tags = []string{"x", "y"} }},
		{"TagsCleared", MemoryUpdate{Tags: &[]string{}}, func(m *Memory) { m.Tags = []string{} }},
		{"ImportanceZero", MemoryUpdate{Importance: ptrTo(0.0)}, func(m *Memory) { m.Importance = 0 }},
		{"Confidence", MemoryUpdate{Confidence: ptrTo(1.0)}, func(m *Memory) { m.Confidence = 1 }},
		{"ContextReplacedWhole", MemoryUpdate{Context: &ctx}, func(m *Memory) { m.Context = ctx }},
		{"Several", MemoryUpdate{Title: ptrTo("t2"), Importance: ptrTo(0.9)}, func(m *Memory) { m.Title, m.Importance = "t2", 0.9 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, want := base(), base()
			tt.u.Apply(&got)
			tt.want(&want)
			if got.ID != want.ID || got.Type != want.Type || got.Title != want.Title || got.Content != want.Content ||
				got.Summary != want.Summary || !slices.Equal(got.Tags, want.Tags) || got.Importance != want.Importance ||
				got.Confidence != want.Confidence || got.Context.ProjectPath != want.Context.ProjectPath ||
				!slices.Equal(got.Context.Files, want.Context.Files) || len(got.Context.Extra) != len(want.Context.Extra) {
				t.Errorf("Apply:\n got %+v\nwant %+v", got, want)
			}
			// Apply merges fields only: bookkeeping is the store's.
			if !got.CreatedAt.Equal(at) || !got.UpdatedAt.Equal(at) || got.Version != 2 || got.AccessCount != 3 {
				t.Errorf("Apply touched bookkeeping: created %v updated %v version %d access %d",
					got.CreatedAt, got.UpdatedAt, got.Version, got.AccessCount)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }
