package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/engramhq/engram/backend"
)

// badArg is a call that must fail with a tool error naming field.
type badArg struct {
	name  string
	tool  string
	args  any
	field string // the message must start a problem with "field:"
	// service marks problems only the service can see (blank content, a
	// byte limit, NUL characters, crossed dates): the schema admits them.
	service bool
}

// badArgs lists wrong calls for every tool. ids are a memory and a second
// memory related to it.
func badArgs(a, b string) []badArg {
	long := func(n int) string { return strings.Repeat("x", n) }
	many := func(n int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf("v%d", i)
		}
		return s
	}
	mem := func(kv ...any) map[string]any {
		m := map[string]any{"type": "problem", "title": "t", "content": "c"}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	return []badArg{
		{"MissingType", "store_memory", mem("type", nil), "type", false},
		{"UnknownType", "store_memory", mem("type", "bug"), "type", false},
		{"TitleNotString", "store_memory", mem("title", 5), "title", false},
		{"TitleEmpty", "store_memory", mem("title", ""), "title", false},
		{"TitleTooLong", "store_memory", mem("title", long(backend.MaxTitleChars+1)), "title", false},
		{"TitleNUL", "store_memory", mem("title", "a\x00b"), "title", true},
		{"MissingContent", "store_memory", mem("content", nil), "content", false},
		{"ContentTooLong", "store_memory", mem("content", long(backend.MaxContentBytes+1)), "content", false},
		{"ContentTooManyBytes", "store_memory", mem("content", strings.Repeat("é", backend.MaxContentBytes/2+1)), "content", true},
		{"ContentBlank", "store_memory", mem("content", "   "), "content", true},
		{"SummaryTooLong", "store_memory", mem("summary", long(backend.MaxSummaryChars+1)), "summary", false},
		{"ImportanceAboveOne", "store_memory", mem("importance", 1.5), "importance", false},
		{"ImportanceString", "store_memory", mem("importance", "high"), "importance", false},
		{"ConfidenceNegative", "store_memory", mem("confidence", -0.1), "confidence", false},
		{"TagsNotList", "store_memory", mem("tags", "go"), "tags", false},
		{"TooManyTags", "store_memory", mem("tags", many(backend.MaxTags+1)), "tags", false},
		{"TagTooLong", "store_memory", mem("tags", []string{long(backend.MaxTagChars + 1)}), "tags[0]", false},
		{"TagNotString", "store_memory", mem("tags", []any{"ok", 7}), "tags[1]", false},
		{"ContextNotObject", "store_memory", mem("context", "repo"), "context", false},
		{"ContextUnknownField", "store_memory", mem("context", map[string]any{"repo": "x"}), "context.repo", false},
		{"ContextTooManyFiles", "store_memory", mem("context", map[string]any{"files": many(backend.MaxContextList + 1)}), "context.files", false},
		{"ContextExtraNotString", "store_memory", mem("context", map[string]any{"extra": map[string]any{"n": 1}}), "context.extra.n", false},
		{"UnknownArgument", "store_memory", mem("priority", "high"), "priority", false},
		{"MisspelledArgument", "store_memory", mem("Title", "x"), "Title", false},
		{"ArgumentsNotObject", "store_memory", json.RawMessage(`["problem","t","c"]`), "arguments", false},

		{"MissingID", "get_memory", map[string]any{}, "memory_id", false},
		{"IDNotString", "get_memory", map[string]any{"memory_id": 5}, "memory_id", false},
		{"IDTooLong", "get_memory", map[string]any{"memory_id": long(backend.MaxIDChars + 1)}, "memory_id", false},
		{"IDControl", "get_memory", map[string]any{"memory_id": "a\nb"}, "memory_id", true},
		{"FlagNotBool", "get_memory", map[string]any{"memory_id": a, "include_relationships": "yes"}, "include_relationships", false},
		{"IDCamelCase", "get_memory", map[string]any{"memoryId": a}, "memoryId", false},

		{"VersionZero", "update_memory", map[string]any{"memory_id": a, "title": "n", "expected_version": 0}, "expected_version", false},
		{"VersionFraction", "update_memory", map[string]any{"memory_id": a, "title": "n", "expected_version": 1.5}, "expected_version", false},
		{"UpdateUnknownType", "update_memory", map[string]any{"memory_id": a, "type": "bug"}, "type", false},
		{"UpdateEmptyTitle", "update_memory", map[string]any{"memory_id": a, "title": ""}, "title", false},
		{"UpdateImportance", "update_memory", map[string]any{"memory_id": a, "importance": -1}, "importance", false},
		{"UpdateTooManyTags", "update_memory", map[string]any{"memory_id": a, "tags": many(backend.MaxTags + 1)}, "tags", false},
		{"UpdateMissingID", "update_memory", map[string]any{"title": "n"}, "memory_id", false},

		{"DeleteMissingID", "delete_memory", map[string]any{}, "memory_id", false},
		{"DeleteIDList", "delete_memory", map[string]any{"memory_id": []string{a}}, "memory_id", false},

		{"LimitZero", "search_memories", map[string]any{"limit": 0}, "limit", false},
		{"LimitTooLarge", "search_memories", map[string]any{"limit": backend.MaxSearchLimit + 1}, "limit", false},
		{"OffsetNegative", "search_memories", map[string]any{"offset": -1}, "offset", false},
		{"MinImportance", "search_memories", map[string]any{"min_importance": 2}, "min_importance", false},
		{"DateNotRFC3339", "search_memories", map[string]any{"created_after": "yesterday"}, "created_after", false},
		{"DatesCrossed", "search_memories", map[string]any{"created_after": "2025-02-01T00:00:00Z", "created_before": "2025-01-01T00:00:00Z"}, "created_after", true},
		{"UnknownMemoryType", "search_memories", map[string]any{"memory_types": []string{"bug"}}, "memory_types[0]", false},
		{"MemoryTypesNotList", "search_memories", map[string]any{"memory_types": "problem"}, "memory_types", false},
		{"UnknownTagMode", "search_memories", map[string]any{"tag_mode": "some"}, "tag_mode", false},
		{"QueryTooLong", "search_memories", map[string]any{"query": long(backend.MaxQueryChars + 1)}, "query", false},

		{"RecallMissingQuery", "recall_memories", map[string]any{}, "query", false},
		{"RecallEmptyQuery", "recall_memories", map[string]any{"query": ""}, "query", false},
		{"RecallStopWords", "recall_memories", map[string]any{"query": "what is the"}, "query", true},
		{"RecallLimit", "recall_memories", map[string]any{"query": "x", "limit": 1000}, "limit", false},

		{"UnknownRelationship", "create_relationship", map[string]any{"from_memory_id": a, "to_memory_id": b, "relationship_type": "FIXES"}, "relationship_type", false},
		{"LowercaseRelationship", "create_relationship", map[string]any{"from_memory_id": a, "to_memory_id": b, "relationship_type": "solves"}, "relationship_type", false},
		{"StrengthAboveOne", "create_relationship", map[string]any{"from_memory_id": a, "to_memory_id": b, "relationship_type": "SOLVES", "strength": 2}, "strength", false},
		{"RelContextTooLong", "create_relationship", map[string]any{"from_memory_id": a, "to_memory_id": b, "relationship_type": "SOLVES", "context": long(backend.MaxRelContextChars + 1)}, "context", false},
		{"MissingTo", "create_relationship", map[string]any{"from_memory_id": a, "relationship_type": "SOLVES"}, "to_memory_id", false},
		{"SelfLoop", "create_relationship", map[string]any{"from_memory_id": a, "to_memory_id": a, "relationship_type": "SOLVES"}, "to_memory_id", true},

		{"DeleteRelMissingType", "delete_relationship", map[string]any{"from_memory_id": a, "to_memory_id": b}, "relationship_type", false},
		{"DeleteRelUnknownType", "delete_relationship", map[string]any{"from_memory_id": a, "to_memory_id": b, "relationship_type": "X"}, "relationship_type", false},

		{"DepthZero", "get_related_memories", map[string]any{"memory_id": a, "depth": 0}, "depth", false},
		{"DepthTooDeep", "get_related_memories", map[string]any{"memory_id": a, "depth": backend.MaxDepth + 1}, "depth", false},
		{"UnknownDirection", "get_related_memories", map[string]any{"memory_id": a, "direction": "up"}, "direction", false},
		{"UnknownRelTypeItem", "get_related_memories", map[string]any{"memory_id": a, "relationship_types": []string{"SOLVES", "X"}}, "relationship_types[1]", false},
		{"RelatedLimit", "get_related_memories", map[string]any{"memory_id": a, "limit": backend.MaxRelatedLimit + 1}, "limit", false},

		{"PathTooDeep", "find_path", map[string]any{"from_memory_id": a, "to_memory_id": b, "max_depth": backend.MaxPathDepth + 1}, "max_depth", false},
		{"PathMissingFrom", "find_path", map[string]any{"to_memory_id": b}, "from_memory_id", false},
		{"PathTypesNotList", "find_path", map[string]any{"from_memory_id": a, "to_memory_id": b, "relationship_types": "SOLVES"}, "relationship_types", false},

		{"DaysZero", "get_recent_activity", map[string]any{"days": 0}, "days", false},
		{"DaysTooMany", "get_recent_activity", map[string]any{"days": backend.MaxActivityDays + 1}, "days", false},
		{"DaysString", "get_recent_activity", map[string]any{"days": "7"}, "days", false},
		{"ActivityLimit", "get_recent_activity", map[string]any{"limit": backend.MaxActivityLimit + 1}, "limit", false},

		{"TopTagsTooMany", "get_memory_statistics", map[string]any{"top_tags": 101}, "top_tags", false},
		{"StatisticsUnknown", "get_memory_statistics", map[string]any{"verbose": true}, "verbose", false},
	}
}

