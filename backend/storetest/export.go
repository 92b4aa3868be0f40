package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/engramhq/engram/backend"
)

// richGraph fills e with memories and edges in every state an export must
// carry: updated, accessed, reinforced, with full context, created out of
// order. It returns them in creation order.
func (e *env) richGraph() ([]*backend.Memory, []*backend.Relationship) {
	e.t.Helper()
	full := craft(backend.TypeSolution, "full", "full content", day(4))
	in := fullMemory()
	full.Summary, full.Tags, full.Importance, full.Confidence, full.Context = in.Summary, in.Tags, *in.Importance, *in.Confidence, in.Context
	ms := []*backend.Memory{
		e.put(craft(backend.TypeProblem, "problem", "slow startup", day(2))),
		e.put(full),
		e.put(craft(backend.TypeGeneral, "first", "the first one", day(1))),
		e.put(craft(backend.TypeFix, "fix", "lazy init", day(3))),
	}
	first, problem, fix := ms[2], ms[0], ms[3]
	for _, now := range []int{5, 6} {
		if _, err := e.store.UpdateMemory(e.ctx, problem.ID, backend.MemoryUpdate{Importance: ptr(0.1 * float64(now))}, day(now)); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := e.store.RecordAccess(e.ctx, []string{first.ID, fix.ID}, day(7)); err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.RecordAccess(e.ctx, []string{first.ID}, day(8)); err != nil {
		e.t.Fatal(err)
	}
	r2 := craftRel(fix, problem, backend.RelSolves, day(9))
	r2.Context = "fixed in prod"
	r2.Strength = 0.9
	rs := []*backend.Relationship{
		e.putRel(craftRel(first, problem, backend.RelRelatedTo, day(10))),
		e.putRel(r2),
		e.putRel(craftRel(problem, ms[1], relCauses, day(11))),
	}
	again := craftRel(fix, problem, backend.RelSolves, day(12))
	again.Strength = 0.95
	if _, created, err := e.store.CreateRelationship(e.ctx, again); err != nil || created {
		e.t.Fatalf("reinforcing: created=%v err=%v", created, err)
	}
	// Read everything back: that is what an export must reproduce.
	byCreation := []*backend.Memory{e.get(first.ID), e.get(problem.ID), e.get(fix.ID), e.get(ms[1].ID)}
	relsByID := map[string]*backend.Relationship{}
	for _, r := range e.relationships() {
		relsByID[r.ID] = r
	}
	return byCreation, []*backend.Relationship{relsByID[r2.ID], relsByID[rs[0].ID], relsByID[rs[2].ID]}
}

// wantExport fails unless e exports exactly ms and rs, in that order.
func (e *env) wantExport(ms []*backend.Memory, rs []*backend.Relationship) {
	e.t.Helper()
	gotMs := e.memories()
	if len(gotMs) != len(ms) {
		e.t.Fatalf("exported %d memories, want %d", len(gotMs), len(ms))
	}
	for i := range ms {
		if d := diffMemory(gotMs[i], ms[i]); d != "" {
			e.t.Errorf("memory %d (%s): %s", i, ms[i].Title, d)
		}
	}
	gotRs := e.relationships()
	if len(gotRs) != len(rs) {
		e.t.Fatalf("exported %d relationships, want %d", len(gotRs), len(rs))
	}
	for i := range rs {
		if d := diffRelationship(gotRs[i], rs[i]); d != "" {
			e.t.Errorf("relationship %d: %s", i, d)
		}
	}
}

func testExport(t *testing.T, s *suite) {
	s.run(t, "StreamsEverythingInCreationOrder", func(t *testing.T, e *env) {
		ms, rs := e.richGraph()
		if ms[1].Version != 3 || ms[0].AccessCount != 2 || rs[0].EvidenceCount != 2 {
			t.Fatalf("fixture: version %d access %d evidence %d, want 3 2 2", ms[1].Version, ms[0].AccessCount, rs[0].EvidenceCount)
		}
		e.wantExport(ms, rs)
	})

	s.run(t, "Empty", func(t *testing.T, e *env) {
		e.wantExport(nil, nil)
	})

	s.run(t, "ManyMemories", func(t *testing.T, e *env) {
		var want []*backend.Memory
		for i := range 300 {
			want = append(want, e.put(craft(backend.TypeGeneral, fmt.Sprintf("m%03d", i), "c", day(i))))
		}
		got := e.memories()
		e.wantOrder("export", memIDs(got), want...)
	})

	s.run(t, "MemoryCallbackErrorStops", func(t *testing.T, e *env) {
		for i := range 5 {
			e.put(craft(backend.TypeGeneral, fmt.Sprint("m", i), "c", day(i)))
		}
		stop := errors.New("stop here")
		calls := 0
		err := e.store.ExportMemories(e.ctx, func(*backend.Memory) error {
			calls++
			if calls == 2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) {
			t.Errorf("ExportMemories returned %v, want the callback's error", err)
		}
		if calls != 2 {
			t.Errorf("callback called %d times, want 2", calls)
		}
		e.wantCounts(5, 0)
	})

	s.run(t, "RelationshipCallbackErrorStops", func(t *testing.T, e *env) {
		_, rs := e.richGraph()
		stop := errors.New("stop here")
		calls := 0
		err := e.store.ExportRelationships(e.ctx, func(*backend.Relationship) error {
			calls++
			return stop
		})
		if !errors.Is(err, stop) {
			t.Errorf("ExportRelationships returned %v, want the callback's error", err)
		}
		if calls != 1 {
			t.Errorf("callback called %d times, want 1", calls)
		}
		e.wantCounts(4, len(rs))
	})
}

func (e *env) importMemories(ms []*backend.Memory) *backend.ImportResult {
	e.t.Helper()
	res, err := e.store.ImportMemories(e.ctx, ms)
	if err != nil {
		e.t.Fatalf("ImportMemories: %v", err)
	}
	return res
}

func (e *env) importRelationships(rs []*backend.Relationship) *backend.ImportResult {
	e.t.Helper()
	res, err := e.store.ImportRelationships(e.ctx, rs)
	if err != nil {
		e.t.Fatalf("ImportRelationships: %v", err)
	}
	return res
}

func wantResult(t *testing.T, what string, got *backend.ImportResult, created, updated, skipped int) {
	t.Helper()
	if got.Created != created || got.Updated != updated || got.Skipped != skipped {
		t.Errorf("%s: created %d updated %d skipped %d, want %d %d %d", what, got.Created, got.Updated, got.Skipped, created, updated, skipped)
	}
}

func clone(m *backend.Memory) *backend.Memory {
	c := *m
	return &c
}

func testImport(t *testing.T, s *suite) {
	s.run(t, "RoundTrip", func(t *testing.T, src *env) {
		ms, rs := src.richGraph()
		dst := s.env(t)
		wantResult(t, "memories", dst.importMemories(src.memories()), len(ms), 0, 0)
		wantResult(t, "relationships", dst.importRelationships(src.relationships()), len(rs), 0, 0)
		dst.wantExport(ms, rs)
	})

	s.run(t, "RoundTripThroughService", func(t *testing.T, src *env) {
		ms, rs := src.richGraph()
		dst := s.env(t)
		if _, err := dst.svc.ImportMemories(dst.ctx, src.memories()); err != nil {
			t.Fatal(err)
		}
		if _, err := dst.svc.ImportRelationships(dst.ctx, src.relationships()); err != nil {
			t.Fatal(err)
		}
		dst.wantExport(ms, rs)
	})

	s.run(t, "Idempotent", func(t *testing.T, src *env) {
		ms, rs := src.richGraph()
		dst := s.env(t)
		dst.importMemories(src.memories())
		dst.importRelationships(src.relationships())
		again := dst.importMemories(src.memories())
		if again.Created != 0 || again.Updated != 0 {
			t.Errorf("second memory import: created %d updated %d, want 0 0", again.Created, again.Updated)
		}
		againRels := dst.importRelationships(src.relationships())
		if againRels.Created != 0 || againRels.Updated != 0 {
			t.Errorf("second relationship import: created %d updated %d, want 0 0", againRels.Created, againRels.Updated)
		}
		dst.wantExport(ms, rs)
	})

	s.run(t, "IntoItself", func(t *testing.T, e *env) {
		ms, rs := e.richGraph()
		res := e.importMemories(e.memories())
		if res.Created != 0 || res.Updated != 0 {
			t.Errorf("re-importing a store's own export: created %d updated %d, want 0 0", res.Created, res.Updated)
		}
		e.importRelationships(e.relationships())
		e.wantExport(ms, rs)
	})

	s.run(t, "DedupKeyUnderOtherID", func(t *testing.T, e *env) {
		existing := e.put(craft(backend.TypeFix, "restart", "restart the worker", day(1)))
		incoming := craft(backend.TypeFix, "restart", "restart the worker", day(2))
		other := craft(backend.TypeFix, "other", "other", day(3))
		res := e.importMemories([]*backend.Memory{incoming, other})
		wantResult(t, "import", res, 1, 0, 1)
		if got := res.IDMap[incoming.ID]; got != existing.ID {
			t.Errorf("id_map[%s] = %q, want %s", incoming.ID, got, existing.ID)
		}
		_, err := e.store.GetMemory(e.ctx, incoming.ID)
		wantCode(t, err, backend.ENOTFOUND)
		if d := diffMemory(e.get(existing.ID), existing); d != "" {
			t.Errorf("existing memory changed: %s", d)
		}
		e.wantCounts(2, 0)
	})

	s.run(t, "DedupWithinBatch", func(t *testing.T, e *env) {
		a := craft(backend.TypeFix, "restart", "restart the worker", day(1))
		b := craft(backend.TypeFix, "restart", "restart the worker", day(2))
		res := e.importMemories([]*backend.Memory{a, b})
		wantResult(t, "import", res, 1, 0, 1)
		if got := res.IDMap[b.ID]; got != a.ID {
			t.Errorf("id_map[second] = %q, want the first id %s", got, a.ID)
		}
		e.wantCounts(1, 0)
	})

	s.run(t, "NewerReplaces", func(t *testing.T, e *env) {
		m := e.put(craft(backend.TypeGeneral, "Kafka notes", "old text", day(1)))
		newer := clone(m)
		newer.Title, newer.Content, newer.Tags = "Pulsar notes", "new text", []string{"streaming"}
		newer.UpdatedAt, newer.Version, newer.AccessCount = day(5), 4, 9
		newer.LastAccessedAt = ptr(day(6))
		wantResult(t, "import newer", e.importMemories([]*backend.Memory{newer}), 0, 1, 0)
		if d := diffMemory(e.get(m.ID), newer); d != "" {
			t.Errorf("after importing a newer copy: %s", d)
		}
		e.wantIDs(`search "kafka"`, e.find("kafka"))
		e.wantIDs(`search "pulsar"`, e.find("pulsar"), m)
		e.wantCounts(1, 0)
	})

	s.run(t, "OlderDoesNotReplace", func(t *testing.T, e *env) {
		m := craft(backend.TypeGeneral, "current", "current text", day(1))
		m.UpdatedAt, m.Version = day(3), 3
		e.importMemories([]*backend.Memory{m})
		older := clone(m)
		older.Title, older.UpdatedAt, older.Version = "stale", day(2), 2
		res := e.importMemories([]*backend.Memory{older})
		if res.Created != 0 || res.Updated != 0 {
			t.Errorf("importing an older copy: created %d updated %d, want 0 0", res.Created, res.Updated)
		}
		if d := diffMemory(e.get(m.ID), m); d != "" {
			t.Errorf("an older copy replaced the memory: %s", d)
		}
	})

	s.run(t, "KeepsIDsAndDedup", func(t *testing.T, e *env) {
		m := craft(backend.TypeGeneral, "imported", "imported text", day(1))
		e.importMemories([]*backend.Memory{m})
		got, dup, err := e.svc.StoreMemory(e.ctx, backend.NewMemory{Type: backend.TypeGeneral, Title: "imported", Content: "imported text"})
		if err != nil || !dup || got.ID != m.ID {
			t.Errorf("storing an imported triple: dup %v err %v, want the imported id as a duplicate", dup, err)
		}
		e.wantIDs(`search "imported"`, e.find("imported"), m)
	})

	s.run(t, "EdgeWithMissingEndSkipped", func(t *testing.T, e *env) {
		a := e.put(craft(backend.TypeGeneral, "a", "a", day(1)))
		b := e.put(craft(backend.TypeGeneral, "b", "b", day(2)))
		ghost := craft(backend.TypeGeneral, "ghost", "never stored", day(3))
		ok := craftRel(a, b, backend.RelRelatedTo, day(4))
		res := e.importRelationships([]*backend.Relationship{
			craftRel(a, ghost, backend.RelRelatedTo, day(4)), ok, craftRel(ghost, b, backend.RelSolves, day(4)),
		})
		wantResult(t, "import", res, 1, 0, 2)
		e.wantExport([]*backend.Memory{a, b}, []*backend.Relationship{ok})
	})

	s.run(t, "ExistingEdgeKept", func(t *testing.T, e *env) {
		a := e.put(craft(backend.TypeGeneral, "a", "a", day(1)))
		b := e.put(craft(backend.TypeGeneral, "b", "b", day(2)))
		existing := e.putRel(craftRel(a, b, backend.RelSolves, day(3)))
		other := craftRel(a, b, backend.RelSolves, day(5))
		other.Strength, other.EvidenceCount, other.Context = 0.99, 7, "imported"
		res := e.importRelationships([]*backend.Relationship{other})
		if res.Created != 0 || res.Updated != 0 {
			t.Errorf("importing an existing edge: created %d updated %d, want 0 0", res.Created, res.Updated)
		}
		e.wantExport([]*backend.Memory{a, b}, []*backend.Relationship{existing})
	})

	s.run(t, "ImportedEdgeReinforces", func(t *testing.T, e *env) {
		a := e.put(craft(backend.TypeGeneral, "a", "a", day(1)))
		b := e.put(craft(backend.TypeGeneral, "b", "b", day(2)))
		r := craftRel(a, b, backend.RelSolves, day(3))
		r.EvidenceCount = 3
		e.importRelationships([]*backend.Relationship{r})
		got, created, err := e.svc.CreateRelationship(e.ctx, backend.NewRelationship{FromID: a.ID, ToID: b.ID, Type: backend.RelSolves})
		if err != nil || created || got.ID != r.ID || got.EvidenceCount != 4 {
			t.Errorf("reinforcing an imported edge: created %v err %v evidence %d, want false nil 4", created, err, got.EvidenceCount)
		}
	})

	s.run(t, "ServiceFillsDefaults", func(t *testing.T, e *env) {
		before := backend.Now()
		m := &backend.Memory{Type: backend.TypeGeneral, Title: " bare ", Content: "no id, no times", Importance: 0.5, Confidence: 0.5,
			Tags: []string{"A", "a"}}
		if _, err := e.svc.ImportMemories(e.ctx, []*backend.Memory{m}); err != nil {
			t.Fatal(err)
		}
		all := e.memories()
		if len(all) != 1 {
			t.Fatalf("%d memories, want 1", len(all))
		}
		got := all[0]
		if got.ID == "" || got.Version != 1 || got.Title != "bare" || !equalList(got.Tags, []string{"a"}) {
			t.Errorf("imported bare memory: id %q version %d title %q tags %q", got.ID, got.Version, got.Title, got.Tags)
		}
		if got.CreatedAt.Before(before) || !got.UpdatedAt.Equal(got.CreatedAt) {
			t.Errorf("created_at %v updated_at %v, want now and equal", got.CreatedAt, got.UpdatedAt)
		}
	})

	s.run(t, "RelationshipsBeforeMemoriesSkipped", func(t *testing.T, src *env) {
		_, rs := src.richGraph()
		dst := s.env(t)
		res := dst.importRelationships(src.relationships())
		wantResult(t, "relationships into an empty store", res, 0, 0, len(rs))
		dst.wantCounts(0, 0)
	})
}
