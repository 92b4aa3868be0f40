package backend

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// storeSlot is the Service's store, replaceable while calls run: each call
// holds the store it started on until it returns, and a swap waits for
// those calls before handing the old store back to be closed.
type storeSlot struct {
	cur atomic.Pointer[slotStore]
}

var _ Store = (*storeSlot)(nil)

// slotStore is one store of a slot and the calls running on it.
type slotStore struct {
	Store
	mu      sync.Mutex // guards calls and retired
	drained sync.Cond  // signalled when calls drops to 0
	calls   int
	retired bool // a swap replaced it: no new call may start on it
}

func newSlotStore(st Store) *slotStore {
	s := &slotStore{Store: st}
	s.drained.L = &s.mu
	return s
}

// acquire returns the current store with a call counted on it. A call never
// waits for another, so a call made from inside another (an export's
// callback) cannot deadlock with a swap.
func (s *storeSlot) acquire() *slotStore {
	for {
		c := s.cur.Load()
		c.mu.Lock()
		if !c.retired {
			c.calls++
			c.mu.Unlock()
			return c
		}
		// Retired after the load: the slot already holds its successor.
		c.mu.Unlock()
	}
}

func (c *slotStore) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls--
	if c.calls == 0 {
		c.drained.Broadcast()
	}
}

// retire stops new calls on c and waits for those running.
func (c *slotStore) retire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.retired = true
	for c.calls > 0 {
		c.drained.Wait()
	}
}

// swap installs next and returns the store it replaced, once no call runs
// on it any more.
func (s *storeSlot) swap(next Store) Store {
	old := s.cur.Swap(newSlotStore(next))
	old.retire()
	return old.Store
}

// with runs fn on the current store, counted as a call on it.
func with[T any](s *storeSlot, fn func(Store) (T, error)) (T, error) {
	c := s.acquire()
	defer c.release()
	return fn(c.Store)
}

// withErr is with for calls that return only an error.
func withErr(s *storeSlot, fn func(Store) error) error {
	c := s.acquire()
	defer c.release()
	return fn(c.Store)
}

func (s *storeSlot) CreateMemory(ctx context.Context, m *Memory) (*Memory, bool, error) {
	c := s.acquire()
	defer c.release()
	return c.CreateMemory(ctx, m)
}

func (s *storeSlot) GetMemory(ctx context.Context, id string) (*Memory, error) {
	return with(s, func(st Store) (*Memory, error) { return st.GetMemory(ctx, id) })
}

func (s *storeSlot) RecordAccess(ctx context.Context, ids []string, at time.Time) error {
	return withErr(s, func(st Store) error { return st.RecordAccess(ctx, ids, at) })
}

func (s *storeSlot) UpdateMemory(ctx context.Context, id string, u MemoryUpdate, now time.Time) (*Memory, error) {
	return with(s, func(st Store) (*Memory, error) { return st.UpdateMemory(ctx, id, u, now) })
}

func (s *storeSlot) DeleteMemory(ctx context.Context, id string) error {
	return withErr(s, func(st Store) error { return st.DeleteMemory(ctx, id) })
}

func (s *storeSlot) SearchMemories(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	return with(s, func(st Store) (*SearchResult, error) { return st.SearchMemories(ctx, q) })
}

func (s *storeSlot) CreateRelationship(ctx context.Context, r *Relationship) (*Relationship, bool, error) {
	c := s.acquire()
	defer c.release()
	return c.CreateRelationship(ctx, r)
}

func (s *storeSlot) DeleteRelationship(ctx context.Context, from, to string, typ RelationshipType) error {
	return withErr(s, func(st Store) error { return st.DeleteRelationship(ctx, from, to, typ) })
}

func (s *storeSlot) Relationships(ctx context.Context, id string) ([]*Relationship, error) {
	return with(s, func(st Store) ([]*Relationship, error) { return st.Relationships(ctx, id) })
}

func (s *storeSlot) RelatedMemories(ctx context.Context, q RelatedQuery) ([]*RelatedMemory, error) {
	return with(s, func(st Store) ([]*RelatedMemory, error) { return st.RelatedMemories(ctx, q) })
}

func (s *storeSlot) FindPath(ctx context.Context, from, to string, maxDepth int, types []RelationshipType) (*Path, error) {
	return with(s, func(st Store) (*Path, error) { return st.FindPath(ctx, from, to, maxDepth, types) })
}

