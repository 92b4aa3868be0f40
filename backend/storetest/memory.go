package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
)

func fullMemory() backend.NewMemory {
	return backend.NewMemory{
		Type:       backend.TypeSolution,
		Title:      "Retry the flaky upload with backoff",
		Content:    "Wrap the S3 upload in an exponential backoff (base 200ms, 5 tries).",
		Summary:    "Backoff fixes flaky uploads",
		Tags:       []string{"s3", "retry"},
		Importance: ptr(0.9),
		Confidence: ptr(0.6),
		Context: backend.Context{
			ProjectPath: "/home/dev/uploader",
			Files:       []string{"upload/s3.go", "upload/retry.go"},
			Languages:   []string{"go"},
			Frameworks:  []string{"aws-sdk-go-v2"},
			GitBranch:   "fix/flaky-upload",
			GitCommit:   "9f2c1e7",
			SessionID:   "session-42",
			Extra:       map[string]string{"ticket": "OPS-17", "reviewer": "ana", "note": "ünïcödé ✓"},
		},
	}
}

func testMemory(t *testing.T, s *suite) {
	s.run(t, "CreateAndGet", func(t *testing.T, e *env) {
		in := fullMemory()
		m := e.add(in)
		if m.ID == "" || m.Version != 1 || m.AccessCount != 0 || m.LastAccessedAt != nil {
			t.Errorf("new memory: id %q version %d access_count %d last_accessed_at %v, want an id, 1, 0, nil",
				m.ID, m.Version, m.AccessCount, m.LastAccessedAt)
		}
		if !m.CreatedAt.Equal(m.UpdatedAt) {
			t.Errorf("created_at %v != updated_at %v on a new memory", m.CreatedAt, m.UpdatedAt)
		}
		want := &backend.Memory{
			ID: m.ID, Type: in.Type, Title: in.Title, Content: in.Content, Summary: in.Summary,
			Tags: in.Tags, Importance: *in.Importance, Confidence: *in.Confidence, Context: in.Context,
			CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, Version: 1,
		}
		if d := diffMemory(m, want); d != "" {
			t.Errorf("StoreMemory returned: %s", d)
		}
		if d := diffMemory(e.get(m.ID), want); d != "" {
			t.Errorf("GetMemory: %s", d)
		}
		e.wantCounts(1, 0)
	})

	s.run(t, "Defaults", func(t *testing.T, e *env) {
		m := e.note("defaults", "no numbers given")
		got := e.get(m.ID)
		if got.Importance != backend.DefaultImportance || got.Confidence != backend.DefaultConfidence {
			t.Errorf("importance %v confidence %v, want %v %v", got.Importance, got.Confidence,
				backend.DefaultImportance, backend.DefaultConfidence)
		}
		if len(got.Tags) != 0 || got.Summary != "" {
			t.Errorf("tags %q summary %q, want none", got.Tags, got.Summary)
		}
	})

	s.run(t, "ZeroNumbersKept", func(t *testing.T, e *env) {
		m := e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "zero", Content: "zero",
			Importance: ptr(0.0), Confidence: ptr(0.0)})
		got := e.get(m.ID)
		if got.Importance != 0 || got.Confidence != 0 {
			t.Errorf("importance %v confidence %v, want 0 0", got.Importance, got.Confidence)
		}
	})

	s.run(t, "DuplicateReturnsExisting", func(t *testing.T, e *env) {
		first := e.add(fullMemory())
		again := fullMemory()
		again.Tags = []string{"other"}
		again.Importance = ptr(0.1)
		again.Summary = "a different summary"
		m, dup, err := e.svc.StoreMemory(e.ctx, again)
		if err != nil {
			t.Fatal(err)
		}
		if !dup || m.ID != first.ID {
			t.Fatalf("second store: id %s duplicate=%v, want id %s duplicate=true", m.ID, dup, first.ID)
		}
		if d := diffMemory(e.get(first.ID), first); d != "" {
			t.Errorf("a duplicate store changed the first memory: %s", d)
		}
		e.wantCounts(1, 0)
	})

	s.run(t, "DuplicateAfterTrimmingTitle", func(t *testing.T, e *env) {
		first := e.note("Trimmed title", "same content")
		m, dup, err := e.svc.StoreMemory(e.ctx, backend.NewMemory{Type: backend.TypeGeneral, Title: "  Trimmed title\t", Content: "same content"})
		if err != nil {
			t.Fatal(err)
		}
		if !dup || m.ID != first.ID {
			t.Errorf("duplicate=%v id %s, want true %s", dup, m.ID, first.ID)
		}
	})

	s.run(t, "DifferentTypeNotDuplicate", func(t *testing.T, e *env) {
		a := e.add(backend.NewMemory{Type: backend.TypeProblem, Title: "Same title", Content: "same content"})
		b := e.add(backend.NewMemory{Type: backend.TypeSolution, Title: "Same title", Content: "same content"})
		if a.ID == b.ID {
			t.Fatalf("two types share id %s", a.ID)
		}
		e.wantCounts(2, 0)
	})

	s.run(t, "DifferentContentNotDuplicate", func(t *testing.T, e *env) {
		e.note("Same title", "content one")
		e.note("Same title", "content two")
		e.note("Same title", "content two ") // content is kept as written, spaces included
		e.wantCounts(3, 0)
	})

	s.run(t, "StoreDuplicateKeepsFirstID", func(t *testing.T, e *env) {
		first := e.put(craft(backend.TypeFix, "fix", "the fix", day(0)))
		second := craft(backend.TypeFix, "fix", "the fix", day(1))
		got, dup, err := e.store.CreateMemory(e.ctx, second)
		if err != nil {
			t.Fatal(err)
		}
		if !dup || got.ID != first.ID {
			t.Fatalf("CreateMemory of an equal memory: id %s duplicate=%v, want %s true", got.ID, dup, first.ID)
		}
		if d := diffMemory(got, first); d != "" {
			t.Errorf("returned duplicate: %s", d)
		}
		_, err = e.store.GetMemory(e.ctx, second.ID)
		wantCode(t, err, backend.ENOTFOUND)
	})

	s.run(t, "TimestampsRoundTrip", func(t *testing.T, e *env) {
		for _, at := range []time.Time{
			time.Date(2024, 2, 29, 23, 59, 59, 123456000, time.UTC),
			time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC),
			time.Date(2200, 1, 1, 0, 0, 0, 1000, time.UTC),
		} {
			m := craft(backend.TypeGeneral, "at "+at.String(), "when", at)
			m.UpdatedAt = at.Add(90*time.Minute + 7*time.Microsecond)
			e.put(m)
			got := e.get(m.ID)
			if d := diffMemory(got, m); d != "" {
				t.Errorf("%v: %s", at, d)
			}
			wantUTCMicro(t, "created_at", got.CreatedAt)
			wantUTCMicro(t, "updated_at", got.UpdatedAt)
		}
	})

	s.run(t, "ServiceTimestampsUTCMicrosecond", func(t *testing.T, e *env) {
		before := backend.Now()
		m := e.note("now", "now")
		after := backend.Now()
		got := e.get(m.ID)
		wantUTCMicro(t, "created_at", got.CreatedAt)
		wantUTCMicro(t, "updated_at", got.UpdatedAt)
		if got.CreatedAt.Before(before) || got.CreatedAt.After(after) {
			t.Errorf("created_at %v not within [%v, %v]", got.CreatedAt, before, after)
		}
		if !got.CreatedAt.Equal(m.CreatedAt) {
			t.Errorf("created_at read %v, stored %v", got.CreatedAt, m.CreatedAt)
		}
	})

	s.run(t, "TagsNormalized", func(t *testing.T, e *env) {
		m := e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "tags", Content: "tags",
			Tags: []string{" Go ", "go", "DataBase", "", "  ", "database", "Ünïcode"}})
		want := []string{"go", "database", "ünïcode"}
		if got := e.get(m.ID).Tags; !equalList(got, want) {
			t.Errorf("tags = %q, want %q", got, want)
		}
	})

	s.run(t, "ContextRoundTrip", func(t *testing.T, e *env) {
		in := fullMemory()
		m := e.add(in)
		if got := e.get(m.ID).Context; !equalContext(got, in.Context) {
			t.Errorf("context = %+v, want %+v", got, in.Context)
		}
	})

	s.run(t, "ContextTrimmed", func(t *testing.T, e *env) {
		m := e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: "ctx", Content: "ctx",
			Context: backend.Context{ProjectPath: " /p ", Files: []string{" a.go", "a.go", "", "b.go "}, GitBranch: " main "}})
		want := backend.Context{ProjectPath: "/p", Files: []string{"a.go", "b.go"}, GitBranch: "main"}
		if got := e.get(m.ID).Context; !equalContext(got, want) {
			t.Errorf("context = %+v, want %+v", got, want)
		}
	})

	literal := []struct{ name, title, content string }{
		{"SQL", `Robert'); DROP TABLE memories;--`, `' OR '1'='1'; DELETE FROM memories WHERE 1=1; --`},
		{"Cypher", `MATCH (n) DETACH DELETE n`, "CALL db.index.fulltext.queryNodes('x', '*') YIELD node // `x` $param {a:1}"},
		{"HTML", `<script>alert("x")</script>`, `<b onmouseover="alert(1)">&amp; &lt;tag&gt; </b><!-- c -->`},
		{"Unicode", "🚀 Ünïcödé 日本語 עברית", "emoji 👩‍💻🔥, combining é, RTL \u202eevil\u202c, zero width \u200b"},
		{"Whitespace", "tabs\tand spaces", "line one\nline two\r\n\ttabbed\n\n  trailing  "},
		{"Escapes", `back\slash %_ * ? [x] {y} $1 \n`, `"quoted" 'single' \" \\ %% _ ^ ~ : ( ) AND OR NOT NEAR`},
	}
	for _, c := range literal {
		s.run(t, "LiteralText/"+c.name, func(t *testing.T, e *env) {
			in := backend.NewMemory{Type: backend.TypeGeneral, Title: c.title, Content: c.content,
				Summary: c.title, Tags: []string{c.name}, Context: backend.Context{Extra: map[string]string{c.name: c.content}}}
			m := e.add(in)
			got := e.get(m.ID)
			if got.Title != c.title || got.Content != c.content || got.Summary != c.title || got.Context.Extra[c.name] != c.content {
				t.Errorf("read back title %q content %q summary %q extra %q,\nwant %q %q %q %q",
					got.Title, got.Content, got.Summary, got.Context.Extra[c.name], c.title, c.content, c.title, c.content)
			}
			e.note("another", "memory")
			e.wantCounts(2, 0)
		})
	}

	s.run(t, "LimitsRoundTrip", func(t *testing.T, e *env) {
		tags := make([]string, backend.MaxTags)
		for i := range tags {
			tags[i] = strings.Repeat("t", backend.MaxTagChars-3) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "é"
		}
		in := backend.NewMemory{
			Type:    backend.TypeGeneral,
			Title:   strings.Repeat("ü", backend.MaxTitleChars),
			Content: strings.Repeat("x", backend.MaxContentBytes),
			Summary: strings.Repeat("ß", backend.MaxSummaryChars),
			Tags:    tags,
		}
		m := e.add(in)
		got := e.get(m.ID)
		if got.Title != in.Title || got.Content != in.Content || got.Summary != in.Summary || !equalList(got.Tags, in.Tags) {
			t.Errorf("a memory at every limit did not round-trip: title %d runes, content %d bytes, summary %d bytes, %d tags",
				len([]rune(got.Title)), len(got.Content), len(got.Summary), len(got.Tags))
		}
	})

	s.run(t, "AllTypes", func(t *testing.T, e *env) {
		for _, typ := range backend.MemoryTypes {
			m := e.typed(typ, "a memory of type "+string(typ))
			if got := e.get(m.ID).Type; got != typ {
				t.Errorf("type = %q, want %q", got, typ)
			}
		}
		e.wantCounts(len(backend.MemoryTypes), 0)
	})
}

