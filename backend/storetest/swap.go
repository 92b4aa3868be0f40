package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/engramhq/engram/backend"
)

// testSwap replaces a Service's store while calls run on it: no call
// fails, each memory stored lands in exactly one of the two stores, a call
// running on the old store holds the swap until it returns, and
// subscribers are told to resync.
func testSwap(t *testing.T, s *suite) {
	s.run(t, "UnderLoad", func(t *testing.T, e *env) {
		next := s.newStore(t)
		first := &watchedStore{Store: e.store}
		svc := backend.NewService(first)
		sub := svc.Subscribe(1 << 16)
		defer sub.Close()

		const workers, before, after = 8, 10, 10
		var (
			stored   [workers][]string
			progress [workers]atomic.Int64
			swapped  = make(chan struct{})
			wg       sync.WaitGroup
			errs     = make(chan error, workers)
		)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// stop is set once the worker sees the swap done: it then
				// makes after more calls, all on the new store however far
				// it got on the old one.
				stop := int64(-1)
				for i := 0; ; i++ {
					m, _, err := svc.StoreMemory(e.ctx, backend.NewMemory{
						Type: backend.TypeGeneral, Title: fmt.Sprintf("worker %d memory %d", w, i), Content: "swap load"})
					if err == nil {
						stored[w] = append(stored[w], m.ID)
						_, err = svc.Search(e.ctx, backend.SearchQuery{Text: "swap load", Limit: 5})
					}
					if err == nil {
						_, err = svc.Statistics(e.ctx, 3)
					}
					if err != nil {
						errs <- fmt.Errorf("worker %d, call %d: %w", w, i, err)
						return
					}
					done := progress[w].Add(1)
					if stop < 0 {
						select {
						case <-swapped:
							stop = done + after
						default:
						}
					}
					if stop >= 0 && done >= stop {
						return
					}
				}
			}()
		}
		for w := range workers { // every worker is busy on the first store
			for progress[w].Load() < before {
				select {
				case err := <-errs:
					t.Fatal(err)
				default:
				}
			}
		}
		old, err := svc.SwapStore(e.ctx, next)
		if err != nil {
			t.Fatalf("SwapStore: %v", err)
		}
		first.retired.Store(true)
		if old != first {
			t.Errorf("SwapStore returned %T, want the store it replaced", old)
		}
		if n := first.running.Load(); n != 0 {
			t.Errorf("SwapStore returned while %d calls ran on the old store: closing it would break them", n)
		}
		close(swapped)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := first.late.Load(); n > 0 {
			t.Errorf("%d calls started on the old store after SwapStore returned", n)
		}

		inOld, inNext := map[string]bool{}, map[string]bool{}
		for _, m := range collect(e, "old ExportMemories", e.store.ExportMemories) {
			inOld[m.ID] = true
		}
		for _, m := range collect(e, "new ExportMemories", next.ExportMemories) {
			inNext[m.ID] = true
		}
		total := 0
		for w := range workers {
			for _, id := range stored[w] {
				total++
				if inOld[id] == inNext[id] {
					t.Errorf("memory %s: in the old store %v, in the new one %v; want exactly one", id, inOld[id], inNext[id])
				}
			}
		}
		if len(inOld)+len(inNext) != total {
			t.Errorf("the stores hold %d+%d memories, want the %d stored", len(inOld), len(inNext), total)
		}
		if len(inNext) < workers*after/2 {
			t.Errorf("the new store holds %d memories; the calls after the swap did not reach it", len(inNext))
		}
		var resync bool
		for len(sub.C) > 0 {
			if ch := <-sub.C; ch.Kind == backend.KindResync {
				resync = true
			}
		}
		if !resync {
			t.Error("subscribers got no resync after the swap")
		}
	})

	s.run(t, "WaitsForRunningCall", func(t *testing.T, e *env) {
		e.note("exported while the store is swapped", "x")
		next := s.newStore(t)
		inExport, release := make(chan struct{}), make(chan struct{})
		exportErr := make(chan error, 1)
		go func() {
			exportErr <- e.svc.Store().ExportMemories(e.ctx, func(*backend.Memory) error {
				close(inExport)
				<-release
				// A call made from inside a running one goes to the new
				// store, and must not wait for the swap (which waits for us).
				_, err := e.svc.Statistics(e.ctx, 1)
				return err
			})
		}()
		<-inExport
		swapDone := make(chan error, 1)
		go func() {
			_, err := e.svc.SwapStore(context.WithoutCancel(e.ctx), next)
			swapDone <- err
		}()
		// The swap takes effect at once for new calls...
		for {
			st, err := next.Statistics(e.ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.svc.StoreMemory(e.ctx, backend.NewMemory{Type: backend.TypeGeneral, Title: "after", Content: "after"}); err != nil {
				t.Fatal(err)
			}
			if st.Memories > 0 {
				break
			}
		}
		// ...but returns only once the running export is done.
		select {
		case err := <-swapDone:
			t.Fatalf("SwapStore returned (%v) while a call still ran on the old store", err)
		default:
		}
		close(release)
		if err := <-exportErr; err != nil {
			t.Errorf("the export running during the swap: %v", err)
		}
		if err := <-swapDone; err != nil {
			t.Errorf("SwapStore: %v", err)
		}
	})

	s.run(t, "RefusesDeadStore", func(t *testing.T, e *env) {
		m := e.note("kept", "the old store stays")
		dead := deadStore{s.newStore(t)}
		if _, err := e.svc.SwapStore(e.ctx, dead); backend.ErrorCode(err) != backend.EUNAVAILABLE {
			t.Fatalf("SwapStore to a store that does not answer: %v, want EUNAVAILABLE", err)
		}
		if _, err := e.svc.GetMemory(e.ctx, m.ID); err != nil {
			t.Errorf("after a refused swap the old store should serve: %v", err)
		}
	})
}

