package mcp

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/engramhq/engram/backend"
)

// ---- create_relationship ----

const createRelationshipDesc = `Link two memories with a typed, directed edge, e.g. a solution SOLVES a problem, an error OCCURS_IN a file context, a pattern is PREFERRED_OVER another. Creating an existing edge again reinforces it (new strength, confidence and context; evidence count + 1).`

type createRelationshipArgs struct {
	FromMemoryID     string                   `json:"from_memory_id" jsonschema:"required,minLength=1,maxLength=128"`
	ToMemoryID       string                   `json:"to_memory_id" jsonschema:"required,minLength=1,maxLength=128"`
	RelationshipType backend.RelationshipType `json:"relationship_type" jsonschema:"required" jsonschema_description:"from → to, read as a sentence: from SOLVES to."`
	Strength         *float64                 `json:"strength" jsonschema:"minimum=0,maximum=1,default=0.5"`
	Confidence       *float64                 `json:"confidence" jsonschema:"minimum=0,maximum=1,default=0.8"`
	Context          string                   `json:"context" jsonschema:"maxLength=1000" jsonschema_description:"Why the link holds."`
}

type createRelationshipResult struct {
	Relationship *backend.Relationship `json:"relationship"`
	// Created is false when an existing edge was reinforced.
	Created bool `json:"created"`
}

func createRelationship(ctx context.Context, d deps, in createRelationshipArgs) (createRelationshipResult, string, error) {
	r, created, err := d.svc.CreateRelationship(ctx, backend.NewRelationship{
		FromID: in.FromMemoryID, ToID: in.ToMemoryID, Type: in.RelationshipType,
		Strength: in.Strength, Confidence: in.Confidence, Context: in.Context,
	})
	if err != nil {
		return createRelationshipResult{}, "", err
	}
	out := createRelationshipResult{Relationship: r, Created: created}
	if created {
		return out, fmt.Sprintf("Created relationship %s.", edgeText(r)), nil
	}
	return out, fmt.Sprintf("Reinforced relationship %s (evidence %d, strength %g).", edgeText(r), r.EvidenceCount, r.Strength), nil
}

// ---- delete_relationship ----

const deleteRelationshipDesc = `Remove the edge of the given type from one memory to another. The memories stay.`

type deleteRelationshipArgs struct {
	FromMemoryID     string                   `json:"from_memory_id" jsonschema:"required,minLength=1,maxLength=128"`
	ToMemoryID       string                   `json:"to_memory_id" jsonschema:"required,minLength=1,maxLength=128"`
	RelationshipType backend.RelationshipType `json:"relationship_type" jsonschema:"required"`
}

type deleteRelationshipResult struct {
	FromMemoryID     string                   `json:"from_memory_id"`
	ToMemoryID       string                   `json:"to_memory_id"`
	RelationshipType backend.RelationshipType `json:"relationship_type"`
	Deleted          bool                     `json:"deleted"`
}

func deleteRelationship(ctx context.Context, d deps, in deleteRelationshipArgs) (deleteRelationshipResult, string, error) {
	if err := d.svc.DeleteRelationship(ctx, in.FromMemoryID, in.ToMemoryID, in.RelationshipType); err != nil {
		return deleteRelationshipResult{}, "", err
	}
	out := deleteRelationshipResult{FromMemoryID: in.FromMemoryID, ToMemoryID: in.ToMemoryID, RelationshipType: in.RelationshipType, Deleted: true}
	return out, fmt.Sprintf("Deleted relationship %s -%s-> %s.", in.FromMemoryID, in.RelationshipType, in.ToMemoryID), nil
}

// ---- get_related_memories ----

const relatedMemoriesDesc = `Walk the graph from one memory: the memories up to depth hops away, nearest first, each with the edge that reached it. Filter by relationship_types and direction, e.g. SOLVES incoming to find the solutions of a problem.`

type relatedMemoriesArgs struct {
	MemoryID          string                     `json:"memory_id" jsonschema:"required,minLength=1,maxLength=128"`
	Depth             int                        `json:"depth" jsonschema:"minimum=1,maximum=5,default=1"`
	RelationshipTypes []backend.RelationshipType `json:"relationship_types" jsonschema:"maxItems=35" jsonschema_description:"Follow only these edge types; all when empty."`
	Direction         backend.Direction          `json:"direction" jsonschema:"default=\"both\"" jsonschema_description:"outgoing follows edges from the memory, incoming edges to it."`
	Limit             int                        `json:"limit" jsonschema:"minimum=1,maximum=500,default=20"`
}

// relatedMemory is a memory reached by a walk.
type relatedMemory struct {
	memoryBrief
	Depth int `json:"depth"`
	// Via is the edge that first reached this memory.
	Via *backend.Relationship `json:"via"`
}

