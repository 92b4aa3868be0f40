package exchange

import (
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
)

// readAll returns every item a reader yields and the reader's error.
func readAll(rd *Reader) ([]*Item, error) {
	var items []*Item
	for it := range rd.Items() {
		items = append(items, it)
	}
	return items, rd.Err()
}

func openFixture(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, input string
		want        Format
		wantErr     string
	}{
		{"EngramExport", `{"format":"engram","format_version":1,"memories":[]}`, FormatEngram, ""},
		{"EngramVersionFirst", `{"format_version":1,"memories":[]}`, FormatEngram, ""},
		{"EngramRecordsFirst", `{"memories":[{"id":"a","type":"general","title":"t","content":"c","version":1,"access_count":0}]}`, FormatEngram, ""},
		{"EngramEdgesFirst", `{"relationships":[{"from_id":"a","to_id":"b","type":"SOLVES"}]}`, FormatEngram, ""},
		{"MemoryGraph20", `{"format_version":"2.0","export_version":"1.0","memories":[]}`, FormatMemoryGraph, ""},
		{"MemoryGraphOld", `{"export_version":"1.0","export_date":"2025-01-01","memories":[]}`, FormatMemoryGraph, ""},
		{"MemoryGraphRecordsFirst", `{"memories":[{"id":"a","type":"general","title":"t","content":"c"}]}`, FormatMemoryGraph, ""},
		{"JSONLEntity", `{"type":"entity","name":"a","entityType":"person","observations":[]}` + "\n", FormatJSONL, ""},
		{"JSONLRelationFirst", `{"type":"relation","from":"a","to":"b","relationType":"knows"}` + "\n", FormatJSONL, ""},
		{"JSONLNameFirst", `{"name":"a","type":"entity"}`, FormatJSONL, ""},
		{"ByteOrderMark", "\uFEFF\n  " + `{"type":"entity","name":"a"}`, FormatJSONL, ""},
		{"Empty", "", "", "empty"},
		{"Blank", " \n\t ", "", "empty"},
		{"Array", `[{"type":"entity"}]`, "", "not a memory file"},
		{"Text", "hello", "", "not a memory file"},
		{"UnknownObject", `{"nodes":[],"links":[]}`, "", "not a memory file"},
		{"OtherFormat", `{"format":"other"}`, "", "not a memory file"},
		{"EmptyArraysOnly", `{"memories":[],"relationships":[]}`, "", "not a memory file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r, err := Detect(strings.NewReader(tt.input))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Detect: error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if got != tt.want {
				t.Errorf("Detect = %q, want %q", got, tt.want)
			}
			// The returned reader replays the bytes Detect looked at.
			if b, err := io.ReadAll(r); err != nil || string(b) != tt.input {
				t.Errorf("reader after Detect gave %q (%v), want the whole input", b, err)
			}
		})
	}
	t.Run("Fixtures", func(t *testing.T) {
		for name, want := range map[string]Format{
			"official-server-memory.jsonl": FormatJSONL,
			"memorygraph-export-v2.json":   FormatMemoryGraph,
		} {
			got, _, err := Detect(openFixture(t, name))
			if err != nil || got != want {
				t.Errorf("Detect(%s) = %q, %v; want %q", name, got, err, want)
			}
		}
	})
}

