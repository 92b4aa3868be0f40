package exchange

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/engramhq/engram/backend"
)

// ReadMemoryGraph reads a MemoryGraph JSON export (format 2.0, and the
// earlier exports without a format_version). Ids and times are kept.
// MemoryGraph's context fields that Engram has no place for
// (technologies, environment, function_name, class_name,
// additional_metadata and the like) go to context.extra as text; summary
// null becomes "". An unknown memory type becomes "general" and keeps the
// original as a "memory-type:…" tag.
func ReadMemoryGraph(r io.Reader) *Reader {
	totals := &Counts{}
	return readObject(r, objectFormat{
		format: FormatMemoryGraph,
		header: func(key string, raw json.RawMessage) (string, error) {
			return mgHeader(key, raw, totals)
		},
		memory:       mgMemory,
		relationship: mgRelationship,
	}, totals)
}

func mgHeader(key string, raw json.RawMessage, totals *Counts) (string, error) {
	switch key {
	case "format_version":
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return fmt.Sprintf("expected a version string such as \"2.0\", found %s; reading the file as format 2.0", short(string(raw))), nil
		}
		if major, _, _ := strings.Cut(v, "."); major != "1" && major != "2" {
			return fmt.Sprintf("the file is format %q, this reader knows 2.0; records it cannot read are skipped", short(v)), nil
		}
	case "memory_count":
		if json.Unmarshal(raw, &totals.Memories) != nil || totals.Memories < 0 {
			totals.Memories = 0
		}
	case "relationship_count":
		if json.Unmarshal(raw, &totals.Relationships) != nil || totals.Relationships < 0 {
			totals.Relationships = 0
		}
	}
	return "", nil
}

// mgMemoryRecord is a memory as MemoryGraph exports it. Pointers tell a
// missing or null value from a zero one.
type mgMemoryRecord struct {
	ID           *string                    `json:"id"`
	Type         *string                    `json:"type"`
	Title        *string                    `json:"title"`
	Content      *string                    `json:"content"`
	Summary      *string                    `json:"summary"`
	Tags         []string                   `json:"tags"`
	Importance   *float64                   `json:"importance"`
	Confidence   *float64                   `json:"confidence"`
	CreatedAt    *string                    `json:"created_at"`
	UpdatedAt    *string                    `json:"updated_at"`
	LastAccessed *string                    `json:"last_accessed"`
	UsageCount   *int64                     `json:"usage_count"`
	Context      map[string]json.RawMessage `json:"context"`
}

func mgMemory(raw json.RawMessage, it *Item) {
	var rec mgMemoryRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		it.Problem = fieldProblem(err)
		return
	}
	// MemoryGraph's own importer requires these four.
	for _, req := range []struct {
		name string
		v    *string
	}{{"id", rec.ID}, {"type", rec.Type}, {"title", rec.Title}, {"content", rec.Content}} {
		if req.v == nil {
			it.Problem = req.name + ": missing"
			return
		}
	}
	m := &backend.Memory{
		ID: *rec.ID, Title: *rec.Title, Content: *rec.Content, Tags: rec.Tags,
		Importance: deref(rec.Importance, backend.DefaultImportance),
		Confidence: deref(rec.Confidence, backend.DefaultConfidence),
		Summary:    deref(rec.Summary, ""),
	}
	if rec.UsageCount != nil && *rec.UsageCount > 0 {
		m.AccessCount = *rec.UsageCount
	}
	m.Type = memoryType(*rec.Type, "memory-type:", "memory_type", m, it)
	times := []struct {
		name string
		v    *string
		dst  *time.Time
	}{{"created_at", rec.CreatedAt, &m.CreatedAt}, {"updated_at", rec.UpdatedAt, &m.UpdatedAt}}
	for _, f := range times {
		if f.v == nil {
			continue
		}
		t, err := parseTime(*f.v)
		if err != nil {
			it.Problem = fmt.Sprintf("%s: %v", f.name, err)
			return
		}
		*f.dst = t
	}
	if rec.LastAccessed != nil {
		if t, err := parseTime(*rec.LastAccessed); err == nil {
			m.LastAccessedAt = &t
		} else {
			it.Notes = append(it.Notes, fmt.Sprintf("last_accessed: %v; left out", err))
		}
	}
	mgContext(rec.Context, m, it)
	it.Memory = m
}

// memoryType returns the memory type named s (any case). Any other name
// becomes "general", with the original kept as a tag (tagPrefix + name) and
// as context.extra[extraKey], so that nothing the file said is lost.
func memoryType(s, tagPrefix, extraKey string, m *backend.Memory, it *Item) backend.MemoryType {
	name := strings.TrimSpace(s)
	if t := backend.MemoryType(strings.ToLower(name)); t.Valid() {
		return t
	}
	if name == "" {
		return backend.TypeGeneral
	}
	tag := tagPrefix + strings.ToLower(name)
	if len([]rune(tag)) > backend.MaxTagChars {
		tag = string([]rune(tag)[:backend.MaxTagChars])
	}
	m.Tags = append(m.Tags, tag)
	setExtra(m, it, extraKey, name)
	return backend.TypeGeneral
}

