// Package storetest is the conformance suite every backend.Store passes.
//
// A store's own test calls Run with a function that opens a fresh, empty
// store. The suite goes through backend.Service where the service validates
// and normalises input, and straight to the Store where the behaviour is
// the store's own contract (the doc comments of backend.Store). Cases build
// small deterministic datasets and compare sets of ids, so every store must
// return the same memories.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
)

// Run runs the whole suite. newStore returns a fresh, empty store for one
// test and registers its cleanup on that test.
func Run(t *testing.T, newStore func(t *testing.T) backend.Store) {
	s := &suite{newStore: newStore}
	groups := []struct {
		name string
		fn   func(*testing.T, *suite)
	}{
		{"Memory", testMemory},
		{"Update", testUpdate},
		{"Access", testAccess},
		{"Delete", testDelete},
		{"Validation", testValidation},
		{"NotFound", testNotFound},
		{"Relationship", testRelationship},
		{"Search", testSearch},
		{"Related", testRelated},
		{"Path", testPath},
		{"Subgraph", testSubgraph},
		{"Statistics", testStatistics},
		{"Activity", testActivity},
		{"Export", testExport},
		{"Import", testImport},
		{"Canceled", testCanceled},
		{"Concurrency", testConcurrency},
		{"Swap", testSwap},
		{"ChangeMark", testChangeMark},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.fn(t, s) })
	}
}

type suite struct {
	newStore func(t *testing.T) backend.Store
}

// run runs one case in parallel on its own fresh store.
func (s *suite) run(t *testing.T, name string, fn func(t *testing.T, e *env)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		fn(t, s.env(t))
	})
}

func (s *suite) env(t *testing.T) *env { return envOf(t, s.newStore(t)) }

// envOf returns an env over st for the test t.
func envOf(t *testing.T, st backend.Store) *env {
	return &env{
		t:      t,
		ctx:    t.Context(),
		store:  st,
		svc:    backend.NewService(st),
		labels: map[string]string{},
	}
}

// env is one case's store, a service over it and names for the ids it made.
type env struct {
	t     *testing.T
	ctx   context.Context
	store backend.Store
	svc   *backend.Service

	mu     sync.Mutex        // guards labels
	labels map[string]string // memory id -> title, for readable failures
}

func (e *env) label(m *backend.Memory) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.labels[m.ID] = m.Title
}

func (e *env) name(id string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if l, ok := e.labels[id]; ok {
		return l
	}
	return id
}

// add stores a memory through the Service and fails unless it is new.
func (e *env) add(in backend.NewMemory) *backend.Memory {
	e.t.Helper()
	m, dup, err := e.svc.StoreMemory(e.ctx, in)
	if err != nil {
		e.t.Fatalf("StoreMemory(%q): %v", in.Title, err)
	}
	if dup {
		e.t.Fatalf("StoreMemory(%q): duplicate=true, want a new memory", in.Title)
	}
	e.label(m)
	return m
}

// note stores a general memory with the given title and content.
func (e *env) note(title, content string) *backend.Memory {
	e.t.Helper()
	return e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: title, Content: content})
}

// typed stores a memory of type typ whose content is its title.
func (e *env) typed(typ backend.MemoryType, title string) *backend.Memory {
	e.t.Helper()
	return e.add(backend.NewMemory{Type: typ, Title: title, Content: title})
}

// put writes a crafted memory straight to the store.
func (e *env) put(m *backend.Memory) *backend.Memory {
	e.t.Helper()
	got, dup, err := e.store.CreateMemory(e.ctx, m)
	if err != nil {
		e.t.Fatalf("CreateMemory(%q): %v", m.Title, err)
	}
	if dup {
		e.t.Fatalf("CreateMemory(%q): duplicate=true, want a new memory", m.Title)
	}
	e.label(got)
	return got
}

// craft returns a valid, normalised memory created and updated at at, as
// the Service would hand it to a store.
func craft(typ backend.MemoryType, title, content string, at time.Time) *backend.Memory {
	at = at.UTC().Truncate(time.Microsecond)
	m := &backend.Memory{
		ID: backend.NewID(), Type: typ, Title: title, Content: content,
		Importance: backend.DefaultImportance, Confidence: backend.DefaultConfidence,
		CreatedAt: at, UpdatedAt: at, Version: 1,
	}
	m.Normalize()
	if err := m.Validate(); err != nil {
		panic(fmt.Sprintf("storetest: crafted memory %q is invalid: %v", title, err))
	}
	return m
}

// relate creates an edge through the Service and fails unless it is new.
func (e *env) relate(from, to *backend.Memory, typ backend.RelationshipType) *backend.Relationship {
	e.t.Helper()
	r, created, err := e.svc.CreateRelationship(e.ctx, backend.NewRelationship{FromID: from.ID, ToID: to.ID, Type: typ})
	if err != nil {
		e.t.Fatalf("CreateRelationship(%s -%s-> %s): %v", from.Title, typ, to.Title, err)
	}
	if !created {
		e.t.Fatalf("CreateRelationship(%s -%s-> %s): created=false, want a new edge", from.Title, typ, to.Title)
	}
	return r
}

