package sqlite

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
)

// Environment of a child process of TestTwoProcesses.
const (
	childDBEnv    = "ENGRAM_SQLITE_TEST_DB"
	childNameEnv  = "ENGRAM_SQLITE_TEST_NAME"
	childStartEnv = "ENGRAM_SQLITE_TEST_START" // unix nanoseconds to start at
	perProcess    = 500
)

// TestTwoProcesses re-runs the test binary twice as child processes that
// open the same new file at the same moment and each write perProcess
// memories, each related to the one before; afterwards every write must be
// there.
func TestTwoProcesses(t *testing.T) {
	if path := os.Getenv(childDBEnv); path != "" {
		writeAsChild(t, path, os.Getenv(childNameEnv), os.Getenv(childStartEnv))
		return
	}
	if testing.Short() {
		t.Skip("starts two processes")
	}
	path := filepath.Join(t.TempDir(), "shared.db")
	start := strconv.FormatInt(time.Now().Add(500*time.Millisecond).UnixNano(), 10)
	names := []string{"p1", "p2"}
	errs := make([]error, len(names))
	outs := make([][]byte, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestTwoProcesses$", "-test.count=1")
		cmd.Env = append(os.Environ(), childDBEnv+"="+path, childNameEnv+"="+name, childStartEnv+"="+start)
		wg.Go(func() { outs[i], errs[i] = cmd.CombinedOutput() })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("child %s: %v\n%s", names[i], err, outs[i])
		}
	}

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Statistics(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(names) * perProcess; st.Memories != want {
		t.Errorf("memories = %d, want %d", st.Memories, want)
	}
	if want := len(names) * (perProcess - 1); st.Relationships != want {
		t.Errorf("relationships = %d, want %d", st.Relationships, want)
	}
	for _, name := range names {
		res, err := s.SearchMemories(t.Context(), backend.SearchQuery{Terms: backend.ParseQuery(name), Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != perProcess {
			t.Errorf("search %q: total %d, want %d", name, res.Total, perProcess)
		}
	}
}

// writeAsChild is the body of one child process of TestTwoProcesses.
func writeAsChild(t *testing.T, path, name, start string) {
	ns, err := strconv.ParseInt(start, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(time.Unix(0, ns)))
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("%s: Open: %v", name, err)
	}
	defer s.Close()
	svc := backend.NewService(s)
	var prev *backend.Memory
	for i := range perProcess {
		m, _, err := svc.StoreMemory(ctx, backend.NewMemory{
			Type: backend.TypeGeneral, Title: fmt.Sprintf("%s memory %d", name, i), Content: "written by process " + name,
			Tags: []string{name},
		})
		if err != nil {
			t.Fatalf("%s: StoreMemory %d: %v", name, i, err)
		}
		if prev != nil {
			if _, _, err := svc.CreateRelationship(ctx, backend.NewRelationship{FromID: prev.ID, ToID: m.ID, Type: "FOLLOWS"}); err != nil {
				t.Fatalf("%s: CreateRelationship %d: %v", name, i, err)
			}
		}
		prev = m
	}
}

// TestConcurrentOpen opens new files from several stores at once: the
// losers of the race to switch a new file to WAL mode must wait their turn,
// not fail.
func TestConcurrentOpen(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("open%d.db", round))
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				s, err := Open(t.Context(), path)
				if err != nil {
					t.Errorf("round %d: Open: %v", round, err)
					return
				}
				if _, _, err := s.CreateMemory(t.Context(), testMemory(backend.NewID())); err != nil {
					t.Errorf("round %d: CreateMemory: %v", round, err)
				}
				s.Close()
			})
		}
		wg.Wait()
	}
}

// TestConcurrentUse runs 32 goroutines that mix every kind of read and
// write on one store; run it with -race.
func TestConcurrentUse(t *testing.T) {
	f := newFixture(t)
	const workers, rounds = 32, 6
	hub := f.note("Hub", "every worker links here")
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			if err := work(f.ctx, f.svc, hub, w, rounds); err != nil {
				errs <- fmt.Errorf("worker %d: %w", w, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st, err := f.svc.Statistics(f.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + workers*rounds; st.Memories != want {
		t.Errorf("memories = %d, want %d", st.Memories, want)
	}
	if want := workers * rounds; st.Relationships != want {
		t.Errorf("relationships = %d, want %d", st.Relationships, want)
	}
	hubNow, err := f.s.GetMemory(f.ctx, hub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(workers * rounds); hubNow.AccessCount != want {
		t.Errorf("hub access count = %d, want %d", hubNow.AccessCount, want)
	}
}

func work(ctx context.Context, svc *backend.Service, hub *backend.Memory, w, rounds int) error {
	for i := range rounds {
		m, _, err := svc.StoreMemory(ctx, backend.NewMemory{
			Type: backend.TypeGeneral, Title: fmt.Sprintf("worker %d note %d", w, i), Content: "concurrent note", Tags: []string{fmt.Sprintf("w%d", w)},
		})
		if err != nil {
			return err
		}
		if _, _, err := svc.CreateRelationship(ctx, backend.NewRelationship{FromID: m.ID, ToID: hub.ID, Type: backend.RelRelatedTo}); err != nil {
			return err
		}
		if _, err := svc.GetMemory(ctx, hub.ID); err != nil {
			return err
		}
		if _, err := svc.UpdateMemory(ctx, m.ID, backend.MemoryUpdate{Summary: new("updated"), ExpectedVersion: new(int64(1))}); err != nil {
			return err
		}
		res, err := svc.Search(ctx, backend.SearchQuery{Text: "concurrent", Tags: []string{fmt.Sprintf("w%d", w)}})
		if err != nil {
			return err
		}
		if want := min(i+1, backend.DefaultSearchLimit); len(res.Hits) != want {
			return fmt.Errorf("round %d: search found %d of my notes, want %d", i, len(res.Hits), want)
		}
		if _, err := svc.RelatedMemories(ctx, backend.RelatedQuery{ID: m.ID, Depth: 2, Limit: 10}); err != nil {
			return err
		}
		if _, err := svc.Statistics(ctx, 5); err != nil {
			return err
		}
	}
	return nil
}