func testUpdate(t *testing.T, s *suite) {
	s.run(t, "VersionIncrements", func(t *testing.T, e *env) {
		m := e.note("v1", "content")
		for want := int64(2); want <= 4; want++ {
			got, err := e.svc.UpdateMemory(e.ctx, m.ID, backend.MemoryUpdate{Title: ptr("v" + string(rune('0'+want)))})
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != want {
				t.Errorf("version after update = %d, want %d", got.Version, want)
			}
			if !got.CreatedAt.Equal(m.CreatedAt) {
				t.Errorf("created_at changed: %v -> %v", m.CreatedAt, got.CreatedAt)
			}
			if got.UpdatedAt.Before(m.CreatedAt) {
				t.Errorf("updated_at %v before created_at %v", got.UpdatedAt, m.CreatedAt)
			}
		}
		if got := e.get(m.ID); got.Version != 4 || got.Title != "v4" {
			t.Errorf("stored version %d title %q, want 4 v4", got.Version, got.Title)
		}
	})

	s.run(t, "OnlySetFieldsChange", func(t *testing.T, e *env) {
		m := e.add(fullMemory())
		got, err := e.svc.UpdateMemory(e.ctx, m.ID, backend.MemoryUpdate{Importance: ptr(0.25)})
		if err != nil {
			t.Fatal(err)
		}
		want := *m
		want.Importance = 0.25
		want.Version = 2
		want.UpdatedAt = got.UpdatedAt
		if d := diffMemory(e.get(m.ID), &want); d != "" {
			t.Errorf("after updating importance: %s", d)
		}
	})

	s.run(t, "AllFields", func(t *testing.T, e *env) {
		m := e.note("before", "before")
		ctx := backend.Context{ProjectPath: "/new", Languages: []string{"rust"}, Extra: map[string]string{"k": "v"}}
		u := backend.MemoryUpdate{
			Type: ptr(backend.TypeWorkflow), Title: ptr(" after "), Content: ptr("after content"),
			Summary: ptr("after summary"), Tags: ptr([]string{"B", "a", "b"}), Importance: ptr(1.0),
			Confidence: ptr(0.0), Context: &ctx,
		}
		if _, err := e.svc.UpdateMemory(e.ctx, m.ID, u); err != nil {
			t.Fatal(err)
		}
		got := e.get(m.ID)
		want := &backend.Memory{ID: m.ID, Type: backend.TypeWorkflow, Title: "after", Content: "after content",
			Summary: "after summary", Tags: []string{"b", "a"}, Importance: 1, Confidence: 0, Context: ctx,
			CreatedAt: m.CreatedAt, UpdatedAt: got.UpdatedAt, Version: 2}
		if d := diffMemory(got, want); d != "" {
			t.Errorf("after update: %s", d)
		}
	})

	s.run(t, "ClearFields", func(t *testing.T, e *env) {
		m := e.add(fullMemory())
		_, err := e.svc.UpdateMemory(e.ctx, m.ID, backend.MemoryUpdate{
			Summary: ptr(""), Tags: ptr([]string{}), Context: &backend.Context{}})
		if err != nil {
			t.Fatal(err)
		}
		got := e.get(m.ID)
		if got.Summary != "" || len(got.Tags) != 0 || !equalContext(got.Context, backend.Context{}) {
			t.Errorf("summary %q tags %q context %+v, want all cleared", got.Summary, got.Tags, got.Context)
		}
	})

	s.run(t, "SetsUpdatedAtToNow", func(t *testing.T, e *env) {
		m := e.put(craft(backend.TypeGeneral, "t", "c", day(0)))
		now := day(3)
		got, err := e.store.UpdateMemory(e.ctx, m.ID, backend.MemoryUpdate{Title: ptr("t2")}, now)
		if err != nil {
			t.Fatal(err)
		}
		want := *m
		want.Title, want.UpdatedAt, want.Version = "t2", now, 2
		if d := diffMemory(got, &want); d != "" {
			t.Errorf("UpdateMemory returned: %s", d)
		}
		if d := diffMemory(e.get(m.ID), &want); d != "" {
			t.Errorf("GetMemory after update: %s", d)
		}
	})

	s.run(t, "ExpectedVersionMatches", func(t *testing.T, e *env) {
		m := e.note("t", "c")
		got, err := e.svc.UpdateMemory(e.ctx, m.ID, backend.MemoryUpdate{Title: ptr("t2"), ExpectedVersion: ptr(int64(1))})
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 {
			t.Errorf("version = %d, want 2", got.Version)
		}
	})

	s.run(t, "StaleVersionConflicts", func(t *testing.T, e *env) {
		m := e.note("t", "c")
		if _, err := e.svc.UpdateMemory(e.ctx, m.ID, backend.MemoryUpdate{Title: ptr("t2")}); err != nil {
			t.Fatal(err)
		}
		before := e.get(m.ID)
		_, err := e.svc.UpdateMemory(e.ctx, m.ID, backend.MemoryUpdate{Title: ptr("t3"), ExpectedVersion: ptr(int64(1))})
		wantCode(t, err, backend.ECONFLICT)
		if d := diffMemory(e.get(m.ID), before); d != "" {
			t.Errorf("a refused update changed the memory: %s", d)
		}
	})

	s.run(t, "FutureVersionConflicts", func(t *testing.T, e *env) {
		m := e.note("t", "c")
		_, err := e.svc.UpdateMemory(e.ctx, m.ID, backend.MemoryUpdate{Title: ptr("t3"), ExpectedVersion: ptr(int64(7))})
		wantCode(t, err, backend.ECONFLICT)
		if d := diffMemory(e.get(m.ID), m); d != "" {
			t.Errorf("a refused update changed the memory: %s", d)
		}
	})

	s.run(t, "DuplicateClashConflicts", func(t *testing.T, e *env) {
		a := e.note("alpha", "shared content")
		b := e.note("beta", "shared content")
		_, err := e.svc.UpdateMemory(e.ctx, b.ID, backend.MemoryUpdate{Title: ptr("alpha")})
		wantCode(t, err, backend.ECONFLICT)
		if d := diffMemory(e.get(b.ID), b); d != "" {
			t.Errorf("a refused update changed the memory: %s", d)
		}
		if d := diffMemory(e.get(a.ID), a); d != "" {
			t.Errorf("a refused update changed the other memory: %s", d)
		}
	})

	s.run(t, "TypeChangeClashConflicts", func(t *testing.T, e *env) {
		e.add(backend.NewMemory{Type: backend.TypeFix, Title: "same", Content: "same"})
		b := e.add(backend.NewMemory{Type: backend.TypeSolution, Title: "same", Content: "same"})
		_, err := e.svc.UpdateMemory(e.ctx, b.ID, backend.MemoryUpdate{Type: ptr(backend.TypeFix)})
		wantCode(t, err, backend.ECONFLICT)
		if got := e.get(b.ID); got.Type != backend.TypeSolution || got.Version != 1 {
			t.Errorf("type %q version %d, want solution 1", got.Type, got.Version)
		}
	})

	s.run(t, "DedupKeyFollowsUpdate", func(t *testing.T, e *env) {
		a := e.note("old title", "content")
		if _, err := e.svc.UpdateMemory(e.ctx, a.ID, backend.MemoryUpdate{Title: ptr("new title")}); err != nil {
			t.Fatal(err)
		}
		m, dup, err := e.svc.StoreMemory(e.ctx, backend.NewMemory{Type: backend.TypeGeneral, Title: "new title", Content: "content"})
		if err != nil || !dup || m.ID != a.ID {
			t.Errorf("storing the updated triple: id %v dup %v err %v, want %s true nil", m, dup, err, a.ID)
		}
		old := e.note("old title", "content") // the old triple is free again
		if old.ID == a.ID {
			t.Errorf("the old triple still maps to the updated memory")
		}
	})

	s.run(t, "UnchangedValuesStillBumpVersion", func(t *testing.T, e *env) {
		m := e.note("same", "same")
		got, err := e.svc.UpdateMemory(e.ctx, m.ID, backend.MemoryUpdate{Title: ptr("same")})
		if err != nil {
			t.Fatalf("updating a memory to its own title: %v", err)
		}
		if got.Version != 2 {
			t.Errorf("version = %d, want 2", got.Version)
		}
	})

	s.run(t, "KeepsAccessCount", func(t *testing.T, e *env) {
		m := e.note("t", "c")
		at := day(1)
		if err := e.store.RecordAccess(e.ctx, []string{m.ID}, at); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.UpdateMemory(e.ctx, m.ID, backend.MemoryUpdate{Content: ptr("c2")}); err != nil {
			t.Fatal(err)
		}
		got := e.get(m.ID)
		if got.AccessCount != 1 || !equalTimePtr(got.LastAccessedAt, &at) {
			t.Errorf("access_count %d last_accessed_at %v, want 1 %v", got.AccessCount, got.LastAccessedAt, at)
		}
	})

	s.run(t, "UpdatedTextIsSearchable", func(t *testing.T, e *env) {
		m := e.note("Kafka consumer lag", "lag grows at night")
		if _, err := e.svc.UpdateMemory(e.ctx, m.ID, backend.MemoryUpdate{Title: ptr("Pulsar consumer lag"), Tags: ptr([]string{"streaming"})}); err != nil {
			t.Fatal(err)
		}
		e.wantIDs(`search "kafka"`, e.find("kafka"))
		e.wantIDs(`search "pulsar"`, e.find("pulsar"), m)
		e.wantIDs(`search "streaming"`, e.find("streaming"), m)
		e.wantIDs("tag filter streaming", hitIDs(e.search(backend.SearchQuery{Tags: []string{"streaming"}})), m)
	})
}

