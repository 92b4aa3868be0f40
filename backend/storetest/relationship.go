package storetest

import (
	"testing"

	"github.com/engramhq/engram/backend"
)

// missingID is a well-formed id that no store holds.
const missingID = "01900000-0000-7000-8000-000000000000"

func testNotFound(t *testing.T, s *suite) {
	cases := []struct {
		name string
		call func(e *env, a, b *backend.Memory) error
	}{
		{"ServiceGetMemory", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.GetMemory(e.ctx, missingID)
			return err
		}},
		{"StoreGetMemory", func(e *env, _, _ *backend.Memory) error {
			_, err := e.store.GetMemory(e.ctx, missingID)
			return err
		}},
		{"UpdateMemory", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.UpdateMemory(e.ctx, missingID, backend.MemoryUpdate{Title: ptr("x")})
			return err
		}},
		{"UpdateMemoryWithVersion", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.UpdateMemory(e.ctx, missingID, backend.MemoryUpdate{Title: ptr("x"), ExpectedVersion: ptr(int64(1))})
			return err
		}},
		{"DeleteMemory", func(e *env, _, _ *backend.Memory) error {
			return e.svc.DeleteMemory(e.ctx, missingID)
		}},
		{"RelationshipFromMissing", func(e *env, a, _ *backend.Memory) error {
			_, _, err := e.svc.CreateRelationship(e.ctx, backend.NewRelationship{FromID: missingID, ToID: a.ID, Type: backend.RelSolves})
			return err
		}},
		{"RelationshipToMissing", func(e *env, a, _ *backend.Memory) error {
			_, _, err := e.svc.CreateRelationship(e.ctx, backend.NewRelationship{FromID: a.ID, ToID: missingID, Type: backend.RelSolves})
			return err
		}},
		{"DeleteRelationshipNoEdge", func(e *env, a, b *backend.Memory) error {
			return e.svc.DeleteRelationship(e.ctx, b.ID, a.ID, backend.RelRelatedTo)
		}},
		{"DeleteRelationshipWrongType", func(e *env, a, b *backend.Memory) error {
			return e.svc.DeleteRelationship(e.ctx, a.ID, b.ID, backend.RelAddresses)
		}},
		{"DeleteRelationshipReversed", func(e *env, a, b *backend.Memory) error {
			return e.svc.DeleteRelationship(e.ctx, b.ID, a.ID, backend.RelSolves)
		}},
		{"DeleteRelationshipMissingMemory", func(e *env, a, _ *backend.Memory) error {
			return e.svc.DeleteRelationship(e.ctx, a.ID, missingID, backend.RelSolves)
		}},
		{"Relationships", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.Relationships(e.ctx, missingID)
			return err
		}},
		{"RelatedMemories", func(e *env, _, _ *backend.Memory) error {
			_, err := e.svc.RelatedMemories(e.ctx, backend.RelatedQuery{ID: missingID, Depth: 2})
			return err
		}},
		{"FindPathFromMissing", func(e *env, a, _ *backend.Memory) error {
			_, err := e.svc.FindPath(e.ctx, missingID, a.ID, 3, nil)
			return err
		}},
		{"FindPathToMissing", func(e *env, a, _ *backend.Memory) error {
			_, err := e.svc.FindPath(e.ctx, a.ID, missingID, 3, nil)
			return err
		}},
	}
	for _, c := range cases {
		s.run(t, c.name, func(t *testing.T, e *env) {
			a, b := e.note("first memory", "first"), e.note("second memory", "second")
			e.relate(a, b, backend.RelSolves)
			wantCode(t, c.call(e, a, b), backend.ENOTFOUND)
			e.wantCounts(2, 1)
		})
	}
}