// snapshot is what a refused call must leave alone.
type snapshot struct {
	memories, relationships int
	versions                map[string]int64
}

func takeSnapshot(t *testing.T, svc *backend.Service, ids ...string) snapshot {
	t.Helper()
	st, err := svc.Statistics(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot{memories: st.Memories, relationships: st.Relationships, versions: map[string]int64{}}
	for _, id := range ids {
		m, err := svc.Store().GetMemory(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		s.versions[id] = m.Version
	}
	return s
}

func TestBadArguments(t *testing.T) {
	e := newEnv(t)
	a := e.store("problem", "Flaky test", "It fails one run in ten.", nil)
	b := e.store("solution", "Seed the random source", "Use a fixed seed in tests.", nil)
	e.ok("create_relationship", map[string]any{"from_memory_id": b, "to_memory_id": a, "relationship_type": "SOLVES"}, nil)
	before := takeSnapshot(t, e.svc, a, b)

	covered := map[string]bool{}
	for _, tt := range badArgs(a, b) {
		covered[tt.tool] = true
		t.Run(tt.tool+"/"+tt.name, func(t *testing.T) {
			msg := e.fail(tt.tool, tt.args)
			if !strings.HasPrefix(msg, tt.field+":") && !strings.Contains(msg, "; "+tt.field+":") {
				t.Errorf("error %q does not name %s", msg, tt.field)
			}
			if strings.Contains(msg, "internal error") || strings.Contains(msg, "json:") {
				t.Errorf("error %q is not one an assistant can act on", msg)
			}
		})
	}
	for _, s := range registry {
		if !covered[s.tool.Name] {
			t.Errorf("no bad arguments for %s", s.tool.Name)
		}
	}
	if after := takeSnapshot(t, e.svc, a, b); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("refused calls changed the store: %+v, was %+v", after, before)
	}
	if strings.Contains(e.log.String(), "tool failed") {
		t.Errorf("bad arguments were logged as internal errors:\n%s", e.log)
	}
}

func TestArgumentMessages(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		tool string
		args any
		want string
	}{
		{"store_memory", map[string]any{"type": "problem", "title": "t", "content": "c", "importance": "high"},
			`importance: must be a number between 0 and 1 (got "high")`},
		{"store_memory", map[string]any{"title": "t", "content": "c"},
			"type: is required; it must be one of task, code_pattern, problem"},
		{"get_memory", map[string]any{"memoryId": "x"},
			`memoryId: unknown argument; did you mean "memory_id"?`},
		{"get_memory", map[string]any{"memory_id": "x", "verbose": true},
			"verbose: unknown argument; this tool takes memory_id, include_relationships"},
		{"store_memory", map[string]any{"type": "problem", "title": "t", "content": "c", "context": map[string]any{"repo": "r"}},
			"context.repo: unknown field; context takes project_path, files,"},
		{"get_memory", map[string]any{"id": "x"},
			`id: unknown argument; did you mean "memory_id"?`},
		{"create_relationship", map[string]any{"from_memory_id": "a", "to_memory_id": "b", "relationship_type": "solves"},
			`relationship_type: "solves" is not allowed; did you mean "SOLVES"?`},
		{"search_memories", map[string]any{"limit": 2.5, "offset": "1"},
			"limit: must be a whole number between 1 and 100 (got 2.5); offset: must be a whole number between 0 and 100000"},
		{"get_related_memories", map[string]any{"memory_id": "a", "direction": "up"},
			`direction: "up" is not allowed; use one of outgoing, incoming, both`},
	}
	for _, tt := range tests {
		if msg := e.fail(tt.tool, tt.args); !strings.HasPrefix(msg, tt.want) {
			t.Errorf("%s(%s) error\n%q, want prefix\n%q", tt.tool, show(tt.args), msg, tt.want)
		}
	}
}

