package backend

import (
	"context"
	"time"
)

// UnopenedStore stands in for a store that could not be opened: every call
// fails with err, Ping included, and Close does nothing. A server can then
// run, say what is wrong (the web UI's settings can fix it), and swap the
// real store in with Service.SwapStore once it opens.
func UnopenedStore(err error) Store { return unopenedStore{err} }

type unopenedStore struct{ err error }

func (u unopenedStore) CreateMemory(context.Context, *Memory) (*Memory, bool, error) {
	return nil, false, u.err
}
func (u unopenedStore) GetMemory(context.Context, string) (*Memory, error) { return nil, u.err }
func (u unopenedStore) RecordAccess(context.Context, []string, time.Time) error {
	return u.err
}
func (u unopenedStore) UpdateMemory(context.Context, string, MemoryUpdate, time.Time) (*Memory, error) {
	return nil, u.err
}
func (u unopenedStore) DeleteMemory(context.Context, string) error { return u.err }
func (u unopenedStore) SearchMemories(context.Context, SearchQuery) (*SearchResult, error) {
	return nil, u.err
}
func (u unopenedStore) CreateRelationship(context.Context, *Relationship) (*Relationship, bool, error) {
	return nil, false, u.err
}
func (u unopenedStore) DeleteRelationship(context.Context, string, string, RelationshipType) error {
	return u.err
}
func (u unopenedStore) Relationships(context.Context, string) ([]*Relationship, error) {
	return nil, u.err
}
func (u unopenedStore) RelatedMemories(context.Context, RelatedQuery) ([]*RelatedMemory, error) {
	return nil, u.err
}
func (u unopenedStore) FindPath(context.Context, string, string, int, []RelationshipType) (*Path, error) {
	return nil, u.err
}
func (u unopenedStore) Subgraph(context.Context, SubgraphQuery) (*Graph, error) { return nil, u.err }
func (u unopenedStore) Statistics(context.Context, int) (*Statistics, error)    { return nil, u.err }
func (u unopenedStore) RecentActivity(context.Context, ActivityQuery) (*Activity, error) {
	return nil, u.err
}
func (u unopenedStore) ExportMemories(context.Context, func(*Memory) error) error { return u.err }
func (u unopenedStore) ExportRelationships(context.Context, func(*Relationship) error) error {
	return u.err
}
func (u unopenedStore) ImportMemories(context.Context, []*Memory) (*ImportResult, error) {
	return nil, u.err
}
func (u unopenedStore) ImportRelationships(context.Context, []*Relationship) (*ImportResult, error) {
	return nil, u.err
}
func (u unopenedStore) Ping(context.Context) error { return u.err }
func (u unopenedStore) Close() error               { return nil }