// craftRel returns a valid edge created and updated at at.
func craftRel(from, to *backend.Memory, typ backend.RelationshipType, at time.Time) *backend.Relationship {
	at = at.UTC().Truncate(time.Microsecond)
	return &backend.Relationship{
		ID: backend.NewID(), FromID: from.ID, ToID: to.ID, Type: typ,
		Strength: backend.DefaultStrength, Confidence: backend.DefaultConfidence,
		EvidenceCount: 1, CreatedAt: at, UpdatedAt: at,
	}
}

// putRel writes a crafted edge straight to the store.
func (e *env) putRel(r *backend.Relationship) *backend.Relationship {
	e.t.Helper()
	got, created, err := e.store.CreateRelationship(e.ctx, r)
	if err != nil {
		e.t.Fatalf("CreateRelationship(%s -%s-> %s): %v", e.name(r.FromID), r.Type, e.name(r.ToID), err)
	}
	if !created {
		e.t.Fatalf("CreateRelationship(%s -%s-> %s): created=false, want a new edge", e.name(r.FromID), r.Type, e.name(r.ToID))
	}
	return got
}

// get reads a memory straight from the store (no access is counted).
func (e *env) get(id string) *backend.Memory {
	e.t.Helper()
	m, err := e.store.GetMemory(e.ctx, id)
	if err != nil {
		e.t.Fatalf("GetMemory(%s): %v", e.name(id), err)
	}
	return m
}

// memories exports every memory of the store.
func (e *env) memories() []*backend.Memory {
	e.t.Helper()
	return collect(e, "ExportMemories", e.store.ExportMemories)
}

// relationships exports every relationship of the store.
func (e *env) relationships() []*backend.Relationship {
	e.t.Helper()
	return collect(e, "ExportRelationships", e.store.ExportRelationships)
}

// collect gathers what a streaming export hands to its callback.
func collect[T any](e *env, name string, export func(context.Context, func(T) error) error) []T {
	e.t.Helper()
	var all []T
	if err := export(e.ctx, func(v T) error {
		all = append(all, v)
		return nil
	}); err != nil {
		e.t.Fatalf("%s: %v", name, err)
	}
	return all
}

// wantCounts fails unless the store holds exactly mems memories and rels
// relationships.
func (e *env) wantCounts(mems, rels int) {
	e.t.Helper()
	if got := len(e.memories()); got != mems {
		e.t.Errorf("store holds %d memories, want %d", got, mems)
	}
	if got := len(e.relationships()); got != rels {
		e.t.Errorf("store holds %d relationships, want %d", got, rels)
	}
}

// search runs q through the Service and fails on error.
func (e *env) search(q backend.SearchQuery) *backend.SearchResult {
	e.t.Helper()
	res, err := e.svc.Search(e.ctx, q)
	if err != nil {
		e.t.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

// find returns the ids of the memories matching text (up to 100).
func (e *env) find(text string) []string {
	e.t.Helper()
	return hitIDs(e.search(backend.SearchQuery{Text: text, Limit: backend.MaxSearchLimit}))
}

// wantIDs fails unless got and want hold the same ids (in any order).
func (e *env) wantIDs(what string, got []string, want ...*backend.Memory) {
	e.t.Helper()
	wantIDs := make([]string, len(want))
	for i, m := range want {
		wantIDs[i] = m.ID
	}
	if !sameSet(got, wantIDs) {
		e.t.Errorf("%s = %v, want %v", what, e.names(got), e.names(wantIDs))
	}
}

// wantOrder fails unless got holds want's ids in want's order.
func (e *env) wantOrder(what string, got []string, want ...*backend.Memory) {
	e.t.Helper()
	wantIDs := make([]string, len(want))
	for i, m := range want {
		wantIDs[i] = m.ID
	}
	if !slices.Equal(got, wantIDs) {
		e.t.Errorf("%s = %v, want %v in this order", what, e.namesInOrder(got), e.namesInOrder(wantIDs))
	}
}

func (e *env) names(ids []string) []string {
	out := e.namesInOrder(ids)
	sort.Strings(out)
	return out
}

func (e *env) namesInOrder(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = e.name(id)
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(x, y)
}

func hitIDs(res *backend.SearchResult) []string {
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.Memory.ID
	}
	return ids
}

func memIDs(ms []*backend.Memory) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

func relatedIDs(rs []*backend.RelatedMemory) []string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.Memory.ID
	}
	return ids
}

// wantCode fails unless backend.ErrorCode(err) is code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := backend.ErrorCode(err); got != code {
		t.Fatalf("err = %v (code %q), want code %q", err, got, code)
	}
}

