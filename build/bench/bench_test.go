package main

import (
	"slices"
	"testing"
	"time"
)

func TestOpMixAddsUpTo100(t *testing.T) {
	total := 0
	for _, m := range opMix {
		total += m.share
		if !slices.Contains(opOrder, m.op) {
			t.Errorf("%s is missing from opOrder, so reports would leave it out", m.op)
		}
	}
	if total != 100 {
		t.Errorf("opMix shares add up to %d, want 100", total)
	}
}

func TestWorldIsReproducible(t *testing.T) {
	a, b := newWorld(500, 7, 4), newWorld(500, 7, 4)
	c := newWorld(500, 8, 4)
	if len(a.edges) != len(b.edges) || a.memories[42].Title != b.memories[42].Title || a.memories[42].ID != b.memories[42].ID {
		t.Fatal("the same seed gave two different graphs")
	}
	if a.memories[42].Title == c.memories[42].Title {
		t.Error("different seeds gave the same memory")
	}
	tokens := map[string]bool{}
	for _, m := range a.memories {
		if tokens[m.Token] {
			t.Fatalf("token %s is not unique", m.Token)
		}
		tokens[m.Token] = true
	}
	for _, e := range a.edges {
		if e.From == e.To {
			t.Fatalf("self-loop %v", e)
		}
	}
}

func TestSessionsAreReproducible(t *testing.T) {
	w := newWorld(100, 1, 2)
	s1, s2 := newSession(1, 2, w, 1, "n"), newSession(1, 2, w, 1, "n")
	for range 50 {
		if a, b := s1.nextOp(), s2.nextOp(); a != b {
			t.Fatalf("one seed, two sequences: %s then %s", a, b)
		}
	}
	for _, m := range s1.own {
		if m.Owner != 1 {
			t.Fatalf("client 1 owns a memory of client %d", m.Owner)
		}
	}
}

func TestStatsPercentiles(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		name string
		got  float64
		want float64
	}{
		{"p50", statsOf(lat, 0).P50, 51},
		{"p95", statsOf(lat, 0).P95, 96},
		{"p99", statsOf(lat, 0).P99, 100},
		{"max", statsOf(lat, 0).Max, 100},
		{"mean", statsOf(lat, 0).Mean, 50.5},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v ms, want %v", tc.name, tc.got, tc.want)
		}
	}
	if s := statsOf(nil, 0); s.Count != 0 || s.P99 != 0 {
		t.Errorf("no latencies gave %+v", s)
	}
}