func testAccess(t *testing.T, s *suite) {
	s.run(t, "ServiceGetCounts", func(t *testing.T, e *env) {
		m := e.note("t", "c")
		var last time.Time
		for want := int64(1); want <= 3; want++ {
			got, err := e.svc.GetMemory(e.ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.AccessCount != want || got.LastAccessedAt == nil {
				t.Fatalf("access_count %d last_accessed_at %v, want %d and a time", got.AccessCount, got.LastAccessedAt, want)
			}
			wantUTCMicro(t, "last_accessed_at", *got.LastAccessedAt)
			if got.LastAccessedAt.Before(last) {
				t.Errorf("last_accessed_at went back: %v -> %v", last, *got.LastAccessedAt)
			}
			last = *got.LastAccessedAt
			if got.Version != 1 || !got.UpdatedAt.Equal(m.UpdatedAt) {
				t.Errorf("an access changed version %d or updated_at %v", got.Version, got.UpdatedAt)
			}
		}
	})

	s.run(t, "StoreGetDoesNotCount", func(t *testing.T, e *env) {
		m := e.note("t", "c")
		e.get(m.ID)
		if got := e.get(m.ID); got.AccessCount != 0 || got.LastAccessedAt != nil {
			t.Errorf("Store.GetMemory counted an access: %d %v", got.AccessCount, got.LastAccessedAt)
		}
	})

	s.run(t, "RecordAccess", func(t *testing.T, e *env) {
		a, b, c := e.note("a", "a"), e.note("b", "b"), e.note("c", "c")
		at := time.Date(2025, 5, 6, 7, 8, 9, 123456000, time.UTC)
		if err := e.store.RecordAccess(e.ctx, []string{a.ID, "no-such-memory", b.ID}, at); err != nil {
			t.Fatalf("RecordAccess with an unknown id: %v", err)
		}
		for _, m := range []*backend.Memory{a, b} {
			got := e.get(m.ID)
			if got.AccessCount != 1 || !equalTimePtr(got.LastAccessedAt, &at) {
				t.Errorf("%s: access_count %d last_accessed_at %v, want 1 %v", m.Title, got.AccessCount, got.LastAccessedAt, at)
			}
			if got.Version != 1 || !got.UpdatedAt.Equal(m.UpdatedAt) {
				t.Errorf("%s: an access changed version %d or updated_at %v", m.Title, got.Version, got.UpdatedAt)
			}
		}
		if got := e.get(c.ID); got.AccessCount != 0 || got.LastAccessedAt != nil {
			t.Errorf("c was not accessed but has %d %v", got.AccessCount, got.LastAccessedAt)
		}
		e.wantCounts(3, 0)
	})

	s.run(t, "RecordAccessEmpty", func(t *testing.T, e *env) {
		if err := e.store.RecordAccess(e.ctx, nil, day(0)); err != nil {
			t.Errorf("RecordAccess(nil): %v", err)
		}
	})

	s.run(t, "RecallCounts", func(t *testing.T, e *env) {
		hit := e.note("Kubernetes pod eviction", "pods evicted under memory pressure")
		miss := e.note("Terraform state lock", "stale lock in dynamodb")
		other := e.note("Pod disruption budget", "keep two replicas during drains")
		e.relate(hit, miss, backend.RelRelatedTo)
		hits, total, err := e.svc.Recall(e.ctx, backend.SearchQuery{Text: "why were my kubernetes pods evicted?"})
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(hits))
		for i, h := range hits {
			ids[i] = h.Memory.ID
		}
		e.wantIDs("recall", ids, hit, other)
		if total != 2 {
			t.Errorf("total = %d, want 2", total)
		}
		if len(hits) > 0 && hits[0].Memory.ID != hit.ID {
			t.Errorf("first hit %s, want %s (it matches every word)", e.name(hits[0].Memory.ID), hit.Title)
		}
		for _, h := range hits {
			if h.Memory.ID == hit.ID {
				e.wantIDs("related of the first hit", relatedIDs(h.Related), miss)
			}
		}
		for _, m := range []*backend.Memory{hit, other} {
			if got := e.get(m.ID); got.AccessCount != 1 || got.LastAccessedAt == nil {
				t.Errorf("%s: access_count %d after recall, want 1", m.Title, got.AccessCount)
			}
		}
		if got := e.get(miss.ID); got.AccessCount != 0 {
			t.Errorf("%s: access_count %d, want 0 (not a hit)", miss.Title, got.AccessCount)
		}
	})
}