// wantInvalid fails unless err is EINVALID naming field.
func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	wantCode(t, err, backend.EINVALID)
	var e *backend.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %#v, want a *backend.Error", err)
	}
	if e.Field != field {
		t.Fatalf("err = %v: field %q, want %q", err, e.Field, field)
	}
}

// fieldDiffs collects the fields in which two records differ.
type fieldDiffs []string

func (d *fieldDiffs) check(field string, eq bool, got, want any) {
	if !eq {
		*d = append(*d, fmt.Sprintf("%s: got %#v, want %#v", field, got, want))
	}
}

func (d fieldDiffs) String() string { return strings.Join(d, "; ") }

// diffMemory lists the fields in which got differs from want.
func diffMemory(got, want *backend.Memory) string {
	if got == nil || want == nil {
		if got == want {
			return ""
		}
		return fmt.Sprintf("got %v, want %v", got, want)
	}
	var d fieldDiffs
	check := d.check
	check("id", got.ID == want.ID, got.ID, want.ID)
	check("type", got.Type == want.Type, got.Type, want.Type)
	check("title", got.Title == want.Title, got.Title, want.Title)
	check("content", got.Content == want.Content, got.Content, want.Content)
	check("summary", got.Summary == want.Summary, got.Summary, want.Summary)
	check("tags", equalList(got.Tags, want.Tags), got.Tags, want.Tags)
	check("importance", got.Importance == want.Importance, got.Importance, want.Importance)
	check("confidence", got.Confidence == want.Confidence, got.Confidence, want.Confidence)
	check("context", equalContext(got.Context, want.Context), got.Context, want.Context)
	check("created_at", got.CreatedAt.Equal(want.CreatedAt), got.CreatedAt, want.CreatedAt)
	check("updated_at", got.UpdatedAt.Equal(want.UpdatedAt), got.UpdatedAt, want.UpdatedAt)
	check("last_accessed_at", equalTimePtr(got.LastAccessedAt, want.LastAccessedAt), got.LastAccessedAt, want.LastAccessedAt)
	check("access_count", got.AccessCount == want.AccessCount, got.AccessCount, want.AccessCount)
	check("version", got.Version == want.Version, got.Version, want.Version)
	return d.String()
}

// diffRelationship lists the fields in which got differs from want.
func diffRelationship(got, want *backend.Relationship) string {
	if got == nil || want == nil {
		if got == want {
			return ""
		}
		return fmt.Sprintf("got %v, want %v", got, want)
	}
	var d fieldDiffs
	check := d.check
	check("id", got.ID == want.ID, got.ID, want.ID)
	check("from_id", got.FromID == want.FromID, got.FromID, want.FromID)
	check("to_id", got.ToID == want.ToID, got.ToID, want.ToID)
	check("type", got.Type == want.Type, got.Type, want.Type)
	check("strength", got.Strength == want.Strength, got.Strength, want.Strength)
	check("confidence", got.Confidence == want.Confidence, got.Confidence, want.Confidence)
	check("context", got.Context == want.Context, got.Context, want.Context)
	check("evidence_count", got.EvidenceCount == want.EvidenceCount, got.EvidenceCount, want.EvidenceCount)
	check("created_at", got.CreatedAt.Equal(want.CreatedAt), got.CreatedAt, want.CreatedAt)
	check("updated_at", got.UpdatedAt.Equal(want.UpdatedAt), got.UpdatedAt, want.UpdatedAt)
	return d.String()
}

// equalList treats nil and empty as equal.
func equalList(a, b []string) bool {
	return len(a) == 0 && len(b) == 0 || slices.Equal(a, b)
}

func equalContext(a, b backend.Context) bool {
	if a.ProjectPath != b.ProjectPath || a.GitBranch != b.GitBranch || a.GitCommit != b.GitCommit || a.SessionID != b.SessionID {
		return false
	}
	if !equalList(a.Files, b.Files) || !equalList(a.Languages, b.Languages) || !equalList(a.Frameworks, b.Frameworks) {
		return false
	}
	if len(a.Extra) != len(b.Extra) {
		return false
	}
	for k, v := range a.Extra {
		if w, ok := b.Extra[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func equalTimePtr(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// wantUTCMicro fails unless ts is in UTC at microsecond precision.
func wantUTCMicro(t *testing.T, field string, ts time.Time) {
	t.Helper()
	if ts.Location() != time.UTC {
		t.Errorf("%s = %v: location %v, want UTC", field, ts, ts.Location())
	}
	if ts.Nanosecond()%1000 != 0 {
		t.Errorf("%s = %v: has sub-microsecond digits", field, ts)
	}
	if ts.IsZero() {
		t.Errorf("%s is zero", field)
	}
}

func ptr[T any](v T) *T { return &v }

// base is a fixed instant the crafted datasets count from.
var base = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)

// day returns base plus n days and a few microseconds, so no two crafted
// times collide.
func day(n int) time.Time {
	return base.Add(time.Duration(n)*24*time.Hour + time.Duration(n+1)*time.Microsecond)
}
