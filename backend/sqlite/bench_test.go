package sqlite

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/storetest"
)

// benchSizes are the store sizes the benchmarks run at.
var benchSizes = []int{1_000, 10_000, 100_000}

// seedVersion names the generator and the schema in the cache file name:
// change it whenever either changes.
const seedVersion = 5

// BenchmarkStore measures Service.StoreMemory of new memories on a store
// that already holds n.
func BenchmarkStore(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			svc := openSeedCopy(b, n)
			g := storetest.NewGenerator(uint64(n) + 99)
			ctx := context.Background()
			var ds []time.Duration
			for b.Loop() {
				m := g.Memory(n + len(ds))
				in := backend.NewMemory{Type: m.Type, Title: m.Title, Content: m.Content, Summary: m.Summary,
					Tags: m.Tags, Importance: &m.Importance, Context: m.Context}
				start := time.Now()
				if _, _, err := svc.StoreMemory(ctx, in); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(start))
			}
			storetest.ReportPercentiles(b, ds)
		})
	}
}

// BenchmarkSearch measures Service.Search on a store of n memories with
// realistic queries: each one looks for one of 200 stored memories.
func BenchmarkSearch(b *testing.B) {
	benchSearch(b, func(g *storetest.Generator, sample []*backend.Memory) []backend.SearchQuery { return g.Queries(sample) })
}

// BenchmarkSearchBroad measures single frequent words, which match a large
// share of the store and must all be ranked: the worst case.
func BenchmarkSearchBroad(b *testing.B) {
	benchSearch(b, func(g *storetest.Generator, _ []*backend.Memory) []backend.SearchQuery { return g.BroadQueries(200) })
}

// BenchmarkRecall measures Service.Recall, which ranks every memory
// matching any word of a question and reads each hit's neighbours, asking
// about the titles of 200 stored memories. Recall counts accesses, a write:
// it works on a copy of the cached seed, in which every memory gets two
// edges first, as in the load generator's graph.
func BenchmarkRecall(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			svc := openSeedCopy(b, n)
			ctx := context.Background()
			var ids []string
			err := svc.Store().ExportMemories(ctx, func(m *backend.Memory) error {
				ids = append(ids, m.ID)
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			var edges []*backend.Relationship
			for i, id := range ids {
				for _, k := range []int{1, 7} {
					edges = append(edges, &backend.Relationship{FromID: id, ToID: ids[(i+k)%len(ids)],
						Type: backend.RelRelatedTo, Strength: 0.5, Confidence: 0.5})
				}
			}
			for batch := range slices.Chunk(edges, backend.MaxImportBatch) {
				if _, err := svc.ImportRelationships(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			sample := storetest.SampleMemories(b, svc.Store(), 200)
			storetest.BenchLatency(b, "matches/op", func(ctx context.Context, i int) (int, error) {
				_, total, err := svc.Recall(ctx, backend.SearchQuery{Text: "what do we know about " + sample[i%len(sample)].Title})
				return total, err
			})
		})
	}
}

func benchSearch(b *testing.B, queries func(*storetest.Generator, []*backend.Memory) []backend.SearchQuery) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			svc := openBench(b, seededFile(b, n))
			storetest.BenchSearch(b, svc, queries(storetest.NewGenerator(7), storetest.SampleMemories(b, svc.Store(), 200)))
		})
	}
}

func openBench(b *testing.B, path string) *backend.Service {
	b.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return backend.NewService(s)
}

// openSeedCopy opens a copy of the cached seed of n memories, for
// benchmarks that write: writes would change the cached file.
func openSeedCopy(b *testing.B, n int) *backend.Service {
	b.Helper()
	file := filepath.Join(b.TempDir(), "engram.db")
	copyFile(b, seededFile(b, n), file)
	return openBench(b, file)
}

// seededFile returns the path of a database of n generated memories,
// building it under os.TempDir the first time so that reruns start at once.
func seededFile(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("engram-sqlite-bench-v%d-%d.db", seedVersion, n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	b.Logf("seeding %d memories into %s (cached for later runs)", n, path)
	start := time.Now()
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	os.Remove(tmp)
	ctx := context.Background()
	s, err := Open(ctx, tmp)
	if err != nil {
		b.Fatal(err)
	}
	svc := backend.NewService(s)
	g := storetest.NewGenerator(uint64(n))
	for i := 0; i < n; i += backend.MaxImportBatch {
		batch := make([]*backend.Memory, 0, backend.MaxImportBatch)
		for j := i; j < min(n, i+backend.MaxImportBatch); j++ {
			batch = append(batch, g.Memory(j))
		}
		if _, err := svc.ImportMemories(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d memories in %v", n, time.Since(start).Round(time.Millisecond))
	return path
}

func copyFile(b *testing.B, from, to string) {
	b.Helper()
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}
