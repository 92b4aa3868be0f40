package neo4j

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Storing memories one transaction each is bound by what a transaction
// costs the server, not by the memories: every commit brings the full-text
// index up to date (see schema). Measured on a busy 2-core machine, a
// transaction of 16 memories took 10 ms, 6 of them in its commit; without
// the full-text and range indexes it took 4.5 ms, 1.5 in the commit.
// So CreateMemory commits in groups: a call that finds no write running
// starts one at once, alone; the calls that arrive while it runs wait for
// it and then go together in the next transaction. Once a group is stored
// its flusher waits a moment (see regroup) for that group's callers to come
// back, so that callers storing one memory after another stay in one group
// instead of splitting into a lone one and the rest. A lone caller waits for
// nothing; many callers share the cost. Groups go one at a time: two in
// flight at once, half as large, stored fewer memories a second (930 where
// one stored 1,290) and cost the server 60 % more CPU per memory, each
// paying for its own refresh of the index. Each memory is still all or
// nothing, and a memory that fails its group (an id already taken) is
// retried alone, so it fails alone.

// maxCreateBatch bounds how many memories one transaction creates.
const maxCreateBatch = 500

// regroupShare bounds how long a flusher waits for the callers of the
// group it just stored to come back, as a share of that group's
// transaction: at most half a transaction, to save a whole one.
const regroupShare = 2

// createCall is one CreateMemory waiting for its group's transaction.
type createCall struct {
	ctx    context.Context
	m      *backend.Memory
	key    string
	row    map[string]any // the group's parameter row for m
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
	// arrived wakes a flusher waiting in regroup when a call is queued.
	arrived chan struct{}
}

// push queues c and reports whether the caller must start a flusher.
func (q *createQueue) push(c *createCall) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = append(q.pending, c)
	if q.running {
		select {
		case q.arrived <- struct{}{}:
		default: // the flusher has a wake-up waiting already
		}
		return false
	}
	if q.arrived == nil {
		q.arrived = make(chan struct{}, 1)
	}
	q.running = true
	q.wg.Add(1)
	return true
}

// regroup waits until n calls are queued or d has passed. The callers of
// a group that just finished often call again at once (a client storing
// several memories in a row): waiting a moment for them makes one
// transaction of what would be two, a lone one that arrives first and the
// rest that queue while it runs. Callers that do not come back cost those
// that did at most d.
func (q *createQueue) regroup(n int, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		q.mu.Lock()
		enough := len(q.pending) >= min(n, maxCreateBatch)
		q.mu.Unlock()
		if enough {
			return
		}
		select {
		case <-q.arrived:
		case <-timer.C:
			return
		}
	}
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
	// The row is made here, by the callers side by side, rather than by
	// the flusher for the whole group: deriving the search copies of the
	// text takes about 0.05 ms, a group of 16 nearly 1 ms that would stand
	// between one transaction and the next.
	key := m.DedupKey()
	c := &createCall{ctx: ctx, m: m, key: key, row: map[string]any{"key": key, "props": s.newMemoryProps(m)}, done: make(chan struct{})}
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
		start := time.Now()
		s.createGroup(group)
		if len(group) > 1 {
			s.creates.regroup(len(group), time.Since(start)/regroupShare)
		}
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
		rows[i] = c.row
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
