package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/storetest"
)

// TestConformance runs the suite every backend.Store passes, each case on a
// new file of its own.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) backend.Store {
		s, err := Open(t.Context(), filepath.Join(t.TempDir(), "engram.db"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	})
}
