package backend

import "testing"

func TestMigrateProgress(t *testing.T) {
	tests := []struct {
		name     string
		p        MigrateProgress
		fraction float64
		text     string
	}{
		{"EmptySource", MigrateProgress{Phase: PhaseMemories}, 0, "copying memories: 0 of 0"},
		{"EmptySourceDone", MigrateProgress{Phase: PhaseVerify, Done: true}, 1, "verifying: 0 of 0 records"},
		{"Start", MigrateProgress{Phase: PhaseMemories, TotalMemories: 80, TotalRelationships: 20}, 0, "copying memories: 0 of 80"},
		{"HalfTheMemories", MigrateProgress{Phase: PhaseMemories, Memories: 40, TotalMemories: 80, TotalRelationships: 20}, 0.2, "copying memories: 40 of 80"},
		{"Relationships", MigrateProgress{Phase: PhaseRelationships, Memories: 80, Relationships: 10, TotalMemories: 80, TotalRelationships: 20}, 0.45, "copying relationships: 10 of 20"},
		{"Verifying", MigrateProgress{Phase: PhaseVerify, Memories: 80, Relationships: 20, Verified: 50, TotalMemories: 80, TotalRelationships: 20}, 0.75, "verifying: 50 of 100 records"},
		// Memories written to the source after it was counted.
		{"MoreThanCounted", MigrateProgress{Phase: PhaseVerify, Memories: 90, Relationships: 20, Verified: 110, TotalMemories: 80, TotalRelationships: 20}, 1, "verifying: 110 of 110 records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Fraction(); got != tt.fraction {
				t.Errorf("Fraction() = %v, want %v", got, tt.fraction)
			}
			if got := tt.p.String(); got != tt.text {
				t.Errorf("String() = %q, want %q", got, tt.text)
			}
		})
	}
}

func TestMigrateReportString(t *testing.T) {
	tests := []struct {
		name string
		r    MigrateReport
		want string
	}{
		{"Nothing", MigrateReport{}, "memories: 0 read, 0 created, 0 updated, 0 already there; relationships: 0 read, 0 created, 0 already there"},
		{"Verified", MigrateReport{
			Memories:      MigrateTally{Read: 5, Created: 3, Updated: 1, Kept: 1},
			Relationships: MigrateTally{Read: 2, Created: 2},
			Verified:      true,
		}, "memories: 5 read, 3 created, 1 updated, 1 already there; relationships: 2 read, 2 created, 0 already there; verified: the destination holds them all"},
		{"Merged", MigrateReport{
			Memories:      MigrateTally{Read: 2, Created: 1, Merged: 1},
			Relationships: MigrateTally{Read: 1, Kept: 1},
		}, "memories: 2 read, 1 created, 0 updated, 0 already there, 1 merged into equal memories; relationships: 1 read, 0 created, 1 already there"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.String(); got != tt.want {
				t.Errorf("String() =\n %q\nwant\n %q", got, tt.want)
			}
		})
	}
}
