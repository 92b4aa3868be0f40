package app

import (
	"context"
	"fmt"

	"github.com/engramhq/engram/app/config"
	"github.com/engramhq/engram/backend"
)

// openNeo4j opens the configured Neo4j store.
func openNeo4j(_ context.Context, cfg *config.Config) (backend.Store, error) {
	return nil, fmt.Errorf("the Neo4j store is not available in this build yet; set ENGRAM_BACKEND=sqlite")
}