func TestReadJSONL(t *testing.T) {
	tests := []struct {
		name, line string
		kind       Kind
		problem    string // substring of the item's problem; "" for a usable record
		check      func(t *testing.T, it *Item)
	}{
		{
			name: "Entity",
			line: `{"type":"entity","name":"Ada Lovelace","entityType":"person","observations":["wrote the first program","born 1815"]}`,
			kind: KindMemory,
			check: func(t *testing.T, it *Item) {
				m := it.Memory
				want := &backend.Memory{
					ID: entityID("Ada Lovelace"), Type: backend.TypeGeneral, Title: "Ada Lovelace",
					Content: "wrote the first program\nborn 1815", Tags: []string{"entity-type:person"},
					Importance: backend.DefaultImportance, Confidence: backend.DefaultConfidence,
					Context: backend.Context{Extra: map[string]string{"entity_type": "person"}},
				}
				if !reflect.DeepEqual(m, want) {
					t.Errorf("memory\n got %+v\nwant %+v", m, want)
				}
			},
		},
		{
			name: "EntityOfKnownType",
			line: `{"type":"entity","name":"Go","entityType":"Technology","observations":["a language"]}`,
			kind: KindMemory,
			check: func(t *testing.T, it *Item) {
				if it.Memory.Type != backend.TypeTechnology || len(it.Memory.Tags) != 0 || it.Memory.Context.Extra != nil {
					t.Errorf("got type %q, tags %v, extra %v; want technology with no tag or extra", it.Memory.Type, it.Memory.Tags, it.Memory.Context.Extra)
				}
			},
		},
		{
			name: "NoObservations",
			line: `{"type":"entity","name":"lonely","entityType":"concept","observations":[]}`,
			kind: KindMemory,
			check: func(t *testing.T, it *Item) {
				if it.Memory.Content != "lonely" {
					t.Errorf("content %q, want the name", it.Memory.Content)
				}
			},
		},
		{
			name: "BlankObservations",
			line: `{"type":"entity","name":"blank","observations":["", "  "]}`,
			kind: KindMemory,
			check: func(t *testing.T, it *Item) {
				if it.Memory.Content != "blank" || it.Memory.Type != backend.TypeGeneral || len(it.Memory.Tags) != 0 {
					t.Errorf("got %+v, want content = name, general, no tags", it.Memory)
				}
			},
		},
		{
			name: "LongName",
			line: `{"type":"entity","name":"` + strings.Repeat("n", 250) + `","entityType":"task"}`,
			kind: KindMemory,
			check: func(t *testing.T, it *Item) {
				m := it.Memory
				if n := len([]rune(m.Title)); n != backend.MaxTitleChars || m.Context.Extra["entity_name"] != strings.Repeat("n", 250) {
					t.Errorf("title of %d characters, extra %v; want %d and the full name in extra", n, m.Context.Extra, backend.MaxTitleChars)
				}
				if len(it.Notes) != 1 || m.ID != entityID(strings.Repeat("n", 250)) {
					t.Errorf("notes %v, id %s; want one note and the id of the full name", it.Notes, m.ID)
				}
			},
		},
		{"EntityWithoutName", `{"type":"entity","entityType":"person","observations":["x"]}`, KindMemory, "name: missing", nil},
		{"ObservationsNotStrings", `{"type":"entity","name":"a","observations":[1,2]}`, "", "observations: expected a string", nil},
		{"HugeObservations", `{"type":"entity","name":"a","observations":["` + strings.Repeat("x", backend.MaxContentBytes+1) + `"]}`, KindMemory, "more than the", nil},
		{
			name: "RelationUnknownType",
			line: `{"type":"relation","from":"a","to":"b","relationType":"knows"}`,
			kind: KindRelationship,
			check: func(t *testing.T, it *Item) {
				want := &backend.Relationship{
					ID: relationID("a", "knows", "b"), FromID: entityID("a"), ToID: entityID("b"),
					Type: backend.RelRelatedTo, Strength: backend.DefaultStrength, Confidence: backend.DefaultConfidence,
					Context: "original relation: knows",
				}
				if !reflect.DeepEqual(it.Relationship, want) || it.From != "a" || it.To != "b" {
					t.Errorf("relationship\n got %+v (%s -> %s)\nwant %+v (a -> b)", it.Relationship, it.From, it.To, want)
				}
			},
		},
		{
			name: "RelationExactType",
			line: `{"type":"relation","from":"a","to":"b","relationType":"depends on"}`,
			kind: KindRelationship,
			check: func(t *testing.T, it *Item) {
				if it.Relationship.Type != "DEPENDS_ON" || it.Relationship.Context != "" {
					t.Errorf("type %s, context %q; want DEPENDS_ON with no context", it.Relationship.Type, it.Relationship.Context)
				}
			},
		},
		{
			name: "RelationReversedSynonym",
			line: `{"type":"relation","from":"crash","to":"bug","relationType":"caused_by"}`,
			kind: KindRelationship,
			check: func(t *testing.T, it *Item) {
				r := it.Relationship
				if r.Type != "CAUSES" || r.FromID != entityID("bug") || r.ToID != entityID("crash") || it.From != "bug" {
					t.Errorf("got %s from %s (%s), want CAUSES from bug", r.Type, it.From, r.FromID)
				}
				if r.Context != "original relation: caused_by (ends swapped)" {
					t.Errorf("context %q", r.Context)
				}
			},
		},
		{"RelationSelfLoop", `{"type":"relation","from":"a","to":"a","relationType":"knows"}`, KindRelationship, "same entity", nil},
		{"RelationWithoutTo", `{"type":"relation","from":"a","relationType":"knows"}`, KindRelationship, "to: missing", nil},
		{"UnknownLineType", `{"type":"observation","entityName":"a"}`, "", `"observation" is neither`, nil},
		{"NoType", `{"name":"a"}`, "", "type: missing", nil},
		{"NotAnObject", `["entity"]`, "", "expected an object", nil},
		{"Null", `null`, "", "type: missing", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := readAll(ReadJSONL(strings.NewReader(tt.line + "\n")))
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if len(items) != 1 {
				t.Fatalf("%d items, want 1", len(items))
			}
			it := items[0]
			if it.Kind != tt.kind || it.Where != "line 1" {
				t.Errorf("kind %q at %q, want %q at line 1", it.Kind, it.Where, tt.kind)
			}
			if tt.problem != "" {
				if !strings.Contains(it.Problem, tt.problem) || it.Memory != nil || it.Relationship != nil {
					t.Errorf("problem %q (memory %v, relationship %v), want one containing %q and no record", it.Problem, it.Memory, it.Relationship, tt.problem)
				}
				return
			}
			if it.Problem != "" {
				t.Fatalf("problem %q, want none", it.Problem)
			}
			tt.check(t, it)
		})
	}
}

