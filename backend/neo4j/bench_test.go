package neo4j

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/sqlite"
	"github.com/engramhq/engram/backend/storetest"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The benchmarks run each case on Neo4j and, for comparison in the same
// run, on SQLite, over stores of the same generated memories and edges.
// Seeds are kept between runs (a namespace of the test server, a file
// under os.TempDir) since building them takes minutes; writes made by a
// benchmark are deleted after it.
//
//	go test -run - -bench . -benchtime 2000x ./backend/neo4j/

// benchSizes are the store sizes the latency benchmarks run at.
var benchSizes = []int{10_000, 100_000}

// benchSeedVersion names the seed (generator, edges, schema): change it
// whenever they change.
const benchSeedVersion = 1

// benchClients is how many callers the throughput benchmark runs at once.
const benchClients = 16

// benchStore opens a store of n seeded memories.
type benchStore struct {
	name string
	open func(b *testing.B, n int) backend.Store
}

var benchStores = []benchStore{{"neo4j", openNeo4jSeed}, {"sqlite", openSQLiteSeed}}

// forEach runs fn on every kind of store at every size.
func forEach(b *testing.B, sizes []int, fn func(b *testing.B, svc *backend.Service)) {
	for _, n := range sizes {
		for _, bs := range benchStores {
			b.Run(fmt.Sprintf("n=%d/store=%s", n, bs.name), func(b *testing.B) {
				fn(b, backend.NewService(bs.open(b, n)))
			})
		}
	}
}

// BenchmarkStore measures Service.StoreMemory of new memories, one caller.
func BenchmarkStore(b *testing.B) {
	forEach(b, benchSizes, func(b *testing.B, svc *backend.Service) {
		g := storetest.NewGenerator(uint64(time.Now().UnixNano()))
		var ids []string
		storetest.BenchLatency(b, "", func(ctx context.Context, i int) (int, error) {
			m, _, err := svc.StoreMemory(ctx, newMemory(g.Memory(i)))
			if err == nil {
				ids = append(ids, m.ID)
			}
			return 0, err
		})
		deleteAfter(b, svc, ids)
	})
}

// BenchmarkSearch measures Service.Search with the queries assistants send,
// each looking for one of 200 stored memories.
func BenchmarkSearch(b *testing.B) {
	forEach(b, benchSizes, func(b *testing.B, svc *backend.Service) {
		storetest.BenchSearch(b, svc, storetest.NewGenerator(7).Queries(storetest.SampleMemories(b, svc.Store(), 200)))
	})
}

// BenchmarkRelated3 measures a depth-3 traversal in both directions (the
// default limit of 50 memories), from 200 memories spread over the store.
func BenchmarkRelated3(b *testing.B) {
	forEach(b, benchSizes, func(b *testing.B, svc *backend.Service) {
		sample := storetest.SampleMemories(b, svc.Store(), 200)
		storetest.BenchLatency(b, "memories/op", func(ctx context.Context, i int) (int, error) {
			rel, err := svc.RelatedMemories(ctx, backend.RelatedQuery{ID: sample[i%len(sample)].ID, Depth: 3})
			return len(rel), err
		})
	})
}

// BenchmarkConcurrentStore measures the throughput of benchClients callers
// storing memories at once through one Service, as the MCP clients of one
// server would.
func BenchmarkConcurrentStore(b *testing.B) {
	forEach(b, benchSizes[:1], func(b *testing.B, svc *backend.Service) {
		var (
			mu  sync.Mutex // guards ds and ids
			ds  []time.Duration
			ids []string
		)
		seed := uint64(time.Now().UnixNano())
		b.SetParallelism(max(1, benchClients/runtime.GOMAXPROCS(0)))
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			mu.Lock()
			seed++
			g := storetest.NewGenerator(seed)
			mu.Unlock()
			ctx := context.Background()
			for i := 0; pb.Next(); i++ {
				in := newMemory(g.Memory(i))
				t0 := time.Now()
				m, _, err := svc.StoreMemory(ctx, in)
				if err != nil {
					b.Error(err)
					return
				}
				d := time.Since(t0)
				mu.Lock()
				ds, ids = append(ds, d), append(ids, m.ID)
				mu.Unlock()
			}
		})
		b.StopTimer()
		b.ReportMetric(float64(len(ids))/time.Since(start).Seconds(), "stores/s")
		storetest.ReportPercentiles(b, ds)
		deleteAfter(b, svc, ids)
	})
}

func newMemory(m *backend.Memory) backend.NewMemory {
	return backend.NewMemory{Type: m.Type, Title: m.Title, Content: m.Content, Summary: m.Summary,
		Tags: m.Tags, Importance: &m.Importance, Context: m.Context}
}

// deleteAfter deletes the memories a benchmark wrote once it is over, so
// the seed stays as it was.
func deleteAfter(b *testing.B, svc *backend.Service, ids []string) {
	b.Cleanup(func() {
		for _, id := range ids {
			if err := svc.DeleteMemory(context.Background(), id); err != nil {
				b.Errorf("deleting benchmark memory %s: %v", id, err)
			}
		}
	})
}

