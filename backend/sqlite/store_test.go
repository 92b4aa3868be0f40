package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
)

// openTest opens a store in a new file under t.TempDir and closes it when
// the test ends.
func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "sub", "engram.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// fixture is a store, a service over it and the test's context.
type fixture struct {
	t   *testing.T
	ctx context.Context
	s   *Store
	svc *backend.Service
}

func newFixture(t *testing.T) *fixture {
	s := openTest(t)
	return &fixture{t: t, ctx: t.Context(), s: s, svc: backend.NewService(s)}
}

func (f *fixture) add(in backend.NewMemory) *backend.Memory {
	f.t.Helper()
	m, dup, err := f.svc.StoreMemory(f.ctx, in)
	if err != nil || dup {
		f.t.Fatalf("StoreMemory(%q) = dup %v, err %v", in.Title, dup, err)
	}
	return m
}

func (f *fixture) note(title, content string, tags ...string) *backend.Memory {
	f.t.Helper()
	return f.add(backend.NewMemory{Type: backend.TypeGeneral, Title: title, Content: content, Tags: tags})
}

func (f *fixture) relate(from, to *backend.Memory, typ backend.RelationshipType) *backend.Relationship {
	f.t.Helper()
	r, created, err := f.svc.CreateRelationship(f.ctx, backend.NewRelationship{FromID: from.ID, ToID: to.ID, Type: typ})
	if err != nil || !created {
		f.t.Fatalf("CreateRelationship(%s -%s-> %s) = created %v, err %v", from.Title, typ, to.Title, created, err)
	}
	return r
}

// titles returns the titles of the hits of q, in order.
func (f *fixture) titles(q backend.SearchQuery) []string {
	f.t.Helper()
	res, err := f.svc.Search(f.ctx, q)
	if err != nil {
		f.t.Fatalf("Search(%+v): %v", q, err)
	}
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.Memory.Title
	}
	return out
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := backend.ErrorCode(err); got != code {
		t.Fatalf("err = %v (code %q), want code %q", err, got, code)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "engram.db")
	ctx := t.Context()
	for i := range 3 {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
		// Running the migrations again on an up-to-date file changes nothing.
		if err := s.migrate(ctx); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
		var version int
		if err := s.read.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			t.Fatal(err)
		}
		if version != len(migrations) {
			t.Errorf("user_version = %d, want %d", version, len(migrations))
		}
		if _, _, err := s.CreateMemory(ctx, testMemory(fmt.Sprintf("memory %d", i))); err != nil {
			t.Fatalf("CreateMemory after open #%d: %v", i+1, err)
		}
		var n int
		if err := s.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM memories").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != i+1 {
			t.Errorf("after open #%d the file holds %d memories, want %d", i+1, n, i+1)
		}
		s.Close()
	}

	t.Run("NewerSchema", func(t *testing.T) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1)); err != nil {
			t.Fatal(err)
		}
		db.Close()
		_, err = Open(ctx, path)
		wantCode(t, err, backend.EUNAVAILABLE)
	})
}

