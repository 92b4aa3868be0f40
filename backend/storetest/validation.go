package storetest

import (
	"math"
	"strings"
	"testing"

	"github.com/engramhq/engram/backend"
)

// testValidation sends bad input through the Service: each case must fail
// with EINVALID naming the field, and write nothing.
func testValidation(t *testing.T, s *suite) {
	newMem := func(edit func(*backend.NewMemory)) backend.NewMemory {
		in := backend.NewMemory{Type: backend.TypeGeneral, Title: "a valid title", Content: "valid content"}
		edit(&in)
		return in
	}
	storeMem := func(edit func(*backend.NewMemory)) func(*env, *backend.Memory, *backend.Memory) error {
		return func(e *env, _, _ *backend.Memory) error {
			_, _, err := e.svc.StoreMemory(e.ctx, newMem(edit))
			return err
		}
	}
	update := func(u backend.MemoryUpdate) func(*env, *backend.Memory, *backend.Memory) error {
		return func(e *env, a, _ *backend.Memory) error {
			_, err := e.svc.UpdateMemory(e.ctx, a.ID, u)
			return err
		}
	}
	relate := func(edit func(*backend.NewRelationship)) func(*env, *backend.Memory, *backend.Memory) error {
		return func(e *env, a, b *backend.Memory) error {
			in := backend.NewRelationship{FromID: b.ID, ToID: a.ID, Type: backend.RelSolves}
			edit(&in)
			_, _, err := e.svc.CreateRelationship(e.ctx, in)
			return err
		}
	}
	search := func(q backend.SearchQuery) func(*env, *backend.Memory, *backend.Memory) error {
		return func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.Search(e.ctx, q)
			return err
		}
	}
	related := func(q backend.RelatedQuery) func(*env, *backend.Memory, *backend.Memory) error {
		return func(e *env, a, _ *backend.Memory) error {
			if q.ID == "" {
				q.ID = a.ID
			}
			_, err := e.svc.RelatedMemories(e.ctx, q)
			return err
		}
	}
	subgraph := func(q backend.SubgraphQuery) func(*env, *backend.Memory, *backend.Memory) error {
		return func(e *env, a, _ *backend.Memory) error {
			if q.Seeds == nil {
				q.Seeds = []string{a.ID}
			}
			_, err := e.svc.Subgraph(e.ctx, q)
			return err
		}
	}
	long := func(n int) string { return strings.Repeat("é", n) }
	manyTags := make([]string, backend.MaxTags+1)
	for i := range manyTags {
		manyTags[i] = "tag" + strings.Repeat("x", i)
	}
	manyFiles := make([]string, backend.MaxContextList+1)
	for i := range manyFiles {
		manyFiles[i] = "file" + strings.Repeat("x", i)
	}

	cases := []struct {
		name  string
		field string
		call  func(e *env, a, b *backend.Memory) error
	}{
		{"Store/TitleEmpty", "title", storeMem(func(m *backend.NewMemory) { m.Title = "" })},
		{"Store/TitleBlank", "title", storeMem(func(m *backend.NewMemory) { m.Title = " \t\n " })},
		{"Store/TitleTooLong", "title", storeMem(func(m *backend.NewMemory) { m.Title = long(backend.MaxTitleChars + 1) })},
		{"Store/TitleInvalidUTF8", "title", storeMem(func(m *backend.NewMemory) { m.Title = "bad \xff byte" })},
		{"Store/ContentEmpty", "content", storeMem(func(m *backend.NewMemory) { m.Content = "" })},
		{"Store/ContentBlank", "content", storeMem(func(m *backend.NewMemory) { m.Content = " \n\t " })},
		{"Store/ContentTooBig", "content", storeMem(func(m *backend.NewMemory) { m.Content = strings.Repeat("x", backend.MaxContentBytes+1) })},
		{"Store/ContentNUL", "content", storeMem(func(m *backend.NewMemory) { m.Content = "nul \x00 inside" })},
		{"Store/SummaryTooLong", "summary", storeMem(func(m *backend.NewMemory) { m.Summary = long(backend.MaxSummaryChars + 1) })},
		{"Store/BadType", "type", storeMem(func(m *backend.NewMemory) { m.Type = "note" })},
		{"Store/EmptyType", "type", storeMem(func(m *backend.NewMemory) { m.Type = "" })},
		{"Store/TypeWrongCase", "type", storeMem(func(m *backend.NewMemory) { m.Type = "Problem" })},
		{"Store/ImportanceAboveOne", "importance", storeMem(func(m *backend.NewMemory) { m.Importance = ptr(1.5) })},
		{"Store/ImportanceNaN", "importance", storeMem(func(m *backend.NewMemory) { m.Importance = ptr(math.NaN()) })},
		{"Store/ImportanceInf", "importance", storeMem(func(m *backend.NewMemory) { m.Importance = ptr(math.Inf(1)) })},
		{"Store/ConfidenceNegative", "confidence", storeMem(func(m *backend.NewMemory) { m.Confidence = ptr(-0.1) })},
		{"Store/TooManyTags", "tags", storeMem(func(m *backend.NewMemory) { m.Tags = manyTags })},
		{"Store/TagTooLong", "tags", storeMem(func(m *backend.NewMemory) { m.Tags = []string{"ok", long(backend.MaxTagChars + 1)} })},
		{"Store/ContextTooManyFiles", "context.files", storeMem(func(m *backend.NewMemory) { m.Context.Files = manyFiles })},
		{"Store/ContextProjectPathTooLong", "context.project_path", storeMem(func(m *backend.NewMemory) { m.Context.ProjectPath = long(backend.MaxContextString + 1) })},
		{"Store/ContextExtraEmptyKey", "context.extra", storeMem(func(m *backend.NewMemory) { m.Context.Extra = map[string]string{"": "v"} })},

		{"Update/NothingToChange", "fields", update(backend.MemoryUpdate{ExpectedVersion: ptr(int64(1))})},
		{"Update/EmptyID", "memory_id", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.UpdateMemory(e.ctx, "", backend.MemoryUpdate{Title: ptr("x")})
			return err
		}},
		{"Update/TitleBlank", "title", update(backend.MemoryUpdate{Title: ptr("   ")})},
		{"Update/ContentTooBig", "content", update(backend.MemoryUpdate{Content: ptr(strings.Repeat("x", backend.MaxContentBytes+1))})},
		{"Update/BadType", "type", update(backend.MemoryUpdate{Type: ptr(backend.MemoryType("bogus"))})},
		{"Update/ImportanceNaN", "importance", update(backend.MemoryUpdate{Importance: ptr(math.NaN())})},
		{"Update/TooManyTags", "tags", update(backend.MemoryUpdate{Tags: &manyTags})},
		{"Update/ExpectedVersionZero", "expected_version", update(backend.MemoryUpdate{Title: ptr("x"), ExpectedVersion: ptr(int64(0))})},

		{"Get/EmptyID", "memory_id", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.GetMemory(e.ctx, "")
			return err
		}},
		{"Get/ControlCharacterID", "memory_id", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.GetMemory(e.ctx, "id\nwith newline")
			return err
		}},
		{"Get/IDTooLong", "memory_id", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.GetMemory(e.ctx, strings.Repeat("a", backend.MaxIDChars+1))
			return err
		}},
		{"Delete/EmptyID", "memory_id", func(e *env, _, _ *backend.Memory) error {
			return e.svc.DeleteMemory(e.ctx, "")
		}},

		{"Relationship/BadType", "relationship_type", relate(func(r *backend.NewRelationship) { r.Type = "FIXES" })},
		{"Relationship/LowerCaseType", "relationship_type", relate(func(r *backend.NewRelationship) { r.Type = "solves" })},
		{"Relationship/SelfLoop", "to_memory_id", relate(func(r *backend.NewRelationship) { r.ToID = r.FromID })},
		{"Relationship/EmptyFrom", "from_memory_id", relate(func(r *backend.NewRelationship) { r.FromID = "" })},
		{"Relationship/EmptyTo", "to_memory_id", relate(func(r *backend.NewRelationship) { r.ToID = "" })},
		{"Relationship/StrengthAboveOne", "strength", relate(func(r *backend.NewRelationship) { r.Strength = ptr(2.0) })},
		{"Relationship/ConfidenceNaN", "confidence", relate(func(r *backend.NewRelationship) { r.Confidence = ptr(math.NaN()) })},
		{"Relationship/ContextTooLong", "context", relate(func(r *backend.NewRelationship) { r.Context = long(backend.MaxRelContextChars + 1) })},
		{"DeleteRelationship/BadType", "relationship_type", func(e *env, a, b *backend.Memory) error {
			return e.svc.DeleteRelationship(e.ctx, a.ID, b.ID, "NOPE")
		}},
		{"DeleteRelationship/EmptyFrom", "from_memory_id", func(e *env, a, _ *backend.Memory) error {
			return e.svc.DeleteRelationship(e.ctx, "", a.ID, backend.RelSolves)
		}},
		{"Relationships/EmptyID", "memory_id", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.Relationships(e.ctx, "")
			return err
		}},

		{"Search/LimitNegative", "limit", search(backend.SearchQuery{Limit: -1})},
		{"Search/LimitTooBig", "limit", search(backend.SearchQuery{Limit: backend.MaxSearchLimit + 1})},
		{"Search/OffsetNegative", "offset", search(backend.SearchQuery{Offset: -1})},
		{"Search/OffsetTooBig", "offset", search(backend.SearchQuery{Offset: backend.MaxSearchOffset + 1})},
		{"Search/BadTagMode", "tag_mode", search(backend.SearchQuery{Tags: []string{"x"}, TagMode: "some"})},
		{"Search/BadType", "memory_types", search(backend.SearchQuery{Types: []backend.MemoryType{backend.TypeFix, "fixes"}})},
		{"Search/TooManyTags", "tags", search(backend.SearchQuery{Tags: manyTags})},
		{"Search/MinImportanceAboveOne", "min_importance", search(backend.SearchQuery{MinImportance: ptr(1.01)})},
		{"Search/MinImportanceNaN", "min_importance", search(backend.SearchQuery{MinImportance: ptr(math.NaN())})},
		{"Search/CreatedAfterNotBeforeBefore", "created_after", search(backend.SearchQuery{CreatedAfter: ptr(day(2)), CreatedBefore: ptr(day(1))})},
		{"Search/EmptyCreatedWindow", "created_after", search(backend.SearchQuery{CreatedAfter: ptr(day(1)), CreatedBefore: ptr(day(1))})},
		{"Search/QueryTooLong", "query", search(backend.SearchQuery{Text: strings.Repeat("abc ", 2500)})},
		{"Search/ProjectPathTooLong", "project_path", search(backend.SearchQuery{ProjectPath: long(backend.MaxContextString + 1)})},
		{"Recall/NoMeaningfulWords", "query", func(e *env, _, _ *backend.Memory) error {
			_, _, err := e.svc.Recall(e.ctx, backend.SearchQuery{Text: "what is the ?"})
			return err
		}},
		{"Recall/Empty", "query", func(e *env, _, _ *backend.Memory) error {
			_, _, err := e.svc.Recall(e.ctx, backend.SearchQuery{})
			return err
		}},

		{"Related/DepthSix", "depth", related(backend.RelatedQuery{Depth: backend.MaxDepth + 1})},
		{"Related/DepthNegative", "depth", related(backend.RelatedQuery{Depth: -1})},
		{"Related/BadDirection", "direction", related(backend.RelatedQuery{Direction: "sideways"})},
		{"Related/LimitTooBig", "limit", related(backend.RelatedQuery{Limit: backend.MaxRelatedLimit + 1})},
		{"Related/LimitNegative", "limit", related(backend.RelatedQuery{Limit: -5})},
		{"Related/BadRelType", "relationship_types", related(backend.RelatedQuery{Types: []backend.RelationshipType{backend.RelSolves, "KNOWS"}})},
		{"Related/EmptyID", "memory_id", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.RelatedMemories(e.ctx, backend.RelatedQuery{})
			return err
		}},

		{"Path/MaxDepthTooBig", "max_depth", func(e *env, a, b *backend.Memory) error {
			_, err := e.svc.FindPath(e.ctx, a.ID, b.ID, backend.MaxPathDepth+1, nil)
			return err
		}},
		{"Path/MaxDepthNegative", "max_depth", func(e *env, a, b *backend.Memory) error {
			_, err := e.svc.FindPath(e.ctx, a.ID, b.ID, -1, nil)
			return err
		}},
		{"Path/BadRelType", "relationship_types", func(e *env, a, b *backend.Memory) error {
			_, err := e.svc.FindPath(e.ctx, a.ID, b.ID, 3, []backend.RelationshipType{"LIKES"})
			return err
		}},
		{"Path/EmptyTo", "to_memory_id", func(e *env, a, _ *backend.Memory) error {
			_, err := e.svc.FindPath(e.ctx, a.ID, "", 3, nil)
			return err
		}},

		{"Subgraph/DepthSix", "depth", subgraph(backend.SubgraphQuery{Depth: backend.MaxDepth + 1})},
		{"Subgraph/DepthNegative", "depth", subgraph(backend.SubgraphQuery{Depth: -1})},
		{"Subgraph/LimitTooBig", "limit", subgraph(backend.SubgraphQuery{Limit: backend.MaxSubgraphLimit + 1})},
		{"Subgraph/BadMemType", "memory_types", subgraph(backend.SubgraphQuery{MemTypes: []backend.MemoryType{"idea"}})},
		{"Subgraph/BadRelType", "relationship_types", subgraph(backend.SubgraphQuery{RelTypes: []backend.RelationshipType{"idea"}})},
		{"Subgraph/EmptySeed", "seeds", subgraph(backend.SubgraphQuery{Seeds: []string{""}})},

		{"Statistics/TopTagsTooMany", "top_tags", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.Statistics(e.ctx, 101)
			return err
		}},
		{"Activity/DaysTooMany", "days", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.RecentActivity(e.ctx, backend.MaxActivityDays+1, 0, "")
			return err
		}},
		{"Activity/DaysNegative", "days", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.RecentActivity(e.ctx, -1, 0, "")
			return err
		}},
		{"Activity/LimitTooBig", "limit", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.RecentActivity(e.ctx, 7, backend.MaxActivityLimit+1, "")
			return err
		}},

		{"Import/InvalidMemoryStopsBatch", "memories", func(e *env, _, _ *backend.Memory) error {
			good := craft(backend.TypeGeneral, "good import", "fine", day(0))
			bad := craft(backend.TypeGeneral, "bad import", "fine", day(0))
			bad.Type = "bogus"
			_, err := e.svc.ImportMemories(e.ctx, []*backend.Memory{good, bad})
			return err
		}},
		{"Import/TooManyMemories", "memories", func(e *env, _, _ *backend.Memory) error {
			ms := make([]*backend.Memory, backend.MaxImportBatch+1)
			for i := range ms {
				ms[i] = craft(backend.TypeGeneral, "m", strings.Repeat("c", i+1), day(0))
			}
			_, err := e.svc.ImportMemories(e.ctx, ms)
			return err
		}},
		{"Import/InvalidRelationship", "relationships", func(e *env, a, b *backend.Memory) error {
			good := craftRel(a, b, backend.RelRelatedTo, day(0))
			bad := craftRel(a, a, backend.RelRelatedTo, day(0))
			_, err := e.svc.ImportRelationships(e.ctx, []*backend.Relationship{good, bad})
			return err
		}},
	}
	for _, c := range cases {
		s.run(t, c.name, func(t *testing.T, e *env) {
			a := e.note("first memory", "first")
			b := e.note("second memory", "second")
			ab := e.relate(a, b, backend.RelSolves)
			wantInvalid(t, c.call(e, a, b), c.field)
			e.wantCounts(2, 1)
			if d := diffMemory(e.get(a.ID), a); d != "" {
				t.Errorf("first memory changed: %s", d)
			}
			rels := e.relationships()
			if len(rels) == 1 {
				if d := diffRelationship(rels[0], ab); d != "" {
					t.Errorf("relationship changed: %s", d)
				}
			}
		})
	}

	// Zero means "use the default" for these, so they are not errors.
	s.run(t, "ZeroMeansDefault", func(t *testing.T, e *env) {
		a, b := e.note("first memory", "first"), e.note("second memory", "second")
		e.relate(a, b, backend.RelSolves)
		if _, err := e.svc.Search(e.ctx, backend.SearchQuery{}); err != nil {
			t.Errorf("Search with zero limit: %v", err)
		}
		if rel, err := e.svc.RelatedMemories(e.ctx, backend.RelatedQuery{ID: a.ID}); err != nil || len(rel) != 1 {
			t.Errorf("RelatedMemories with zero depth/limit/direction: %d results, %v; want 1 (depth 1, both ways)", len(rel), err)
		}
		if _, err := e.svc.FindPath(e.ctx, a.ID, b.ID, 0, nil); err != nil {
			t.Errorf("FindPath with zero max depth: %v", err)
		}
		if _, err := e.svc.Subgraph(e.ctx, backend.SubgraphQuery{Seeds: []string{a.ID}}); err != nil {
			t.Errorf("Subgraph with zero depth/limit: %v", err)
		}
		if _, err := e.svc.Statistics(e.ctx, 0); err != nil {
			t.Errorf("Statistics with zero top tags: %v", err)
		}
		if _, err := e.svc.RecentActivity(e.ctx, 0, 0, ""); err != nil {
			t.Errorf("RecentActivity with zero days/limit: %v", err)
		}
	})
}
