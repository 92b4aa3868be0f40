package backend

import (
	"context"
	"time"
)

// Store keeps memories and relationships. Every method is one transaction,
// honours ctx (returning ctx.Err() wrapped when it ends first) and is safe
// for concurrent use. Inputs arrive validated and normalised by Service;
// stores re-check only what they alone can (existence, versions, uniqueness).
// A store maps its driver's failures to EUNAVAILABLE (cannot reach the
// database) or EINTERNAL.
type Store interface {
	// CreateMemory inserts m, whose ID, timestamps and Version (1) are set.
	// When a memory with the same DedupKey exists it is returned instead with
	// duplicate=true and nothing is written.
	CreateMemory(ctx context.Context, m *Memory) (stored *Memory, duplicate bool, err error)

	// GetMemory returns the memory with id. Errors: ENOTFOUND.
	GetMemory(ctx context.Context, id string) (*Memory, error)

	// RecordAccess adds one to the access count of each existing id and sets
	// its last access time to at, leaving Version and UpdatedAt alone.
	// Unknown ids are ignored.
	RecordAccess(ctx context.Context, ids []string, at time.Time) error

	// UpdateMemory applies u to the memory with id, sets UpdatedAt to now and
	// increments Version. Errors: ENOTFOUND; ECONFLICT when u.ExpectedVersion
	// is set and differs from the stored version, or when the change would
	// duplicate another memory's (type, title, content).
	UpdateMemory(ctx context.Context, id string, u MemoryUpdate, now time.Time) (*Memory, error)

	// DeleteMemory removes the memory with id and all its relationships.
	// Errors: ENOTFOUND.
	DeleteMemory(ctx context.Context, id string) error

	// SearchMemories returns the memories matching q, best first (higher
	// Score is better, ties broken the same way every time so pages never
	// overlap), with the total number of matches. Only title, summary,
	// content and tags are searched. Text with no searchable word (only stop
	// words or punctuation) matches nothing. ProjectPath matches that path
	// and the folders below it (/w/app matches /w/app/api, not /w/apple);
	// MinImportance includes equal values.
	SearchMemories(ctx context.Context, q SearchQuery) (*SearchResult, error)

	// CreateRelationship inserts r (ID and timestamps set, EvidenceCount 1).
	// When an edge with the same (FromID, ToID, Type) exists it is reinforced:
	// strength, confidence and (when not empty) context take r's values,
	// EvidenceCount grows by one, UpdatedAt is set, and created=false.
	// Errors: ENOTFOUND when either memory is missing.
	CreateRelationship(ctx context.Context, r *Relationship) (stored *Relationship, created bool, err error)

	// DeleteRelationship removes the edge (from, to, typ). Errors: ENOTFOUND.
	DeleteRelationship(ctx context.Context, from, to string, typ RelationshipType) error

	// Relationships returns every edge that starts or ends at id, newest first.
	// Errors: ENOTFOUND when the memory does not exist.
	Relationships(ctx context.Context, id string) ([]*Relationship, error)

	// RelatedMemories walks edges from q.ID up to q.Depth hops and returns
	// each memory reached at its smallest depth, nearest first, leaving out
	// the starting memory.
	// Errors: ENOTFOUND when q.ID does not exist.
	RelatedMemories(ctx context.Context, q RelatedQuery) ([]*RelatedMemory, error)

	// FindPath returns a shortest path between two memories following edges
	// in either direction, or nil when there is none within maxDepth hops.
	// A path from a memory to itself holds that one memory.
	// Errors: ENOTFOUND when either memory does not exist.
	FindPath(ctx context.Context, from, to string, maxDepth int, types []RelationshipType) (*Path, error)

	// Subgraph returns the memories within q.Depth hops of q.Seeds (breadth
	// first along edges in both directions, capped at q.Limit nodes) and the
	// edges among them, with the number of nodes that would be reached
	// without the cap. RelTypes filters the edges walked and returned;
	// memories excluded by MemTypes are not walked through; unknown seeds
	// are ignored.
	Subgraph(ctx context.Context, q SubgraphQuery) (*Graph, error)

	// Statistics returns counts by memory and relationship type and top tags.
	Statistics(ctx context.Context, topTags int) (*Statistics, error)

	// RecentActivity returns memories created since q.Since, memories
	// created before it but updated since, and (whenever created) problems
	// or errors that no SOLVES or ADDRESSES edge points at; each list newest
	// first, capped at q.Limit, with its total.
	RecentActivity(ctx context.Context, q ActivityQuery) (*Activity, error)

	// ExportMemories calls fn for every memory in creation order without
	// loading them all at once. An error from fn stops the export.
	ExportMemories(ctx context.Context, fn func(*Memory) error) error

	// ExportRelationships calls fn for every relationship in creation order.
	ExportRelationships(ctx context.Context, fn func(*Relationship) error) error

	// ImportMemories writes ms keeping their ids, timestamps, versions and
	// counts. A memory whose id exists replaces it only when its UpdatedAt
	// is later;
	// one whose DedupKey belongs to another id is skipped and reported in
	// IDMap so edges can follow it. Safe to re-run.
	ImportMemories(ctx context.Context, ms []*Memory) (*ImportResult, error)

	// ImportRelationships writes rs keeping ids and timestamps; an existing
	// (from, to, type) edge is kept as is. Edges whose ends are missing are
	// skipped and counted.
	ImportRelationships(ctx context.Context, rs []*Relationship) (*ImportResult, error)

	// Ping checks that the store answers.
	Ping(ctx context.Context) error

	// Close releases the store's resources.
	Close() error
}

