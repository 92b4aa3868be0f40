package neo4j

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The tests of this package run against a real Neo4j named by
// ENGRAM_TEST_NEO4J_URI, _USERNAME, _PASSWORD and _DATABASE (build/neo4j/neo4j.sh
// start prints them). Without a URI they skip, unless
// ENGRAM_TEST_NEO4J_REQUIRED=1 (as in CI), which makes them fail.

// testConfig returns the configuration of the test server.
func testConfig(t testing.TB) Config {
	t.Helper()
	cfg := Config{
		URI:      os.Getenv("ENGRAM_TEST_NEO4J_URI"),
		Username: os.Getenv("ENGRAM_TEST_NEO4J_USERNAME"),
		Password: os.Getenv("ENGRAM_TEST_NEO4J_PASSWORD"),
		Database: os.Getenv("ENGRAM_TEST_NEO4J_DATABASE"),
	}
	if cfg.URI == "" {
		const how = "ENGRAM_TEST_NEO4J_URI is not set; start a test server with build/neo4j/neo4j.sh start and export what it prints"
		if os.Getenv("ENGRAM_TEST_NEO4J_REQUIRED") == "1" {
			t.Fatal(how + " (ENGRAM_TEST_NEO4J_REQUIRED=1)")
		}
		t.Skip(how)
	}
	return cfg
}

// shared is the one store (and driver) the tests of this process share.
var shared struct {
	once  sync.Once
	store *Store
	err   error
}

// TestMain closes the shared driver after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if shared.store != nil {
		shared.store.Close()
	}
	os.Exit(code)
}

// openTestStore returns an empty store of its own for t: a fresh namespace
// over the driver every test shares. Its memories are deleted when t ends.
func openTestStore(t testing.TB) *Store {
	t.Helper()
	cfg := testConfig(t)
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		shared.store, shared.err = Open(ctx, cfg)
	})
	if shared.err != nil {
		t.Fatalf("Open(%s): %v", cfg.URI, shared.err)
	}
	s := shared.store.withNamespace("test-" + backend.NewID())
	t.Cleanup(func() {
		// t's own context has ended by now.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err := s.write(ctx, "clean up", func(tx neo4j.ManagedTransaction) error {
			_, err := run(ctx, tx, `MATCH (m:Memory {ns: $ns}) DETACH DELETE m`, s.params(nil))
			return err
		})
		if err != nil {
			t.Errorf("deleting the test namespace %s: %v", s.ns, err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}
