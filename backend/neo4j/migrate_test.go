package neo4j

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/sqlite"
	"github.com/engramhq/engram/backend/storetest"
)

// TestMigrate moves memories from a SQLite file to Neo4j, back, and
// between two Neo4j namespaces.
func TestMigrate(t *testing.T) {
	openNeo4j := func(t *testing.T) backend.Store { return openTestStore(t) }
	openSQLite := func(t *testing.T) backend.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "engram.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	t.Run("SQLiteToNeo4j", func(t *testing.T) { storetest.RunMigrate(t, openSQLite, openNeo4j) })
	t.Run("Neo4jToSQLite", func(t *testing.T) { storetest.RunMigrate(t, openNeo4j, openSQLite) })
	t.Run("Neo4jToNeo4j", func(t *testing.T) { storetest.RunMigrate(t, openNeo4j, openNeo4j) })
}

// TestDiagnose checks the doctor's report on the test server.
func TestDiagnose(t *testing.T) {
	s := openTestStore(t)
	checks, err := s.Diagnose(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, info string }{
		{"neo4j server", "Neo4j 5."},
		{"neo4j database", ": online"},
		{"neo4j schema", "7 constraints and indexes ONLINE: memory_id, memory_dedup"},
	}
	if len(checks) != len(want) {
		t.Fatalf("Diagnose returned %d checks, want %d: %+v", len(checks), len(want), checks)
	}
	for i, w := range want {
		c := checks[i]
		if c.Name != w.name || !c.OK || !strings.Contains(c.Info, w.info) {
			t.Errorf("check %d = %+v, want %s OK with %q", i, c, w.name, w.info)
		}
	}
}