func testDelete(t *testing.T, s *suite) {
	s.run(t, "Removes", func(t *testing.T, e *env) {
		m := e.note("gone memory", "deleted soon")
		keep := e.note("kept memory", "stays")
		if err := e.svc.DeleteMemory(e.ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		_, err := e.store.GetMemory(e.ctx, m.ID)
		wantCode(t, err, backend.ENOTFOUND)
		e.get(keep.ID)
		e.wantCounts(1, 0)
		e.wantIDs(`search "memory" after delete`, e.find("memory"), keep)
		e.wantIDs(`search "deleted" after delete`, e.find("deleted"))
	})

	s.run(t, "Twice", func(t *testing.T, e *env) {
		m := e.note("t", "c")
		if err := e.svc.DeleteMemory(e.ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, e.svc.DeleteMemory(e.ctx, m.ID), backend.ENOTFOUND)
	})

	s.run(t, "CascadesRelationships", func(t *testing.T, e *env) {
		a, b, c := e.note("a", "a"), e.note("b", "b"), e.note("c", "c")
		e.relate(a, b, backend.RelSolves)
		e.relate(b, c, backend.RelRelatedTo)
		e.relate(c, b, backend.RelAddresses)
		ac := e.relate(a, c, backend.RelRelatedTo)
		if err := e.svc.DeleteMemory(e.ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		e.wantCounts(2, 1)
		for _, m := range []*backend.Memory{a, c} {
			rels, err := e.svc.Relationships(e.ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(rels) != 1 || rels[0].ID != ac.ID {
				t.Errorf("edges of %s after deleting b: %d, want only a->c", m.Title, len(rels))
			}
		}
		related, err := e.svc.RelatedMemories(e.ctx, backend.RelatedQuery{ID: a.ID, Depth: 3})
		if err != nil {
			t.Fatal(err)
		}
		e.wantIDs("related of a", relatedIDs(related), c)
	})

	s.run(t, "FreesDedupKey", func(t *testing.T, e *env) {
		m := e.note("t", "c")
		if err := e.svc.DeleteMemory(e.ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		again := e.note("t", "c")
		if again.ID == m.ID {
			t.Errorf("re-created memory got the deleted id")
		}
	})
}