// deadStore is a store whose server stopped answering.
type deadStore struct{ backend.Store }

func (deadStore) Ping(context.Context) error {
	return backend.Errorf(backend.EUNAVAILABLE, "the server stopped")
}

// watchedStore counts the calls running on a store, and those that start
// after the test said the store was swapped out.
type watchedStore struct {
	backend.Store
	running, late atomic.Int64
	retired       atomic.Bool
}

func (w *watchedStore) enter() func() {
	if w.retired.Load() {
		w.late.Add(1)
	}
	w.running.Add(1)
	return func() { w.running.Add(-1) }
}

func (w *watchedStore) CreateMemory(ctx context.Context, m *backend.Memory) (*backend.Memory, bool, error) {
	defer w.enter()()
	return w.Store.CreateMemory(ctx, m)
}

func (w *watchedStore) SearchMemories(ctx context.Context, q backend.SearchQuery) (*backend.SearchResult, error) {
	defer w.enter()()
	return w.Store.SearchMemories(ctx, q)
}

func (w *watchedStore) Statistics(ctx context.Context, topTags int) (*backend.Statistics, error) {
	defer w.enter()()
	return w.Store.Statistics(ctx, topTags)
}

// testChangeMark checks that a store's change mark moves with every kind
// of write, by this process or another one, and stays put otherwise.
func testChangeMark(t *testing.T, s *suite) {
	s.run(t, "Writes", func(t *testing.T, e *env) {
		marker, ok := e.store.(backend.ChangeMarker)
		if !ok {
			t.Fatalf("%T is not a backend.ChangeMarker: live updates from other processes would miss edits", e.store)
		}
		mark := func() string {
			t.Helper()
			m, err := marker.ChangeMark(e.ctx)
			if err != nil {
				t.Fatalf("ChangeMark: %v", err)
			}
			return m
		}
		a, b := e.note("a", "a"), e.note("b", "b")
		steps := []struct {
			name  string
			write func() error
			moves bool
		}{
			{"nothing", func() error { return nil }, false},
			{"read", func() error { _, err := e.svc.GetMemory(e.ctx, a.ID); return err }, false},
			{"create memory", func() error { e.note("c", "c"); return nil }, true},
			{"update memory", func() error {
				_, err := e.svc.UpdateMemory(e.ctx, a.ID, backend.MemoryUpdate{Title: ptr("a changed")})
				return err
			}, true},
			{"create relationship", func() error { e.relate(a, b, backend.RelSolves); return nil }, true},
			{"reinforce relationship", func() error {
				_, _, err := e.svc.CreateRelationship(e.ctx, backend.NewRelationship{FromID: a.ID, ToID: b.ID, Type: backend.RelSolves})
				return err
			}, true},
			{"delete relationship", func() error { return e.svc.DeleteRelationship(e.ctx, a.ID, b.ID, backend.RelSolves) }, true},
			{"delete memory", func() error { return e.svc.DeleteMemory(e.ctx, b.ID) }, true},
		}
		for _, step := range steps {
			before := mark()
			if err := step.write(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			if moved := mark() != before; moved != step.moves {
				t.Errorf("after %s the mark moved=%v, want %v", step.name, moved, step.moves)
			}
		}
	})
}
