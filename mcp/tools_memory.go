package mcp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/engramhq/engram/backend"
)

// contextArgs says where a memory came from.
type contextArgs struct {
	ProjectPath string            `json:"project_path" jsonschema:"maxLength=1024" jsonschema_description:"Absolute path of the project."`
	Files       []string          `json:"files" jsonschema:"maxItems=100,itemMaxLength=1024" jsonschema_description:"Files involved."`
	Languages   []string          `json:"languages" jsonschema:"maxItems=100,itemMaxLength=1024"`
	Frameworks  []string          `json:"frameworks" jsonschema:"maxItems=100,itemMaxLength=1024"`
	GitBranch   string            `json:"git_branch" jsonschema:"maxLength=1024"`
	GitCommit   string            `json:"git_commit" jsonschema:"maxLength=1024"`
	SessionID   string            `json:"session_id" jsonschema:"maxLength=1024"`
	Extra       map[string]string `json:"extra" jsonschema:"maxProperties=50" jsonschema_description:"Any other string facts."`
}

func (c *contextArgs) domain() backend.Context {
	if c == nil {
		return backend.Context{}
	}
	return backend.Context{
		ProjectPath: c.ProjectPath, Files: c.Files, Languages: c.Languages, Frameworks: c.Frameworks,
		GitBranch: c.GitBranch, GitCommit: c.GitCommit, SessionID: c.SessionID, Extra: c.Extra,
	}
}

// ---- store_memory ----

const storeMemoryDesc = `Save knowledge worth keeping across sessions: a problem and its cause, a solution or fix, a code pattern, a useful command, a decision. Storing the same type, title and content again returns the existing memory instead of a copy. Link memories afterwards with create_relationship.`

type storeMemoryArgs struct {
	Type       backend.MemoryType `json:"type" jsonschema:"required" jsonschema_description:"Kind of knowledge."`
	Title      string             `json:"title" jsonschema:"required,minLength=1,maxLength=200" jsonschema_description:"Short, specific and searchable."`
	Content    string             `json:"content" jsonschema:"required,minLength=1,maxLength=51200" jsonschema_description:"The knowledge itself, with the details a later session needs (at most 50 KB)."`
	Summary    string             `json:"summary" jsonschema:"maxLength=500" jsonschema_description:"One or two sentences."`
	Tags       []string           `json:"tags" jsonschema:"maxItems=50,itemMaxLength=100" jsonschema_description:"Keywords such as go, sqlite, ci; stored lower-cased."`
	Importance *float64           `json:"importance" jsonschema:"minimum=0,maximum=1,default=0.5"`
	Confidence *float64           `json:"confidence" jsonschema:"minimum=0,maximum=1,default=0.8" jsonschema_description:"How sure you are that it is right."`
	Context    *contextArgs       `json:"context" jsonschema_description:"Where it came from."`
}