// TestSchemasAgreeWithDecoder checks that each tool's advertised input
// schema admits the calls the tests make successfully and refuses the bad
// arguments the decoder refuses, so an assistant that follows the schema
// is not surprised.
func TestSchemasAgreeWithDecoder(t *testing.T) {
	compiled := map[string]*jsonschema.Schema{}
	for _, s := range registry {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(s.tool.RawInputSchema))
		if err != nil {
			t.Fatalf("%s: %v", s.tool.Name, err)
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		url := "mem:///" + s.tool.Name + ".json"
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
		if compiled[s.tool.Name], err = c.Compile(url); err != nil {
			t.Fatalf("%s: schema does not compile: %v", s.tool.Name, err)
		}
	}
	validate := func(tool string, args any) error {
		raw, _ := json.Marshal(args)
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		return compiled[tool].Validate(v)
	}
	good := map[string]any{
		"store_memory": map[string]any{"type": "problem", "title": "t", "content": "c", "summary": "s", "tags": []string{"a"},
			"importance": 0.5, "confidence": 1, "context": map[string]any{"project_path": "/p", "files": []string{"f"}, "extra": map[string]string{"k": "v"}}},
		"get_memory":            map[string]any{"memory_id": "x", "include_relationships": true},
		"update_memory":         map[string]any{"memory_id": "x", "tags": []string{}, "expected_version": 3},
		"delete_memory":         map[string]any{"memory_id": "x"},
		"search_memories":       map[string]any{"query": "q", "memory_types": []string{"task"}, "tag_mode": "all", "created_after": "2025-01-31T09:00:00Z", "limit": 100, "offset": 0},
		"recall_memories":       map[string]any{"query": "q", "limit": 1},
		"create_relationship":   map[string]any{"from_memory_id": "a", "to_memory_id": "b", "relationship_type": "VALIDATED_BY", "strength": 0},
		"delete_relationship":   map[string]any{"from_memory_id": "a", "to_memory_id": "b", "relationship_type": "CAUSES"},
		"get_related_memories":  map[string]any{"memory_id": "a", "depth": 5, "direction": "incoming", "relationship_types": []string{"SOLVES"}},
		"find_path":             map[string]any{"from_memory_id": "a", "to_memory_id": "b", "max_depth": 10},
		"get_recent_activity":   map[string]any{"days": 1, "limit": 200, "project_path": "/p"},
		"get_memory_statistics": map[string]any{},
	}
	e := newEnv(t)
	for tool, args := range good {
		if err := validate(tool, args); err != nil {
			t.Errorf("%s: schema refuses a good call: %v", tool, err)
		}
		// The ids are made up: not found is the answer of a decoded call.
		if res := call(t, e.c, tool, args); res.IsError && !strings.Contains(resultText(res), "not found") {
			t.Errorf("%s: decoder refuses a good call: %s", tool, resultText(res))
		}
	}
	for _, tt := range badArgs("a", "b") {
		if err := validate(tt.tool, tt.args); (err == nil) != tt.service {
			t.Errorf("%s/%s: schema error %v, want one: %v", tt.tool, tt.name, err, !tt.service)
		}
	}
}
