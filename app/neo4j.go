package app

import (
	"context"
	"fmt"

	"github.com/engramhq/engram/app/config"
	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/neo4j"
)

// openNeo4j opens the configured Neo4j store. It fails within
// neo4j.ConnectTimeout when the server does not answer or refuses the
// login, with an error naming what to check.
func openNeo4j(ctx context.Context, cfg *config.Config) (backend.Store, error) {
	n := cfg.Neo4j
	st, err := neo4j.Open(ctx, neo4j.Config{URI: n.URI, Username: n.Username, Password: n.Password, Database: n.Database, Namespace: n.Namespace})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", neo4jName(n), err)
	}
	return st, nil
}
