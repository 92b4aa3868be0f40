package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
)

func testSearch(t *testing.T, s *suite) {
	s.run(t, "StemmingCachingFindsCache", func(t *testing.T, e *env) {
		a := e.note("Caching layer", "sessions live in the caching layer")
		b := e.note("Cache invalidation", "purge on write")
		e.note("Queue backlog", "consumers fall behind")
		for _, q := range []string{"cache", "caching", "cached", "CACHES"} {
			e.wantIDs(fmt.Sprintf("search %q", q), e.find(q), a, b)
		}
	})

	s.run(t, "StemmingConnections", func(t *testing.T, e *env) {
		a := e.note("Too many connections", "postgres refuses new clients")
		b := e.note("Connection reset", "peer closed the socket")
		e.note("Pool sizing", "keep ten idle")
		for _, q := range []string{"connection", "connections", "connecting", "connected"} {
			e.wantIDs(fmt.Sprintf("search %q", q), e.find(q), a, b)
		}
	})

	s.run(t, "CaseInsensitive", func(t *testing.T, e *env) {
		a := e.note("PostgreSQL VACUUM", "Autovacuum lags on big tables")
		e.note("MySQL replication", "replica lag")
		for _, q := range []string{"postgresql vacuum", "POSTGRESQL", "AutoVacuum", "Tables"} {
			e.wantIDs(fmt.Sprintf("search %q", q), e.find(q), a)
		}
	})

	s.run(t, "UnicodeCaseInsensitive", func(t *testing.T, e *env) {
		a := e.note("Überlauf im Puffer", "Der Puffer läuft über")
		e.note("Overflow", "buffer overflow")
		e.wantIDs(`search "ÜBERLAUF"`, e.find("ÜBERLAUF"), a)
		e.wantIDs(`search "überlauf puffer"`, e.find("überlauf puffer"), a)
	})

	s.run(t, "Prefix", func(t *testing.T, e *env) {
		a := e.note("PostgreSQL tuning", "shared buffers")
		b := e.note("postgres backups", "nightly dumps")
		c := e.note("Post office", "letters")
		e.note("Mail server", "smtp relay")
		e.wantIDs(`search "postg*"`, e.find("postg*"), a, b)
		e.wantIDs(`search "POSTG*"`, e.find("POSTG*"), a, b)
		e.wantIDs(`search "post*"`, e.find("post*"), a, b, c)
		e.wantIDs(`search "postg" (no star)`, e.find("postg"))
		e.wantIDs(`search "postg* backups"`, e.find("postg* backups"), b)
	})

	s.run(t, "PhraseOrder", func(t *testing.T, e *env) {
		a := e.note("Checkout latency", "we saw a slow query during checkout")
		b := e.note("Checkout report", "the query was slow during checkout")
		e.note("Search page", "fast query")
		e.wantIDs(`search "\"slow query\""`, e.find(`"slow query"`), a)
		e.wantIDs(`search "\"query slow\""`, e.find(`"query slow"`))
		e.wantIDs(`search "slow query"`, e.find(`slow query`), a, b)
		e.wantIDs(`search "\"checkout latency\""`, e.find(`"checkout latency"`), a)
		e.wantIDs(`search "\"slow query\" checkout"`, e.find(`"slow query" checkout`), a)
	})

	s.run(t, "Hyphenated", func(t *testing.T, e *env) {
		a := e.note("Cache-aside pattern", "read through on a miss")
		b := e.note("Cache on the side", "aside from the cache we also tuned indexes")
		e.note("Write-through", "write both")
		e.wantIDs(`search "cache-aside"`, e.find("cache-aside"), a)
		e.wantIDs(`search "cache aside"`, e.find("cache aside"), a, b)
		e.wantIDs(`search "aside"`, e.find("aside"), a, b)
	})

	s.run(t, "Underscored", func(t *testing.T, e *env) {
		a := e.note("Wait for the database", "run pg_isready before connecting")
		b := e.note("Ready check", "isready flag on the pg side")
		e.note("Health endpoint", "returns 200")
		e.wantIDs(`search "pg_isready"`, e.find("pg_isready"), a)
		e.wantIDs(`search "isready"`, e.find("isready"), a, b)
	})

	s.run(t, "Numbers", func(t *testing.T, e *env) {
		a := e.note("Gateway 504", "HTTP 504 from the gateway after 30s")
		e.note("Gateway 502", "HTTP 502 bad gateway")
		e.wantIDs(`search "504"`, e.find("504"), a)
		e.wantIDs(`search "http 504"`, e.find("http 504"), a)
	})

	s.run(t, "AllWordsByDefault", func(t *testing.T, e *env) {
		a := e.note("Redis timeout", "client gives up after five seconds")
		e.note("Redis eviction", "allkeys lru")
		e.note("Request timeout", "gateway gives up")
		e.wantIDs(`search "redis timeout"`, e.find("redis timeout"), a)
		e.wantIDs(`search "timeout redis"`, e.find("timeout redis"), a)
	})

	s.run(t, "MatchAny", func(t *testing.T, e *env) {
		a := e.note("Redis timeout", "client gives up after five seconds")
		b := e.note("Redis eviction", "allkeys lru")
		c := e.note("Request timeout", "gateway gives up")
		e.note("Unrelated", "nothing here")
		res := e.search(backend.SearchQuery{Text: "redis timeout", MatchAny: true})
		e.wantIDs("match any", hitIDs(res), a, b, c)
		if res.Total != 3 {
			t.Errorf("total = %d, want 3", res.Total)
		}
		if len(res.Hits) > 0 && res.Hits[0].Memory.ID != a.ID {
			t.Errorf("first hit %s, want %s (it matches both words)", e.name(res.Hits[0].Memory.ID), a.Title)
		}
	})

	s.run(t, "TitleHitOutranksContentHit", func(t *testing.T, e *env) {
		title := e.note("Redis eviction policy", "LRU settings for the whole cluster")
		content := e.note("Cluster notes", "we looked at redis")
		e.note("Other", "no match")
		res := e.search(backend.SearchQuery{Text: "redis"})
		e.wantOrder("search redis", hitIDs(res), title, content)
	})

	s.run(t, "ScoresDescend", func(t *testing.T, e *env) {
		e.note("Redis timeout redis", "redis redis client gives up")
		e.note("Redis eviction", "allkeys lru")
		e.note("Notes", "a long text that mentions redis once among many other words about queues and caches")
		res := e.search(backend.SearchQuery{Text: "redis"})
		if len(res.Hits) != 3 {
			t.Fatalf("%d hits, want 3", len(res.Hits))
		}
		for i := 1; i < len(res.Hits); i++ {
			if res.Hits[i].Score > res.Hits[i-1].Score {
				t.Errorf("scores are not best first (higher is better): %v then %v", res.Hits[i-1].Score, res.Hits[i].Score)
			}
		}
	})

	s.run(t, "SearchesEveryTextField", func(t *testing.T, e *env) {
		inTitle := e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "zeppelin", Content: "walnut"})
		inContent := e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "two", Content: "a quokka smiles"})
		inSummary := e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "three", Content: "three", Summary: "marmalade on toast"})
		inTags := e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "four", Content: "four", Tags: []string{"obsidian"}})
		e.wantIDs(`search "zeppelin"`, e.find("zeppelin"), inTitle)
		e.wantIDs(`search "quokka"`, e.find("quokka"), inContent)
		e.wantIDs(`search "marmalade"`, e.find("marmalade"), inSummary)
		e.wantIDs(`search "obsidian"`, e.find("obsidian"), inTags)
		e.wantIDs(`search "walnut"`, e.find("walnut"), inTitle)
	})

	s.run(t, "NotContextOrType", func(t *testing.T, e *env) {
		e.add(backend.NewMemory{Type: backend.TypeProblem, Title: "plain", Content: "plain",
			Context: backend.Context{ProjectPath: "/srv/walrus", Files: []string{"walrus.go"}}})
		e.wantIDs(`search "walrus"`, e.find("walrus"))
		e.wantIDs(`search "problem"`, e.find("problem"))
	})

	s.run(t, "HitCarriesMemory", func(t *testing.T, e *env) {
		m := e.add(fullMemory())
		res := e.search(backend.SearchQuery{Text: "backoff"})
		if len(res.Hits) != 1 {
			t.Fatalf("%d hits, want 1", len(res.Hits))
		}
		if d := diffMemory(res.Hits[0].Memory, m); d != "" {
			t.Errorf("hit memory: %s", d)
		}
	})

	s.run(t, "NoMatch", func(t *testing.T, e *env) {
		e.note("Redis timeout", "client gives up")
		res := e.search(backend.SearchQuery{Text: "zebra"})
		if len(res.Hits) != 0 || res.Total != 0 || res.HasMore {
			t.Errorf("hits %d total %d has_more %v, want none", len(res.Hits), res.Total, res.HasMore)
		}
	})

	s.run(t, "EmptyStore", func(t *testing.T, e *env) {
		for _, q := range []string{"", "redis"} {
			res := e.search(backend.SearchQuery{Text: q})
			if len(res.Hits) != 0 || res.Total != 0 || res.HasMore {
				t.Errorf("%q on an empty store: hits %d total %d has_more %v", q, len(res.Hits), res.Total, res.HasMore)
			}
		}
	})

	s.run(t, "EmptyQueryNewestFirst", func(t *testing.T, e *env) {
		var want []*backend.Memory
		for _, d := range []int{3, 1, 4, 0, 2} {
			want = append(want, e.put(craft(backend.TypeGeneral, fmt.Sprintf("day %d", d), "c", day(d))))
		}
		slices.SortFunc(want, func(a, b *backend.Memory) int { return b.CreatedAt.Compare(a.CreatedAt) })
		res := e.search(backend.SearchQuery{})
		e.wantOrder("empty query", hitIDs(res), want...)
		if res.Total != 5 || res.HasMore {
			t.Errorf("total %d has_more %v, want 5 false", res.Total, res.HasMore)
		}
	})

	s.run(t, "FilterTypes", func(t *testing.T, e *env) {
		p := e.add(backend.NewMemory{Type: backend.TypeProblem, Title: "disk full problem", Content: "disk"})
		sol := e.add(backend.NewMemory{Type: backend.TypeSolution, Title: "disk cleanup solution", Content: "disk"})
		e.add(backend.NewMemory{Type: backend.TypeFix, Title: "disk fix", Content: "disk"})
		p2 := e.add(backend.NewMemory{Type: backend.TypeProblem, Title: "cpu problem", Content: "cpu"})
		types := []backend.MemoryType{backend.TypeProblem, backend.TypeSolution}
		e.wantIDs("types problem,solution", hitIDs(e.search(backend.SearchQuery{Types: types})), p, sol, p2)
		e.wantIDs("types problem,solution + disk", hitIDs(e.search(backend.SearchQuery{Text: "disk", Types: types})), p, sol)
		e.wantIDs("type workflow", hitIDs(e.search(backend.SearchQuery{Types: []backend.MemoryType{backend.TypeWorkflow}})))
	})

	s.run(t, "FilterTags", func(t *testing.T, e *env) {
		a := e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "a", Content: "a", Tags: []string{"go", "db"}})
		b := e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "b", Content: "b", Tags: []string{"go"}})
		c := e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "c", Content: "c", Tags: []string{"db", "ui"}})
		e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "d", Content: "d"})
		e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "e", Content: "e", Tags: []string{"golang", "dbx"}})
		tags := func(mode backend.TagMode, ts ...string) []string {
			return hitIDs(e.search(backend.SearchQuery{Tags: ts, TagMode: mode}))
		}
		e.wantIDs("any go,db", tags(backend.TagsAny, "go", "db"), a, b, c)
		e.wantIDs("default mode go,db", tags("", "go", "db"), a, b, c)
		e.wantIDs("all go,db", tags(backend.TagsAll, "go", "db"), a)
		e.wantIDs("all go", tags(backend.TagsAll, "go"), a, b)
		e.wantIDs("any ' GO '", tags(backend.TagsAny, " GO "), a, b)
		e.wantIDs("all go,ui", tags(backend.TagsAll, "go", "ui"))
		e.wantIDs("any nope", tags(backend.TagsAny, "nope"))
	})

	s.run(t, "FilterProjectPath", func(t *testing.T, e *env) {
		mk := func(title, path string) *backend.Memory {
			return e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: title, Content: "deploy notes",
				Context: backend.Context{ProjectPath: path}})
		}
		app := mk("app", "/work/app")
		api := mk("api", "/work/app/api")
		apple := mk("apple", "/work/apple")
		mk("other", "/other/work/app")
		mk("none", "")
		path := func(p string) []string {
			return hitIDs(e.search(backend.SearchQuery{ProjectPath: p}))
		}
		e.wantIDs("project /work/app", path("/work/app"), app, api)
		e.wantIDs("project /work/app/api", path("/work/app/api"), api)
		e.wantIDs("project /work", path("/work"), app, api, apple)
		e.wantIDs("project /work/ap", path("/work/ap"))
		e.wantIDs("project /nowhere", path("/nowhere"))
		e.wantIDs("project /work/app + deploy", hitIDs(e.search(backend.SearchQuery{Text: "deploy", ProjectPath: "/work/app"})), app, api)
	})

	s.run(t, "FilterProjectPathLiteral", func(t *testing.T, e *env) {
		pct := e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "pct", Content: "c", Context: backend.Context{ProjectPath: "/w/100%_done"}})
		e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "lookalike", Content: "c", Context: backend.Context{ProjectPath: "/w/100xxdone"}})
		e.wantIDs("project /w/100%_done", hitIDs(e.search(backend.SearchQuery{ProjectPath: "/w/100%_done"})), pct)
		e.wantIDs("project /w/100%", hitIDs(e.search(backend.SearchQuery{ProjectPath: "/w/100%"})))
	})

	s.run(t, "FilterMinImportance", func(t *testing.T, e *env) {
		var ms []*backend.Memory
		for _, imp := range []float64{0.2, 0.5, 0.7, 0.9} {
			ms = append(ms, e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: fmt.Sprint("importance ", imp), Content: "c", Importance: ptr(imp)}))
		}
		atLeast := func(v float64) []string {
			return hitIDs(e.search(backend.SearchQuery{MinImportance: &v}))
		}
		e.wantIDs("min 0.7", atLeast(0.7), ms[2], ms[3])
		e.wantIDs("min 0.71", atLeast(0.71), ms[3])
		e.wantIDs("min 0", atLeast(0), ms...)
		e.wantIDs("min 1", atLeast(1))
	})

	s.run(t, "FilterCreated", func(t *testing.T, e *env) {
		var ms []*backend.Memory
		for d := 1; d <= 5; d++ {
			ms = append(ms, e.put(craft(backend.TypeGeneral, fmt.Sprintf("day %d", d), "log line", day(d))))
		}
		hour := time.Hour
		q := func(after, before *time.Time) []string {
			return hitIDs(e.search(backend.SearchQuery{CreatedAfter: after, CreatedBefore: before}))
		}
		e.wantIDs("after day 2", q(ptr(day(2).Add(hour)), nil), ms[2], ms[3], ms[4])
		e.wantIDs("before day 4", q(nil, ptr(day(4).Add(-hour))), ms[0], ms[1], ms[2])
		e.wantIDs("between day 2 and 4", q(ptr(day(2).Add(hour)), ptr(day(4).Add(-hour))), ms[2])
		e.wantIDs("after day 9", q(ptr(day(9)), nil))
		e.wantIDs("text + after day 3", hitIDs(e.search(backend.SearchQuery{Text: "log", CreatedAfter: ptr(day(3).Add(hour))})), ms[3], ms[4])
	})

	s.run(t, "FiltersCombine", func(t *testing.T, e *env) {
		want := e.add(backend.NewMemory{Type: backend.TypeProblem, Title: "deadlock in billing", Content: "two workers lock rows",
			Tags: []string{"db"}, Importance: ptr(0.9), Context: backend.Context{ProjectPath: "/srv/billing"}})
		e.add(backend.NewMemory{Type: backend.TypeSolution, Title: "deadlock fix", Content: "lock in id order",
			Tags: []string{"db"}, Importance: ptr(0.9), Context: backend.Context{ProjectPath: "/srv/billing"}})
		e.add(backend.NewMemory{Type: backend.TypeProblem, Title: "deadlock in search", Content: "rare",
			Tags: []string{"db"}, Importance: ptr(0.9), Context: backend.Context{ProjectPath: "/srv/search"}})
		e.add(backend.NewMemory{Type: backend.TypeProblem, Title: "deadlock in billing ui", Content: "ui freeze",
			Tags: []string{"ui"}, Importance: ptr(0.9), Context: backend.Context{ProjectPath: "/srv/billing"}})
		e.add(backend.NewMemory{Type: backend.TypeProblem, Title: "deadlock in billing cron", Content: "minor",
			Tags: []string{"db"}, Importance: ptr(0.3), Context: backend.Context{ProjectPath: "/srv/billing"}})
		res := e.search(backend.SearchQuery{Text: "deadlock", Types: []backend.MemoryType{backend.TypeProblem},
			Tags: []string{"db"}, ProjectPath: "/srv/billing", MinImportance: ptr(0.5)})
		e.wantIDs("all filters", hitIDs(res), want)
		if res.Total != 1 {
			t.Errorf("total = %d, want 1", res.Total)
		}
	})

	s.run(t, "PagingNewestFirst", func(t *testing.T, e *env) {
		var all []*backend.Memory
		for d := range 25 {
			all = append(all, e.put(craft(backend.TypeGeneral, fmt.Sprintf("item %02d", d), "paged", day(d))))
		}
		slices.Reverse(all) // newest first
		for _, p := range []struct {
			offset, n int
			more      bool
		}{{0, 10, true}, {10, 10, true}, {20, 5, false}} {
			res := e.search(backend.SearchQuery{Limit: 10, Offset: p.offset})
			e.wantOrder(fmt.Sprintf("page at offset %d", p.offset), hitIDs(res), all[p.offset:p.offset+p.n]...)
			if res.Total != 25 || res.HasMore != p.more {
				t.Errorf("offset %d: total %d has_more %v, want 25 %v", p.offset, res.Total, res.HasMore, p.more)
			}
		}
	})

	s.run(t, "PagingRankedIsStable", func(t *testing.T, e *env) {
		words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}
		for i := range 23 {
			e.note(fmt.Sprintf("widget %02d", i), "widget "+strings.Repeat(words[i%len(words)]+" ", i%3+1))
		}
		full := e.search(backend.SearchQuery{Text: "widget", Limit: 100})
		if len(full.Hits) != 23 || full.Total != 23 {
			t.Fatalf("full search: %d hits total %d, want 23 23", len(full.Hits), full.Total)
		}
		fullIDs := hitIDs(full)
		var paged []string
		for off := 0; off < 23; off += 5 {
			res := e.search(backend.SearchQuery{Text: "widget", Limit: 5, Offset: off})
			again := e.search(backend.SearchQuery{Text: "widget", Limit: 5, Offset: off})
			if !slices.Equal(hitIDs(res), hitIDs(again)) {
				t.Errorf("offset %d: the same page came back in another order", off)
			}
			if want := min(off+5, 23); !slices.Equal(hitIDs(res), fullIDs[off:want]) {
				t.Errorf("offset %d: page %v is not the slice [%d:%d] of the full ranking %v",
					off, e.namesInOrder(hitIDs(res)), off, want, e.namesInOrder(fullIDs))
			}
			if res.Total != 23 || res.HasMore != (off+5 < 23) {
				t.Errorf("offset %d: total %d has_more %v", off, res.Total, res.HasMore)
			}
			paged = append(paged, hitIDs(res)...)
		}
		if len(paged) != 23 || !sameSet(paged, fullIDs) {
			t.Errorf("pages hold %d ids (%d distinct), want the 23 matches once each", len(paged), len(distinct(paged)))
		}
	})

	s.run(t, "OffsetBeyondEnd", func(t *testing.T, e *env) {
		for i := range 3 {
			e.note(fmt.Sprintf("widget %d", i), "widget")
		}
		for _, q := range []string{"", "widget"} {
			res := e.search(backend.SearchQuery{Text: q, Offset: 10})
			if len(res.Hits) != 0 || res.Total != 3 || res.HasMore {
				t.Errorf("%q offset 10: hits %d total %d has_more %v, want 0 3 false", q, len(res.Hits), res.Total, res.HasMore)
			}
		}
	})

	s.run(t, "DefaultLimit", func(t *testing.T, e *env) {
		for i := range backend.DefaultSearchLimit + 5 {
			e.put(craft(backend.TypeGeneral, fmt.Sprintf("item %02d", i), "widget", day(i)))
		}
		for _, q := range []string{"", "widget"} {
			res := e.search(backend.SearchQuery{Text: q})
			if len(res.Hits) != backend.DefaultSearchLimit || res.Total != backend.DefaultSearchLimit+5 || !res.HasMore {
				t.Errorf("%q without a limit: hits %d total %d has_more %v, want %d %d true",
					q, len(res.Hits), res.Total, res.HasMore, backend.DefaultSearchLimit, backend.DefaultSearchLimit+5)
			}
		}
	})

	s.run(t, "RecallCapsNeighbours", func(t *testing.T, e *env) {
		hub := e.note("Flaky integration suite", "tests time out on CI")
		for i := range 8 {
			e.relate(e.note(fmt.Sprint("cause ", i), "cause"), hub, backend.RelationshipType("CAUSES"))
		}
		hits, total, err := e.svc.Recall(e.ctx, backend.SearchQuery{Text: "flaky suite"})
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 || len(hits) != 1 {
			t.Fatalf("recall: %d hits total %d, want 1 1", len(hits), total)
		}
		if n := len(hits[0].Related); n == 0 || n > 5 {
			t.Errorf("recall hit carries %d neighbours, want 1 to 5", n)
		}
	})

	s.run(t, "TotalCountsEveryMatch", func(t *testing.T, e *env) {
		for i := range 7 {
			e.note(fmt.Sprintf("widget %d", i), "widget")
		}
		e.note("gadget", "gadget")
		res := e.search(backend.SearchQuery{Text: "widget", Limit: 3})
		if len(res.Hits) != 3 || res.Total != 7 || !res.HasMore {
			t.Errorf("hits %d total %d has_more %v, want 3 7 true", len(res.Hits), res.Total, res.HasMore)
		}
		res = e.search(backend.SearchQuery{Limit: 3, Offset: 6})
		if len(res.Hits) != 2 || res.Total != 8 || res.HasMore {
			t.Errorf("empty query offset 6: hits %d total %d has_more %v, want 2 8 false", len(res.Hits), res.Total, res.HasMore)
		}
	})

	testHostileSearch(t, s)
}

