package backend

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

// refusingStore is a Store for tests whose input the Service must refuse
// before storage: it records every call and fails it.
type refusingStore struct {
	mu    sync.Mutex // guards calls
	calls []string
}

func (s *refusingStore) call(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, name)
	return Errorf(EINTERNAL, "refusingStore: %s was called", name)
}

func (s *refusingStore) CreateMemory(context.Context, *Memory) (*Memory, bool, error) {
	return nil, false, s.call("CreateMemory")
}
func (s *refusingStore) GetMemory(context.Context, string) (*Memory, error) {
	return nil, s.call("GetMemory")
}
func (s *refusingStore) RecordAccess(context.Context, []string, time.Time) error {
	return s.call("RecordAccess")
}
func (s *refusingStore) UpdateMemory(context.Context, string, MemoryUpdate, time.Time) (*Memory, error) {
	return nil, s.call("UpdateMemory")
}
func (s *refusingStore) DeleteMemory(context.Context, string) error { return s.call("DeleteMemory") }
func (s *refusingStore) SearchMemories(context.Context, SearchQuery) (*SearchResult, error) {
	return nil, s.call("SearchMemories")
}
func (s *refusingStore) CreateRelationship(context.Context, *Relationship) (*Relationship, bool, error) {
	return nil, false, s.call("CreateRelationship")
}
func (s *refusingStore) DeleteRelationship(context.Context, string, string, RelationshipType) error {
	return s.call("DeleteRelationship")
}
func (s *refusingStore) Relationships(context.Context, string) ([]*Relationship, error) {
	return nil, s.call("Relationships")
}
func (s *refusingStore) RelatedMemories(context.Context, RelatedQuery) ([]*RelatedMemory, error) {
	return nil, s.call("RelatedMemories")
}
func (s *refusingStore) FindPath(context.Context, string, string, int, []RelationshipType) (*Path, error) {
	return nil, s.call("FindPath")
}
func (s *refusingStore) Subgraph(context.Context, SubgraphQuery) (*Graph, error) {
	return nil, s.call("Subgraph")
}
func (s *refusingStore) Statistics(context.Context, int) (*Statistics, error) {
	return nil, s.call("Statistics")
}
func (s *refusingStore) RecentActivity(context.Context, ActivityQuery) (*Activity, error) {
	return nil, s.call("RecentActivity")
}
func (s *refusingStore) ExportMemories(context.Context, func(*Memory) error) error {
	return s.call("ExportMemories")
}
func (s *refusingStore) ExportRelationships(context.Context, func(*Relationship) error) error {
	return s.call("ExportRelationships")
}
func (s *refusingStore) ImportMemories(context.Context, []*Memory) (*ImportResult, error) {
	return nil, s.call("ImportMemories")
}
func (s *refusingStore) ImportRelationships(context.Context, []*Relationship) (*ImportResult, error) {
	return nil, s.call("ImportRelationships")
}
func (s *refusingStore) Ping(context.Context) error { return s.call("Ping") }
func (s *refusingStore) Close() error               { return s.call("Close") }

var _ Store = (*refusingStore)(nil)

