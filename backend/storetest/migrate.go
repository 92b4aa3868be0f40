package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/engramhq/engram/backend"
)

// RunMigrate checks backend.Migrate from the stores of newFrom to those of
// newTo (which may be the same kind): each returns a fresh, empty store for
// one test and registers its cleanup on that test.
func RunMigrate(t *testing.T, newFrom, newTo func(t *testing.T) backend.Store) {
	run := func(name string, fn func(t *testing.T, from, to *env)) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, envOf(t, newFrom(t)), envOf(t, newTo(t)))
		})
	}

	run("Empty", func(t *testing.T, from, to *env) {
		rep := migrate(from, to, nil)
		if rep != (backend.MigrateReport{Verified: true}) {
			t.Errorf("report = %+v, want nothing done and verified", rep)
		}
		to.wantCounts(0, 0)
	})

	run("KeepsEveryField", func(t *testing.T, from, to *env) {
		ms, rs := from.richGraph()
		rep := migrate(from, to, nil)
		want := backend.MigrateReport{
			Memories:      backend.MigrateTally{Read: 4, Created: 4},
			Relationships: backend.MigrateTally{Read: 3, Created: 3},
			Verified:      true,
		}
		if rep != want {
			t.Errorf("report = %+v, want %+v", rep, want)
		}
		to.wantExport(ms, rs)
		from.wantExport(ms, rs) // the source is left as it was
	})

	run("ReRunCopiesNothingTwice", func(t *testing.T, from, to *env) {
		ms, rs := from.richGraph()
		migrate(from, to, nil)
		rep := migrate(from, to, nil)
		want := backend.MigrateReport{
			Memories:      backend.MigrateTally{Read: 4, Kept: 4},
			Relationships: backend.MigrateTally{Read: 3, Kept: 3},
			Verified:      true,
		}
		if rep != want {
			t.Errorf("second run: report = %+v, want %+v", rep, want)
		}
		to.wantExport(ms, rs)
	})

	run("ReRunTakesNewerCopies", func(t *testing.T, from, to *env) {
		a := from.put(craft(backend.TypeGeneral, "a", "first text", day(1)))
		b := from.put(craft(backend.TypeGeneral, "b", "second text", day(2)))
		migrate(from, to, nil)
		// a changed in the source since, b in the destination: each side's
		// newer copy wins.
		if _, err := from.store.UpdateMemory(from.ctx, a.ID, backend.MemoryUpdate{Title: ptr("a2")}, day(3)); err != nil {
			t.Fatal(err)
		}
		if _, err := to.store.UpdateMemory(to.ctx, b.ID, backend.MemoryUpdate{Title: ptr("b2")}, day(3)); err != nil {
			t.Fatal(err)
		}
		rep := migrate(from, to, nil)
		if rep.Memories != (backend.MigrateTally{Read: 2, Updated: 1, Kept: 1}) {
			t.Errorf("memories = %+v, want 1 updated and 1 kept", rep.Memories)
		}
		got := to.memories()
		if len(got) != 2 || got[0].Title != "a2" || got[0].Version != 2 || got[1].Title != "b2" {
			t.Errorf("destination = %v, want a2 (version 2) and b2", titlesOf(got))
		}
	})

	run("IntoStoreWithMemories", func(t *testing.T, from, to *env) {
		// The destination already holds one unrelated memory and one equal
		// to a source memory under another id: the equal one absorbs the
		// source's copy and its edges.
		other := to.put(craft(backend.TypeGeneral, "unrelated", "stays", day(1)))
		equal := to.put(craft(backend.TypeProblem, "slow", "slow startup", day(2)))
		problem := from.put(craft(backend.TypeProblem, "slow", "slow startup", day(3)))
		fix := from.put(craft(backend.TypeFix, "lazy", "lazy init", day(4)))
		from.putRel(craftRel(fix, problem, backend.RelSolves, day(5)))

		rep := migrate(from, to, nil)
		want := backend.MigrateReport{
			Memories:      backend.MigrateTally{Read: 2, Created: 1, Merged: 1},
			Relationships: backend.MigrateTally{Read: 1, Created: 1},
			Verified:      true,
		}
		if rep != want {
			t.Errorf("report = %+v, want %+v", rep, want)
		}
		to.wantIDs("destination", memIDs(to.memories()), other, equal, fix)
		rels := to.relationships()
		if len(rels) != 1 || rels[0].FromID != fix.ID || rels[0].ToID != equal.ID {
			t.Errorf("destination edges = %+v, want lazy -SOLVES-> the destination's slow (%s)", rels, equal.ID)
		}
	})

	run("ManyInBatchesWithProgress", func(t *testing.T, from, to *env) {
		n := backend.MaxImportBatch + 17
		ms := make([]*backend.Memory, n)
		for i := range ms {
			ms[i] = craft(backend.TypeGeneral, fmt.Sprintf("m%04d", i), "c", day(i))
		}
		from.importAll(ms)
		var rs []*backend.Relationship
		for i := 1; i < n; i++ {
			rs = append(rs, craftRel(ms[i-1], ms[i], relLeadsTo, day(n+i)))
		}
		from.importAllRels(rs)

		var reports []backend.MigrateProgress
		rep := migrate(from, to, func(p backend.MigrateProgress) { reports = append(reports, p) })
		if rep.Memories.Created != n || rep.Relationships.Created != len(rs) || !rep.Verified {
			t.Errorf("report = %+v, want %d memories and %d relationships created and verified", rep, n, len(rs))
		}
		to.wantCounts(n, len(rs))
		checkProgress(t, reports, n, len(rs))
	})

	run("CanceledThenResumed", func(t *testing.T, from, to *env) {
		n := backend.MaxImportBatch + 10
		ms := make([]*backend.Memory, n)
		for i := range ms {
			ms[i] = craft(backend.TypeGeneral, fmt.Sprintf("m%04d", i), "c", day(i))
		}
		from.importAll(ms)
		ctx, cancel := context.WithCancel(from.ctx)
		defer cancel()
		_, err := backend.Migrate(ctx, from.store, to.store, func(p backend.MigrateProgress) {
			if p.Memories > 0 {
				cancel() // after the first batch is written
			}
		})
		wantCode(t, err, backend.ECANCELED)
		if got := len(to.memories()); got == 0 || got == n {
			t.Errorf("after cancelling, the destination holds %d memories, want some but not all %d", got, n)
		}
		rep := migrate(from, to, nil)
		if rep.Memories.Created+rep.Memories.Kept != n || !rep.Verified {
			t.Errorf("resumed report = %+v, want the %d memories created or kept, verified", rep, n)
		}
		to.wantCounts(n, 0)
	})

	run("DestinationChangedMeanwhile", func(t *testing.T, from, to *env) {
		a := from.put(craft(backend.TypeGeneral, "a", "deleted from the destination", day(1)))
		b := from.put(craft(backend.TypeGeneral, "b", "kept", day(2)))
		from.putRel(craftRel(a, b, backend.RelRelatedTo, day(3)))
		_, err := backend.Migrate(from.ctx, from.store, to.store, func(p backend.MigrateProgress) {
			if p.Phase == backend.PhaseVerify && p.Verified == 0 && !p.Done {
				if err := to.store.DeleteMemory(to.ctx, a.ID); err != nil {
					t.Error(err)
				}
			}
		})
		wantCode(t, err, backend.EINTERNAL)
		for _, want := range []string{"memory " + a.ID, "relationship " + a.ID + " -RELATED_TO-> " + b.ID, "run the migration again"} {
			if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(want)) {
				t.Errorf("error %q does not name %q", err, want)
			}
		}
		if rep := migrate(from, to, nil); rep.Memories.Created != 1 || rep.Relationships.Created != 1 {
			t.Errorf("re-run report = %+v, want the lost memory and edge created again", rep)
		}
	})
}

