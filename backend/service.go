package backend

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Paging and traversal bounds enforced by Service.
const (
	DefaultSearchLimit   = 20
	MaxSearchLimit       = 100
	MaxSearchOffset      = 100_000
	MaxDepth             = 5
	DefaultRelatedLimit  = 50
	MaxRelatedLimit      = 500
	DefaultPathDepth     = 5
	MaxPathDepth         = 10
	DefaultSubgraphLimit = 500
	MaxSubgraphLimit     = 10_000
	DefaultActivityDays  = 7
	MaxActivityDays      = 3650
	DefaultActivityLimit = 20
	MaxActivityLimit     = 200
	DefaultTopTags       = 20
	MaxImportBatch       = 1000
	recallEdgesPerHit    = 5
)

// Service is the one entry point the MCP server, the web UI and the CLI
// share: it validates and normalises input, applies defaults, sets ids and
// timestamps, and then calls the Store.
type Service struct {
	store Store // slot wrapped in observedStore: its writes reach feed
	slot  *storeSlot
	feed  *changeFeed
	now   func() time.Time
}

// NewService returns a Service over store (SwapStore replaces it).
func NewService(store Store) *Service {
	feed := &changeFeed{}
	slot := &storeSlot{}
	slot.cur.Store(newSlotStore(store))
	return &Service{store: observedStore{Store: slot, feed: feed}, slot: slot, feed: feed, now: Now}
}

// Now returns the current UTC time at microsecond precision, the precision
// every store keeps.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// NewID returns a new UUIDv7: unique and sortable by creation time.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Store returns the Service's store: calls on it go to the store in use
// (see SwapStore), and its writes reach subscribers.
func (s *Service) Store() Store { return s.store }

// NewMemory is the input of StoreMemory. Nil numbers take their defaults.
type NewMemory struct {
	Type       MemoryType
	Title      string
	Content    string
	Summary    string
	Tags       []string
	Importance *float64
	Confidence *float64
	Context    Context
}

