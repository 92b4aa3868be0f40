package neo4j

import (
	"testing"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/storetest"
)

// TestConformance runs the suite every backend.Store passes, each case in a
// namespace of its own on the test server.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) backend.Store { return openTestStore(t) })
}