// storeMemoryResult does not echo the type and title the caller just sent
// (a duplicate has the same ones by definition): every byte of a result
// costs the client decoding time and the assistant context.
type storeMemoryResult struct {
	ID        string    `json:"id"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	// Duplicate is true when an equal memory existed and nothing was stored.
	Duplicate bool `json:"duplicate"`
}

func storeMemory(ctx context.Context, d deps, in storeMemoryArgs) (storeMemoryResult, string, error) {
	m, dup, err := d.svc.StoreMemory(ctx, backend.NewMemory{
		Type: in.Type, Title: in.Title, Content: in.Content, Summary: in.Summary, Tags: in.Tags,
		Importance: in.Importance, Confidence: in.Confidence, Context: in.Context.domain(),
	})
	if err != nil {
		return storeMemoryResult{}, "", err
	}
	out := storeMemoryResult{ID: m.ID, Version: m.Version, CreatedAt: m.CreatedAt, Duplicate: dup}
	if dup {
		return out, "Already stored as memory " + m.ID + "; nothing new was added.", nil
	}
	return out, "Stored memory " + m.ID + ".", nil
}

// ---- get_memory ----

const getMemoryDesc = `Read one memory in full (content, tags, context, version), optionally with its relationships. Use it after a search to open a result.`

type getMemoryArgs struct {
	MemoryID             string `json:"memory_id" jsonschema:"required,minLength=1,maxLength=128"`
	IncludeRelationships bool   `json:"include_relationships" jsonschema:"default=false" jsonschema_description:"Also list the edges that start or end here."`
}

type getMemoryResult struct {
	Memory *backend.Memory `json:"memory"`
	// Relationships are present when asked for, newest first, cut to fit.
	Relationships      []*backend.Relationship `json:"relationships,omitempty"`
	RelationshipsTotal *int                    `json:"relationships_total,omitempty"`
}

func getMemory(ctx context.Context, d deps, in getMemoryArgs) (getMemoryResult, string, error) {
	m, err := d.svc.GetMemory(ctx, in.MemoryID)
	if err != nil {
		return getMemoryResult{}, "", err
	}
	out := getMemoryResult{Memory: m}
	var b strings.Builder
	fmt.Fprintf(&b, "Memory %s — version %d, importance %g", label(m.ID, m.Type, m.Title), m.Version, m.Importance)
	if len(m.Tags) > 0 {
		fmt.Fprintf(&b, ", tags: %s", strings.Join(m.Tags, ", "))
	}
	b.WriteString(".\n")
	if m.Summary != "" {
		b.WriteString("Summary: " + m.Summary + "\n")
	}
	b.WriteString("\n" + m.Content + "\n")
	if in.IncludeRelationships {
		rels, err := d.svc.Relationships(ctx, m.ID)
		if err != nil {
			return getMemoryResult{}, "", err
		}
		// The content appears in both the text and the structured result.
		budget := maxResultBytes - resultOverhead - 2*len(m.Content)
		n := fit(rels, budget, func(r *backend.Relationship) string { return edgeText(r) })
		out.Relationships, out.RelationshipsTotal = nonNil(rels[:n]), new(len(rels))
		fmt.Fprintf(&b, "\nRelationships: %s", plural(len(rels), "relationship", "relationships"))
		if n < len(rels) {
			fmt.Fprintf(&b, ", showing %d of %d (cut to fit the response; get_related_memories can filter by type)", n, len(rels))
		}
		b.WriteString("\n")
		for _, r := range rels[:n] {
			b.WriteString("- " + edgeText(r) + "\n")
		}
	}
	return out, strings.TrimRight(b.String(), "\n"), nil
}

// ---- update_memory ----

const updateMemoryDesc = `Change fields of a memory; fields left out stay as they are, while tags and context replace the old values whole. Pass expected_version (the version you read) to refuse the update if someone changed the memory since.`

type updateMemoryArgs struct {
	MemoryID        string              `json:"memory_id" jsonschema:"required,minLength=1,maxLength=128"`
	Type            *backend.MemoryType `json:"type"`
	Title           *string             `json:"title" jsonschema:"minLength=1,maxLength=200"`
	Content         *string             `json:"content" jsonschema:"minLength=1,maxLength=51200"`
	Summary         *string             `json:"summary" jsonschema:"maxLength=500"`
	Tags            *[]string           `json:"tags" jsonschema:"maxItems=50,itemMaxLength=100" jsonschema_description:"Replaces all tags."`
	Importance      *float64            `json:"importance" jsonschema:"minimum=0,maximum=1"`
	Confidence      *float64            `json:"confidence" jsonschema:"minimum=0,maximum=1"`
	Context         *contextArgs        `json:"context" jsonschema_description:"Replaces the whole context."`
	ExpectedVersion *int64              `json:"expected_version" jsonschema:"minimum=1" jsonschema_description:"The version you read; the update fails if the memory has changed since."`
}

type updateMemoryResult struct {
	ID        string             `json:"id"`
	Type      backend.MemoryType `json:"type"`
	Title     string             `json:"title"`
	Version   int64              `json:"version"`
	UpdatedAt time.Time          `json:"updated_at"`
}

func updateMemory(ctx context.Context, d deps, in updateMemoryArgs) (updateMemoryResult, string, error) {
	u := backend.MemoryUpdate{
		Type: in.Type, Title: in.Title, Content: in.Content, Summary: in.Summary, Tags: in.Tags,
		Importance: in.Importance, Confidence: in.Confidence, ExpectedVersion: in.ExpectedVersion,
	}
	if in.Context != nil {
		u.Context = new(in.Context.domain())
	}
	m, err := d.svc.UpdateMemory(ctx, in.MemoryID, u)
	if err != nil {
		return updateMemoryResult{}, "", err
	}
	out := updateMemoryResult{ID: m.ID, Type: m.Type, Title: m.Title, Version: m.Version, UpdatedAt: m.UpdatedAt}
	return out, fmt.Sprintf("Updated memory %s; now version %d.", label(m.ID, m.Type, m.Title), m.Version), nil
}

// ---- delete_memory ----

const deleteMemoryDesc = `Delete a memory and every relationship that starts or ends at it. This cannot be undone.`

type deleteMemoryArgs struct {
	MemoryID string `json:"memory_id" jsonschema:"required,minLength=1,maxLength=128"`
}

type deleteMemoryResult struct {
	ID      string `json:"id"`
	Deleted bool   `json:"deleted"`
}

func deleteMemory(ctx context.Context, d deps, in deleteMemoryArgs) (deleteMemoryResult, string, error) {
	if err := d.svc.DeleteMemory(ctx, in.MemoryID); err != nil {
		return deleteMemoryResult{}, "", err
	}
	return deleteMemoryResult{ID: in.MemoryID, Deleted: true}, fmt.Sprintf("Deleted memory %s and its relationships.", in.MemoryID), nil
}