func testRelationship(t *testing.T, s *suite) {
	s.run(t, "Create", func(t *testing.T, e *env) {
		a, b := e.note("a", "a"), e.note("b", "b")
		r, created, err := e.svc.CreateRelationship(e.ctx, backend.NewRelationship{
			FromID: a.ID, ToID: b.ID, Type: backend.RelSolves, Strength: ptr(0.7), Confidence: ptr(0.4), Context: "seen in prod ✓"})
		if err != nil {
			t.Fatal(err)
		}
		if !created {
			t.Errorf("created = false for a new edge")
		}
		want := &backend.Relationship{ID: r.ID, FromID: a.ID, ToID: b.ID, Type: backend.RelSolves, Strength: 0.7,
			Confidence: 0.4, Context: "seen in prod ✓", EvidenceCount: 1, CreatedAt: r.CreatedAt, UpdatedAt: r.CreatedAt}
		if d := diffRelationship(r, want); d != "" {
			t.Errorf("CreateRelationship returned: %s", d)
		}
		wantUTCMicro(t, "created_at", r.CreatedAt)
		rels, err := e.svc.Relationships(e.ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rels) != 1 {
			t.Fatalf("Relationships(a) has %d edges, want 1", len(rels))
		}
		if d := diffRelationship(rels[0], want); d != "" {
			t.Errorf("Relationships(a): %s", d)
		}
	})

	s.run(t, "Defaults", func(t *testing.T, e *env) {
		a, b := e.note("a", "a"), e.note("b", "b")
		r := e.relate(a, b, backend.RelRelatedTo)
		if r.Strength != backend.DefaultStrength || r.Confidence != backend.DefaultConfidence || r.EvidenceCount != 1 || r.Context != "" {
			t.Errorf("strength %v confidence %v evidence %d context %q, want %v %v 1 empty",
				r.Strength, r.Confidence, r.EvidenceCount, r.Context, backend.DefaultStrength, backend.DefaultConfidence)
		}
	})

	s.run(t, "TimestampsRoundTrip", func(t *testing.T, e *env) {
		a, b := e.note("a", "a"), e.note("b", "b")
		r := craftRel(a, b, backend.RelationshipType("CAUSES"), day(10))
		r.UpdatedAt = day(11)
		r.Context = "crafted"
		r.EvidenceCount = 4
		e.putRel(r)
		rels := e.relationships()
		if len(rels) != 1 {
			t.Fatalf("%d edges, want 1", len(rels))
		}
		if d := diffRelationship(rels[0], r); d != "" {
			t.Errorf("exported edge: %s", d)
		}
		wantUTCMicro(t, "created_at", rels[0].CreatedAt)
		wantUTCMicro(t, "updated_at", rels[0].UpdatedAt)
	})

	s.run(t, "Reinforce", func(t *testing.T, e *env) {
		a, b := e.note("a", "a"), e.note("b", "b")
		first, _, err := e.svc.CreateRelationship(e.ctx, backend.NewRelationship{FromID: a.ID, ToID: b.ID, Type: backend.RelSolves, Context: "first"})
		if err != nil {
			t.Fatal(err)
		}
		second, created, err := e.svc.CreateRelationship(e.ctx, backend.NewRelationship{
			FromID: a.ID, ToID: b.ID, Type: backend.RelSolves, Strength: ptr(0.9), Confidence: ptr(0.95), Context: "second"})
		if err != nil {
			t.Fatal(err)
		}
		if created {
			t.Errorf("created = true when reinforcing")
		}
		want := *first
		want.Strength, want.Confidence, want.Context, want.EvidenceCount, want.UpdatedAt = 0.9, 0.95, "second", 2, second.UpdatedAt
		if d := diffRelationship(second, &want); d != "" {
			t.Errorf("reinforced edge: %s", d)
		}
		if second.UpdatedAt.Before(first.UpdatedAt) {
			t.Errorf("updated_at went back: %v -> %v", first.UpdatedAt, second.UpdatedAt)
		}
		rels := e.relationships()
		if len(rels) != 1 {
			t.Fatalf("%d edges after reinforcing, want 1", len(rels))
		}
		if d := diffRelationship(rels[0], &want); d != "" {
			t.Errorf("stored edge: %s", d)
		}
	})

	s.run(t, "ReinforceKeepsContextWhenEmpty", func(t *testing.T, e *env) {
		a, b := e.note("a", "a"), e.note("b", "b")
		if _, _, err := e.svc.CreateRelationship(e.ctx, backend.NewRelationship{FromID: a.ID, ToID: b.ID, Type: backend.RelSolves, Context: "keep me"}); err != nil {
			t.Fatal(err)
		}
		r, _, err := e.svc.CreateRelationship(e.ctx, backend.NewRelationship{FromID: a.ID, ToID: b.ID, Type: backend.RelSolves, Strength: ptr(0.2)})
		if err != nil {
			t.Fatal(err)
		}
		if r.Context != "keep me" || r.Strength != 0.2 || r.EvidenceCount != 2 {
			t.Errorf("context %q strength %v evidence %d, want %q 0.2 2", r.Context, r.Strength, r.EvidenceCount, "keep me")
		}
	})

	s.run(t, "ReinforceCounts", func(t *testing.T, e *env) {
		a, b := e.note("a", "a"), e.note("b", "b")
		var r *backend.Relationship
		for range 5 {
			var err error
			if r, _, err = e.svc.CreateRelationship(e.ctx, backend.NewRelationship{FromID: a.ID, ToID: b.ID, Type: backend.RelRelatedTo}); err != nil {
				t.Fatal(err)
			}
		}
		if r.EvidenceCount != 5 {
			t.Errorf("evidence_count = %d after 5 creations, want 5", r.EvidenceCount)
		}
		e.wantCounts(2, 1)
	})

	s.run(t, "BothDirectionsAreSeparate", func(t *testing.T, e *env) {
		a, b := e.note("a", "a"), e.note("b", "b")
		ab := e.relate(a, b, backend.RelRelatedTo)
		ba := e.relate(b, a, backend.RelRelatedTo)
		if ab.ID == ba.ID {
			t.Errorf("a->b and b->a share an id")
		}
		e.wantCounts(2, 2)
	})

	s.run(t, "SameEndsDifferentTypes", func(t *testing.T, e *env) {
		a, b := e.note("a", "a"), e.note("b", "b")
		for _, typ := range []backend.RelationshipType{backend.RelSolves, backend.RelAddresses, backend.RelRelatedTo} {
			e.relate(a, b, typ)
		}
		e.wantCounts(2, 3)
	})

	s.run(t, "AllTypes", func(t *testing.T, e *env) {
		a, b := e.note("a", "a"), e.note("b", "b")
		for _, typ := range backend.RelationshipTypes {
			if r := e.relate(a, b, typ); r.Type != typ {
				t.Errorf("type = %q, want %q", r.Type, typ)
			}
		}
		got := map[backend.RelationshipType]bool{}
		for _, r := range e.relationships() {
			got[r.Type] = true
		}
		if len(got) != len(backend.RelationshipTypes) {
			t.Errorf("%d distinct types stored, want %d", len(got), len(backend.RelationshipTypes))
		}
	})

	s.run(t, "Delete", func(t *testing.T, e *env) {
		a, b := e.note("a", "a"), e.note("b", "b")
		e.relate(a, b, backend.RelSolves)
		keep1 := e.relate(a, b, backend.RelRelatedTo)
		keep2 := e.relate(b, a, backend.RelSolves)
		if err := e.svc.DeleteRelationship(e.ctx, a.ID, b.ID, backend.RelSolves); err != nil {
			t.Fatal(err)
		}
		rels := e.relationships()
		ids := make([]string, len(rels))
		for i, r := range rels {
			ids[i] = r.ID
		}
		if !sameSet(ids, []string{keep1.ID, keep2.ID}) {
			t.Errorf("after delete %d edges remain, want the other two", len(rels))
		}
		wantCode(t, e.svc.DeleteRelationship(e.ctx, a.ID, b.ID, backend.RelSolves), backend.ENOTFOUND)
		e.get(a.ID)
		e.get(b.ID)
	})

	s.run(t, "RecreateAfterDelete", func(t *testing.T, e *env) {
		a, b := e.note("a", "a"), e.note("b", "b")
		e.relate(a, b, backend.RelSolves)
		if _, _, err := e.svc.CreateRelationship(e.ctx, backend.NewRelationship{FromID: a.ID, ToID: b.ID, Type: backend.RelSolves}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteRelationship(e.ctx, a.ID, b.ID, backend.RelSolves); err != nil {
			t.Fatal(err)
		}
		if r := e.relate(a, b, backend.RelSolves); r.EvidenceCount != 1 {
			t.Errorf("evidence_count = %d on a re-created edge, want 1", r.EvidenceCount)
		}
	})

	s.run(t, "ListingNewestFirst", func(t *testing.T, e *env) {
		a, b, c, d := e.note("a", "a"), e.note("b", "b"), e.note("c", "c"), e.note("d", "d")
		r1 := e.putRel(craftRel(a, b, backend.RelSolves, day(1)))
		r2 := e.putRel(craftRel(c, a, backend.RelRelatedTo, day(3)))
		r3 := e.putRel(craftRel(a, d, backend.RelAddresses, day(2)))
		e.putRel(craftRel(b, c, backend.RelRelatedTo, day(4))) // does not touch a
		rels, err := e.svc.Relationships(e.ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []*backend.Relationship{r2, r3, r1}
		if len(rels) != len(want) {
			t.Fatalf("Relationships(a) has %d edges, want %d", len(rels), len(want))
		}
		for i := range want {
			if d := diffRelationship(rels[i], want[i]); d != "" {
				t.Errorf("edge %d: %s", i, d)
			}
		}
	})

	s.run(t, "ListingEmpty", func(t *testing.T, e *env) {
		a := e.note("a", "a")
		rels, err := e.svc.Relationships(e.ctx, a.ID)
		if err != nil || len(rels) != 0 {
			t.Errorf("Relationships of a lone memory: %d edges, %v; want none", len(rels), err)
		}
	})
}
