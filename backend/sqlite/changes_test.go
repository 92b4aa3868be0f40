package sqlite

import (
	"context"
	"testing"

	"github.com/engramhq/engram/backend"
)

func TestChangeMarkSeesOtherProcessesWrites(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	// A second Store on the same file stands for another process.
	other, err := Open(ctx, s.path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	svc, otherSvc := backend.NewService(s), backend.NewService(other)

	mark := func() string {
		t.Helper()
		m, err := svc.ChangeMark(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	before := mark()
	if again := mark(); again != before {
		t.Fatalf("mark changed with no write: %q then %q", before, again)
	}
	a, _, err := otherSvc.StoreMemory(ctx, backend.NewMemory{Type: backend.TypeGeneral, Title: "a", Content: "a"})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := otherSvc.StoreMemory(ctx, backend.NewMemory{Type: backend.TypeGeneral, Title: "b", Content: "b"})
	if err != nil {
		t.Fatal(err)
	}
	afterCreate := mark()
	if afterCreate == before {
		t.Fatal("mark did not change after another store created memories")
	}
	title := "a2"
	if _, err := otherSvc.UpdateMemory(ctx, a.ID, backend.MemoryUpdate{Title: &title}); err != nil {
		t.Fatal(err)
	}
	afterUpdate := mark()
	if afterUpdate == afterCreate {
		t.Fatal("mark did not change after an update")
	}
	if _, _, err := otherSvc.CreateRelationship(ctx, backend.NewRelationship{FromID: a.ID, ToID: b.ID, Type: backend.RelRelatedTo}); err != nil {
		t.Fatal(err)
	}
	afterEdge := mark()
	if afterEdge == afterUpdate {
		t.Fatal("mark did not change after a relationship was created")
	}
	if err := otherSvc.DeleteMemory(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if mark() == afterEdge {
		t.Fatal("mark did not change after a delete")
	}
}

func TestServicePublishesWrites(t *testing.T) {
	ctx := context.Background()
	svc := backend.NewService(openTest(t))
	sub := svc.Subscribe(0)
	defer sub.Close()

	a, _, err := svc.StoreMemory(ctx, backend.NewMemory{Type: backend.TypeProblem, Title: "a", Content: "a"})
	if err != nil {
		t.Fatal(err)
	}
	// A duplicate writes nothing, so it publishes nothing.
	if _, dup, err := svc.StoreMemory(ctx, backend.NewMemory{Type: backend.TypeProblem, Title: "a", Content: "a"}); err != nil || !dup {
		t.Fatalf("duplicate store: dup=%v err=%v", dup, err)
	}
	b, _, err := svc.StoreMemory(ctx, backend.NewMemory{Type: backend.TypeSolution, Title: "b", Content: "b"})
	if err != nil {
		t.Fatal(err)
	}
	title := "a2"
	if _, err := svc.UpdateMemory(ctx, a.ID, backend.MemoryUpdate{Title: &title}); err != nil {
		t.Fatal(err)
	}
	rel := backend.NewRelationship{FromID: b.ID, ToID: a.ID, Type: backend.RelSolves}
	r, _, err := svc.CreateRelationship(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateRelationship(ctx, rel); err != nil { // reinforced
		t.Fatal(err)
	}
	if err := svc.DeleteRelationship(ctx, b.ID, a.ID, backend.RelSolves); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteMemory(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	// A failed write publishes nothing.
	if err := svc.DeleteMemory(ctx, b.ID); backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}

	want := []backend.Change{
		{Kind: backend.KindMemory, Op: backend.OpCreated, ID: a.ID},
		{Kind: backend.KindMemory, Op: backend.OpCreated, ID: b.ID},
		{Kind: backend.KindMemory, Op: backend.OpUpdated, ID: a.ID},
		{Kind: backend.KindRelationship, Op: backend.OpCreated, ID: r.ID, From: b.ID, To: a.ID, Type: backend.RelSolves},
		{Kind: backend.KindRelationship, Op: backend.OpUpdated, ID: r.ID, From: b.ID, To: a.ID, Type: backend.RelSolves},
		{Kind: backend.KindRelationship, Op: backend.OpDeleted, From: b.ID, To: a.ID, Type: backend.RelSolves},
		{Kind: backend.KindMemory, Op: backend.OpDeleted, ID: b.ID},
	}
	for i, w := range want {
		select {
		case got := <-sub.C:
			if got != w {
				t.Errorf("change %d = %+v, want %+v", i, got, w)
			}
		default:
			t.Fatalf("change %d missing, want %+v", i, w)
		}
	}
	select {
	case got := <-sub.C:
		t.Errorf("unexpected change %+v", got)
	default:
	}
	if n := svc.PublishedChanges(); n != uint64(len(want)) {
		t.Errorf("PublishedChanges = %d, want %d", n, len(want))
	}
}

func TestSlowSubscriberIsDroppedNotWaitedFor(t *testing.T) {
	ctx := context.Background()
	svc := backend.NewService(openTest(t))
	slow := svc.Subscribe(1)
	defer slow.Close()
	fast := svc.Subscribe(10)
	defer fast.Close()
	for i := range 3 {
		if _, _, err := svc.StoreMemory(ctx, backend.NewMemory{Type: backend.TypeGeneral, Title: "m", Content: string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
	}
	// The slow one got the first change, then its channel was closed.
	if _, ok := <-slow.C; !ok {
		t.Fatal("the first change should have been delivered")
	}
	if _, ok := <-slow.C; ok {
		t.Fatal("a subscriber that fell behind should see its channel closed")
	}
	if len(fast.C) != 3 {
		t.Errorf("the fast subscriber has %d changes, want 3", len(fast.C))
	}
	slow.Close() // closing a dropped subscription again is harmless
}

func TestSubscribeConcurrently(t *testing.T) {
	ctx := context.Background()
	svc := backend.NewService(openTest(t))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			sub := svc.Subscribe(4)
			sub.Close()
		}
	}()
	for i := range 20 {
		if _, _, err := svc.StoreMemory(ctx, backend.NewMemory{Type: backend.TypeGeneral, Title: "c", Content: string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
	}
	<-done
}
