package neo4j

import (
	"context"

	"github.com/engramhq/engram/backend"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Statistics counts memories and relationships by type and ranks tags by
// the number of memories that carry them.
func (s *Store) Statistics(ctx context.Context, topTags int) (*backend.Statistics, error) {
	var st *backend.Statistics
	err := s.read(ctx, "statistics", func(tx neo4j.ManagedTransaction) error {
		st = &backend.Statistics{
			ByType:             map[backend.MemoryType]int{},
			ByRelationshipType: map[backend.RelationshipType]int{},
			TopTags:            []backend.TagCount{},
		}
		counts := []struct {
			query string
			add   func(string, int)
		}{
			{`MATCH (m:Memory {ns: $ns}) RETURN m.type, count(*)`, func(t string, n int) {
				st.ByType[backend.MemoryType(t)] = n
				st.Memories += n
			}},
			{`MATCH (:Memory {ns: $ns})-[r]->() RETURN type(r), count(*)`, func(t string, n int) {
				st.ByRelationshipType[backend.RelationshipType(t)] = n
				st.Relationships += n
			}},
			{`MATCH (m:Memory {ns: $ns}) UNWIND m.tags AS tag
				RETURN tag, count(*) AS n ORDER BY n DESC, tag LIMIT $top`, func(t string, n int) {
				st.TopTags = append(st.TopTags, backend.TagCount{Tag: t, Count: n})
			}},
		}
		for _, c := range counts {
			recs, err := run(ctx, tx, c.query, s.params(map[string]any{"top": max(topTags, 0)}))
			if err != nil {
				return err
			}
			for _, r := range recs {
				c.add(r.Values[0].(string), int(r.Values[1].(int64)))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// RecentActivity lists the memories created since q.Since, those updated
// since then but created before, and the problems and errors that no
// resolving edge points at, each newest first with its total.
func (s *Store) RecentActivity(ctx context.Context, q backend.ActivityQuery) (*backend.Activity, error) {
	if q.Limit <= 0 {
		q.Limit = backend.DefaultActivityLimit
	}
	var a *backend.Activity
	err := s.read(ctx, "recent activity", func(tx neo4j.ManagedTransaction) error {
		a = &backend.Activity{}
		lists := []struct {
			cond  string
			order string
			out   *[]*backend.Memory
			total *int
		}{
			{"m.created_at >= $since", "m.created_at", &a.Created, &a.CreatedTotal},
			{"m.updated_at >= $since AND m.created_at < $since", "m.updated_at", &a.Updated, &a.UpdatedTotal},
			{"m.type IN $problemTypes AND NOT EXISTS { (m)<-[r]-() WHERE type(r) IN $resolving }",
				"m.created_at", &a.UnresolvedProblems, &a.UnresolvedTotal},
		}
		for _, l := range lists {
			f := &filter{params: map[string]any{
				"since":        q.Since.UTC(),
				"problemTypes": typeNames([]backend.MemoryType{backend.TypeProblem, backend.TypeError}),
				"resolving":    relTypeNames(backend.ResolvingTypes),
				"limit":        q.Limit,
			}}
			f.conds = append(f.conds, l.cond)
			f.addProjectPath(q.ProjectPath)
			recs, err := run(ctx, tx, `MATCH (m:Memory)`+f.where()+` RETURN count(*)`, s.params(f.params))
			if err != nil {
				return err
			}
			*l.total = int(recs[0].Values[0].(int64))
			*l.out, err = s.memories(ctx, tx, `MATCH (m:Memory)`+f.where()+` WITH m ORDER BY `+l.order+` DESC, m.id DESC
				LIMIT $limit RETURN `+memoryMap("m"), f.params)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}