// openNeo4jSeed returns a store over the namespace of the test server that
// holds the seed of n memories, seeding it first when it is incomplete or
// stale.
func openNeo4jSeed(b *testing.B, n int) backend.Store {
	b.Helper()
	ctx := context.Background()
	cfg := testConfig(b)
	cfg.Namespace = fmt.Sprintf("bench-v%d-%d", benchSeedVersion, n)
	s, err := Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	stats, err := s.Statistics(ctx, 1)
	if err != nil {
		b.Fatal(err)
	}
	if stats.Memories != n || !seedSearchable(b, s, n) {
		if err := clearNamespace(ctx, s); err != nil {
			b.Fatalf("clearing the incomplete seed: %v", err)
		}
		seed(b, s, n)
	}
	return s
}

// openSQLiteSeed returns a SQLite store of the seed of n memories, kept in
// a file under os.TempDir and built again when it is missing or stale.
func openSQLiteSeed(b *testing.B, n int) backend.Store {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("engram-neo4j-bench-sqlite-v%d-%d.db", benchSeedVersion, n))
	if _, err := os.Stat(path); err == nil {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		if seedSearchable(b, s, n) {
			b.Cleanup(func() { s.Close() })
			return s
		}
		s.Close()
	}
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	os.Remove(tmp)
	s, err := sqlite.Open(ctx, tmp)
	if err != nil {
		b.Fatal(err)
	}
	seed(b, s, n)
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// seedSearchable reports whether search finds the first memory of the
// seed of n in st: a seed kept from a run before a change of the store's
// schema or search may not be, and must be built again.
func seedSearchable(b *testing.B, st backend.Store, n int) bool {
	first := storetest.NewGenerator(uint64(n)).Memory(0)
	res, err := backend.NewService(st).Search(context.Background(), backend.SearchQuery{Text: first.Title})
	if err != nil {
		b.Fatal(err)
	}
	if res.Total == 0 {
		b.Logf("the kept seed of %d memories is stale: search does not find %q", n, first.Title)
	}
	return res.Total > 0
}

// seed imports n generated memories into st in batches, each joined to the
// one before it and every third to a random earlier one: a sparse graph
// whose depth-3 neighbourhoods hold a few dozen memories.
func seed(b *testing.B, st backend.Store, n int) {
	b.Helper()
	b.Logf("seeding %d memories (kept for later runs)", n)
	start := time.Now()
	ctx := context.Background()
	svc := backend.NewService(st)
	g := storetest.NewGenerator(uint64(n))
	rng := rand.New(rand.NewPCG(uint64(n), 3))
	ids := make([]string, 0, n)
	var rels []*backend.Relationship
	flushRels := func() {
		if _, err := svc.ImportRelationships(ctx, rels); err != nil {
			b.Fatal(err)
		}
		rels = rels[:0]
	}
	for i := 0; i < n; i += backend.MaxImportBatch {
		batch := make([]*backend.Memory, 0, backend.MaxImportBatch)
		for j := i; j < min(n, i+backend.MaxImportBatch); j++ {
			m := g.Memory(j)
			batch = append(batch, m)
			ids = append(ids, m.ID)
		}
		if _, err := svc.ImportMemories(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	for j := 1; j < n; j++ {
		at := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(j) * time.Second)
		rels = append(rels, &backend.Relationship{ID: backend.NewID(), FromID: ids[j], ToID: ids[j-1], Type: backend.RelationshipTypes[j%len(backend.RelationshipTypes)],
			Strength: 0.5, Confidence: 0.8, CreatedAt: at, UpdatedAt: at})
		if j%3 == 0 {
			rels = append(rels, &backend.Relationship{ID: backend.NewID(), FromID: ids[j], ToID: ids[rng.IntN(j)], Type: backend.RelRelatedTo,
				Strength: 0.3, Confidence: 0.8, CreatedAt: at, UpdatedAt: at})
		}
		if len(rels) >= backend.MaxImportBatch-1 {
			flushRels()
		}
	}
	flushRels()
	b.Logf("seeded %d memories in %v", n, time.Since(start).Round(time.Millisecond))
}

// clearNamespace deletes every memory of s, a few thousand per transaction.
func clearNamespace(ctx context.Context, s *Store) error {
	for {
		deleted := int64(0)
		err := s.write(ctx, "clear namespace", func(tx neo4j.ManagedTransaction) error {
			recs, err := run(ctx, tx, `MATCH (m:Memory {ns: $ns}) WITH m LIMIT 5000 DETACH DELETE m RETURN count(*)`, s.params(nil))
			if err == nil {
				deleted = recs[0].Values[0].(int64)
			}
			return err
		})
		if err != nil || deleted == 0 {
			return err
		}
	}
}
