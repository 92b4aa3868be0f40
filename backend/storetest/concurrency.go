package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/engramhq/engram/backend"
)

// testCanceled gives every Store method an already-canceled context: each
// must fail with ECANCELED and change nothing.
func testCanceled(t *testing.T, s *suite) {
	cases := []struct {
		name string
		call func(ctx context.Context, st backend.Store, a, b *backend.Memory) error
	}{
		{"CreateMemory", func(ctx context.Context, st backend.Store, _, _ *backend.Memory) error {
			_, _, err := st.CreateMemory(ctx, craft(backend.TypeGeneral, "new", "new", day(5)))
			return err
		}},
		{"CreateMemoryDuplicate", func(ctx context.Context, st backend.Store, a, _ *backend.Memory) error {
			_, _, err := st.CreateMemory(ctx, craft(a.Type, a.Title, a.Content, day(5)))
			return err
		}},
		{"GetMemory", func(ctx context.Context, st backend.Store, a, _ *backend.Memory) error {
			_, err := st.GetMemory(ctx, a.ID)
			return err
		}},
		{"RecordAccess", func(ctx context.Context, st backend.Store, a, _ *backend.Memory) error {
			return st.RecordAccess(ctx, []string{a.ID}, day(5))
		}},
		{"UpdateMemory", func(ctx context.Context, st backend.Store, a, _ *backend.Memory) error {
			_, err := st.UpdateMemory(ctx, a.ID, backend.MemoryUpdate{Title: ptr("changed")}, day(5))
			return err
		}},
		{"DeleteMemory", func(ctx context.Context, st backend.Store, a, _ *backend.Memory) error {
			return st.DeleteMemory(ctx, a.ID)
		}},
		{"SearchMemories", func(ctx context.Context, st backend.Store, _, _ *backend.Memory) error {
			_, err := st.SearchMemories(ctx, backend.SearchQuery{Text: "first", Terms: backend.ParseQuery("first"), Limit: 10, TagMode: backend.TagsAny})
			return err
		}},
		{"SearchMemoriesEmptyText", func(ctx context.Context, st backend.Store, _, _ *backend.Memory) error {
			_, err := st.SearchMemories(ctx, backend.SearchQuery{Limit: 10, TagMode: backend.TagsAny})
			return err
		}},
		{"CreateRelationship", func(ctx context.Context, st backend.Store, a, b *backend.Memory) error {
			_, _, err := st.CreateRelationship(ctx, craftRel(b, a, backend.RelRelatedTo, day(5)))
			return err
		}},
		{"CreateRelationshipReinforce", func(ctx context.Context, st backend.Store, a, b *backend.Memory) error {
			_, _, err := st.CreateRelationship(ctx, craftRel(a, b, backend.RelSolves, day(5)))
			return err
		}},
		{"DeleteRelationship", func(ctx context.Context, st backend.Store, a, b *backend.Memory) error {
			return st.DeleteRelationship(ctx, a.ID, b.ID, backend.RelSolves)
		}},
		{"Relationships", func(ctx context.Context, st backend.Store, a, _ *backend.Memory) error {
			_, err := st.Relationships(ctx, a.ID)
			return err
		}},
		{"RelatedMemories", func(ctx context.Context, st backend.Store, a, _ *backend.Memory) error {
			_, err := st.RelatedMemories(ctx, backend.RelatedQuery{ID: a.ID, Depth: 2, Direction: backend.DirBoth, Limit: 10})
			return err
		}},
		{"FindPath", func(ctx context.Context, st backend.Store, a, b *backend.Memory) error {
			_, err := st.FindPath(ctx, a.ID, b.ID, 3, nil)
			return err
		}},
		{"Subgraph", func(ctx context.Context, st backend.Store, a, _ *backend.Memory) error {
			_, err := st.Subgraph(ctx, backend.SubgraphQuery{Seeds: []string{a.ID}, Depth: 2, Limit: 10})
			return err
		}},
		{"Statistics", func(ctx context.Context, st backend.Store, _, _ *backend.Memory) error {
			_, err := st.Statistics(ctx, 10)
			return err
		}},
		{"RecentActivity", func(ctx context.Context, st backend.Store, _, _ *backend.Memory) error {
			_, err := st.RecentActivity(ctx, backend.ActivityQuery{Since: day(0), Limit: 10})
			return err
		}},
		{"ExportMemories", func(ctx context.Context, st backend.Store, _, _ *backend.Memory) error {
			return st.ExportMemories(ctx, func(*backend.Memory) error { return nil })
		}},
		{"ExportRelationships", func(ctx context.Context, st backend.Store, _, _ *backend.Memory) error {
			return st.ExportRelationships(ctx, func(*backend.Relationship) error { return nil })
		}},
		{"ImportMemories", func(ctx context.Context, st backend.Store, a, _ *backend.Memory) error {
			newer := clone(a)
			newer.Title, newer.UpdatedAt, newer.Version = "imported", day(6), 5
			_, err := st.ImportMemories(ctx, []*backend.Memory{craft(backend.TypeGeneral, "new", "new", day(5)), newer})
			return err
		}},
		{"ImportRelationships", func(ctx context.Context, st backend.Store, a, b *backend.Memory) error {
			_, err := st.ImportRelationships(ctx, []*backend.Relationship{craftRel(b, a, backend.RelRelatedTo, day(5))})
			return err
		}},
		{"Ping", func(ctx context.Context, st backend.Store, _, _ *backend.Memory) error {
			return st.Ping(ctx)
		}},
	}
	for _, c := range cases {
		s.run(t, c.name, func(t *testing.T, e *env) {
			a := e.put(craft(backend.TypeGeneral, "first", "first memory", day(1)))
			b := e.put(craft(backend.TypeGeneral, "second", "second memory", day(2)))
			ab := e.putRel(craftRel(a, b, backend.RelSolves, day(3)))
			ctx, cancel := context.WithCancel(e.ctx)
			cancel()
			wantCode(t, c.call(ctx, e.store, a, b), backend.ECANCELED)
			e.wantExport([]*backend.Memory{a, b}, []*backend.Relationship{ab})
		})
	}
}