func TestReadJSONLLines(t *testing.T) {
	tests := []struct {
		name, input string
		wantWhere   []string
		wantErr     string
	}{
		{"BlankLinesSkipped", "\n" + `{"type":"entity","name":"a"}` + "\n\n\r\n" + `{"type":"entity","name":"b"}`, []string{"line 2", "line 5"}, ""},
		{"CRLF", `{"type":"entity","name":"a"}` + "\r\n" + `{"type":"entity","name":"b"}` + "\r\n", []string{"line 1", "line 2"}, ""},
		{"NoFinalNewline", `{"type":"entity","name":"a"}`, []string{"line 1"}, ""},
		{"SyntaxErrorNamesLine", `{"type":"entity","name":"a"}` + "\n" + `{"type":"entity","name":"b"}` + "\n" + `{"type":"entity" "name":"c"}`, nil, "line 3, column 18: invalid JSON"},
		{"TwoObjectsOnALine", `{"type":"entity","name":"a"} {"type":"entity","name":"b"}`, nil, "line 1, column 30: invalid JSON"},
		{"Truncated", `{"type":"entity","name":"a"}` + "\n" + `{"type":"entity","na`, nil, "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := readAll(ReadJSONL(strings.NewReader(tt.input)))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(strings.Replace(err.Error(), ": column", ", column", 1), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var where []string
			for _, it := range items {
				where = append(where, it.Where)
			}
			if !reflect.DeepEqual(where, tt.wantWhere) {
				t.Errorf("items at %v, want %v", where, tt.wantWhere)
			}
		})
	}
}

func TestReadJSONLFixture(t *testing.T) {
	f := openFixture(t, "official-server-memory.jsonl")
	rd := ReadJSONL(f)
	items, err := readAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	var got Counts
	types := map[backend.RelationshipType]int{}
	for _, it := range items {
		if it.Problem != "" || len(it.Notes) > 0 {
			t.Errorf("%s: problem %q, notes %v", it.Where, it.Problem, it.Notes)
		}
		switch {
		case it.Memory != nil:
			got.Memories++
		case it.Relationship != nil:
			got.Relationships++
			types[it.Relationship.Type]++
		}
	}
	// The fixture's README says 148 relations; the file holds 149.
	if want := (Counts{Memories: 150, Relationships: 149}); got != want {
		t.Errorf("read %+v, want %+v", got, want)
	}
	// knows and part_of have no Engram type; depends_on has.
	if want := map[backend.RelationshipType]int{"RELATED_TO": 99, "DEPENDS_ON": 50}; !reflect.DeepEqual(types, want) {
		t.Errorf("relationship types %v, want %v", types, want)
	}
	if fi, _ := f.Stat(); rd.Offset() != fi.Size() {
		t.Errorf("offset %d at the end, want the file size %d", rd.Offset(), fi.Size())
	}
}

