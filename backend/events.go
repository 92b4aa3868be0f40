package backend

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// ChangeKind says what a Change is about.
type ChangeKind string

// Change kinds. KindResync says changes were missed (a slow subscriber, an
// import, a write by another process): whoever shows data should reload it.
const (
	KindMemory       ChangeKind = "memory"
	KindRelationship ChangeKind = "relationship"
	KindResync       ChangeKind = "resync"
)

// ChangeOp says what happened to the memory or relationship.
type ChangeOp string

// Change operations.
const (
	OpCreated ChangeOp = "created"
	OpUpdated ChangeOp = "updated"
	OpDeleted ChangeOp = "deleted"
)

// Change is one write made through the Service. For a relationship, From,
// To and Type name the edge; ID is empty when it was deleted by its ends.
type Change struct {
	Kind ChangeKind       `json:"-"`
	Op   ChangeOp         `json:"op,omitempty"`
	ID   string           `json:"id,omitempty"`
	From string           `json:"from,omitempty"`
	To   string           `json:"to,omitempty"`
	Type RelationshipType `json:"type,omitempty"`
}

// Subscription receives the changes published after Subscribe. Its channel
// C is closed when the subscriber fell behind (its buffer filled up: it
// missed changes and should resync and subscribe again) or was closed.
type Subscription struct {
	C    <-chan Change
	c    chan Change
	feed *changeFeed
}

// Close stops the subscription. It is safe to call more than once.
func (sub *Subscription) Close() { sub.feed.remove(sub) }

// changeFeed fans changes out to subscribers without ever blocking the
// writer: a subscriber whose buffer is full is dropped.
type changeFeed struct {
	mu        sync.Mutex // guards subs and published
	subs      map[*Subscription]struct{}
	published uint64
}

func (f *changeFeed) add(buffer int) *Subscription {
	c := make(chan Change, buffer)
	sub := &Subscription{C: c, c: c, feed: f}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs == nil {
		f.subs = map[*Subscription]struct{}{}
	}
	f.subs[sub] = struct{}{}
	return sub
}

func (f *changeFeed) remove(sub *Subscription) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.subs[sub]; ok {
		delete(f.subs, sub)
		close(sub.c)
	}
}

func (f *changeFeed) publish(ch Change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.published++
	for sub := range f.subs {
		select {
		case sub.c <- ch:
		default: // a slow reader must not hold up a write
			delete(f.subs, sub)
			close(sub.c)
		}
	}
}

func (f *changeFeed) count() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.published
}

// DefaultSubscriptionBuffer is how many changes a subscriber may have
// waiting before it is dropped.
const DefaultSubscriptionBuffer = 256

// Subscribe returns a subscription to the changes made through this
// Service from now on (buffer <= 0 means DefaultSubscriptionBuffer). The
// caller must Close it.
func (s *Service) Subscribe(buffer int) *Subscription {
	if buffer <= 0 {
		buffer = DefaultSubscriptionBuffer
	}
	return s.feed.add(buffer)
}

// PublishedChanges returns how many changes this Service has published so
// far, so that a poller can tell its own writes from other processes'.
func (s *Service) PublishedChanges() uint64 { return s.feed.count() }

// ChangeMarker is implemented by stores that can tell cheaply whether
// anything was written since the last call, by any process.
type ChangeMarker interface {
	// ChangeMark returns a value that differs whenever a memory or
	// relationship was created, updated or deleted.
	ChangeMark(ctx context.Context) (string, error)
}

// ChangeMark returns a value that changes whenever the store's memories or
// relationships change, written by this process or another one. Stores
// that are not ChangeMarkers are summarised by their counts, which miss an
// update that changes no count.
func (s *Service) ChangeMark(ctx context.Context) (string, error) {
	return s.slot.changeMark(ctx)
}

// countsMark is the change mark of a store that is no ChangeMarker.
func countsMark(st *Statistics) string {
	return fmt.Sprintf("%d/%d", st.Memories, st.Relationships)
}

// observedStore publishes every successful write of the Store it wraps, so
// that writes through the Service (MCP, web UI, CLI) reach subscribers
// whichever method made them.
type observedStore struct {
	Store
	feed *changeFeed
}

func (o observedStore) CreateMemory(ctx context.Context, m *Memory) (*Memory, bool, error) {
	stored, dup, err := o.Store.CreateMemory(ctx, m)
	if err == nil && !dup {
		o.feed.publish(Change{Kind: KindMemory, Op: OpCreated, ID: stored.ID})
	}
	return stored, dup, err
}

func (o observedStore) UpdateMemory(ctx context.Context, id string, u MemoryUpdate, now time.Time) (*Memory, error) {
	m, err := o.Store.UpdateMemory(ctx, id, u, now)
	if err == nil {
		o.feed.publish(Change{Kind: KindMemory, Op: OpUpdated, ID: id})
	}
	return m, err
}

func (o observedStore) DeleteMemory(ctx context.Context, id string) error {
	err := o.Store.DeleteMemory(ctx, id)
	if err == nil {
		o.feed.publish(Change{Kind: KindMemory, Op: OpDeleted, ID: id})
	}
	return err
}

func (o observedStore) CreateRelationship(ctx context.Context, r *Relationship) (*Relationship, bool, error) {
	stored, created, err := o.Store.CreateRelationship(ctx, r)
	if err == nil {
		op := OpUpdated
		if created {
			op = OpCreated
		}
		o.feed.publish(Change{Kind: KindRelationship, Op: op, ID: stored.ID, From: stored.FromID, To: stored.ToID, Type: stored.Type})
	}
	return stored, created, err
}

func (o observedStore) DeleteRelationship(ctx context.Context, from, to string, typ RelationshipType) error {
	err := o.Store.DeleteRelationship(ctx, from, to, typ)
	if err == nil {
		o.feed.publish(Change{Kind: KindRelationship, Op: OpDeleted, From: from, To: to, Type: typ})
	}
	return err
}

func (o observedStore) ImportMemories(ctx context.Context, ms []*Memory) (*ImportResult, error) {
	res, err := o.Store.ImportMemories(ctx, ms)
	if err == nil && res.Created+res.Updated > 0 {
		o.feed.publish(Change{Kind: KindResync})
	}
	return res, err
}

func (o observedStore) ImportRelationships(ctx context.Context, rs []*Relationship) (*ImportResult, error) {
	res, err := o.Store.ImportRelationships(ctx, rs)
	if err == nil && res.Created+res.Updated > 0 {
		o.feed.publish(Change{Kind: KindResync})
	}
	return res, err
}
