package neo4j

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
)

// TestCreateGroupIsolatesFailure stores many memories at once, one of which
// reuses a taken id: whichever group it lands in, only it fails, and every
// other memory is stored once.
func TestCreateGroupIsolatesFailure(t *testing.T) {
	s := openTestStore(t)
	ctx := t.Context()
	now := backend.Now()
	memory := func(id, title string) *backend.Memory {
		return &backend.Memory{ID: id, Type: backend.TypeGeneral, Title: title, Content: "grouped",
			Importance: 0.5, Confidence: 0.8, CreatedAt: now, UpdatedAt: now, Version: 1}
	}
	taken := memory(backend.NewID(), "first")
	if _, _, err := s.CreateMemory(ctx, taken); err != nil {
		t.Fatal(err)
	}
	const n = 40
	errs := make([]error, n)
	dups := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			m := memory(backend.NewID(), fmt.Sprint("memory ", i))
			switch {
			case i == n/2:
				m = memory(taken.ID, "another memory under a taken id")
			case i%10 == 3:
				m = memory(backend.NewID(), "the same memory") // ten-ish callers store one memory
			}
			_, dups[i], errs[i] = s.CreateMemory(ctx, m)
		})
	}
	wg.Wait()
	fresh := 0
	for i, err := range errs {
		switch {
		case i == n/2:
			if backend.ErrorCode(err) != backend.ECONFLICT {
				t.Errorf("the memory under a taken id: %v, want %s", err, backend.ECONFLICT)
			}
		case err != nil:
			t.Errorf("memory %d: %v", i, err)
		case i%10 == 3 && !dups[i]:
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d callers were told they created the same memory, want 1", fresh)
	}
	res, err := s.SearchMemories(ctx, backend.SearchQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	// first, n-1-4 distinct memories, and one "the same memory" for the 4 callers
	if want := 1 + (n - 1 - 4) + 1; res.Total != want {
		t.Errorf("%d memories stored, want %d", res.Total, want)
	}
}

// TestRegroup checks when a flusher stops waiting for callers to come
// back: once n calls are queued (at most a group's worth), or after d. A
// lost wake-up would wait out the hour and fail the test by its timeout.
func TestRegroup(t *testing.T) {
	cases := []struct {
		name           string
		queued, arrive int
		n              int
		d              time.Duration
		want           int // calls queued when regroup returns
	}{
		{"AlreadyQueued", 3, 0, 3, time.Hour, 3},
		{"WaitsForArrivals", 1, 3, 4, time.Hour, 4},
		{"AtMostAGroup", maxCreateBatch, 0, maxCreateBatch + 10, time.Hour, maxCreateBatch},
		{"GivesUp", 1, 0, 16, time.Millisecond, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var q createQueue
			for range c.queued {
				q.push(&createCall{})
			}
			for range c.arrive {
				go q.push(&createCall{})
			}
			q.regroup(c.n, c.d)
			q.mu.Lock()
			defer q.mu.Unlock()
			if len(q.pending) != c.want {
				t.Errorf("regroup(%d, %v) returned with %d calls queued, want %d", c.n, c.d, len(q.pending), c.want)
			}
		})
	}
}
