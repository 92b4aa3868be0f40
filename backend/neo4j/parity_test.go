package neo4j

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/sqlite"
)

// TestSearchMatchesSQLite stores one corpus in this store and in the SQLite
// store and searches both, beyond the conformance suite's cases: words
// joined by punctuation, diacritics, apostrophes, numbers, stemmed prefixes,
// other scripts. Both must find the same memories, except where the engines
// differ in a way that is known and explained below.
func TestSearchMatchesSQLite(t *testing.T) {
	ctx := t.Context()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "engram.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	stores := map[string]*backend.Service{"neo4j": backend.NewService(openTestStore(t)), "sqlite": backend.NewService(lite)}

	corpus := [][2]string{
		{"Caching layer", "sessions live in the caching layer"},
		{"Cache invalidation", "purge on write"},
		{"The report", "the first page of the report"},
		{"John's notes", "don't forget john's key"},
		{"example.com outage", "DNS for example.com failed at 10:30"},
		{"v1.2.3 release", "semver 1.2.3 tagged"},
		{"Слово и дело", "русский текст"},
		{"日本語のテキスト", "東京"},
		{"naïve café", "résumé"},
		{"running runners ran", "runs"},
		{"C++ and C#", "languages"},
		{"e-mail me", "email address a@b.com"},
		{"slow the query", "it was slow a query"},
		{"3.14 pi", "value 3,14"},
		{"PostgreSQL tuning", "shared buffers"},
		{"postgres backups", "nightly dumps"},
	}
	for _, doc := range corpus {
		for name, svc := range stores {
			if _, _, err := svc.StoreMemory(ctx, backend.NewMemory{Type: backend.TypeGeneral, Title: doc[0], Content: doc[1]}); err != nil {
				t.Fatalf("%s: StoreMemory(%q): %v", name, doc[0], err)
			}
		}
	}

	// knownDifferences are the queries on which the engines disagree, and why.
	knownDifferences := map[string]string{
		`"the"`: "Lucene's English analyzer drops stop words from the index, so a quoted stop word finds nothing; " +
			"SQLite indexes every word (unquoted, ParseQuery drops stop words for both)",
		"日本語": "Lucene splits Chinese and Japanese text into single characters, so a word inside a longer run is found; " +
			"SQLite's unicode61 keeps the run as one token",
		"slow-qu*": "a phrase ending in a prefix: Lucene's syntax cannot put a prefix in a phrase, so the Neo4j store wants " +
			"the words in the same field but not side by side",
	}
	queries := []string{
		"caching*", "cach*", "cache", `"the report"`, `"the"`, "john", "john's", "don't", "dont",
		"example.com", "example", "com", "10:30", "1.2.3", "1", "слово", "СЛОВО", "日本語", "東京",
		"naive", "naïve", "cafe", "CAFÉ", "resume", "caf*", "naï*", "run", "running", "runner*", "ran",
		"c++", "c#", "c", "email", "e-mail", "mail", "a@b.com", `"slow query"`, `"slow the query"`, "slow query",
		"slo* que*", "slow-qu*", "3.14", "3,14", "14", "pi", "postg*", "post*", "postgres*", "posts",
	}
	for _, q := range queries {
		found := map[string][]string{}
		for name, svc := range stores {
			res, err := svc.Search(ctx, backend.SearchQuery{Text: q, Limit: backend.MaxSearchLimit})
			if err != nil {
				t.Fatalf("%s: Search(%q): %v", name, q, err)
			}
			for _, h := range res.Hits {
				found[name] = append(found[name], h.Memory.Title)
			}
			slices.Sort(found[name])
		}
		same := slices.Equal(found["neo4j"], found["sqlite"])
		switch why, known := knownDifferences[q]; {
		case !same && !known:
			t.Errorf("search %q: neo4j finds %q, sqlite %q", q, found["neo4j"], found["sqlite"])
		case same && known:
			t.Errorf("search %q: both find %q, but it is listed as a known difference (%s); remove it from the list", q, found["neo4j"], why)
		case known:
			t.Logf("search %q differs as expected: neo4j %q, sqlite %q", q, found["neo4j"], found["sqlite"])
		}
	}
}