// testConcurrency runs many writers and readers at once: every write a
// store acknowledged must be there afterwards, and uniqueness must hold.
func testConcurrency(t *testing.T, s *suite) {
	const workers = 16

	s.run(t, "MixedWorkload", func(t *testing.T, e *env) { e.mixedWorkload(workers, 8) })

	s.run(t, "SameMemoryStoredOnce", func(t *testing.T, e *env) {
		ids := make([]string, workers)
		dups := make([]bool, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				m, dup, err := e.svc.StoreMemory(e.ctx, backend.NewMemory{Type: backend.TypeFix, Title: "retry", Content: "the same fix"})
				if err != nil {
					t.Errorf("worker %d: %v", w, err)
					return
				}
				ids[w], dups[w] = m.ID, dup
			})
		}
		wg.Wait()
		fresh := 0
		for w := range workers {
			if ids[w] != ids[0] {
				t.Errorf("worker %d got id %s, worker 0 got %s", w, ids[w], ids[0])
			}
			if !dups[w] {
				fresh++
			}
		}
		if fresh != 1 {
			t.Errorf("%d workers were told they created the memory, want 1", fresh)
		}
		e.wantCounts(1, 0)
	})

	s.run(t, "SameEdgeReinforced", func(t *testing.T, e *env) {
		a, b := e.note("a", "a"), e.note("b", "b")
		created := make([]bool, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				_, c, err := e.svc.CreateRelationship(e.ctx, backend.NewRelationship{FromID: a.ID, ToID: b.ID, Type: backend.RelSolves})
				if err != nil {
					t.Errorf("worker %d: %v", w, err)
				}
				created[w] = c
			})
		}
		wg.Wait()
		n := 0
		for _, c := range created {
			if c {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d workers were told they created the edge, want 1", n)
		}
		rels := e.relationships()
		if len(rels) != 1 || rels[0].EvidenceCount != workers {
			t.Errorf("%d edges, evidence %v, want one edge with evidence %d", len(rels), rels, workers)
		}
	})

	s.run(t, "OptimisticUpdates", func(t *testing.T, e *env) {
		m := e.note("contended", "v1")
		codes := make([]string, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				_, err := e.svc.UpdateMemory(e.ctx, m.ID, backend.MemoryUpdate{
					Content: ptr(fmt.Sprint("written by ", w)), ExpectedVersion: ptr(int64(1))})
				codes[w] = backend.ErrorCode(err)
			})
		}
		wg.Wait()
		won := 0
		for w, code := range codes {
			switch code {
			case "":
				won++
			case backend.ECONFLICT:
			default:
				t.Errorf("worker %d: code %q, want success or %q", w, code, backend.ECONFLICT)
			}
		}
		if won != 1 {
			t.Errorf("%d updates with expected version 1 succeeded, want exactly 1", won)
		}
		if got := e.get(m.ID); got.Version != 2 {
			t.Errorf("version = %d, want 2", got.Version)
		}
	})

	s.run(t, "AccessCounts", func(t *testing.T, e *env) {
		m := e.note("popular", "read a lot")
		const each = 10
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for range each {
					if err := e.store.RecordAccess(e.ctx, []string{m.ID}, day(w)); err != nil {
						t.Errorf("worker %d: %v", w, err)
						return
					}
				}
			})
		}
		wg.Wait()
		if got := e.get(m.ID).AccessCount; got != workers*each {
			t.Errorf("access_count = %d, want %d", got, workers*each)
		}
	})

	s.run(t, "DeletesAndRelates", func(t *testing.T, e *env) {
		var victims, keepers []*backend.Memory
		for i := range workers {
			victims = append(victims, e.note(fmt.Sprint("victim ", i), "v"))
			keepers = append(keepers, e.note(fmt.Sprint("keeper ", i), "k"))
		}
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				_, _, err := e.svc.CreateRelationship(e.ctx, backend.NewRelationship{FromID: keepers[w].ID, ToID: victims[(w+1)%workers].ID, Type: backend.RelRelatedTo})
				if err != nil && backend.ErrorCode(err) != backend.ENOTFOUND {
					t.Errorf("worker %d relate: %v", w, err)
				}
			})
			wg.Go(func() {
				if err := e.svc.DeleteMemory(e.ctx, victims[w].ID); err != nil {
					t.Errorf("worker %d delete: %v", w, err)
				}
			})
		}
		wg.Wait()
		// Whatever the interleaving, no edge may point at a deleted memory.
		e.wantCounts(workers, 0)
	})
}