// mgContext maps MemoryGraph's context onto Engram's: the fields both
// have keep their place (files_involved is Engram's files); everything
// else goes to context.extra as text, lists joined by ", ", other values as
// compact JSON. additional_metadata is spread into extra key by key.
func mgContext(ctx map[string]json.RawMessage, m *backend.Memory, it *Item) {
	keys := make([]string, 0, len(ctx))
	for k := range ctx {
		keys = append(keys, k)
	}
	slices.Sort(keys) // map order is random; notes and extra limits must not be
	for _, k := range keys {
		raw := ctx[k]
		switch k {
		case "project_path":
			m.Context.ProjectPath = textOf(raw)
		case "git_branch":
			m.Context.GitBranch = textOf(raw)
		case "git_commit":
			m.Context.GitCommit = textOf(raw)
		case "session_id":
			m.Context.SessionID = textOf(raw)
		case "files_involved":
			m.Context.Files = append(m.Context.Files, listOf(raw)...)
		case "languages":
			m.Context.Languages = append(m.Context.Languages, listOf(raw)...)
		case "frameworks":
			m.Context.Frameworks = append(m.Context.Frameworks, listOf(raw)...)
		case "additional_metadata":
			var meta map[string]json.RawMessage
			if json.Unmarshal(raw, &meta) != nil {
				setExtra(m, it, k, textOf(raw))
				continue
			}
			metaKeys := make([]string, 0, len(meta))
			for mk := range meta {
				metaKeys = append(metaKeys, mk)
			}
			slices.Sort(metaKeys)
			for _, mk := range metaKeys {
				name := mk
				if _, taken := ctx[mk]; taken {
					name = k + "." + mk
				}
				setExtra(m, it, name, textOf(meta[mk]))
			}
		default:
			setExtra(m, it, k, textOf(raw))
		}
	}
}

// textOf renders a JSON value as text: a string as itself, a list of
// strings joined by ", ", null as "", anything else as compact JSON.
func textOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, ", ")
	}
	if string(raw) == "null" {
		return ""
	}
	return string(raw)
}

// listOf reads a list of strings; a single string is a list of one.
func listOf(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	if s := textOf(raw); s != "" {
		return []string{s}
	}
	return nil
}

// setExtra puts key=value into m.Context.Extra when the value is not empty
// and fits Engram's limits; otherwise it notes what was left out.
func setExtra(m *backend.Memory, it *Item, key, value string) {
	switch {
	case value == "" || value == "[]" || value == "{}":
		return
	case key == "":
		it.Notes = append(it.Notes, "context: a value with an empty name was left out")
		return
	case len(m.Context.Extra) >= backend.MaxContextExtra:
		it.Notes = append(it.Notes, fmt.Sprintf("context.%s: left out, a memory keeps at most %d extra context values", short(key), backend.MaxContextExtra))
		return
	}
	if room := backend.MaxContextString - len([]rune(key)); len([]rune(value)) > room {
		if room < 1 {
			it.Notes = append(it.Notes, fmt.Sprintf("context.%s: left out, the name is too long", short(key)))
			return
		}
		value = string([]rune(value)[:room-1]) + "…"
		it.Notes = append(it.Notes, fmt.Sprintf("context.%s: shortened to %d characters", short(key), backend.MaxContextString))
	}
	if m.Context.Extra == nil {
		m.Context.Extra = map[string]string{}
	}
	m.Context.Extra[key] = value
}

// mgRelationshipRecord is a relationship as MemoryGraph exports it.
type mgRelationshipRecord struct {
	ID         string  `json:"id"`
	From       *string `json:"from_memory_id"`
	To         *string `json:"to_memory_id"`
	Type       *string `json:"type"`
	Properties struct {
		Strength      *float64 `json:"strength"`
		Confidence    *float64 `json:"confidence"`
		Context       *string  `json:"context"`
		EvidenceCount *int64   `json:"evidence_count"`
		CreatedAt     *string  `json:"created_at"`
	} `json:"properties"`
}

func mgRelationship(raw json.RawMessage, it *Item) {
	var rec mgRelationshipRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		it.Problem = fieldProblem(err)
		return
	}
	for _, req := range []struct {
		name string
		v    *string
	}{{"from_memory_id", rec.From}, {"to_memory_id", rec.To}, {"type", rec.Type}} {
		if req.v == nil {
			it.Problem = req.name + ": missing"
			return
		}
	}
	p := rec.Properties
	r := &backend.Relationship{
		ID: rec.ID, FromID: *rec.From, ToID: *rec.To,
		Strength:   deref(p.Strength, backend.DefaultStrength),
		Confidence: deref(p.Confidence, backend.DefaultConfidence),
		Context:    deref(p.Context, ""),
	}
	if p.EvidenceCount != nil {
		r.EvidenceCount = *p.EvidenceCount
	}
	if p.CreatedAt != nil {
		t, err := parseTime(*p.CreatedAt)
		if err != nil {
			it.Problem = fmt.Sprintf("properties.created_at: %v", err)
			return
		}
		r.CreatedAt = t
	}
	it.From, it.To = r.FromID, r.ToID
	applyRelationType(r, *rec.Type, it)
	it.Relationship = r
}

// timeLayouts are the shapes of Python's isoformat() and RFC 3339; a time
// without an offset is taken as UTC, which is what MemoryGraph writes.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time such as \"2026-03-01T09:00:00+00:00\"", short(s))
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// short cuts s for a message, so that a huge bad value does not flood it.
func short(s string) string {
	const limit = 60
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "…"
	}
	return s
}
