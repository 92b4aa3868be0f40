package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/client"
)

// referenceDriver runs the same workload on the official MCP memory server
// (npm @modelcontextprotocol/server-memory). Its graph has entities (a
// name, a type and observations) and relations (from, to, type), so:
//
//	store    -> create_entities: the title is the name, the content the first observation
//	search   -> search_nodes (a substring match over names, types and observations)
//	recall   -> search_nodes for the memory's token (answers carry the relations)
//	get      -> open_nodes
//	relate   -> create_relations
//	traverse -> open_nodes of the memory, then of its neighbours (depth 2)
//	update   -> add_observations (it has no summary or version to change)
type referenceDriver struct{}

type entity struct {
	Name         string   `json:"name"`
	EntityType   string   `json:"entityType"`
	Observations []string `json:"observations"`
}

type relation struct {
	From         string `json:"from"`
	To           string `json:"to"`
	RelationType string `json:"relationType"`
}

type graphResult struct {
	Entities  []entity   `json:"entities"`
	Relations []relation `json:"relations"`
}

func (g *graphResult) has(name string) bool {
	return slices.ContainsFunc(g.Entities, func(e entity) bool { return e.Name == name })
}

func (referenceDriver) do(ctx context.Context, s *session, c *client.Client, op opKind) error {
	switch op {
	case opStore:
		m := s.fresh()
		var out graphResult
		if err := callTool(ctx, c, "create_entities", map[string]any{"entities": []entity{entityOf(m)}}, &out); err != nil {
			return err
		}
		if len(out.Entities) != 1 || out.Entities[0].Name != m.Title {
			return wrong(op, "create_entities %q returned %d entities", m.Title, len(out.Entities))
		}
		s.remember(m)

	case opSearch:
		if s.rng.IntN(2) == 0 {
			m, _ := s.pick()
			var out graphResult
			if err := callTool(ctx, c, "search_nodes", map[string]any{"query": m.Token}, &out); err != nil {
				return err
			}
			if len(out.Entities) != 1 || out.Entities[0].Name != m.Title {
				return wrong(op, "searching the unique token %s found %d entities", m.Token, len(out.Entities))
			}
			return nil
		}
		word := s.topic()
		var out graphResult
		if err := callTool(ctx, c, "search_nodes", map[string]any{"query": word}, &out); err != nil {
			return err
		}
		for _, e := range out.Entities {
			if !strings.Contains(strings.ToLower(e.Name+" "+e.EntityType+" "+strings.Join(e.Observations, " ")), word) {
				return wrong(op, "search %q returned %q, which does not contain the word", word, e.Name)
			}
		}

	case opRecall:
		m, _ := s.pick()
		var out graphResult
		if err := callTool(ctx, c, "search_nodes", map[string]any{"query": m.Token}, &out); err != nil {
			return err
		}
		if !out.has(m.Title) {
			return wrong(op, "recall of %s did not return it", m.Token)
		}

	case opGet:
		m, owned := s.pick()
		var out graphResult
		if err := callTool(ctx, c, "open_nodes", map[string]any{"names": []string{m.Title}}, &out); err != nil {
			return err
		}
		if len(out.Entities) != 1 || len(out.Entities[0].Observations) == 0 || out.Entities[0].Observations[0] != m.Content {
			return wrong(op, "open_nodes %q returned %d entities or other content", m.Title, len(out.Entities))
		}
		if e := out.Entities[0]; owned && m.Summary != "" && e.Observations[len(e.Observations)-1] != m.Summary {
			return wrong(op, "open_nodes %q lacks the last added observation", m.Title)
		}

	case opRelate:
		from, to, typ, ok := s.pickPair()
		if !ok {
			return errSkip
		}
		rel := relation{From: from.Title, To: to.Title, RelationType: string(typ)}
		var out struct {
			Relations []relation `json:"relations"`
		}
		if err := callTool(ctx, c, "create_relations", map[string]any{"relations": []relation{rel}}, &out); err != nil {
			return err
		}
		// An existing relation is not created again and not returned.
		if len(out.Relations) > 1 || (len(out.Relations) == 1 && out.Relations[0] != rel) {
			return wrong(op, "create_relations %+v returned %+v", rel, out.Relations)
		}
		s.link(ownEdge{from: from, to: to, typ: typ})

	case opTraverse:
		e, ok := s.pickEdge()
		if !ok {
			return errSkip
		}
		var first graphResult
		if err := callTool(ctx, c, "open_nodes", map[string]any{"names": []string{e.from.Title}}, &first); err != nil {
			return err
		}
		var next []string
		for _, r := range first.Relations {
			switch e.from.Title {
			case r.From:
				next = append(next, r.To)
			case r.To:
				next = append(next, r.From)
			}
		}
		if !slices.Contains(next, e.to.Title) {
			return wrong(op, "the relations of %q lack its %s edge to %q", e.from.Title, e.typ, e.to.Title)
		}
		var second graphResult
		if err := callTool(ctx, c, "open_nodes", map[string]any{"names": next}, &second); err != nil {
			return err
		}
		if !second.has(e.to.Title) {
			return wrong(op, "open_nodes of the neighbours of %q lacks %q", e.from.Title, e.to.Title)
		}

	case opUpdate:
		m := s.pickOwn()
		if m == nil {
			return errSkip
		}
		summary := fmt.Sprintf("Revision %d: %s.", m.Version+1, words(s.rng, 8))
		var out struct {
			Results []struct {
				EntityName        string   `json:"entityName"`
				AddedObservations []string `json:"addedObservations"`
			} `json:"results"`
		}
		args := map[string]any{"observations": []map[string]any{{"entityName": m.Title, "contents": []string{summary}}}}
		if err := callTool(ctx, c, "add_observations", args, &out); err != nil {
			return err
		}
		if len(out.Results) != 1 || !slices.Equal(out.Results[0].AddedObservations, []string{summary}) {
			return wrong(op, "add_observations to %q returned %+v", m.Title, out.Results)
		}
		m.Version, m.Summary = m.Version+1, summary
	}
	return nil
}

func entityOf(m *memory) entity {
	return entity{Name: m.Title, EntityType: string(m.Type), Observations: []string{m.Content}}
}

// writeReferenceSeed writes w as the reference server's memory.jsonl.
func writeReferenceSeed(path string, w *world) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	for _, m := range w.memories {
		if err := enc.Encode(struct {
			Type string `json:"type"`
			entity
		}{"entity", entityOf(m)}); err != nil {
			return err
		}
	}
	for _, e := range w.edges {
		r := relation{From: w.memories[e.From].Title, To: w.memories[e.To].Title, RelationType: string(e.Type)}
		if err := enc.Encode(struct {
			Type string `json:"type"`
			relation
		}{"relation", r}); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
