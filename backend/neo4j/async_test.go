package neo4j

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/storetest"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
)

// These tests show that the store is safe and non-blocking under the load
// of several callers (the MCP server, the web UI, the CLI) sharing one
// driver, and that a canceled context really stops the server's work.

// TestAsyncManyCallers runs 64 goroutines of writes, searches, counted
// gets, traversals and path searches at once; every acknowledged write
// must be readable afterwards.
func TestAsyncManyCallers(t *testing.T) {
	storetest.MixedWorkload(t, openTestStore(t), 64, 3)
}

// slowQuery keeps the server's CPU busy for minutes: only termination
// stops it.
const slowQuery = `UNWIND range(1, 10000000000) AS x WITH x WHERE x % 1000003 = 0 RETURN count(x)`

// runSlow runs slowQuery through the store's managed read transactions,
// the path every Store method takes, under the name op.
func runSlow(ctx context.Context, s *Store, op string) error {
	return s.read(ctx, op, func(tx neo4j.ManagedTransaction) error {
		_, err := run(ctx, tx, slowQuery, nil)
		return err
	})
}

// serverTransactions returns how many transactions the server is running
// under the name op (see txMetadata).
func serverTransactions(t *testing.T, s *Store, op string) int {
	t.Helper()
	n := 0
	err := s.read(context.Background(), "list transactions", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(context.Background(), tx,
			`SHOW TRANSACTIONS YIELD metaData WHERE metaData.app = 'engram' AND metaData.op = $op RETURN count(*)`,
			map[string]any{"op": op})
		if err == nil {
			n = int(recs[0].Values[0].(int64))
		}
		return err
	})
	if err != nil {
		t.Fatalf("SHOW TRANSACTIONS: %v", err)
	}
	return n
}

// waitServerIdle fails unless the server has no transaction named op
// within a few seconds.
func waitServerIdle(t *testing.T, s *Store, op string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for serverTransactions(t, s, op) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the server still runs %q 5 s after the caller gave up", op)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAsyncCancelStopsTheServer cancels a query the server is busy with:
// the call returns at once with ECANCELED, and the server stops the
// transaction instead of finishing it for nobody.
func TestAsyncCancelStopsTheServer(t *testing.T) {
	s := openTestStore(t)
	op := "slow " + backend.NewID()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- runSlow(ctx, s, op) }()

	// Cancel only once the server is really working on it.
	deadline := time.Now().Add(10 * time.Second)
	for serverTransactions(t, s, op) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the slow query never showed up in SHOW TRANSACTIONS")
		}
		time.Sleep(20 * time.Millisecond)
	}
	canceled := time.Now()
	cancel()
	var err error
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the call did not return within 5 s of its context being canceled")
	}
	took := time.Since(canceled)
	t.Logf("returned %v after cancel: %v", took.Round(time.Microsecond), err)
	if code := backend.ErrorCode(err); code != backend.ECANCELED {
		t.Errorf("err = %v (code %q), want ECANCELED", err, code)
	}
	if took > time.Second {
		t.Errorf("the call returned %v after cancel, want well under a second", took)
	}
	waitServerIdle(t, s, op)
}

// TestAsyncDeadlineStopsTheServer gives the slow query a deadline: the
// server itself ends the transaction (the store passes the deadline on as
// the transaction timeout).
func TestAsyncDeadlineStopsTheServer(t *testing.T) {
	s := openTestStore(t)
	op := "slow " + backend.NewID()
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := runSlow(ctx, s, op)
	t.Logf("returned after %v: %v", time.Since(start).Round(time.Millisecond), err)
	if code := backend.ErrorCode(err); code != backend.ECANCELED {
		t.Errorf("err = %v (code %q), want ECANCELED", err, code)
	}
	waitServerIdle(t, s, op)
}

