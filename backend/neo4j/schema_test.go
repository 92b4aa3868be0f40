package neo4j

import (
	"strings"
	"testing"

	"github.com/engramhq/engram/backend"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// TestBootstrapRederivesSearchText plays an older Engram's database: a
// full-text index with the english analyzer over search_* properties that
// hold the text unstemmed. Bootstrap must rebuild the index with today's
// settings and write the properties again, after which a phrase with a
// stop word finds the memory by its exact words only.
func TestBootstrapRederivesSearchText(t *testing.T) {
	ctx := t.Context()
	s := openTestStore(t)
	svc := backend.NewService(s)
	m, _, err := svc.StoreMemory(ctx, backend.NewMemory{Type: backend.TypeGeneral, Title: "Running to the tests", Content: "caching layers"})
	if err != nil {
		t.Fatal(err)
	}
	old := map[string]any{"search_title": "Running to the tests", "search_content": "caching layers"}
	err = s.write(ctx, "age memory", func(tx neo4j.ManagedTransaction) error {
		_, err := run(ctx, tx, `MATCH (m:Memory {ns: $ns, id: $id}) SET m += $old`, s.params(map[string]any{"id": m.ID, "old": old}))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	oldIndex := strings.Replace(createTextIndex(), "'"+textAnalyzer+"'", "'english'", 1)
	for _, stmt := range []string{`DROP INDEX ` + textIndex, oldIndex} {
		if err := s.schemaChange(ctx, "age index", stmt); err != nil {
			t.Fatal(err)
		}
	}

	if err := s.bootstrap(ctx); err != nil {
		t.Fatal(err)
	}

	var props map[string]any
	err = s.read(ctx, "read memory", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, `MATCH (m:Memory {ns: $ns, id: $id})
			RETURN m {.search_title, .search_content}`, s.params(map[string]any{"id": m.ID}))
		if err == nil && len(recs) == 1 {
			props = recs[0].Values[0].(map[string]any)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if props["search_title"] != "run to the test" || props["search_content"] != "cach layer" {
		t.Errorf("search properties after bootstrap = %v, want them derived again", props)
	}
	for q, want := range map[string]int{`"running to"`: 1, `"running the"`: 0, "caching*": 1, `"caching layers"`: 1} {
		res, err := svc.Search(ctx, backend.SearchQuery{Text: q})
		if err != nil {
			t.Fatalf("Search(%s): %v", q, err)
		}
		if res.Total != want {
			t.Errorf("Search(%s) after bootstrap finds %d memories, want %d", q, res.Total, want)
		}
	}
}
