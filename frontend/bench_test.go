package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/sqlite"
)

// benchWords make contents that search can rank: a few common, many rare.
var benchWords = strings.Fields("cache timeout redis deploy build linker goroutine mutex index query schema " +
	"migration token parser socket retry backoff render layout webgl shader bundle import export")

// seedStore fills a SQLite store with n memories of about 600 bytes and
// 1.5 edges per memory, through the Service's import (fast, validated).
func seedStore(b *testing.B, n int) *backend.Service {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := backend.NewService(st)
	ids := make([]string, n)
	start := time.Now().Add(-time.Duration(n) * time.Minute).UTC()
	for lo := 0; lo < n; lo += backend.MaxImportBatch {
		var batch []*backend.Memory
		for i := lo; i < min(n, lo+backend.MaxImportBatch); i++ {
			ids[i] = backend.NewID()
			w := func(k int) string { return benchWords[(i*7+k*13)%len(benchWords)] }
			batch = append(batch, &backend.Memory{
				ID: ids[i], Type: backend.MemoryTypes[i%len(backend.MemoryTypes)],
				Title:   fmt.Sprintf("%s %s note %d", w(0), w(1), i),
				Content: strings.Repeat(fmt.Sprintf("The %s and the %s interact with %s. ", w(2), w(3), w(4)), 12),
				Summary: "about " + w(5), Tags: []string{w(6), w(7)},
				Importance: float64(i%10) / 10, Confidence: 0.8,
				CreatedAt: start.Add(time.Duration(i) * time.Minute),
			})
		}
		if _, err := svc.ImportMemories(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	var rels []*backend.Relationship
	flush := func() {
		if _, err := svc.ImportRelationships(ctx, rels); err != nil {
			b.Fatal(err)
		}
		rels = rels[:0]
	}
	for i := 1; i < n; i++ {
		targets := []int{i / 2}
		if i%2 == 0 {
			targets = append(targets, (i*31)%i)
		}
		for _, j := range targets {
			if j == i {
				continue
			}
			rels = append(rels, &backend.Relationship{FromID: ids[i], ToID: ids[j],
				Type: backend.RelationshipTypes[(i+j)%len(backend.RelationshipTypes)], Strength: 0.5, Confidence: 0.8})
			if len(rels) == backend.MaxImportBatch {
				flush()
			}
		}
	}
	flush()
	return svc
}

// BenchmarkGraphAPI measures the server time of the explorer's requests
// with 10,000 memories in the store.
func BenchmarkGraphAPI(b *testing.B) {
	svc := seedStore(b, 10_000)
	h := New(svc, Options{Token: testToken})
	b.Cleanup(h.Close)
	some, err := svc.Search(context.Background(), backend.SearchQuery{Text: "redis", Limit: 1})
	if err != nil || len(some.Hits) == 0 {
		b.Fatalf("no seed to expand: %v", err)
	}
	for _, bc := range []struct{ name, path string }{
		{"first-graph-500", "/api/graph"},
		{"search-500", "/api/graph?q=redis"},
		{"search-filtered", "/api/graph?q=cache&type=problem&type=solution&rel_type=SOLVES&rel_type=CAUSES"},
		{"load-more-5000", "/api/graph?limit=5000&offset=500"},
		{"expand-depth-2", "/api/graph/expand?depth=2&id=" + some.Hits[0].Memory.ID},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var nodes int
			for b.Loop() {
				req := httptest.NewRequest("GET", bc.path, nil)
				req.Header.Set("Authorization", "Bearer "+testToken)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				nodes = strings.Count(rec.Body.String(), `"importance"`)
			}
			b.ReportMetric(float64(nodes), "nodes")
		})
	}
}

// BenchmarkWelcomePage measures the welcome page with 10,000 memories:
// without looking for a local Neo4j, and looking (at the same time as the
// count) at a closed port and at a listening one.
func BenchmarkWelcomePage(b *testing.B) {
	svc := seedStore(b, 10_000)
	listening := httptest.NewServer(http.NotFoundHandler())
	b.Cleanup(listening.Close)
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	var deadline atomic.Int64
	for _, bc := range []struct {
		name string
		look func(context.Context) (string, bool)
	}{
		{"no-look", nil},
		{"look-closed-port", dialHook(gone.Listener.Addr().String(), &deadline)},
		{"look-answers", dialHook(listening.Listener.Addr().String(), &deadline)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := New(svc, Options{Token: testToken, LocalNeo4j: bc.look})
			defer h.Close()
			for b.Loop() {
				req := httptest.NewRequest("GET", "/welcome", nil)
				req.Header.Set("Authorization", "Bearer "+testToken)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<strong>10000</strong>") {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