func TestReadMemoryGraphFixture(t *testing.T) {
	rd := ReadMemoryGraph(openFixture(t, "memorygraph-export-v2.json"))
	items, err := readAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 11 {
		t.Fatalf("%d items, want 6 memories and 5 relationships", len(items))
	}
	if tot, ok := rd.Totals(); !ok || tot != (Counts{6, 5}) {
		t.Errorf("totals %+v (%v), want 6 and 5", tot, ok)
	}
	for _, it := range items {
		if it.Problem != "" || len(it.Notes) > 0 {
			t.Errorf("%s: problem %q, notes %v", it.Where, it.Problem, it.Notes)
		}
	}
	want := &backend.Memory{
		ID: "1f0a2b3c-4d5e-4f60-a7b8-c9d0e1f20000", Type: backend.TypeProblem,
		Title:   "Tests hang when the Postgres container is slow to start",
		Content: "Integration tests time out on CI because the database accepts TCP before it accepts queries.",
		Summary: "Readiness race in CI", Tags: []string{"ci", "postgres", "flaky-tests"},
		Importance: 0.7, Confidence: 0.9,
		Context: backend.Context{
			ProjectPath: "/home/dev/shop", Languages: []string{"go"},
			Extra: map[string]string{"technologies": "postgresql, docker"},
		},
		CreatedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		UpdatedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
	}
	if got := items[0].Memory; !reflect.DeepEqual(got, want) {
		t.Errorf("first memory\n got %+v\nwant %+v", got, want)
	}
	if items[0].Where != "memories[0] (line 9)" {
		t.Errorf("first memory at %q, want memories[0] (line 9)", items[0].Where)
	}
	if s := items[1].Memory.Summary; s != "" {
		t.Errorf("null summary read as %q", s)
	}
	wantRel := &backend.Relationship{
		FromID: "1f0a2b3c-4d5e-4f60-a7b8-c9d0e1f20001", ToID: "1f0a2b3c-4d5e-4f60-a7b8-c9d0e1f20000",
		Type: "SOLVES", Strength: 0.9, Confidence: 0.95, Context: "pg_isready gate fixed the CI hang", EvidenceCount: 1,
	}
	if got := items[6].Relationship; !reflect.DeepEqual(got, wantRel) {
		t.Errorf("first relationship\n got %+v\nwant %+v", got, wantRel)
	}
}