// TestServiceRefusesBadInput checks that each bad input is refused with
// EINVALID naming the field, before any store method runs.
func TestServiceRefusesBadInput(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) }
	newMem := func(edit func(*NewMemory)) NewMemory {
		in := NewMemory{Type: TypeGeneral, Title: "title", Content: "content"}
		edit(&in)
		return in
	}
	store := func(edit func(*NewMemory)) func(*Service) error {
		return func(s *Service) error {
			_, _, err := s.StoreMemory(context.Background(), newMem(edit))
			return err
		}
	}
	update := func(u MemoryUpdate) func(*Service) error {
		return func(s *Service) error {
			_, err := s.UpdateMemory(context.Background(), "id", u)
			return err
		}
	}
	relate := func(edit func(*NewRelationship)) func(*Service) error {
		return func(s *Service) error {
			in := NewRelationship{FromID: "a", ToID: "b", Type: RelSolves}
			edit(&in)
			_, _, err := s.CreateRelationship(context.Background(), in)
			return err
		}
	}
	search := func(q SearchQuery) func(*Service) error {
		return func(s *Service) error {
			_, err := s.Search(context.Background(), q)
			return err
		}
	}
	recall := func(q SearchQuery) func(*Service) error {
		return func(s *Service) error {
			_, _, err := s.Recall(context.Background(), q)
			return err
		}
	}
	related := func(q RelatedQuery) func(*Service) error {
		return func(s *Service) error {
			if q.ID == "" {
				q.ID = "id"
			}
			_, err := s.RelatedMemories(context.Background(), q)
			return err
		}
	}
	path := func(from, to string, depth int, types ...RelationshipType) func(*Service) error {
		return func(s *Service) error {
			_, err := s.FindPath(context.Background(), from, to, depth, types)
			return err
		}
	}
	subgraph := func(q SubgraphQuery) func(*Service) error {
		return func(s *Service) error {
			_, err := s.Subgraph(context.Background(), q)
			return err
		}
	}
	activity := func(days, limit int, project string) func(*Service) error {
		return func(s *Service) error {
			_, err := s.RecentActivity(context.Background(), days, limit, project)
			return err
		}
	}
	validMem := func() *Memory {
		return &Memory{Type: TypeGeneral, Title: "t", Content: "c", Importance: 0.5, Confidence: 0.5}
	}

	tests := []struct {
		name  string
		call  func(*Service) error
		field string
	}{
		{"Store/TitleBlank", store(func(m *NewMemory) { m.Title = "   " }), "title"},
		{"Store/Title201", store(func(m *NewMemory) { m.Title = long(201) }), "title"},
		{"Store/Title201AfterTrim", store(func(m *NewMemory) { m.Title = " " + long(201) + " " }), "title"},
		{"Store/ContentTooBig", store(func(m *NewMemory) { m.Content = strings.Repeat("x", MaxContentBytes+1) }), "content"},
		{"Store/BadType", store(func(m *NewMemory) { m.Type = "idea" }), "type"},
		{"Store/Importance1.5", store(func(m *NewMemory) { m.Importance = ptrTo(1.5) }), "importance"},
		{"Store/ImportanceNaN", store(func(m *NewMemory) { m.Importance = ptrTo(math.NaN()) }), "importance"},
		{"Store/ConfidenceNegative", store(func(m *NewMemory) { m.Confidence = ptrTo(-0.5) }), "confidence"},
		{"Store/TooManyTags", store(func(m *NewMemory) { m.Tags = manyStrings(MaxTags+1, "t") }), "tags"},
		{"Store/TagTooLong", store(func(m *NewMemory) { m.Tags = []string{long(MaxTagChars + 1)} }), "tags"},
		{"Store/SummaryTooLong", store(func(m *NewMemory) { m.Summary = long(MaxSummaryChars + 1) }), "summary"},
		{"Store/ExtraEmptyKey", store(func(m *NewMemory) { m.Context.Extra = map[string]string{"": "x"} }), "context.extra"},

		{"Get/EmptyID", func(s *Service) error { _, err := s.GetMemory(context.Background(), ""); return err }, "memory_id"},
		{"Get/NewlineInID", func(s *Service) error { _, err := s.GetMemory(context.Background(), "a\nb"); return err }, "memory_id"},
		{"Delete/EmptyID", func(s *Service) error { return s.DeleteMemory(context.Background(), "") }, "memory_id"},
		{"Relationships/EmptyID", func(s *Service) error { _, err := s.Relationships(context.Background(), ""); return err }, "memory_id"},

		{"Update/EmptyID", func(s *Service) error {
			_, err := s.UpdateMemory(context.Background(), "", MemoryUpdate{Title: ptrTo("x")})
			return err
		}, "memory_id"},
		{"Update/Nothing", update(MemoryUpdate{}), "fields"},
		{"Update/OnlyVersion", update(MemoryUpdate{ExpectedVersion: ptrTo(int64(3))}), "fields"},
		{"Update/VersionZero", update(MemoryUpdate{Title: ptrTo("x"), ExpectedVersion: ptrTo(int64(0))}), "expected_version"},
		{"Update/VersionNegative", update(MemoryUpdate{Title: ptrTo("x"), ExpectedVersion: ptrTo(int64(-1))}), "expected_version"},
		{"Update/TitleBlank", update(MemoryUpdate{Title: ptrTo(" ")}), "title"},
		{"Update/ContentBlank", update(MemoryUpdate{Content: ptrTo("\n")}), "content"},
		{"Update/BadType", update(MemoryUpdate{Type: ptrTo(MemoryType("x"))}), "type"},
		{"Update/Importance1.5", update(MemoryUpdate{Importance: ptrTo(1.5)}), "importance"},
		{"Update/TagTooLong", update(MemoryUpdate{Tags: &[]string{long(MaxTagChars + 1)}}), "tags"},
		{"Update/ContextTooManyFiles", update(MemoryUpdate{Context: &Context{Files: manyStrings(MaxContextList+1, "f")}}), "context.files"},

		{"Relate/BadType", relate(func(r *NewRelationship) { r.Type = "FIXES" }), "relationship_type"},
		{"Relate/SelfLoop", relate(func(r *NewRelationship) { r.ToID = r.FromID }), "to_memory_id"},
		{"Relate/EmptyFrom", relate(func(r *NewRelationship) { r.FromID = "" }), "from_memory_id"},
		{"Relate/Strength2", relate(func(r *NewRelationship) { r.Strength = ptrTo(2.0) }), "strength"},
		{"Relate/ContextTooLong", relate(func(r *NewRelationship) { r.Context = long(MaxRelContextChars + 1) }), "context"},
		{"Unrelate/BadType", func(s *Service) error { return s.DeleteRelationship(context.Background(), "a", "b", "X") }, "relationship_type"},
		{"Unrelate/EmptyTo", func(s *Service) error { return s.DeleteRelationship(context.Background(), "a", "", RelSolves) }, "to_memory_id"},

		{"Search/QueryTooLong", search(SearchQuery{Text: strings.Repeat("x", MaxQueryChars+1)}), "query"},
		{"Search/Query10k", search(SearchQuery{Text: strings.Repeat("a b ", 2500)}), "query"},
		{"Search/LimitNegative", search(SearchQuery{Limit: -1}), "limit"},
		{"Search/Limit101", search(SearchQuery{Limit: MaxSearchLimit + 1}), "limit"},
		{"Search/OffsetNegative", search(SearchQuery{Offset: -1}), "offset"},
		{"Search/OffsetTooBig", search(SearchQuery{Offset: MaxSearchOffset + 1}), "offset"},
		{"Search/BadType", search(SearchQuery{Types: []MemoryType{"x"}}), "memory_types"},
		{"Search/TooManyTags", search(SearchQuery{Tags: manyStrings(MaxTags+1, "t")}), "tags"},
		{"Search/BadTagMode", search(SearchQuery{TagMode: "ALL"}), "tag_mode"},
		{"Search/MinImportance1.5", search(SearchQuery{MinImportance: ptrTo(1.5)}), "min_importance"},
		{"Search/MinImportanceNaN", search(SearchQuery{MinImportance: ptrTo(math.NaN())}), "min_importance"},
		{"Search/AfterNotBeforeBefore", search(SearchQuery{
			CreatedAfter:  ptrTo(time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)),
			CreatedBefore: ptrTo(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))}), "created_after"},
		{"Search/ProjectPathNUL", search(SearchQuery{ProjectPath: "/p\x00"}), "project_path"},
		{"Recall/Empty", recall(SearchQuery{}), "query"},
		{"Recall/StopWordsOnly", recall(SearchQuery{Text: "what is it?"}), "query"},
		{"Recall/Punctuation", recall(SearchQuery{Text: "*?!"}), "query"},
		{"Recall/LimitTooBig", recall(SearchQuery{Text: "redis", Limit: MaxSearchLimit + 1}), "limit"},

		{"Related/EmptyID", func(s *Service) error {
			_, err := s.RelatedMemories(context.Background(), RelatedQuery{})
			return err
		}, "memory_id"},
		{"Related/Depth6", related(RelatedQuery{Depth: 6}), "depth"},
		{"Related/DepthNegative", related(RelatedQuery{Depth: -1}), "depth"},
		{"Related/BadRelType", related(RelatedQuery{Types: []RelationshipType{"X"}}), "relationship_types"},
		{"Related/BadDirection", related(RelatedQuery{Direction: "up"}), "direction"},
		{"Related/Limit501", related(RelatedQuery{Limit: MaxRelatedLimit + 1}), "limit"},
		{"Path/EmptyFrom", path("", "b", 3), "from_memory_id"},
		{"Path/EmptyTo", path("a", "", 3), "to_memory_id"},
		{"Path/Depth11", path("a", "b", MaxPathDepth+1), "max_depth"},
		{"Path/DepthNegative", path("a", "b", -2), "max_depth"},
		{"Path/BadRelType", path("a", "b", 3, "SOLVES", "x"), "relationship_types"},
		{"Subgraph/EmptySeed", subgraph(SubgraphQuery{Seeds: []string{"a", ""}}), "seeds"},
		{"Subgraph/Depth6", subgraph(SubgraphQuery{Depth: 6}), "depth"},
		{"Subgraph/BadRelType", subgraph(SubgraphQuery{RelTypes: []RelationshipType{"x"}}), "relationship_types"},
		{"Subgraph/BadMemType", subgraph(SubgraphQuery{MemTypes: []MemoryType{"x"}}), "memory_types"},
		{"Subgraph/LimitTooBig", subgraph(SubgraphQuery{Limit: MaxSubgraphLimit + 1}), "limit"},
		{"Subgraph/LimitNegative", subgraph(SubgraphQuery{Limit: -1}), "limit"},

		{"Statistics/TopTags101", func(s *Service) error { _, err := s.Statistics(context.Background(), 101); return err }, "top_tags"},
		{"Statistics/TopTagsNegative", func(s *Service) error { _, err := s.Statistics(context.Background(), -1); return err }, "top_tags"},
		{"Activity/Days3651", activity(MaxActivityDays+1, 0, ""), "days"},
		{"Activity/DaysNegative", activity(-1, 0, ""), "days"},
		{"Activity/Limit201", activity(0, MaxActivityLimit+1, ""), "limit"},
		{"Activity/ProjectPathTooLong", activity(0, 0, long(MaxContextString+1)), "project_path"},

		{"Import/TooManyMemories", func(s *Service) error {
			ms := make([]*Memory, MaxImportBatch+1)
			for i := range ms {
				ms[i] = validMem()
			}
			_, err := s.ImportMemories(context.Background(), ms)
			return err
		}, "memories"},
		{"Import/SecondMemoryInvalid", func(s *Service) error {
			bad := validMem()
			bad.Importance = 7
			_, err := s.ImportMemories(context.Background(), []*Memory{validMem(), bad})
			return err
		}, "memories"},
		{"Import/BadID", func(s *Service) error {
			bad := validMem()
			bad.ID = "bad\nid"
			_, err := s.ImportMemories(context.Background(), []*Memory{bad})
			return err
		}, "memories"},
		{"Import/TooManyRelationships", func(s *Service) error {
			_, err := s.ImportRelationships(context.Background(), make([]*Relationship, MaxImportBatch+1))
			return err
		}, "relationships"},
		{"Import/RelationshipSelfLoop", func(s *Service) error {
			_, err := s.ImportRelationships(context.Background(), []*Relationship{
				{FromID: "a", ToID: "b", Type: RelSolves, Strength: 0.5, Confidence: 0.5},
				{FromID: "a", ToID: "a", Type: RelSolves, Strength: 0.5, Confidence: 0.5},
			})
			return err
		}, "relationships"},
		{"Import/RelationshipBadType", func(s *Service) error {
			_, err := s.ImportRelationships(context.Background(), []*Relationship{
				{FromID: "a", ToID: "b", Type: "knows", Strength: 0.5, Confidence: 0.5},
			})
			return err
		}, "relationships"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &refusingStore{}
			err := tt.call(NewService(st))
			wantField(t, err, tt.field)
			if len(st.calls) != 0 {
				t.Errorf("the store was called (%v) for input the service must refuse", st.calls)
			}
		})
	}
}