// testHostileSearch sends query syntax of SQL, FTS5, Lucene and Cypher as
// search text: it is taken as plain words, never as operators.
func testHostileSearch(t *testing.T, s *suite) {
	cases := []struct {
		name, query string
		want        []string // titles
	}{
		{"SQLInjection", `" OR 1=1 --`, nil},
		{"SQLDrop", `'; DROP TABLE memories; --`, nil},
		{"FTSNear", `NEAR(redis timeout)`, nil},
		{"FTSColumnFilter", `title:redis`, nil},
		{"LoneStar", `*`, nil},
		{"Parentheses", `)(`, nil},
		{"Punctuation", `{}[]^~:\/!?`, nil},
		{"EmptyQuotes", `""`, nil},
		{"StopWordsOnly", `the and of`, nil},
		{"UnbalancedQuote", `"unbalanced redis`, nil},
		{"TrailingQuote", `redis"`, []string{"Redis timeout"}},
		{"EscapedQuotes", `\"redis\"`, []string{"Redis timeout"}},
		{"OrIsNotAnOperator", `redis OR postgres`, nil},
		{"AndIsNotAnOperator", `redis AND timeout`, []string{"Redis timeout"}},
		{"NotIsNotAnOperator", `NOT redis`, []string{"Redis timeout"}},
		{"MinusIsNotAnOperator", `+redis -timeout`, []string{"Redis timeout"}},
		{"MinusIsNotExclusion", `redis -postgres`, nil},
		{"LuceneFuzzy", `redis~`, []string{"Redis timeout"}},
		{"LuceneBoost", `redis^10`, nil},
		{"LuceneRange", `[a TO z]`, nil},
		{"Cypher", `MATCH (n) DETACH DELETE n`, nil},
		{"Regex", `/.*/`, nil},
		{"LongRepeated", strings.Repeat("redis ", 166), []string{"Redis timeout"}},
		{"ManyDistinctWords", strings.Repeat("redis timeout nonexistentword ", 30), nil},
	}
	for _, c := range cases {
		s.run(t, "Hostile/"+c.name, func(t *testing.T, e *env) {
			byTitle := map[string]*backend.Memory{}
			for _, m := range []*backend.Memory{
				e.note("Redis timeout", "connection timeout talking to redis"),
				e.note("Postgres vacuum", "autovacuum settings for big tables"),
				e.note("Title page", "the first page of the report"),
			} {
				byTitle[m.Title] = m
			}
			res, err := e.svc.Search(e.ctx, backend.SearchQuery{Text: c.query})
			if err != nil {
				if backend.ErrorCode(err) != backend.EINVALID {
					t.Fatalf("Search(%q): %v (code %q), want results or EINVALID", c.query, err, backend.ErrorCode(err))
				}
				return
			}
			var want []*backend.Memory
			for _, title := range c.want {
				want = append(want, byTitle[title])
			}
			e.wantIDs(fmt.Sprintf("search %q", c.query), hitIDs(res), want...)
			if res.Total != len(want) {
				t.Errorf("total = %d, want %d", res.Total, len(want))
			}
			e.wantCounts(3, 0)
		})
	}
}

func distinct(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