// StoreMemory validates in and creates a memory. When an equal memory (same
// type, title and content) exists it is returned with duplicate=true.
// Errors: EINVALID.
func (s *Service) StoreMemory(ctx context.Context, in NewMemory) (m *Memory, duplicate bool, err error) {
	now := s.now()
	m = &Memory{
		ID: NewID(), Type: in.Type, Title: in.Title, Content: in.Content, Summary: in.Summary,
		Tags: in.Tags, Importance: orDefault(in.Importance, DefaultImportance),
		Confidence: orDefault(in.Confidence, DefaultConfidence), Context: in.Context,
		CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	m.Normalize()
	if err := m.Validate(); err != nil {
		return nil, false, err
	}
	return s.store.CreateMemory(ctx, m)
}

// GetMemory returns a memory and counts the access. Errors: EINVALID, ENOTFOUND.
func (s *Service) GetMemory(ctx context.Context, id string) (*Memory, error) {
	if err := ValidateID("memory_id", id); err != nil {
		return nil, err
	}
	if err := s.store.RecordAccess(ctx, []string{id}, s.now()); err != nil {
		return nil, err
	}
	return s.store.GetMemory(ctx, id)
}

// Relationships returns the edges of a memory. Errors: EINVALID, ENOTFOUND.
func (s *Service) Relationships(ctx context.Context, id string) ([]*Relationship, error) {
	if err := ValidateID("memory_id", id); err != nil {
		return nil, err
	}
	return s.store.Relationships(ctx, id)
}

// UpdateMemory validates the set fields of u and applies them.
// Errors: EINVALID, ENOTFOUND, ECONFLICT (stale version or duplicate).
func (s *Service) UpdateMemory(ctx context.Context, id string, u MemoryUpdate) (*Memory, error) {
	if err := ValidateID("memory_id", id); err != nil {
		return nil, err
	}
	if err := normalizeUpdate(&u); err != nil {
		return nil, err
	}
	return s.store.UpdateMemory(ctx, id, u, s.now())
}

// normalizeUpdate checks each set field with the rule of a full memory.
func normalizeUpdate(u *MemoryUpdate) error {
	if u.Type == nil && u.Title == nil && u.Content == nil && u.Summary == nil && u.Tags == nil &&
		u.Importance == nil && u.Confidence == nil && u.Context == nil {
		return Invalid("fields", "nothing to update: set at least one of type, title, content, summary, tags, importance, confidence, context")
	}
	if u.ExpectedVersion != nil && *u.ExpectedVersion < 1 {
		return Invalid("expected_version", "must be 1 or more (got %d)", *u.ExpectedVersion)
	}
	// Fill a valid memory with the changes so Memory.Validate names the field.
	probe := Memory{Type: TypeGeneral, Title: "t", Content: "c", Importance: DefaultImportance, Confidence: DefaultConfidence}
	u.Apply(&probe)
	probe.Normalize()
	if err := probe.Validate(); err != nil {
		return err
	}
	if u.Title != nil {
		u.Title = &probe.Title
	}
	if u.Summary != nil {
		u.Summary = &probe.Summary
	}
	if u.Tags != nil {
		u.Tags = &probe.Tags
	}
	if u.Context != nil {
		u.Context = &probe.Context
	}
	return nil
}

// DeleteMemory deletes a memory and its edges. Errors: EINVALID, ENOTFOUND.
func (s *Service) DeleteMemory(ctx context.Context, id string) error {
	if err := ValidateID("memory_id", id); err != nil {
		return err
	}
	return s.store.DeleteMemory(ctx, id)
}

// Search validates q, parses its text and runs it. Errors: EINVALID.
func (s *Service) Search(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	if err := normalizeSearch(&q, MaxSearchLimit); err != nil {
		return nil, err
	}
	return s.store.SearchMemories(ctx, q)
}

func normalizeSearch(q *SearchQuery, maxLimit int) error {
	if len([]rune(q.Text)) > MaxQueryChars {
		return Invalid("query", "must be at most %d characters", MaxQueryChars)
	}
	q.Terms = ParseQuery(q.Text)
	if q.Limit == 0 {
		q.Limit = DefaultSearchLimit
	}
	if q.Limit < 1 || q.Limit > maxLimit {
		return Invalid("limit", "must be between 1 and %d (got %d)", maxLimit, q.Limit)
	}
	if q.Offset < 0 || q.Offset > MaxSearchOffset {
		return Invalid("offset", "must be between 0 and %d (got %d)", MaxSearchOffset, q.Offset)
	}
	for _, t := range q.Types {
		if !t.Valid() {
			return Invalid("memory_types", "%q is not a memory type; use one of %v", t, MemoryTypes)
		}
	}
	if len(q.Tags) > MaxTags {
		return Invalid("tags", "at most %d tags can be searched at once", MaxTags)
	}
	q.Tags = NormalizeTags(q.Tags)
	switch q.TagMode {
	case "":
		q.TagMode = TagsAny
	case TagsAny, TagsAll:
	default:
		return Invalid("tag_mode", "must be %q or %q (got %q)", TagsAny, TagsAll, q.TagMode)
	}
	if q.MinImportance != nil {
		if err := ValidateUnit("min_importance", *q.MinImportance); err != nil {
			return err
		}
	}
	if q.CreatedAfter != nil && q.CreatedBefore != nil && !q.CreatedAfter.Before(*q.CreatedBefore) {
		return Invalid("created_after", "must be before created_before")
	}
	if err := validateContextString("project_path", q.ProjectPath); err != nil {
		return err
	}
	return nil
}

// RecallHit is a search hit with the memory's nearest relationships.
type RecallHit struct {
	SearchHit
	Related []*RelatedMemory `json:"related"`
}

// Recall answers a natural-language question: a ranked search that matches
// any of the words, each hit with its direct neighbours. Access is counted
// for every memory returned. Errors: EINVALID.
func (s *Service) Recall(ctx context.Context, q SearchQuery) ([]RecallHit, int, error) {
	q.MatchAny = true
	if err := normalizeSearch(&q, MaxSearchLimit); err != nil {
		return nil, 0, err
	}
	if len(q.Terms) == 0 {
		return nil, 0, Invalid("query", "needs at least one meaningful word to recall by")
	}
	res, err := s.store.SearchMemories(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.Memory.ID
	}
	// A hit deleted meanwhile keeps its place, with no neighbours.
	related, err := s.slot.neighbours(ctx, ids, recallEdgesPerHit)
	if err != nil {
		return nil, 0, err
	}
	hits := make([]RecallHit, len(res.Hits))
	for i, h := range res.Hits {
		hits[i] = RecallHit{SearchHit: h, Related: related[i]}
	}
	if err := s.store.RecordAccess(ctx, ids, s.now()); err != nil {
		return nil, 0, err
	}
	return hits, res.Total, nil
}

// NewRelationship is the input of CreateRelationship. Nil numbers take their
// defaults.
type NewRelationship struct {
	FromID     string
	ToID       string
	Type       RelationshipType
	Strength   *float64
	Confidence *float64
	Context    string
}

// CreateRelationship adds an edge or reinforces the existing one.
// Errors: EINVALID, ENOTFOUND.
func (s *Service) CreateRelationship(ctx context.Context, in NewRelationship) (*Relationship, bool, error) {
	now := s.now()
	r := &Relationship{
		ID: NewID(), FromID: in.FromID, ToID: in.ToID, Type: in.Type,
		Strength: orDefault(in.Strength, DefaultStrength), Confidence: orDefault(in.Confidence, DefaultConfidence),
		Context: in.Context, EvidenceCount: 1, CreatedAt: now, UpdatedAt: now,
	}
	if err := r.Validate(); err != nil {
		return nil, false, err
	}
	return s.store.CreateRelationship(ctx, r)
}

// DeleteRelationship removes an edge. Errors: EINVALID, ENOTFOUND.
func (s *Service) DeleteRelationship(ctx context.Context, from, to string, typ RelationshipType) error {
	if err := ValidateID("from_memory_id", from); err != nil {
		return err
	}
	if err := ValidateID("to_memory_id", to); err != nil {
		return err
	}
	if !typ.Valid() {
		return Invalid("relationship_type", "%q is not a relationship type; use one of %v", typ, RelationshipTypes)
	}
	return s.store.DeleteRelationship(ctx, from, to, typ)
}

// RelatedMemories walks the graph from one memory. Errors: EINVALID, ENOTFOUND.
func (s *Service) RelatedMemories(ctx context.Context, q RelatedQuery) ([]*RelatedMemory, error) {
	if err := ValidateID("memory_id", q.ID); err != nil {
		return nil, err
	}
	if q.Depth == 0 {
		q.Depth = 1
	}
	if q.Depth < 1 || q.Depth > MaxDepth {
		return nil, Invalid("depth", "must be between 1 and %d (got %d)", MaxDepth, q.Depth)
	}
	if err := validRelTypes("relationship_types", q.Types); err != nil {
		return nil, err
	}
	switch q.Direction {
	case "":
		q.Direction = DirBoth
	case DirOut, DirIn, DirBoth:
	default:
		return nil, Invalid("direction", "must be %q, %q or %q (got %q)", DirOut, DirIn, DirBoth, q.Direction)
	}
	if q.Limit == 0 {
		q.Limit = DefaultRelatedLimit
	}
	if q.Limit < 1 || q.Limit > MaxRelatedLimit {
		return nil, Invalid("limit", "must be between 1 and %d (got %d)", MaxRelatedLimit, q.Limit)
	}
	return s.store.RelatedMemories(ctx, q)
}

// FindPath returns a shortest path or nil. Errors: EINVALID, ENOTFOUND.
func (s *Service) FindPath(ctx context.Context, from, to string, maxDepth int, types []RelationshipType) (*Path, error) {
	if err := ValidateID("from_memory_id", from); err != nil {
		return nil, err
	}
	if err := ValidateID("to_memory_id", to); err != nil {
		return nil, err
	}
	if maxDepth == 0 {
		maxDepth = DefaultPathDepth
	}
	if maxDepth < 1 || maxDepth > MaxPathDepth {
		return nil, Invalid("max_depth", "must be between 1 and %d (got %d)", MaxPathDepth, maxDepth)
	}
	if err := validRelTypes("relationship_types", types); err != nil {
		return nil, err
	}
	return s.store.FindPath(ctx, from, to, maxDepth, types)
}

// Subgraph returns a bounded neighbourhood for drawing. Errors: EINVALID.
func (s *Service) Subgraph(ctx context.Context, q SubgraphQuery) (*Graph, error) {
	for _, id := range q.Seeds {
		if err := ValidateID("seeds", id); err != nil {
			return nil, err
		}
	}
	if q.Depth < 0 || q.Depth > MaxDepth {
		return nil, Invalid("depth", "must be between 0 and %d (got %d)", MaxDepth, q.Depth)
	}
	if err := validRelTypes("relationship_types", q.RelTypes); err != nil {
		return nil, err
	}
	for _, t := range q.MemTypes {
		if !t.Valid() {
			return nil, Invalid("memory_types", "%q is not a memory type; use one of %v", t, MemoryTypes)
		}
	}
	if q.Limit == 0 {
		q.Limit = DefaultSubgraphLimit
	}
	if q.Limit < 1 || q.Limit > MaxSubgraphLimit {
		return nil, Invalid("limit", "must be between 1 and %d (got %d)", MaxSubgraphLimit, q.Limit)
	}
	return s.store.Subgraph(ctx, q)
}

// Statistics returns counts and the top tags.
func (s *Service) Statistics(ctx context.Context, topTags int) (*Statistics, error) {
	if topTags == 0 {
		topTags = DefaultTopTags
	}
	if topTags < 1 || topTags > 100 {
		return nil, Invalid("top_tags", "must be between 1 and 100 (got %d)", topTags)
	}
	return s.store.Statistics(ctx, topTags)
}

// RecentActivity returns what changed in the last days days. Errors: EINVALID.
func (s *Service) RecentActivity(ctx context.Context, days, limit int, projectPath string) (*Activity, error) {
	if days == 0 {
		days = DefaultActivityDays
	}
	if days < 1 || days > MaxActivityDays {
		return nil, Invalid("days", "must be between 1 and %d (got %d)", MaxActivityDays, days)
	}
	if limit == 0 {
		limit = DefaultActivityLimit
	}
	if limit < 1 || limit > MaxActivityLimit {
		return nil, Invalid("limit", "must be between 1 and %d (got %d)", MaxActivityLimit, limit)
	}
	if err := validateContextString("project_path", projectPath); err != nil {
		return nil, err
	}
	since := s.now().Add(-time.Duration(days) * 24 * time.Hour)
	return s.store.RecentActivity(ctx, ActivityQuery{Since: since, Limit: limit, ProjectPath: projectPath})
}

// ImportMemories validates ms and writes them keeping their ids and times.
// A memory without an id gets one; one without times gets now. The first
// invalid memory stops the batch before anything is written.
// Errors: EINVALID (naming the memory's position).
func (s *Service) ImportMemories(ctx context.Context, ms []*Memory) (*ImportResult, error) {
	if len(ms) > MaxImportBatch {
		return nil, Invalid("memories", "at most %d per batch (got %d)", MaxImportBatch, len(ms))
	}
	now := s.now()
	for i, m := range ms {
		if m.ID == "" {
			m.ID = NewID()
		}
		stampImported(&m.CreatedAt, &m.UpdatedAt, now)
		if m.Version < 1 {
			m.Version = 1
		}
		m.Normalize()
		if err := m.Validate(); err != nil {
			return nil, Invalid("memories", "memory %d (%s): %v", i, m.ID, err)
		}
	}
	return s.store.ImportMemories(ctx, ms)
}

// ImportRelationships validates rs and writes them keeping ids and times.
// Errors: EINVALID (naming the relationship's position).
func (s *Service) ImportRelationships(ctx context.Context, rs []*Relationship) (*ImportResult, error) {
	if len(rs) > MaxImportBatch {
		return nil, Invalid("relationships", "at most %d per batch (got %d)", MaxImportBatch, len(rs))
	}
	now := s.now()
	for i, r := range rs {
		if r.ID == "" {
			r.ID = NewID()
		}
		stampImported(&r.CreatedAt, &r.UpdatedAt, now)
		if r.EvidenceCount < 1 {
			r.EvidenceCount = 1
		}
		if err := r.Validate(); err != nil {
			return nil, Invalid("relationships", "relationship %d (%s -%s-> %s): %v", i, r.FromID, r.Type, r.ToID, err)
		}
	}
	return s.store.ImportRelationships(ctx, rs)
}

// stampImported fills in missing times of an imported record (now, and an
// update no earlier than the creation) at the precision stores keep.
func stampImported(created, updated *time.Time, now time.Time) {
	if created.IsZero() {
		*created = now
	}
	if updated.IsZero() || updated.Before(*created) {
		*updated = *created
	}
	*created = created.UTC().Truncate(time.Microsecond)
	*updated = updated.UTC().Truncate(time.Microsecond)
}

// Ping checks that the store answers.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

func validRelTypes(field string, types []RelationshipType) error {
	for _, t := range types {
		if !t.Valid() {
			return Invalid(field, "%q is not a relationship type; use one of %v", t, RelationshipTypes)
		}
	}
	return nil
}

func orDefault(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}