func testMemory(title string) *backend.Memory {
	now := backend.Now()
	m := &backend.Memory{
		ID: backend.NewID(), Type: backend.TypeGeneral, Title: title, Content: "content of " + title,
		Importance: backend.DefaultImportance, Confidence: backend.DefaultConfidence,
		CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	m.Normalize()
	return m
}

func TestMatchExpression(t *testing.T) {
	tests := []struct {
		text     string
		matchAny bool
		want     string
	}{
		{"", false, ""},
		{"the and of", false, ""},
		{"cache", false, `"cache"`},
		{"Redis cache", false, `"redis" AND "cache"`},
		{"Redis cache", true, `"redis" OR "cache"`},
		{`"connection pool" timeout`, false, `"connection pool" AND "timeout"`},
		{"pg_isready", false, `"pg isready"`},
		{"migr*", false, `"migr"*`},
		{"foo-ba*", false, `"foo ba"*`},
		{`" OR 1=1 --`, false, `"or 1 1"`},
		{`x" OR 1=1 --`, false, `"x" AND "or 1 1"`},
		{"NEAR(a b)", false, `"near a" AND "b"`},
		{"*", false, ""},
		{"col:x", false, `"col x"`},
		{"title:secret", false, `"title secret"`},
		{"a AND b OR NOT c", false, `"b" AND "c"`},
		{"^start", false, `"start"`},
		{"{title content}: x", false, `"title" AND "content" AND "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := matchExpression(backend.ParseQuery(tt.text), tt.matchAny); got != tt.want {
				t.Errorf("matchExpression(ParseQuery(%q), %v) = %s, want %s", tt.text, tt.matchAny, got, tt.want)
			}
		})
	}

	// Terms built by hand, not by ParseQuery, still cannot leave their quotes.
	raw := []struct {
		terms []backend.Term
		want  string
	}{
		{[]backend.Term{{Words: []string{`a"b`}}}, `"a""b"`},
		{[]backend.Term{{Words: []string{`" OR "`}, Prefix: true}}, `""" OR """*`},
		{[]backend.Term{{Words: []string{" ", ""}}, {Words: []string{"x"}}}, `"x"`},
	}
	for _, tt := range raw {
		if got := matchExpression(tt.terms, false); got != tt.want {
			t.Errorf("matchExpression(%+v) = %s, want %s", tt.terms, got, tt.want)
		}
	}
}

// TestSearchHostileInput runs text that would be FTS5 syntax through a real
// search: none may fail, and none may match a memory that lacks its words.
func TestSearchHostileInput(t *testing.T) {
	f := newFixture(t)
	f.note("Secret plan", "nothing to see")
	f.note("NEAR the col", "x marks the spot, 1 equals 1")
	for _, text := range []string{
		`" OR 1=1 --`, `NEAR(`, `NEAR(a b, 2)`, `*`, `**`, `col:x`, `title:secret`, `"`, `"""`, `'`, `'); DROP TABLE memories; --`,
		`a AND`, `OR`, `NOT x`, `(`, `)`, `^x`, `{title}:x`, `-x`, `+`, `\`, `%`, `_`, "\x00", `secret*`, `"unterminated phrase`,
	} {
		t.Run(text, func(t *testing.T) {
			for _, any := range []bool{false, true} {
				res, err := f.svc.Search(f.ctx, backend.SearchQuery{Text: text, MatchAny: any})
				if err != nil {
					t.Fatalf("Search(%q, any=%v): %v", text, any, err)
				}
				if len(backend.ParseQuery(text)) == 0 && res.Total != 0 {
					t.Errorf("Search(%q) without a word found %d memories, want none", text, res.Total)
				}
				for _, h := range res.Hits {
					if h.Memory.Title == "Secret plan" && !strings.Contains(strings.ToLower(text), "secret") {
						t.Errorf("Search(%q) matched %q", text, h.Memory.Title)
					}
				}
			}
		})
	}
	// Terms built by hand may hold what the tokenizer drops: an empty phrase
	// matches nothing, and the query still runs.
	for _, tt := range []struct {
		terms []backend.Term
		any   bool
		want  int
	}{
		{[]backend.Term{{Words: []string{"*"}}}, false, 0},
		{[]backend.Term{{Words: []string{`" OR "`}, Prefix: true}}, true, 0},
		{[]backend.Term{{Words: []string{"-"}}, {Words: []string{"x"}}}, false, 0},
		{[]backend.Term{{Words: []string{"-"}, Prefix: true}, {Words: []string{"x"}}}, true, 1},
		{[]backend.Term{{Words: []string{"x", "-", "marks"}}}, false, 1},
	} {
		res, err := f.s.SearchMemories(f.ctx, backend.SearchQuery{Terms: tt.terms, MatchAny: tt.any, Limit: 10})
		if err != nil || res.Total != tt.want {
			t.Errorf("SearchMemories(%+v, any=%v) = %v, %v; want %d matches", tt.terms, tt.any, res, err, tt.want)
		}
	}

	var n int
	if err := f.s.read.QueryRow("SELECT COUNT(*) FROM memories").Scan(&n); err != nil || n != 2 {
		t.Fatalf("memories = %d, %v; want 2", n, err)
	}
}

func TestSearch(t *testing.T) {
	f := newFixture(t)
	at := func(days int) *time.Time {
		v := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
		return &v
	}
	mk := func(typ backend.MemoryType, title, content, summary, project string, importance float64, created int, tags ...string) {
		m := testMemory(title)
		m.Type, m.Content, m.Summary, m.Tags, m.Importance = typ, content, summary, tags, importance
		m.Context.ProjectPath = project
		m.CreatedAt, m.UpdatedAt = *at(created), *at(created)
		m.Normalize()
		if _, _, err := f.s.CreateMemory(f.ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	mk(backend.TypeSolution, "Caching with Redis", "Use a cache in front of the database.", "", "/src/api", 0.9, 1, "redis", "perf")
	mk(backend.TypeProblem, "Slow queries", "The reports page is slow; caching would help.", "", "/src/api/reports", 0.4, 2, "perf")
	mk(backend.TypeGeneral, "Connection pool timeout", "pgx pool timed out under load.", "database connection pool", "/src/apiserver", 0.6, 3, "postgres")
	mk(backend.TypeCommand, "pg_isready", "Run pg_isready -h localhost to check Postgres.", "", "/SRC/api", 0.2, 4, "postgres", "cli")
	mk(backend.TypeGeneral, "Migrations", "Run migrations before deploying a release.", "", "", 0.5, 5)

	tests := []struct {
		name    string
		q       backend.SearchQuery
		want    []string
		ordered bool
	}{
		{name: "Stemming", q: backend.SearchQuery{Text: "cached"}, want: []string{"Caching with Redis", "Slow queries"}},
		{name: "TitleRanksFirst", q: backend.SearchQuery{Text: "caching"}, want: []string{"Caching with Redis", "Slow queries"}, ordered: true},
		{name: "CaseInsensitive", q: backend.SearchQuery{Text: "REDIS"}, want: []string{"Caching with Redis"}},
		{name: "Prefix", q: backend.SearchQuery{Text: "migra*"}, want: []string{"Migrations"}},
		{name: "Phrase", q: backend.SearchQuery{Text: `"connection pool"`}, want: []string{"Connection pool timeout"}},
		{name: "PhraseOrder", q: backend.SearchQuery{Text: `"pool connection"`}, want: []string{}},
		{name: "PunctuatedWord", q: backend.SearchQuery{Text: "pg_isready"}, want: []string{"pg_isready"}},
		{name: "AllTerms", q: backend.SearchQuery{Text: "pool load"}, want: []string{"Connection pool timeout"}},
		{name: "AnyTerm", q: backend.SearchQuery{Text: "redis migrations", MatchAny: true}, want: []string{"Caching with Redis", "Migrations"}},
		{name: "Tags", q: backend.SearchQuery{Text: "postgres"}, want: []string{"Connection pool timeout", "pg_isready"}},
		{name: "Empty", q: backend.SearchQuery{}, want: []string{"Migrations", "pg_isready", "Connection pool timeout", "Slow queries", "Caching with Redis"}, ordered: true},
		{name: "StopWordsOnly", q: backend.SearchQuery{Text: "the of"}, want: []string{}},
		{name: "PunctuationOnly", q: backend.SearchQuery{Text: "*", Types: []backend.MemoryType{backend.TypeCommand}}, want: []string{}},
		{name: "Types", q: backend.SearchQuery{Types: []backend.MemoryType{backend.TypeProblem, backend.TypeCommand}}, want: []string{"Slow queries", "pg_isready"}},
		{name: "TagsAny", q: backend.SearchQuery{Tags: []string{"REDIS", "cli"}}, want: []string{"Caching with Redis", "pg_isready"}},
		{name: "TagsAll", q: backend.SearchQuery{Tags: []string{"postgres", "cli"}, TagMode: backend.TagsAll}, want: []string{"pg_isready"}},
		{name: "ProjectAndSubPaths", q: backend.SearchQuery{ProjectPath: "/src/api"}, want: []string{"Caching with Redis", "Slow queries"}},
		{name: "ProjectTrailingSlash", q: backend.SearchQuery{ProjectPath: "/src/api/"}, want: []string{"Slow queries"}},
		{name: "ProjectWithText", q: backend.SearchQuery{Text: "caching", ProjectPath: "/src/api/reports"}, want: []string{"Slow queries"}},
		{name: "ProjectLikeChars", q: backend.SearchQuery{ProjectPath: "/src/ap_"}, want: []string{}},
		{name: "MinImportance", q: backend.SearchQuery{MinImportance: new(0.6)}, want: []string{"Caching with Redis", "Connection pool timeout"}},
		{name: "CreatedRange", q: backend.SearchQuery{CreatedAfter: at(1), CreatedBefore: at(4)}, want: []string{"Slow queries", "Connection pool timeout"}},
		{name: "TextAndFilters", q: backend.SearchQuery{Text: "run", Types: []backend.MemoryType{backend.TypeCommand}}, want: []string{"pg_isready"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.titles(tt.q)
			if !tt.ordered {
				got, tt.want = sorted(got), sorted(tt.want)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("titles = %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("Paging", func(t *testing.T) {
		var all []string
		for offset := 0; ; offset += 2 {
			res, err := f.svc.Search(f.ctx, backend.SearchQuery{Text: "run OR pool OR caching OR redis", MatchAny: true, Limit: 2, Offset: offset})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 5 {
				t.Fatalf("offset %d: total = %d, want 5", offset, res.Total)
			}
			for _, h := range res.Hits {
				all = append(all, h.Memory.ID)
				if h.Score <= 0 {
					t.Errorf("%q: score %v, want > 0", h.Memory.Title, h.Score)
				}
			}
			if want := offset+2 < 5; res.HasMore != want {
				t.Errorf("offset %d: has_more = %v, want %v", offset, res.HasMore, want)
			}
			if !res.HasMore {
				break
			}
		}
		if len(all) != 5 || len(slices.Compact(sorted(all))) != 5 {
			t.Errorf("pages returned %d ids (%d distinct), want 5", len(all), len(slices.Compact(sorted(all))))
		}
	})
}

func TestMemoryLifecycle(t *testing.T) {
	f := newFixture(t)
	m := f.add(backend.NewMemory{
		Type: backend.TypeFix, Title: " Fix the flaky test ", Content: "Wait for the port.", Tags: []string{"Go", "go", " tests "},
		Context: backend.Context{ProjectPath: "/p", Files: []string{"a.go"}, Extra: map[string]string{"k": "v"}},
	})

	got, err := f.s.GetMemory(f.ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Fix the flaky test" || !slices.Equal(got.Tags, []string{"go", "tests"}) ||
		got.Context.Extra["k"] != "v" || !got.CreatedAt.Equal(m.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("GetMemory = %+v, want %+v", got, m)
	}

	t.Run("Duplicate", func(t *testing.T) {
		dup, isDup, err := f.svc.StoreMemory(f.ctx, backend.NewMemory{Type: backend.TypeFix, Title: "Fix the flaky test", Content: "Wait for the port."})
		if err != nil || !isDup || dup.ID != m.ID {
			t.Errorf("StoreMemory(same) = %v, dup %v, err %v; want the first copy", dup, isDup, err)
		}
	})

	t.Run("Update", func(t *testing.T) {
		u, err := f.svc.UpdateMemory(f.ctx, m.ID, backend.MemoryUpdate{Title: new("Fix the flaky port test"), Tags: &[]string{"ci"}, ExpectedVersion: new(int64(1))})
		if err != nil {
			t.Fatal(err)
		}
		if u.Version != 2 || u.Title != "Fix the flaky port test" || u.Content != m.Content {
			t.Errorf("UpdateMemory = %+v", u)
		}
		if got := f.titles(backend.SearchQuery{Text: "port"}); !slices.Equal(got, []string{"Fix the flaky port test"}) {
			t.Errorf("search after update = %q", got)
		}
		if got := f.titles(backend.SearchQuery{Tags: []string{"go"}}); len(got) != 0 {
			t.Errorf("old tag still finds %q", got)
		}
		if got := f.titles(backend.SearchQuery{Tags: []string{"ci"}}); len(got) != 1 {
			t.Errorf("new tag finds %q", got)
		}
	})

	t.Run("StaleVersion", func(t *testing.T) {
		_, err := f.svc.UpdateMemory(f.ctx, m.ID, backend.MemoryUpdate{Importance: new(0.9), ExpectedVersion: new(int64(1))})
		wantCode(t, err, backend.ECONFLICT)
		if want := "you read version 1, it is now at version 2"; !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to say %q", err, want)
		}
	})

	t.Run("DuplicateByUpdate", func(t *testing.T) {
		other := f.note("Other", "other")
		_, err := f.svc.UpdateMemory(f.ctx, other.ID, backend.MemoryUpdate{
			Type: new(backend.TypeFix), Title: new("Fix the flaky port test"), Content: new("Wait for the port.")})
		wantCode(t, err, backend.ECONFLICT)
	})

	t.Run("NotFound", func(t *testing.T) {
		_, err := f.svc.UpdateMemory(f.ctx, "missing", backend.MemoryUpdate{Importance: new(0.9)})
		wantCode(t, err, backend.ENOTFOUND)
		_, err = f.s.GetMemory(f.ctx, "missing")
		wantCode(t, err, backend.ENOTFOUND)
		wantCode(t, f.s.DeleteMemory(f.ctx, "missing"), backend.ENOTFOUND)
	})

	t.Run("Access", func(t *testing.T) {
		at := backend.Now()
		if err := f.s.RecordAccess(f.ctx, []string{m.ID, "missing"}, at); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.GetMemory(f.ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.AccessCount != 1 || got.LastAccessedAt == nil || !got.LastAccessedAt.Equal(at) {
			t.Errorf("after access: count %d, last %v", got.AccessCount, got.LastAccessedAt)
		}
	})

	t.Run("DeleteCascades", func(t *testing.T) {
		a, b := f.note("A", "a"), f.note("B", "b")
		f.relate(a, b, backend.RelRelatedTo)
		f.relate(b, m, backend.RelSolves)
		if err := f.svc.DeleteMemory(f.ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{a.ID, m.ID} {
			rels, err := f.s.Relationships(f.ctx, id)
			if err != nil || len(rels) != 0 {
				t.Errorf("Relationships(%s) = %v, %v; want none", id, rels, err)
			}
		}
		if got := f.titles(backend.SearchQuery{Text: "b"}); len(got) != 0 {
			t.Errorf("deleted memory still found: %q", got)
		}
		var n int
		f.s.read.QueryRow("SELECT COUNT(*) FROM memory_tags WHERE memory_id = ?", b.ID).Scan(&n)
		if n != 0 {
			t.Errorf("deleted memory keeps %d tags", n)
		}
	})
}

func TestRelationships(t *testing.T) {
	f := newFixture(t)
	a, b := f.note("A", "a"), f.note("B", "b")
	first := f.relate(a, b, backend.RelSolves)

	r, created, err := f.svc.CreateRelationship(f.ctx, backend.NewRelationship{
		FromID: a.ID, ToID: b.ID, Type: backend.RelSolves, Strength: new(0.9), Context: "seen again"})
	if err != nil || created {
		t.Fatalf("reinforce = created %v, err %v", created, err)
	}
	if r.ID != first.ID || r.EvidenceCount != 2 || r.Strength != 0.9 || r.Context != "seen again" || !r.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("reinforced edge = %+v", r)
	}
	r, _, err = f.svc.CreateRelationship(f.ctx, backend.NewRelationship{FromID: a.ID, ToID: b.ID, Type: backend.RelSolves})
	if err != nil || r.Context != "seen again" || r.EvidenceCount != 3 {
		t.Errorf("reinforce without context = %+v, %v; want the context kept", r, err)
	}

	for _, tt := range []struct{ from, to, field string }{{"missing", b.ID, "from_memory_id"}, {a.ID, "missing", "to_memory_id"}} {
		_, _, err := f.svc.CreateRelationship(f.ctx, backend.NewRelationship{FromID: tt.from, ToID: tt.to, Type: backend.RelSolves})
		wantCode(t, err, backend.ENOTFOUND)
		var e *backend.Error
		if !errors.As(err, &e) || e.Field != tt.field {
			t.Errorf("err = %v, want it to name %s", err, tt.field)
		}
	}

	rels, err := f.svc.Relationships(f.ctx, b.ID)
	if err != nil || len(rels) != 1 {
		t.Errorf("Relationships(b) = %v, %v", rels, err)
	}
	_, err = f.svc.Relationships(f.ctx, "missing")
	wantCode(t, err, backend.ENOTFOUND)

	wantCode(t, f.svc.DeleteRelationship(f.ctx, b.ID, a.ID, backend.RelSolves), backend.ENOTFOUND)
	if err := f.svc.DeleteRelationship(f.ctx, a.ID, b.ID, backend.RelSolves); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.DeleteRelationship(f.ctx, a.ID, b.ID, backend.RelSolves), backend.ENOTFOUND)
}

func TestCanceled(t *testing.T) {
	f := newFixture(t)
	f.note("A", "a")
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	_, err := f.s.SearchMemories(ctx, backend.SearchQuery{Text: "a"})
	wantCode(t, err, backend.ECANCELED)
	_, _, err = f.s.CreateMemory(ctx, testMemory("B"))
	wantCode(t, err, backend.ECANCELED)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to wrap context.Canceled", err)
	}

	// A context that ends in the middle of an export stops it.
	for i := range 50 {
		f.note(fmt.Sprintf("note %d", i), "text")
	}
	ctx, cancel = context.WithCancel(f.ctx)
	n := 0
	err = f.s.ExportMemories(ctx, func(*backend.Memory) error {
		if n++; n == 3 {
			cancel()
		}
		return nil
	})
	wantCode(t, err, backend.ECANCELED)
	if n != 3 {
		t.Errorf("export went on for %d memories after the cancel", n-3)
	}
}

func TestClosed(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "engram.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = s.GetMemory(t.Context(), "x")
	wantCode(t, err, backend.EUNAVAILABLE)
	wantCode(t, s.Ping(t.Context()), backend.EUNAVAILABLE)
}
