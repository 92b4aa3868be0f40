package neo4j

import (
	"strings"
	"testing"

	"github.com/engramhq/engram/backend"
)

// TestProbe connects with good and bad settings: it reports the server and
// the namespace's memories, or the same actionable errors as Open.
func TestProbe(t *testing.T) {
	cfg := testConfig(t)
	st := openTestStore(t)
	svc := backend.NewService(st)
	for _, title := range []string{"one", "two"} {
		if _, _, err := svc.StoreMemory(t.Context(), backend.NewMemory{Type: backend.TypeGeneral, Title: title, Content: title}); err != nil {
			t.Fatal(err)
		}
	}
	withNS := cfg
	withNS.Namespace = st.ns
	host := strings.TrimPrefix(cfg.URI, "bolt://")
	cases := []struct {
		name     string
		cfg      Config
		memories int
		code     string // the error's code, "" for success
		contains string
	}{
		{"Namespace", withNS, 2, "", ""},
		{"EmptyNamespace", Config{URI: cfg.URI, Username: cfg.Username, Password: cfg.Password, Namespace: "probe-" + backend.NewID()}, 0, "", ""},
		{"Routing", Config{URI: "neo4j://" + host, Username: cfg.Username, Password: cfg.Password, Database: cfg.Database, Namespace: st.ns}, 2, "", ""},
		{"WrongPassword", Config{URI: cfg.URI, Username: cfg.Username, Password: cfg.Password + "-wrong"}, 0, backend.EUNAVAILABLE, "wrong user name or password"},
		{"MissingDatabase", Config{URI: cfg.URI, Username: cfg.Username, Password: cfg.Password, Database: "nosuchdb"}, 0, backend.EUNAVAILABLE, "no such database"},
		{"NothingListening", Config{URI: "bolt://127.0.0.1:1", Username: "neo4j", Password: "x"}, 0, backend.EUNAVAILABLE, "cannot reach"},
		{"TLSToPlainServer", Config{URI: "neo4j+s://" + host, Username: cfg.Username, Password: cfg.Password}, 0, backend.EUNAVAILABLE, "Neo4j at neo4j+s://"},
		{"SelfSignedTLSToPlainServer", Config{URI: "bolt+ssc://" + host, Username: cfg.Username, Password: cfg.Password}, 0, backend.EUNAVAILABLE, "Neo4j at bolt+ssc://"},
		{"BadURI", Config{URI: "http://localhost:7474"}, 0, backend.EINVALID, "not a Neo4j URI"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			info, err := Probe(t.Context(), c.cfg)
			if c.code != "" {
				if backend.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.contains) {
					t.Fatalf("Probe = %v, want %s containing %q", err, c.code, c.contains)
				}
				if c.cfg.Password != "" && strings.Contains(err.Error(), c.cfg.Password) {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if !strings.HasPrefix(info.Version, "5.") || info.Database == "" || !info.Schema || info.Memories != c.memories {
				t.Errorf("Probe = %+v, want version 5.x, a database, the schema and %d memories", info, c.memories)
			}
		})
	}
}

// BenchmarkChangeMark measures what the live event streams pay each second
// per open page to notice another process's writes: Idle when nothing was
// committed since the last call (the usual case), AfterWrite when
// something was, in any namespace.
func BenchmarkChangeMark(b *testing.B) {
	forEach(b, benchSizes, func(b *testing.B, svc *backend.Service) {
		b.Run("Idle", func(b *testing.B) {
			for b.Loop() {
				if _, err := svc.ChangeMark(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("AfterWrite", func(b *testing.B) {
			other := backend.NewService(openTestStore(b))
			m, _, err := other.StoreMemory(b.Context(), backend.NewMemory{Type: backend.TypeGeneral, Title: "elsewhere", Content: "x"})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				b.StopTimer()
				content := backend.NewID()
				if _, err := other.UpdateMemory(b.Context(), m.ID, backend.MemoryUpdate{Content: &content}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := svc.ChangeMark(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