func (s *storeSlot) Subgraph(ctx context.Context, q SubgraphQuery) (*Graph, error) {
	return with(s, func(st Store) (*Graph, error) { return st.Subgraph(ctx, q) })
}

func (s *storeSlot) Statistics(ctx context.Context, topTags int) (*Statistics, error) {
	return with(s, func(st Store) (*Statistics, error) { return st.Statistics(ctx, topTags) })
}

func (s *storeSlot) RecentActivity(ctx context.Context, q ActivityQuery) (*Activity, error) {
	return with(s, func(st Store) (*Activity, error) { return st.RecentActivity(ctx, q) })
}

func (s *storeSlot) ExportMemories(ctx context.Context, fn func(*Memory) error) error {
	return withErr(s, func(st Store) error { return st.ExportMemories(ctx, fn) })
}

func (s *storeSlot) ExportRelationships(ctx context.Context, fn func(*Relationship) error) error {
	return withErr(s, func(st Store) error { return st.ExportRelationships(ctx, fn) })
}

func (s *storeSlot) ImportMemories(ctx context.Context, ms []*Memory) (*ImportResult, error) {
	return with(s, func(st Store) (*ImportResult, error) { return st.ImportMemories(ctx, ms) })
}

func (s *storeSlot) ImportRelationships(ctx context.Context, rs []*Relationship) (*ImportResult, error) {
	return with(s, func(st Store) (*ImportResult, error) { return st.ImportRelationships(ctx, rs) })
}

func (s *storeSlot) Ping(ctx context.Context) error {
	return withErr(s, func(st Store) error { return st.Ping(ctx) })
}

// Close does nothing: whoever opened a store closes it (SwapStore hands the
// replaced one back for that).
func (s *storeSlot) Close() error { return nil }

// changeMark asks the current store for its change mark, or summarises it
// by its counts when it cannot tell.
func (s *storeSlot) changeMark(ctx context.Context) (string, error) {
	return with(s, func(st Store) (string, error) {
		if m, ok := st.(ChangeMarker); ok {
			return m.ChangeMark(ctx)
		}
		stats, err := st.Statistics(ctx, 1)
		if err != nil {
			return "", err
		}
		return countsMark(stats), nil
	})
}

// neighbours reads the direct neighbours of each of ids, at most limit
// each, nil for a memory that does not exist: in one go when the current
// store is a NeighbourReader, else one RelatedMemories call each.
func (s *storeSlot) neighbours(ctx context.Context, ids []string, limit int) ([][]*RelatedMemory, error) {
	return with(s, func(st Store) ([][]*RelatedMemory, error) {
		if nr, ok := st.(NeighbourReader); ok {
			return nr.Neighbours(ctx, ids, limit)
		}
		out := make([][]*RelatedMemory, len(ids))
		for i, id := range ids {
			rel, err := st.RelatedMemories(ctx, RelatedQuery{ID: id, Depth: 1, Direction: DirBoth, Limit: limit})
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return nil, err
			}
			out[i] = rel
		}
		return out, nil
	})
}

// SwapStore makes the Service use next from now on: next is pinged first
// and left to the caller when it does not answer (the Service keeps its
// store). Calls already running on the old store finish on it; SwapStore
// waits for them and returns the old store, for the caller to close.
// Subscribers get a KindResync change: what they show came from the old
// store. Errors: those of next.Ping.
func (s *Service) SwapStore(ctx context.Context, next Store) (old Store, err error) {
	if err := next.Ping(ctx); err != nil {
		return nil, err
	}
	old = s.slot.swap(next)
	s.feed.publish(Change{Kind: KindResync})
	return old, nil
}

// Diagnose passes on the report of the store in use when it is a
// Diagnoser, so that svc.Store() still offers it; other stores have
// nothing to add.
func (s *storeSlot) Diagnose(ctx context.Context) ([]Check, error) {
	return with(s, func(st Store) ([]Check, error) {
		if d, ok := st.(Diagnoser); ok {
			return d.Diagnose(ctx)
		}
		return nil, nil
	})
}

// Diagnose passes on the report of the wrapped store; see storeSlot.
func (o observedStore) Diagnose(ctx context.Context) ([]Check, error) {
	if d, ok := o.Store.(Diagnoser); ok {
		return d.Diagnose(ctx)
	}
	return nil, nil
}