type relatedMemoriesResult struct {
	MemoryID string          `json:"memory_id"`
	Related  []relatedMemory `json:"related"`
	// Found counts what the walk returned (at most limit); Showing is how
	// many of those fit the response.
	Found   int `json:"found"`
	Showing int `json:"showing"`
}

func relatedMemories(ctx context.Context, d deps, in relatedMemoriesArgs) (relatedMemoriesResult, string, error) {
	limit := cmp.Or(in.Limit, 20)
	rel, err := d.svc.RelatedMemories(ctx, backend.RelatedQuery{
		ID: in.MemoryID, Depth: in.Depth, Types: in.RelationshipTypes, Direction: in.Direction, Limit: limit,
	})
	if err != nil {
		return relatedMemoriesResult{}, "", err
	}
	items := make([]relatedMemory, 0, len(rel))
	for _, r := range rel {
		if r.Memory != nil {
			items = append(items, relatedMemory{memoryBrief: briefOf(r.Memory), Depth: r.Depth, Via: r.Via})
		}
	}
	line := func(r relatedMemory) string {
		via := ""
		if r.Via != nil {
			via = " via " + string(r.Via.Type)
		}
		return fmt.Sprintf("depth %d%s: %s", r.Depth, via, label(r.ID, r.Type, r.Title))
	}
	n := fit(items, maxResultBytes-resultOverhead, line)
	out := relatedMemoriesResult{MemoryID: in.MemoryID, Related: items[:n], Found: len(items), Showing: n}
	var head string
	switch {
	case len(items) == 0:
		head = fmt.Sprintf("No memories related to %s with these filters.", in.MemoryID)
	case n < len(items):
		head = fmt.Sprintf("Found %s related to %s, showing %d of %d (cut to fit the response; narrow with relationship_types or a smaller depth).",
			plural(len(items), "memory", "memories"), in.MemoryID, n, len(items))
	default:
		head = fmt.Sprintf("Found %s related to %s.", plural(len(items), "memory", "memories"), in.MemoryID)
	}
	if len(items) == limit {
		head += fmt.Sprintf(" There may be more: the limit is %d.", limit)
	}
	return out, listText(head, items[:n], line), nil
}

// ---- find_path ----

const findPathDesc = `Find the shortest chain of relationships between two memories, following edges either way, to see how two things are connected.`

type findPathArgs struct {
	FromMemoryID      string                     `json:"from_memory_id" jsonschema:"required,minLength=1,maxLength=128"`
	ToMemoryID        string                     `json:"to_memory_id" jsonschema:"required,minLength=1,maxLength=128"`
	MaxDepth          int                        `json:"max_depth" jsonschema:"minimum=1,maximum=10,default=5" jsonschema_description:"Longest path to look for, in hops."`
	RelationshipTypes []backend.RelationshipType `json:"relationship_types" jsonschema:"maxItems=35" jsonschema_description:"Follow only these edge types; all when empty."`
}

type findPathResult struct {
	Found bool `json:"found"`
	Hops  int  `json:"hops"`
	// Memories run from from_memory_id to to_memory_id; Relationships[i]
	// joins Memories[i] and Memories[i+1], in either direction.
	Memories      []memoryRef             `json:"memories"`
	Relationships []*backend.Relationship `json:"relationships"`
}

func findPath(ctx context.Context, d deps, in findPathArgs) (findPathResult, string, error) {
	maxDepth := cmp.Or(in.MaxDepth, backend.DefaultPathDepth)
	p, err := d.svc.FindPath(ctx, in.FromMemoryID, in.ToMemoryID, maxDepth, in.RelationshipTypes)
	if err != nil {
		return findPathResult{}, "", err
	}
	out := findPathResult{Memories: []memoryRef{}, Relationships: []*backend.Relationship{}}
	if p == nil || len(p.Memories) == 0 {
		return out, fmt.Sprintf("No path between %s and %s within %s.", in.FromMemoryID, in.ToMemoryID, plural(maxDepth, "hop", "hops")), nil
	}
	out.Found, out.Hops, out.Relationships = true, len(p.Relationships), nonNil(p.Relationships)
	var b strings.Builder
	fmt.Fprintf(&b, "Path of %s:", plural(len(p.Relationships), "hop", "hops"))
	for i, m := range p.Memories {
		out.Memories = append(out.Memories, refOf(m))
		if i > 0 && i-1 < len(p.Relationships) {
			r := p.Relationships[i-1]
			if r.FromID == m.ID {
				fmt.Fprintf(&b, "\n  <-%s-", r.Type)
			} else {
				fmt.Fprintf(&b, "\n  -%s->", r.Type)
			}
		}
		b.WriteString("\n" + label(m.ID, m.Type, m.Title))
	}
	return out, b.String(), nil
}