// MixedWorkload runs workers goroutines at once on st, each storing
// perWorker memories and relating each to a shared seed, with searches,
// counted gets, traversals and path searches in between; then every write st acknowledged
// must be there, exactly as acknowledged. st must be empty.
func MixedWorkload(t *testing.T, st backend.Store, workers, perWorker int) {
	envOf(t, st).mixedWorkload(workers, perWorker)
}

func (e *env) mixedWorkload(workers, perWorker int) {
	t := e.t
	seed := e.note("shared seed", "everyone relates to me")
	type write struct {
		mems []*backend.Memory
		rels []*backend.Relationship
	}
	writes := make([]write, workers)
	errs := make(chan error, workers*perWorker*5)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				m, dup, err := e.svc.StoreMemory(e.ctx, backend.NewMemory{Type: backend.TypeGeneral,
					Title: fmt.Sprintf("worker %d item %d", w, i), Content: "concurrent widget", Tags: []string{fmt.Sprint("w", w)}})
				if err != nil || dup {
					errs <- fmt.Errorf("worker %d store %d: dup=%v %v", w, i, dup, err)
					continue
				}
				writes[w].mems = append(writes[w].mems, m)
				if _, err := e.svc.Search(e.ctx, backend.SearchQuery{Text: "widget", Limit: 5}); err != nil {
					errs <- fmt.Errorf("worker %d search: %v", w, err)
				}
				r, _, err := e.svc.CreateRelationship(e.ctx, backend.NewRelationship{FromID: m.ID, ToID: seed.ID, Type: backend.RelRelatedTo})
				if err != nil {
					errs <- fmt.Errorf("worker %d relate: %v", w, err)
					continue
				}
				writes[w].rels = append(writes[w].rels, r)
				if _, err := e.svc.GetMemory(e.ctx, seed.ID); err != nil {
					errs <- fmt.Errorf("worker %d get: %v", w, err)
				}
				if _, err := e.svc.RelatedMemories(e.ctx, backend.RelatedQuery{ID: seed.ID, Depth: 3}); err != nil {
					errs <- fmt.Errorf("worker %d related: %v", w, err)
				}
				if p, err := e.svc.FindPath(e.ctx, m.ID, seed.ID, 3, nil); err != nil || p == nil || len(p.Relationships) != 1 {
					errs <- fmt.Errorf("worker %d path to the seed = %+v, %v; want one edge", w, p, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	nMems, nRels := 1, 0
	for _, w := range writes {
		for _, m := range w.mems {
			if d := diffMemory(e.get(m.ID), m); d != "" {
				t.Errorf("%s: %s", m.Title, d)
			}
		}
		nMems += len(w.mems)
		nRels += len(w.rels)
	}
	e.wantCounts(nMems, nRels)
	if got := e.get(seed.ID).AccessCount; got != int64(nRels) {
		t.Errorf("seed access_count = %d after %d counted gets", got, nRels)
	}
	if res := e.search(backend.SearchQuery{Text: "widget"}); res.Total != nMems-1 {
		t.Errorf("search finds %d of the %d concurrent memories", res.Total, nMems-1)
	}
}
