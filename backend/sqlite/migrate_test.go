package sqlite

import (
	"testing"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/storetest"
)

// TestMigrate moves memories between two SQLite files.
func TestMigrate(t *testing.T) {
	open := func(t *testing.T) backend.Store { return openTest(t) }
	storetest.RunMigrate(t, open, open)
}
