package storetest

import (
	"fmt"
	"testing"

	"github.com/engramhq/engram/backend"
)

func (e *env) stats(top int) *backend.Statistics {
	e.t.Helper()
	st, err := e.svc.Statistics(e.ctx, top)
	if err != nil {
		e.t.Fatalf("Statistics: %v", err)
	}
	return st
}

// wantTypeCounts fails unless got holds want, ignoring zero counts.
func wantTypeCounts[K comparable](t *testing.T, what string, got, want map[K]int) {
	t.Helper()
	for k, v := range got {
		if v != want[k] {
			t.Errorf("%s[%v] = %d, want %d", what, k, v, want[k])
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s[%v] = %d, want %d", what, k, got[k], v)
		}
	}
}

func testStatistics(t *testing.T, s *suite) {
	s.run(t, "Empty", func(t *testing.T, e *env) {
		st := e.stats(0)
		if st.Memories != 0 || st.Relationships != 0 || len(st.TopTags) != 0 {
			t.Errorf("empty store: %+v", st)
		}
		wantTypeCounts(t, "by_type", st.ByType, nil)
		wantTypeCounts(t, "by_relationship_type", st.ByRelationshipType, nil)
	})

	s.run(t, "Counts", func(t *testing.T, e *env) {
		p1, p2 := e.typed(backend.TypeProblem, "p1"), e.typed(backend.TypeProblem, "p2")
		e.typed(backend.TypeProblem, "p3")
		s1, s2 := e.typed(backend.TypeSolution, "s1"), e.typed(backend.TypeSolution, "s2")
		e.typed(backend.TypeFix, "f1")
		e.relate(s1, p1, backend.RelSolves)
		e.relate(s2, p2, backend.RelSolves)
		e.relate(p1, p2, backend.RelRelatedTo)
		st := e.stats(10)
		if st.Memories != 6 || st.Relationships != 3 {
			t.Errorf("memories %d relationships %d, want 6 3", st.Memories, st.Relationships)
		}
		wantTypeCounts(t, "by_type", st.ByType, map[backend.MemoryType]int{
			backend.TypeProblem: 3, backend.TypeSolution: 2, backend.TypeFix: 1})
		wantTypeCounts(t, "by_relationship_type", st.ByRelationshipType, map[backend.RelationshipType]int{
			backend.RelSolves: 2, backend.RelRelatedTo: 1})
	})

	s.run(t, "TopTags", func(t *testing.T, e *env) {
		tagged := [][]string{{"go", "db", "ui", "x"}, {"go", "db", "ui"}, {"go", "db"}, {"go"}, {}}
		for i, tags := range tagged {
			e.add(backend.NewMemory{Type: backend.TypeGeneral, Title: fmt.Sprint("m", i), Content: "c", Tags: tags})
		}
		want := []backend.TagCount{{Tag: "go", Count: 4}, {Tag: "db", Count: 3}, {Tag: "ui", Count: 2}, {Tag: "x", Count: 1}}
		if got := e.stats(3).TopTags; fmt.Sprint(got) != fmt.Sprint(want[:3]) {
			t.Errorf("top 3 tags = %v, want %v", got, want[:3])
		}
		if got := e.stats(10).TopTags; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("top 10 tags = %v, want %v", got, want)
		}
	})

	s.run(t, "FollowChanges", func(t *testing.T, e *env) {
		a := e.add(backend.NewMemory{Type: backend.TypeProblem, Title: "a", Content: "a", Tags: []string{"old"}})
		b := e.typed(backend.TypeSolution, "b")
		c := e.typed(backend.TypeSolution, "c")
		e.relate(b, a, backend.RelSolves)
		e.relate(c, a, backend.RelSolves)
		e.relate(b, c, backend.RelRelatedTo)
		if _, err := e.svc.UpdateMemory(e.ctx, a.ID, backend.MemoryUpdate{Type: ptr(backend.TypeError), Tags: ptr([]string{"new"})}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteMemory(e.ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		st := e.stats(10)
		if st.Memories != 2 || st.Relationships != 1 {
			t.Errorf("memories %d relationships %d, want 2 1", st.Memories, st.Relationships)
		}
		wantTypeCounts(t, "by_type", st.ByType, map[backend.MemoryType]int{backend.TypeError: 1, backend.TypeSolution: 1})
		wantTypeCounts(t, "by_relationship_type", st.ByRelationshipType, map[backend.RelationshipType]int{backend.RelSolves: 1})
		if want := []backend.TagCount{{Tag: "new", Count: 1}}; fmt.Sprint(st.TopTags) != fmt.Sprint(want) {
			t.Errorf("top tags = %v, want %v", st.TopTags, want)
		}
	})
}

func (e *env) activity(q backend.ActivityQuery) *backend.Activity {
	e.t.Helper()
	a, err := e.store.RecentActivity(e.ctx, q)
	if err != nil {
		e.t.Fatalf("RecentActivity(%+v): %v", q, err)
	}
	return a
}

func testActivity(t *testing.T, s *suite) {
	s.run(t, "CreatedAndUpdatedSince", func(t *testing.T, e *env) {
		old := e.put(craft(backend.TypeGeneral, "old", "old", day(1)))
		recent := e.put(craft(backend.TypeGeneral, "recent", "recent", day(12)))
		touched := e.put(craft(backend.TypeGeneral, "touched", "touched", day(2)))
		if _, err := e.store.UpdateMemory(e.ctx, touched.ID, backend.MemoryUpdate{Content: ptr("touched again")}, day(13)); err != nil {
			t.Fatal(err)
		}
		a := e.activity(backend.ActivityQuery{Since: day(10), Limit: 20})
		e.wantIDs("created since day 10", memIDs(a.Created), recent)
		if a.CreatedTotal != 1 {
			t.Errorf("created_total = %d, want 1", a.CreatedTotal)
		}
		// Updated lists what was created before Since and changed after it:
		// a memory created since then is only in Created.
		e.wantIDs("updated since day 10", memIDs(a.Updated), touched)
		if a.UpdatedTotal != 1 {
			t.Errorf("updated_total = %d, want 1", a.UpdatedTotal)
		}
		for _, m := range append(a.Created, a.Updated...) {
			if m.ID == old.ID {
				t.Errorf("the old, untouched memory is in the activity")
			}
		}
		for _, m := range a.Updated {
			if m.ID == touched.ID && m.Content != "touched again" {
				t.Errorf("updated memory content %q, want the new content", m.Content)
			}
		}
	})

	s.run(t, "UnresolvedProblems", func(t *testing.T, e *env) {
		at := func(d int, typ backend.MemoryType, title string) *backend.Memory {
			return e.put(craft(typ, title, title, day(d)))
		}
		p1 := at(1, backend.TypeProblem, "old open problem")
		p2 := at(11, backend.TypeProblem, "solved problem")
		e1 := at(11, backend.TypeError, "addressed error")
		e2 := at(12, backend.TypeError, "open error that solves something")
		p3 := at(12, backend.TypeProblem, "problem with a mere relation")
		task := at(12, backend.TypeTask, "open task")
		sol := at(12, backend.TypeSolution, "solution")
		fix := at(12, backend.TypeFix, "fix")
		e.relate(sol, p2, backend.RelSolves)
		e.relate(fix, e1, backend.RelAddresses)
		e.relate(e2, task, backend.RelSolves)
		e.relate(sol, p3, backend.RelRelatedTo)
		e.relate(p3, sol, backend.RelSolves) // outgoing: does not resolve p3
		a := e.activity(backend.ActivityQuery{Since: day(10), Limit: 20})
		e.wantIDs("unresolved", memIDs(a.UnresolvedProblems), p1, e2, p3)
		if a.UnresolvedTotal != 3 {
			t.Errorf("unresolved_total = %d, want 3", a.UnresolvedTotal)
		}
	})

	s.run(t, "ResolutionFollowsDeletes", func(t *testing.T, e *env) {
		p := e.typed(backend.TypeProblem, "problem")
		sol := e.typed(backend.TypeSolution, "solution")
		e.relate(sol, p, backend.RelSolves)
		since := day(0)
		e.wantIDs("unresolved while solved", memIDs(e.activity(backend.ActivityQuery{Since: since, Limit: 5}).UnresolvedProblems))
		if err := e.svc.DeleteRelationship(e.ctx, sol.ID, p.ID, backend.RelSolves); err != nil {
			t.Fatal(err)
		}
		e.wantIDs("unresolved after deleting the edge", memIDs(e.activity(backend.ActivityQuery{Since: since, Limit: 5}).UnresolvedProblems), p)
		e.relate(sol, p, backend.RelSolves)
		if err := e.svc.DeleteMemory(e.ctx, sol.ID); err != nil {
			t.Fatal(err)
		}
		e.wantIDs("unresolved after deleting the solution", memIDs(e.activity(backend.ActivityQuery{Since: since, Limit: 5}).UnresolvedProblems), p)
	})

	s.run(t, "LimitNewestFirst", func(t *testing.T, e *env) {
		var ms []*backend.Memory
		for _, d := range []int{13, 11, 15, 12, 14} {
			ms = append(ms, e.put(craft(backend.TypeProblem, fmt.Sprint("problem of day ", d), "p", day(d))))
		}
		a := e.activity(backend.ActivityQuery{Since: day(10), Limit: 2})
		e.wantOrder("created, limit 2", memIDs(a.Created), ms[2], ms[4])
		if len(a.UnresolvedProblems) != 2 {
			t.Errorf("%d unresolved returned, want the limit 2", len(a.UnresolvedProblems))
		}
		if a.CreatedTotal != 5 || a.UnresolvedTotal != 5 {
			t.Errorf("created_total %d unresolved_total %d, want 5 5", a.CreatedTotal, a.UnresolvedTotal)
		}
	})

	s.run(t, "ProjectFilter", func(t *testing.T, e *env) {
		in := func(typ backend.MemoryType, title, path string) *backend.Memory {
			m := craft(typ, title, title, day(12))
			m.Context.ProjectPath = path
			return e.put(m)
		}
		a := in(backend.TypeProblem, "problem in a", "/p/a")
		sub := in(backend.TypeGeneral, "note in a/sub", "/p/a/sub")
		in(backend.TypeProblem, "problem in b", "/p/b")
		in(backend.TypeProblem, "problem in ab", "/p/ab")
		in(backend.TypeGeneral, "note nowhere", "")
		got := e.activity(backend.ActivityQuery{Since: day(10), Limit: 20, ProjectPath: "/p/a"})
		e.wantIDs("created in /p/a", memIDs(got.Created), a, sub)
		e.wantIDs("unresolved in /p/a", memIDs(got.UnresolvedProblems), a)
		if got.CreatedTotal != 2 || got.UnresolvedTotal != 1 {
			t.Errorf("created_total %d unresolved_total %d, want 2 1", got.CreatedTotal, got.UnresolvedTotal)
		}
		all := e.activity(backend.ActivityQuery{Since: day(10), Limit: 20})
		if all.CreatedTotal != 5 || all.UnresolvedTotal != 3 {
			t.Errorf("no filter: created_total %d unresolved_total %d, want 5 3", all.CreatedTotal, all.UnresolvedTotal)
		}
	})

	s.run(t, "ServiceDays", func(t *testing.T, e *env) {
		e.put(craft(backend.TypeGeneral, "long ago", "old", day(0)))
		fresh := e.note("fresh", "just now")
		a, err := e.svc.RecentActivity(e.ctx, 7, 10, "")
		if err != nil {
			t.Fatal(err)
		}
		e.wantIDs("created in the last 7 days", memIDs(a.Created), fresh)
	})

	s.run(t, "Empty", func(t *testing.T, e *env) {
		a := e.activity(backend.ActivityQuery{Since: day(0), Limit: 10})
		if len(a.Created)+len(a.Updated)+len(a.UnresolvedProblems) != 0 || a.CreatedTotal+a.UpdatedTotal+a.UnresolvedTotal != 0 {
			t.Errorf("empty store: %+v", a)
		}
	})
}