// migrate runs backend.Migrate from e to to and fails on error.
func migrate(from, to *env, progress func(backend.MigrateProgress)) backend.MigrateReport {
	from.t.Helper()
	rep, err := backend.Migrate(from.ctx, from.store, to.store, progress)
	if err != nil {
		from.t.Fatalf("Migrate: %v (report %+v)", err, rep)
	}
	return rep
}

// importAll writes ms through the Service in batches.
func (e *env) importAll(ms []*backend.Memory) {
	e.t.Helper()
	for i := 0; i < len(ms); i += backend.MaxImportBatch {
		if _, err := e.svc.ImportMemories(e.ctx, ms[i:min(len(ms), i+backend.MaxImportBatch)]); err != nil {
			e.t.Fatal(err)
		}
	}
}

// importAllRels writes rs through the Service in batches.
func (e *env) importAllRels(rs []*backend.Relationship) {
	e.t.Helper()
	for i := 0; i < len(rs); i += backend.MaxImportBatch {
		if _, err := e.svc.ImportRelationships(e.ctx, rs[i:min(len(rs), i+backend.MaxImportBatch)]); err != nil {
			e.t.Fatal(err)
		}
	}
}

// checkProgress fails unless the reports go through the phases in order,
// never go back, and end with one Done report of everything.
func checkProgress(t *testing.T, reports []backend.MigrateProgress, mems, rels int) {
	t.Helper()
	if len(reports) < 4 {
		t.Fatalf("%d progress reports, want at least one per phase and the last: %+v", len(reports), reports)
	}
	phases := []backend.MigratePhase{backend.PhaseMemories, backend.PhaseRelationships, backend.PhaseVerify}
	for i, p := range reports {
		if p.TotalMemories != mems || p.TotalRelationships != rels {
			t.Errorf("report %d: totals %d and %d, want %d and %d", i, p.TotalMemories, p.TotalRelationships, mems, rels)
		}
		if p.Done != (i == len(reports)-1) {
			t.Errorf("report %d of %d: Done = %v", i, len(reports), p.Done)
		}
		if i == 0 {
			continue
		}
		prev := reports[i-1]
		if p.Fraction() < prev.Fraction() || slices.Index(phases, p.Phase) < slices.Index(phases, prev.Phase) {
			t.Errorf("report %d (%s, %.3f) goes back from %s, %.3f", i, p.Phase, p.Fraction(), prev.Phase, prev.Fraction())
		}
	}
	for _, ph := range phases {
		if !slices.ContainsFunc(reports, func(p backend.MigrateProgress) bool { return p.Phase == ph }) {
			t.Errorf("no progress report in phase %s", ph)
		}
	}
	last := reports[len(reports)-1]
	if last.Memories != mems || last.Relationships != rels || last.Verified != mems+rels || last.Fraction() != 1 {
		t.Errorf("last report = %+v, want every record copied and verified", last)
	}
}

func titlesOf(ms []*backend.Memory) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Title
	}
	return out
}