func TestReadMemoryGraphRecords(t *testing.T) {
	const mem = `"id":"m1","type":"solution","title":"t","content":"c"`
	tests := []struct {
		name, record string // a memory unless it starts with "rel:"
		problem      string
		check        func(t *testing.T, it *Item)
	}{
		{"MissingID", `{"type":"task","title":"t","content":"c"}`, "id: missing", nil},
		{"MissingContent", `{"id":"m1","type":"task","title":"t"}`, "content: missing", nil},
		{"TitleNotString", `{"id":"m1","type":"task","title":5,"content":"c"}`, "title: expected a string, found a JSON number", nil},
		{"BadTime", `{` + mem + `,"created_at":"yesterday"}`, `created_at: "yesterday" is not an ISO 8601 time`, nil},
		{"NotAnObject", `"memory"`, "is not a JSON object", nil},
		{
			"NaiveTimeIsUTC", `{` + mem + `,"created_at":"2026-03-01T09:00:00.123456"}`, "",
			func(t *testing.T, it *Item) {
				if want := time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC); !it.Memory.CreatedAt.Equal(want) {
					t.Errorf("created_at %v, want %v", it.Memory.CreatedAt, want)
				}
			},
		},
		{
			"OffsetTimeToUTC", `{` + mem + `,"updated_at":"2026-03-01T11:00:00+02:00"}`, "",
			func(t *testing.T, it *Item) {
				if got := it.Memory.UpdatedAt; got != time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) {
					t.Errorf("updated_at %v, want 09:00 UTC", got)
				}
			},
		},
		{
			"Defaults", `{` + mem + `,"summary":null,"importance":null}`, "",
			func(t *testing.T, it *Item) {
				m := it.Memory
				if m.Importance != backend.DefaultImportance || m.Confidence != backend.DefaultConfidence || m.Summary != "" {
					t.Errorf("importance %v, confidence %v, summary %q; want the defaults", m.Importance, m.Confidence, m.Summary)
				}
			},
		},
		{
			"UnknownType", `{"id":"m1","type":"Insight","title":"t","content":"c","tags":["a"]}`, "",
			func(t *testing.T, it *Item) {
				m := it.Memory
				if m.Type != backend.TypeGeneral || !reflect.DeepEqual(m.Tags, []string{"a", "memory-type:insight"}) || m.Context.Extra["memory_type"] != "Insight" {
					t.Errorf("got type %q, tags %v, extra %v", m.Type, m.Tags, m.Context.Extra)
				}
			},
		},
		{
			"Context", `{` + mem + `,"context":{"files_involved":["a.go","b.go"],"frameworks":["gin"],"function_name":"main",
				"class_name":null,"environment":"prod","git_branch":"main","additional_metadata":{"ticket":"X-1","priority":2,"environment":"dup"}}}`, "",
			func(t *testing.T, it *Item) {
				want := backend.Context{
					Files: []string{"a.go", "b.go"}, Frameworks: []string{"gin"}, GitBranch: "main",
					Extra: map[string]string{"function_name": "main", "environment": "prod", "ticket": "X-1",
						"priority": "2", "additional_metadata.environment": "dup"},
				}
				if !reflect.DeepEqual(it.Memory.Context, want) {
					t.Errorf("context\n got %+v\nwant %+v", it.Memory.Context, want)
				}
			},
		},
		{
			"LongExtra", `{` + mem + `,"context":{"environment":"` + strings.Repeat("e", 2000) + `"}}`, "",
			func(t *testing.T, it *Item) {
				v := it.Memory.Context.Extra["environment"]
				if n := len([]rune("environment" + v)); n != backend.MaxContextString || len(it.Notes) != 1 {
					t.Errorf("key and value of %d characters, notes %v; want %d and a note", n, it.Notes, backend.MaxContextString)
				}
			},
		},
		{"rel:MissingFrom", `{"to_memory_id":"b","type":"SOLVES"}`, "from_memory_id: missing", nil},
		{"rel:StrengthNotNumber", `{"from_memory_id":"a","to_memory_id":"b","type":"SOLVES","properties":{"strength":"high"}}`, "properties.strength: expected a number", nil},
		{
			"rel:Defaults", `{"id":"r1","from_memory_id":"a","to_memory_id":"b","type":"SOLVES","properties":{"context":null}}`, "",
			func(t *testing.T, it *Item) {
				want := &backend.Relationship{ID: "r1", FromID: "a", ToID: "b", Type: "SOLVES", Strength: 0.5, Confidence: 0.8}
				if !reflect.DeepEqual(it.Relationship, want) {
					t.Errorf("got %+v, want %+v", it.Relationship, want)
				}
			},
		},
		{
			"rel:UnknownType", `{"from_memory_id":"a","to_memory_id":"b","type":"RELATES_TO","properties":{"context":"seen twice"}}`, "",
			func(t *testing.T, it *Item) {
				if r := it.Relationship; r.Type != "RELATED_TO" || r.Context != "seen twice (original relation: RELATES_TO)" {
					t.Errorf("got %s with context %q", r.Type, r.Context)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "memories"
			if strings.HasPrefix(tt.name, "rel:") {
				key = "relationships"
			}
			file := `{"format_version":"2.0",` + "\n" + `"` + key + `":[` + "\n" + tt.record + "\n]}"
			items, err := readAll(ReadMemoryGraph(strings.NewReader(file)))
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 {
				t.Fatalf("%d items, want 1", len(items))
			}
			it := items[0]
			if want := key + "[0] (line 3)"; it.Where != want {
				t.Errorf("where %q, want %q", it.Where, want)
			}
			if tt.problem != "" {
				if !strings.Contains(it.Problem, tt.problem) {
					t.Errorf("problem %q, want one containing %q", it.Problem, tt.problem)
				}
				return
			}
			if it.Problem != "" {
				t.Fatalf("problem %q", it.Problem)
			}
			tt.check(t, it)
		})
	}
}