// NeighbourReader is implemented by stores that read the direct neighbours
// of many memories at once more cheaply than with a RelatedMemories call
// each, as Recall needs for every hit.
type NeighbourReader interface {
	// Neighbours returns for each of ids what RelatedMemories returns for
	// RelatedQuery{ID: id, Depth: 1, Direction: DirBoth, Limit: limit}, all
	// read in one transaction, and nil for an id that does not exist.
	Neighbours(ctx context.Context, ids []string, limit int) ([][]*RelatedMemory, error)
}

// MemoryUpdate holds the fields to change; nil means "leave as is".
type MemoryUpdate struct {
	Type            *MemoryType `json:"type,omitempty"`
	Title           *string     `json:"title,omitempty"`
	Content         *string     `json:"content,omitempty"`
	Summary         *string     `json:"summary,omitempty"`
	Tags            *[]string   `json:"tags,omitempty"`
	Importance      *float64    `json:"importance,omitempty"`
	Confidence      *float64    `json:"confidence,omitempty"`
	Context         *Context    `json:"context,omitempty"`
	ExpectedVersion *int64      `json:"expected_version,omitempty"`
}

// Apply writes the set fields of u onto m. Stores call it inside their
// transaction so the merge is the same everywhere.
func (u MemoryUpdate) Apply(m *Memory) {
	if u.Type != nil {
		m.Type = *u.Type
	}
	if u.Title != nil {
		m.Title = *u.Title
	}
	if u.Content != nil {
		m.Content = *u.Content
	}
	if u.Summary != nil {
		m.Summary = *u.Summary
	}
	if u.Tags != nil {
		m.Tags = *u.Tags
	}
	if u.Importance != nil {
		m.Importance = *u.Importance
	}
	if u.Confidence != nil {
		m.Confidence = *u.Confidence
	}
	if u.Context != nil {
		m.Context = *u.Context
	}
}

// TagMode says whether a search needs any or all of its tags.
type TagMode string

// Tag modes.
const (
	TagsAny TagMode = "any"
	TagsAll TagMode = "all"
)

// SearchQuery selects memories. An empty Text matches every memory, newest
// first; otherwise hits are ranked by relevance (bm25 or Lucene score).
type SearchQuery struct {
	Text string
	// Terms is Text parsed by ParseQuery; Service fills it in.
	Terms []Term
	// MatchAny ranks memories matching any term instead of requiring all.
	MatchAny      bool
	Types         []MemoryType
	Tags          []string
	TagMode       TagMode
	ProjectPath   string
	MinImportance *float64
	CreatedAfter  *time.Time
	CreatedBefore *time.Time
	Limit         int
	Offset        int
}

// SearchHit is one ranked result.
type SearchHit struct {
	Memory *Memory `json:"memory"`
	Score  float64 `json:"score"`
}

// SearchResult is one page of hits and the total number of matches.
type SearchResult struct {
	Hits    []SearchHit `json:"hits"`
	Total   int         `json:"total"`
	HasMore bool        `json:"has_more"`
}

// Direction says which way a traversal follows edges.
type Direction string

// Directions.
const (
	DirOut  Direction = "outgoing"
	DirIn   Direction = "incoming"
	DirBoth Direction = "both"
)

// RelatedQuery asks for the neighbourhood of one memory.
type RelatedQuery struct {
	ID        string
	Depth     int
	Types     []RelationshipType // empty: all types
	Direction Direction
	Limit     int
}

// RelatedMemory is a memory reached by a traversal, with the edge that first
// reached it.
type RelatedMemory struct {
	Memory *Memory       `json:"memory"`
	Depth  int           `json:"depth"`
	Via    *Relationship `json:"via"`
}

// Path is a chain of memories joined by relationships: len(Relationships) ==
// len(Memories)-1, and Relationships[i] joins Memories[i] and Memories[i+1]
// in one direction or the other.
type Path struct {
	Memories      []*Memory       `json:"memories"`
	Relationships []*Relationship `json:"relationships"`
}

// SubgraphQuery asks for the neighbourhood of several seeds, for drawing.
type SubgraphQuery struct {
	Seeds    []string
	Depth    int // 0: the seeds alone
	RelTypes []RelationshipType
	MemTypes []MemoryType // empty: all types; seeds are always included
	Limit    int
}

// Graph is a bounded subgraph.
type Graph struct {
	Nodes      []*Memory       `json:"nodes"`
	Edges      []*Relationship `json:"edges"`
	TotalNodes int             `json:"total_nodes"`
}

// Statistics summarises the graph.
type Statistics struct {
	Memories           int                      `json:"memories"`
	Relationships      int                      `json:"relationships"`
	ByType             map[MemoryType]int       `json:"by_type"`
	ByRelationshipType map[RelationshipType]int `json:"by_relationship_type"`
	TopTags            []TagCount               `json:"top_tags"`
}

// TagCount is how many memories carry a tag.
type TagCount struct {
	Tag   string `json:"tag"`
	Count int    `json:"count"`
}

// ActivityQuery asks for what changed recently.
type ActivityQuery struct {
	Since       time.Time
	Limit       int
	ProjectPath string
}

// Activity is what changed since a time, and what is still open.
type Activity struct {
	Created            []*Memory `json:"created"`
	Updated            []*Memory `json:"updated"`
	UnresolvedProblems []*Memory `json:"unresolved_problems"`
	CreatedTotal       int       `json:"created_total"`
	UpdatedTotal       int       `json:"updated_total"`
	UnresolvedTotal    int       `json:"unresolved_total"`
}

// ImportResult counts what an import did.
type ImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Skipped int `json:"skipped"`
	// IDMap maps an incoming id to the existing id it was merged into.
	IDMap map[string]string `json:"id_map,omitempty"`
}
