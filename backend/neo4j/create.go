package neo4j

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/engramhq/engram/backend"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Storing memories one transaction each is bound by what a transaction
// costs the server, not by the memories: every commit brings the full-text
// index up to date (see schema), about 20 ms on a loaded 2-core machine
// whether it adds one memory or a thousand. So CreateMemory commits in
// groups: a call that finds no write running starts one at once, alone; the
// calls that arrive while it runs wait for it and then go together in the
// next transaction. A lone caller waits for nothing; many callers share the
// cost. Each memory is still all or nothing, and a memory that fails its
// group (an id already taken) is retried alone, so it fails alone.

// maxCreateBatch bounds how many memories one transaction creates.
const maxCreateBatch = 500

// createCall is one CreateMemory waiting for its group's transaction.
type createCall struct {
	ctx    context.Context
	m      *backend.Memory
	key    string
	stored *backend.Memory
	dup    bool
	err    error
	done   chan struct{} // closed when stored, dup and err are set
}

func (c *createCall) finish(stored *backend.Memory, dup bool, err error) {
	c.stored, c.dup, c.err = stored, dup, err
	close(c.done)
}

// createQueue holds the calls waiting for the next group.
type createQueue struct {
	mu      sync.Mutex // guards pending and running
	pending []*createCall
	running bool           // a flushCreates goroutine is at work
	wg      sync.WaitGroup // counts that goroutine, for Close
}

// push queues c and reports whether the caller must start a flusher.
func (q *createQueue) push(c *createCall) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = append(q.pending, c)
	if q.running {
		return false
	}
	q.running = true
	q.wg.Add(1)
	return true
}

// next takes the next group, or returns nil and marks the flusher stopped
// when none is waiting.
func (q *createQueue) next() []*createCall {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(q.pending), maxCreateBatch)
	if n == 0 {
		q.running = false
		return nil
	}
	group := q.pending[:n:n]
	q.pending = slices.Clone(q.pending[n:])
	return group
}

// CreateMemory inserts m, or returns the memory that already has its type,
// title and content. It returns as soon as ctx ends; a group already sent
// to the server may still store m.
func (s *Store) CreateMemory(ctx context.Context, m *backend.Memory) (*backend.Memory, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, s.fail(ctx, "create memory", err)
	}
	c := &createCall{ctx: ctx, m: m, key: m.DedupKey(), done: make(chan struct{})}
	if s.creates.push(c) {
		go s.flushCreates()
	}
	select {
	case <-c.done:
		return c.stored, c.dup, c.err
	case <-ctx.Done():
		return nil, false, s.fail(ctx, "create memory", ctx.Err())
	}
}

// flushCreates writes groups until none is waiting. Close waits for it.
func (s *Store) flushCreates() {
	defer s.creates.wg.Done()
	for group := s.creates.next(); group != nil; group = s.creates.next() {
		s.createGroup(group)
	}
}

// createGroup stores a group in one transaction and finishes every call.
// MERGE on the (ns, dedup_key) constraint locks each key, so concurrent
// stores of one memory (from other processes too) create it once; the _new
// marker, set only when MERGE creates and removed in the same statement,
// says which happened. Calls in the group with the same key are answered
// by the first: the others are its duplicates.
func (s *Store) createGroup(calls []*createCall) {
	var leaders []*createCall
	followers := map[string][]*createCall{}
	for _, c := range calls {
		switch {
		case c.ctx.Err() != nil:
			// Its caller has gone: nothing to store, no one to tell.
			c.finish(nil, false, c.ctx.Err())
		case followers[c.key] != nil:
			followers[c.key] = append(followers[c.key], c)
		default:
			followers[c.key] = []*createCall{}
			leaders = append(leaders, c)
		}
	}
	if len(leaders) == 0 {
		return
	}
	// Keys locked in one order keep two groups from deadlocking.
	slices.SortFunc(leaders, func(a, b *createCall) int { return cmp.Compare(a.key, b.key) })
	rows := make([]map[string]any, len(leaders))
	for i, c := range leaders {
		rows[i] = map[string]any{"key": c.key, "props": s.newMemoryProps(c.m)}
	}
	// The group is nobody's in particular: it runs until the driver's
	// retries give up, whatever happens to the callers.
	ctx := context.Background()
	existing := make([]*backend.Memory, len(leaders))
	err := s.write(ctx, "create memory", func(tx neo4j.ManagedTransaction) error {
		clear(existing)
		recs, err := run(ctx, tx, `UNWIND range(0, size($rows) - 1) AS i
			WITH i, $rows[i] AS row
			MERGE (m:Memory {ns: $ns, dedup_key: row.key})
			ON CREATE SET m += row.props, m._new = true
			WITH i, m, m._new IS NOT NULL AS created
			REMOVE m._new
			RETURN i, CASE WHEN created THEN null ELSE `+memoryMap("m")+` END`,
			s.params(map[string]any{"rows": rows}))
		if err != nil {
			return err
		}
		for _, r := range recs {
			if r.Values[1] == nil {
				continue
			}
			if existing[r.Values[0].(int64)], err = decodeMemory(r.Values[1]); err != nil {
				return err
			}
		}
		return nil
	})
	if len(leaders) > 1 && backend.ErrorCode(err) == backend.ECONFLICT {
		// One memory clashed with stored data (an id already taken) and
		// spoiled the group: store each on its own, so that only that one
		// fails. Other errors (the server is gone) would only repeat.
		for _, l := range leaders {
			s.createGroup(append([]*createCall{l}, followers[l.key]...))
		}
		return
	}
	for i, l := range leaders {
		stored, dup := l.m, false
		if existing[i] != nil {
			stored, dup = existing[i], true
		}
		if err != nil {
			stored, dup = nil, false
		}
		l.finish(stored, dup, err)
		for _, f := range followers[l.key] {
			if err != nil {
				f.finish(nil, false, err)
			} else {
				f.finish(stored, true, nil)
			}
		}
	}
}