func TestReadObjectErrors(t *testing.T) {
	tests := []struct {
		name, input string
		read        func(r *strings.Reader) *Reader
		wantErr     string
	}{
		{"SyntaxInRecord", "{\"format\":\"engram\",\n\"memories\":[\n{\"id\":\"a\"},\n{\"id\" \"b\"}\n]}", engramReader, "line 4: invalid JSON"},
		{"SyntaxInKey", "{\"format\":\"engram\",\n\n\"memories\" []}", engramReader, "line 3: invalid JSON"},
		{"MissingComma", "{\"memories\":[\n{\"id\":\"a\"}\n{\"id\":\"b\"}]}", engramReader, "line 3: invalid JSON"},
		{"Truncated", "{\"memories\":[\n{\"id\":\"a\"},\n{\"id\":", engramReader, "line 3: the file ends"},
		{"TrailingData", "{\"memories\":[]}\n{}", engramReader, "line 2: unexpected data"},
		{"NotAnObject", "[]", engramReader, "one JSON object"},
		{"MemoriesNotArray", "{\"memories\":{}}", engramReader, `"memories" must be an array`},
		{"NewerEngram", `{"format":"engram","format_version":2,"memories":[]}`, engramReader, "update Engram"},
		{"NotEngram", `{"format":"other"}`, engramReader, "not an Engram file"},
		{"MemoryGraphSyntax", "{\"format_version\":\"2.0\",\n\"relationships\":[\n{\"type\":SOLVES}]}", mgReader, "line 3: invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(tt.read(strings.NewReader(tt.input)))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func engramReader(r *strings.Reader) *Reader { return ReadEngram(r) }
func mgReader(r *strings.Reader) *Reader     { return ReadMemoryGraph(r) }

func TestReadEngramRecords(t *testing.T) {
	tests := []struct {
		name, input string
		want        []string // Where and Problem of each item
	}{
		{
			"Problems",
			"{\"format\":\"engram\",\"format_version\":1,\n\"memories\":[\n" +
				`{"id":"a","type":"general","title":"t","content":"c","created_at":"soon"},` + "\n" +
				`{"id":"b","title":["t"]},` + "\n" +
				`7` + "\n],\n\"relationships\":[\n" +
				`{"from_id":"a","to_id":"b","type":"SOLVES","strength":"1"}` + "\n]}",
			[]string{
				`memories[0] (line 3): created_at: "soon" is not an RFC 3339 time such as "2026-03-01T09:00:00Z"`,
				"memories[1] (line 4): title: expected a string, found a JSON array",
				"memories[2] (line 5): is not a JSON object",
				"relationships[0] (line 8): strength: expected a number, found a JSON string",
			},
		},
		{
			"NullArraysAndUnknownKeys",
			`{"format":"engram","memories":null,"comment":{"deep":[1,[2,{"x":3}]]},"relationships":[]}`,
			nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := readAll(ReadEngram(strings.NewReader(tt.input)))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				got = append(got, it.Where+": "+it.Problem)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("items\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestMapRelationType(t *testing.T) {
	tests := []struct {
		name           string
		want           backend.RelationshipType
		reverse, exact bool
	}{
		{"SOLVES", "SOLVES", false, true},
		{"depends_on", "DEPENDS_ON", false, true},
		{"Depends-On", "DEPENDS_ON", false, true},
		{" leads to ", "LEADS_TO", false, true},
		{"causes", "CAUSES", false, true},
		{"caused by", "CAUSES", true, false},
		{"uses", "USED_IN", true, false},
		{"is_a", "SPECIALIZES", false, false},
		{"part_of", "RELATED_TO", false, false},
		{"knows", "RELATED_TO", false, false},
		{"", "RELATED_TO", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reverse, exact := mapRelationType(tt.name)
			if got != tt.want || reverse != tt.reverse || exact != tt.exact {
				t.Errorf("mapRelationType(%q) = %s, %v, %v; want %s, %v, %v", tt.name, got, reverse, exact, tt.want, tt.reverse, tt.exact)
			}
		})
	}
	for name, s := range relationSynonyms {
		if !s.typ.Valid() || backend.RelationshipType(name).Valid() {
			t.Errorf("synonym %s -> %s: the target must be a type and the name must not", name, s.typ)
		}
	}
}
