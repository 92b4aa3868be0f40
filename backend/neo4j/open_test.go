package neo4j

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/storetest"
)

// TestOpenInvalid needs no server: a malformed URI is refused before any
// connection is tried.
func TestOpenInvalid(t *testing.T) {
	for _, uri := range []string{"", "http://localhost:7474", "localhost:7687", "bolt://", "bolt://host:notaport"} {
		_, err := Open(t.Context(), Config{URI: uri})
		var e *backend.Error
		if !errors.As(err, &e) || e.Code != backend.EINVALID || e.Field != "uri" {
			t.Errorf("Open(%q) = %v, want EINVALID for uri", uri, err)
		}
	}
}

// TestOpenUnavailable checks that bad connection settings fail quickly with
// EUNAVAILABLE and a message saying what to fix.
func TestOpenUnavailable(t *testing.T) {
	cfg := testConfig(t)
	silent := storetest.SilentServer(t)
	cases := []struct {
		name     string
		cfg      Config
		contains string
	}{
		{"NothingListening", Config{URI: "bolt://127.0.0.1:1", Username: "neo4j", Password: "x"}, "cannot reach"},
		{"NoSuchHost", Config{URI: "bolt://no-such-host.invalid:7687", Username: "neo4j", Password: "x"}, "cannot reach"},
		{"NeverAnswers", Config{URI: "bolt://" + silent, Username: "neo4j", Password: "x"}, "did not answer"},
		{"WrongPassword", Config{URI: cfg.URI, Username: cfg.Username, Password: cfg.Password + "-wrong"}, "NEO4J_PASSWORD"},
		{"MissingDatabase", Config{URI: cfg.URI, Username: cfg.Username, Password: cfg.Password, Database: "nosuchdb"}, "NEO4J_DATABASE"},
		{"TLSNotEnabled", Config{URI: strings.Replace(cfg.URI, "bolt://", "neo4j+s://", 1), Username: cfg.Username, Password: cfg.Password}, "TLS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			s, err := Open(t.Context(), c.cfg)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%+v) succeeded", c.cfg)
			}
			if code := backend.ErrorCode(err); code != backend.EUNAVAILABLE || !strings.Contains(err.Error(), c.contains) {
				t.Errorf("Open: %v (code %q), want EUNAVAILABLE mentioning %q", err, code, c.contains)
			}
			// The promise is a failure within ConnectTimeout; the margin
			// absorbs a loaded machine.
			if d := time.Since(start); d > ConnectTimeout+5*time.Second {
				t.Errorf("Open took %v to fail, want about %v at most", d, ConnectTimeout)
			}
		})
	}
}

// TestOpenAgain opens a second store on a server whose schema exists: the
// bootstrap finds everything in place.
func TestOpenAgain(t *testing.T) {
	openTestStore(t) // makes sure the shared store bootstrapped the schema
	for range 2 {
		s, err := Open(t.Context(), testConfig(t))
		if err != nil {
			t.Fatalf("Open on a bootstrapped server: %v", err)
		}
		if err := s.Ping(t.Context()); err != nil {
			t.Errorf("Ping: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}

// TestRelationshipTypeNeverInterpolated hands the store, not the Service,
// relationship types that would be Cypher if pasted into a query.
func TestRelationshipTypeNeverInterpolated(t *testing.T) {
	s := openTestStore(t)
	ctx := t.Context()
	svc := backend.NewService(s)
	a, _, err := svc.StoreMemory(ctx, backend.NewMemory{Type: backend.TypeGeneral, Title: "a", Content: "a"})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := svc.StoreMemory(ctx, backend.NewMemory{Type: backend.TypeGeneral, Title: "b", Content: "b"})
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []backend.RelationshipType{"SOLVES]->(b) DETACH DELETE a //", "solves", "SOLVES|CAUSES"} {
		now := backend.Now()
		r := &backend.Relationship{ID: backend.NewID(), FromID: a.ID, ToID: b.ID, Type: typ, Strength: 0.5, Confidence: 0.5,
			EvidenceCount: 1, CreatedAt: now, UpdatedAt: now}
		if _, _, err := s.CreateRelationship(ctx, r); backend.ErrorCode(err) != backend.EINVALID {
			t.Errorf("CreateRelationship(%q): %v, want EINVALID", typ, err)
		}
		if _, err := s.ImportRelationships(ctx, []*backend.Relationship{r}); backend.ErrorCode(err) != backend.EINVALID {
			t.Errorf("ImportRelationships(%q): %v, want EINVALID", typ, err)
		}
		if _, err := s.FindPath(ctx, a.ID, b.ID, 3, []backend.RelationshipType{typ}); backend.ErrorCode(err) != backend.EINVALID {
			t.Errorf("FindPath(%q): %v, want EINVALID", typ, err)
		}
	}
	for _, id := range []string{a.ID, b.ID} {
		if _, err := s.GetMemory(ctx, id); err != nil {
			t.Errorf("GetMemory(%s) after the attempts: %v", id, err)
		}
	}
}

// TestClosed checks that a closed store says so instead of failing as a bug.
func TestClosed(t *testing.T) {
	s, err := Open(t.Context(), testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); backend.ErrorCode(err) != backend.EUNAVAILABLE {
		t.Errorf("Ping after Close: %v (code %q), want %q", err, backend.ErrorCode(err), backend.EUNAVAILABLE)
	}
}

// TestOpenRouting opens the test server through neo4j://, the routing
// scheme of clusters and Aura: the driver asks the server for its routing
// table and sends reads and writes where it says.
func TestOpenRouting(t *testing.T) {
	cfg := testConfig(t)
	cfg.URI = strings.Replace(cfg.URI, "bolt://", "neo4j://", 1)
	cfg.Namespace = "test-" + backend.NewID()
	s, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open(%s): %v", cfg.URI, err)
	}
	defer s.Close()
	svc := backend.NewService(s)
	m, _, err := svc.StoreMemory(t.Context(), backend.NewMemory{Type: backend.TypeGeneral, Title: "routed write", Content: "through neo4j://"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Search(t.Context(), backend.SearchQuery{Text: "routed"})
	if err != nil || res.Total != 1 || res.Hits[0].Memory.ID != m.ID {
		t.Errorf("routed read: %+v, %v; want the memory just written", res, err)
	}
	if err := svc.DeleteMemory(t.Context(), m.ID); err != nil {
		t.Errorf("DeleteMemory: %v", err)
	}
}