// openSmallPool opens a store of its own whose driver keeps at most size
// connections and waits at most a few seconds for a free one.
func openSmallPool(t *testing.T, size int) *Store {
	t.Helper()
	cfg := testConfig(t)
	driver, err := neo4j.NewDriverWithContext(cfg.URI, neo4j.BasicAuth(cfg.Username, cfg.Password, ""), func(c *config.Config) {
		c.MaxConnectionPoolSize = size
		c.ConnectionAcquisitionTimeout = 5 * time.Second
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{driver: driver, uri: cfg.URI, db: cfg.Database, ns: "test-" + backend.NewID(), ownsDriver: true}
	t.Cleanup(func() {
		if err := clearNamespace(context.Background(), s); err != nil {
			t.Errorf("deleting the test namespace %s: %v", s.ns, err)
		}
		s.Close()
	})
	return s
}

// TestAsyncCanceledCallsFreeTheirConnections cancels many slow calls on a
// pool of two connections, from several goroutines at once: had one call
// kept its connection, the pool would run dry and the normal calls after
// them would time out waiting.
func TestAsyncCanceledCallsFreeTheirConnections(t *testing.T) {
	const pool, callers, perCaller = 2, 8, 5
	s := openSmallPool(t, pool)
	svc := backend.NewService(s)
	m, _, err := svc.StoreMemory(t.Context(), backend.NewMemory{Type: backend.TypeGeneral, Title: "survivor", Content: "still reachable"})
	if err != nil {
		t.Fatal(err)
	}
	op := "slow " + backend.NewID()
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			for i := range perCaller {
				ctx, cancel := context.WithTimeout(t.Context(), time.Duration(50+20*i)*time.Millisecond)
				err := runSlow(ctx, s, op)
				cancel()
				if code := backend.ErrorCode(err); code != backend.ECANCELED {
					t.Errorf("caller %d, call %d: err = %v (code %q), want ECANCELED", c, i, err, code)
				}
			}
		})
	}
	wg.Wait()
	for c := range callers {
		wg.Go(func() {
			for i := range perCaller {
				if _, err := svc.GetMemory(t.Context(), m.ID); err != nil {
					t.Errorf("caller %d, get %d after the canceled calls: %v", c, i, err)
				}
			}
		})
	}
	wg.Wait()
	waitServerIdle(t, s, op)
}

// TestAsyncSlowCallerDoesNotBlockOthers runs a slow query for one caller
// (a web page, say) while two other callers sharing the driver (the MCP
// server and the web UI) store, get and search: all their calls must
// finish while the slow one is still running.
func TestAsyncSlowCallerDoesNotBlockOthers(t *testing.T) {
	s := openTestStore(t)
	mcpSide, webSide := backend.NewService(s), backend.NewService(s)
	op := "slow " + backend.NewID()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var slowDone atomic.Bool
	slow := make(chan error, 1)
	go func() {
		err := runSlow(ctx, s, op)
		slowDone.Store(true)
		slow <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for serverTransactions(t, s, op) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the slow query never showed up in SHOW TRANSACTIONS")
		}
		time.Sleep(20 * time.Millisecond)
	}

	const calls = 20
	var wg sync.WaitGroup
	for name, svc := range map[string]*backend.Service{"mcp": mcpSide, "web": webSide} {
		wg.Go(func() {
			for i := range calls {
				m, _, err := svc.StoreMemory(ctx, backend.NewMemory{Type: backend.TypeGeneral,
					Title: fmt.Sprintf("%s note %d", name, i), Content: "written beside a slow query"})
				if err != nil {
					t.Errorf("%s store %d: %v", name, i, err)
					return
				}
				if _, err := svc.GetMemory(ctx, m.ID); err != nil {
					t.Errorf("%s get %d: %v", name, i, err)
				}
				if _, err := svc.Search(ctx, backend.SearchQuery{Text: "slow query"}); err != nil {
					t.Errorf("%s search %d: %v", name, i, err)
				}
			}
		})
	}
	wg.Wait()
	if slowDone.Load() {
		t.Fatalf("the slow query ended (%v) before the other callers were done: the test proves nothing", <-slow)
	}
	res, err := webSide.Search(t.Context(), backend.SearchQuery{Text: "slow query", Limit: 100})
	if err != nil || res.Total != 2*calls {
		t.Errorf("search finds %v memories (err %v), want the %d stored beside the slow query", res, err, 2*calls)
	}
	cancel()
	<-slow
	waitServerIdle(t, s, op)
}