// TestServiceImportMessageNamesPosition checks that a refused import says
// which memory broke which rule.
func TestServiceImportMessageNamesPosition(t *testing.T) {
	ok := &Memory{ID: "first", Type: TypeGeneral, Title: "t", Content: "c", Importance: 0.5, Confidence: 0.5}
	bad := &Memory{ID: "second", Type: TypeGeneral, Title: "", Content: "c", Importance: 0.5, Confidence: 0.5}
	_, err := NewService(&refusingStore{}).ImportMemories(context.Background(), []*Memory{ok, bad})
	msg := ErrorMessage(err)
	for _, want := range []string{"memory 1", "second", "title"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not mention %q", msg, want)
		}
	}
}

func TestNowAndNewID(t *testing.T) {
	n := Now()
	if n.Location() != time.UTC || n.Nanosecond()%1000 != 0 {
		t.Errorf("Now() = %v, want UTC at microsecond precision", n)
	}
	a, b := NewID(), NewID()
	if a == b || len(a) != 36 || a[14] != '7' {
		t.Errorf("NewID() = %q, %q, want two distinct UUIDv7", a, b)
	}
	if err := ValidateID("id", a); err != nil {
		t.Errorf("NewID() is not a valid id: %v", err)
	}
	if a > b {
		t.Errorf("NewID() is not increasing: %q then %q", a, b)
	}
}
