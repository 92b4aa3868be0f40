package exchange

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/sqlite"
)

// newService opens a fresh SQLite store in a temporary directory.
func newService(t *testing.T) *backend.Service {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "engram.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return backend.NewService(st)
}

// dump returns every memory and relationship of svc's store.
func dump(t *testing.T, svc *backend.Service) ([]*backend.Memory, []*backend.Relationship) {
	t.Helper()
	var ms []*backend.Memory
	var rs []*backend.Relationship
	ctx := t.Context()
	if err := svc.Store().ExportMemories(ctx, func(m *backend.Memory) error { ms = append(ms, m); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := svc.Store().ExportRelationships(ctx, func(r *backend.Relationship) error { rs = append(rs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return ms, rs
}

func importFile(t *testing.T, svc *backend.Service, name string) Report {
	t.Helper()
	rep, err := Import(t.Context(), svc, openFixture(t, name), nil)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return rep
}

func importString(t *testing.T, svc *backend.Service, s string) Report {
	t.Helper()
	rep, err := Import(t.Context(), svc, strings.NewReader(s), nil)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

func TestImportFixtures(t *testing.T) {
	tests := []struct {
		file       string
		format     Format
		first      Report // counts of the first import
		memories   int
		edges      int
		checkStore func(t *testing.T, svc *backend.Service)
	}{
		{
			file: "official-server-memory.jsonl", format: FormatJSONL,
			first: Report{Memories: Tally{Created: 150}, Relationships: Tally{Created: 149}},
			// The README of the fixtures says 148 relations; the file holds 149.
			memories: 150, edges: 149,
			checkStore: func(t *testing.T, svc *backend.Service) {
				m, err := svc.Store().GetMemory(t.Context(), entityID("entity-000001"))
				if err != nil {
					t.Fatal(err)
				}
				if m.Title != "entity-000001" || m.Type != backend.TypeProject ||
					m.Content != "Observation 1 of entity-000001 linked to zirire\nObservation 2 of entity-000001 mentions cobalt and glacier" {
					t.Errorf("entity-000001 imported as %+v", m)
				}
				p, err := svc.Store().GetMemory(t.Context(), entityID("entity-000000"))
				if err != nil {
					t.Fatal(err)
				}
				if p.Type != backend.TypeGeneral || !reflect.DeepEqual(p.Tags, []string{"entity-type:person"}) || p.Context.Extra["entity_type"] != "person" {
					t.Errorf("a person imported as type %q, tags %v, extra %v", p.Type, p.Tags, p.Context.Extra)
				}
			},
		},
		{
			file: "memorygraph-export-v2.json", format: FormatMemoryGraph,
			first:    Report{Memories: Tally{Created: 6}, Relationships: Tally{Created: 5}},
			memories: 6, edges: 5,
			checkStore: func(t *testing.T, svc *backend.Service) {
				ms, rs := dump(t, svc)
				for i, m := range ms {
					wantID := fmt.Sprintf("1f0a2b3c-4d5e-4f60-a7b8-c9d0e1f2%04d", i)
					created := time.Date(2026, 3, 1+i, 9, 0, 0, 0, time.UTC)
					if m.ID != wantID || !m.CreatedAt.Equal(created) || !m.UpdatedAt.Equal(created.AddDate(0, 0, 1)) {
						t.Errorf("memory %d: id %s created %v updated %v; want %s, %v and a day later", i, m.ID, m.CreatedAt, m.UpdatedAt, wantID, created)
					}
				}
				solves := rs[0]
				if solves.Type != "SOLVES" || solves.FromID != ms[1].ID || solves.ToID != ms[0].ID ||
					solves.Strength != 0.9 || solves.Confidence != 0.95 || solves.Context != "pg_isready gate fixed the CI hang" {
					t.Errorf("SOLVES edge imported as %+v", solves)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			t.Parallel()
			svc := newService(t)
			rep := importFile(t, svc, tt.file)
			want := tt.first
			want.Format = tt.format
			if !reflect.DeepEqual(rep, want) {
				t.Errorf("first import: %+v, want %+v", rep, want)
			}
			ms, rs := dump(t, svc)
			if len(ms) != tt.memories || len(rs) != tt.edges {
				t.Errorf("store holds %d memories and %d edges, want %d and %d", len(ms), len(rs), tt.memories, tt.edges)
			}
			tt.checkStore(t, svc)

			again := importFile(t, svc, tt.file)
			want = Report{Format: tt.format, Memories: Tally{Skipped: tt.memories}, Relationships: Tally{Skipped: tt.edges}}
			if !reflect.DeepEqual(again, want) {
				t.Errorf("second import: %+v, want everything skipped", again)
			}
			ms2, rs2 := dump(t, svc)
			if !reflect.DeepEqual(ms, ms2) || !reflect.DeepEqual(rs, rs2) {
				t.Error("the second import changed the store")
			}
		})
	}
}

func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	src := newService(t)
	importFile(t, src, "official-server-memory.jsonl")
	importFile(t, src, "memorygraph-export-v2.json")
	// Counters and versions must survive too.
	ctx := t.Context()
	if _, err := src.GetMemory(ctx, entityID("entity-000002")); err != nil {
		t.Fatal(err)
	}
	title := "renamed <b>&</b> \"quoted\"\nline two"
	if _, err := src.UpdateMemory(ctx, entityID("entity-000003"), backend.MemoryUpdate{Title: &title}); err != nil {
		t.Fatal(err)
	}

	var file bytes.Buffer
	n, err := Export(ctx, src, &file)
	if err != nil {
		t.Fatal(err)
	}
	if n != (Counts{Memories: 156, Relationships: 154}) {
		t.Errorf("exported %+v, want 156 memories and 154 relationships", n)
	}
	if f, _, err := Detect(bytes.NewReader(file.Bytes())); err != nil || f != FormatEngram {
		t.Fatalf("Detect(export) = %q, %v", f, err)
	}

	dst := newService(t)
	rep, err := Import(ctx, dst, bytes.NewReader(file.Bytes()), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Report{Format: FormatEngram, Memories: Tally{Created: 156}, Relationships: Tally{Created: 154}}
	if !reflect.DeepEqual(rep, want) {
		t.Errorf("import of the export: %+v, want %+v", rep, want)
	}
	ms1, rs1 := dump(t, src)
	ms2, rs2 := dump(t, dst)
	if !reflect.DeepEqual(ms1, ms2) {
		for i := range min(len(ms1), len(ms2)) {
			if !reflect.DeepEqual(ms1[i], ms2[i]) {
				t.Errorf("memory %d differs:\n src %+v\n dst %+v", i, ms1[i], ms2[i])
				break
			}
		}
		t.Fatalf("memories differ after the round trip (%d and %d)", len(ms1), len(ms2))
	}
	if !reflect.DeepEqual(rs1, rs2) {
		t.Fatalf("relationships differ after the round trip")
	}

	var file2 bytes.Buffer
	if _, err := Export(ctx, dst, &file2); err != nil {
		t.Fatal(err)
	}
	// The files differ only in the export time on their first line.
	_, body1, _ := bytes.Cut(file.Bytes(), []byte("\n"))
	_, body2, _ := bytes.Cut(file2.Bytes(), []byte("\n"))
	if !bytes.Equal(body1, body2) {
		t.Error("exporting the imported store gave a different file")
	}
	if !bytes.Contains(file.Bytes(), []byte(`<b>&</b>`)) {
		t.Error("the export escapes HTML characters")
	}
}

func TestExportEmpty(t *testing.T) {
	t.Parallel()
	var file bytes.Buffer
	n, err := Export(t.Context(), newService(t), &file)
	if err != nil || n != (Counts{}) {
		t.Fatalf("Export = %+v, %v", n, err)
	}
	items, err := readAll(ReadEngram(&file))
	if err != nil || len(items) != 0 {
		t.Errorf("reading the empty export: %d items, %v", len(items), err)
	}
}

func TestImportSkipsInvalidRecords(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	file := strings.Join([]string{
		`{"type":"entity","name":"ok","entityType":"task","observations":["fine"]}`,
		`{"type":"entity","name":"bad\u0000name","entityType":"task"}`,
		`{"type":"entity","name":"ok","entityType":"task","observations":["again"]}`,
		`{"type":"entity","name":"tags","entityType":"tool"}`,
		`{"type":"relation","from":"ok","to":"missing","relationType":"uses"}`,
		`{"type":"relation","from":"ok","to":"tags","relationType":"depends_on"}`,
		`{"type":"relation","from":"ok","to":"tags","relationType":"depends on"}`,
		`{"type":"note","text":"?"}`,
	}, "\n")
	rep := importString(t, svc, file)
	want := Report{
		Format:        FormatJSONL,
		Memories:      Tally{Created: 2, Skipped: 2},
		Relationships: Tally{Created: 1, Skipped: 2},
		Warnings: []string{
			"line 2: title: must not contain NUL characters; memory skipped",
			`line 3: name "ok": an entity earlier in the file has the same name; memory skipped`,
			`line 8: type: "note" is neither "entity" nor "relation"; line skipped`,
			// Edges to entities not read yet wait for the end of the file.
			`line 5: "missing" -USED_IN-> "ok": "missing" is not an entity of this file (or it was skipped); relationship skipped`,
		},
		WarningCount: 4,
	}
	// line 7 is the same edge as line 6 once the names are matched: the store keeps the first.
	if !reflect.DeepEqual(rep, want) {
		t.Errorf("report\n got %+v\nwant %+v", rep, want)
	}
}

func TestImportWarningsCapped(t *testing.T) {
	t.Parallel()
	var file strings.Builder
	for i := range MaxWarnings + 20 {
		fmt.Fprintf(&file, `{"type":"entity","name":"e%d","observations":[%d]}`+"\n", i, i)
	}
	rep := importString(t, newService(t), file.String())
	if len(rep.Warnings) != MaxWarnings || rep.WarningCount != MaxWarnings+20 || rep.Memories.Skipped != 0 {
		t.Errorf("%d warnings listed, %d counted, %d memories skipped; want %d, %d and 0 (unknown kind)",
			len(rep.Warnings), rep.WarningCount, rep.Memories.Skipped, MaxWarnings, MaxWarnings+20)
	}
}

func TestImportMalformedAborts(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	file := `{"type":"entity","name":"a"}` + "\n" + `{"type":"entity","name":"b"` + "\n"
	rep, err := Import(t.Context(), svc, strings.NewReader(file), nil)
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("error %v, want one naming line 2", err)
	}
	if rep.Format != FormatJSONL {
		t.Errorf("report %+v, want the format at least", rep)
	}
	if ms, _ := dump(t, svc); len(ms) != 0 {
		t.Errorf("%d memories written from a broken file's unflushed batch", len(ms))
	}
}

func TestImportRelationBeforeEntities(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	file := `{"type":"relation","from":"a","to":"b","relationType":"causes"}
{"type":"entity","name":"a","entityType":"problem","observations":["x"]}
{"type":"entity","name":"b","entityType":"error","observations":["y"]}`
	rep := importString(t, svc, file)
	if rep.Memories.Created != 2 || rep.Relationships.Created != 1 || rep.WarningCount != 0 {
		t.Errorf("report %+v, want 2 memories and the edge", rep)
	}
}

func TestImportJSONLChangedEntity(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	ctx := t.Context()
	importString(t, svc, `{"type":"entity","name":"a","entityType":"task","observations":["one"]}`)
	id := entityID("a")
	before, err := svc.GetMemory(ctx, id) // one access, which the update must keep
	if err != nil {
		t.Fatal(err)
	}
	rep := importString(t, svc, `{"type":"entity","name":"a","entityType":"task","observations":["one","two"]}`)
	if rep.Memories != (Tally{Updated: 1}) {
		t.Errorf("report %+v, want one memory updated", rep.Memories)
	}
	after, err := svc.Store().GetMemory(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if after.Content != "one\ntwo" || !after.CreatedAt.Equal(before.CreatedAt) || after.Version != 2 ||
		after.AccessCount != 1 || !after.UpdatedAt.After(before.UpdatedAt) {
		t.Errorf("after the update: %+v (before %+v); want new content, same creation, version 2, access count kept", after, before)
	}
}

func TestImportMergesEqualMemories(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	ctx := t.Context()
	stored, _, err := svc.StoreMemory(ctx, backend.NewMemory{Type: backend.TypeFix, Title: "restart", Content: "turn it off and on"})
	if err != nil {
		t.Fatal(err)
	}
	file := `{"format":"engram","format_version":1,
"memories":[
{"id":"x","type":"fix","title":"restart","content":"turn it off and on"},
{"id":"y","type":"error","title":"hang","content":"it hangs"}
],
"relationships":[
{"from_id":"x","to_id":"y","type":"SOLVES"}
]}`
	rep := importString(t, svc, file)
	if rep.Memories != (Tally{Created: 1, Skipped: 1}) || rep.Relationships != (Tally{Created: 1}) {
		t.Errorf("report %+v", rep)
	}
	rels, err := svc.Relationships(ctx, stored.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != 1 || rels[0].FromID != stored.ID || rels[0].ToID != "y" {
		t.Errorf("edges of the stored memory: %+v, want the imported SOLVES edge moved onto it", rels)
	}
}

func TestImportEdgeToStoredMemory(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	stored, _, err := svc.StoreMemory(t.Context(), backend.NewMemory{Type: backend.TypeProject, Title: "shop", Content: "the shop"})
	if err != nil {
		t.Fatal(err)
	}
	file := `{"format":"engram","memories":[{"id":"p","type":"problem","title":"slow","content":"slow pages"}],
"relationships":[{"from_id":"p","to_id":"` + stored.ID + `","type":"OCCURS_IN"},{"from_id":"p","to_id":"gone","type":"OCCURS_IN"}]}`
	rep := importString(t, svc, file)
	if rep.Relationships != (Tally{Created: 1, Skipped: 1}) || rep.WarningCount != 1 || !strings.Contains(rep.Warnings[0], `"gone" is not a memory of this file`) {
		t.Errorf("report %+v", rep)
	}
}

func TestImportBatches(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	n := backend.MaxImportBatch + 10 // two batches of each kind
	var file strings.Builder
	for i := range n {
		fmt.Fprintf(&file, `{"type":"entity","name":"e%d","entityType":"task","observations":["o"]}`+"\n", i)
		if i > 0 {
			fmt.Fprintf(&file, `{"type":"relation","from":"e%d","to":"e%d","relationType":"follows"}`+"\n", i, i-1)
		}
	}
	var last Progress
	calls := 0
	rep, err := Import(t.Context(), svc, strings.NewReader(file.String()), func(p Progress) { last = p; calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Memories.Created != n || rep.Relationships.Created != n-1 {
		t.Errorf("report %+v, want %d memories and %d edges", rep, n, n-1)
	}
	want := Progress{Memories: n, Relationships: n - 1, Bytes: int64(file.Len()), Size: int64(file.Len()), Done: true}
	if last != want || calls < 1 {
		t.Errorf("last progress %+v after %d calls, want %+v", last, calls, want)
	}
}

func TestImportProgressTotals(t *testing.T) {
	t.Parallel()
	var reports []Progress
	_, err := Import(t.Context(), newService(t), openFixture(t, "memorygraph-export-v2.json"), func(p Progress) { reports = append(reports, p) })
	if err != nil {
		t.Fatal(err)
	}
	last := reports[len(reports)-1]
	if !last.Done || last.Total != 11 || last.Memories != 6 || last.Relationships != 5 || last.Bytes != last.Size || last.Size == 0 {
		t.Errorf("last progress %+v, want done with 11 of 11 and the whole file read", last)
	}
}

func TestImportCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Import(ctx, newService(t), openFixture(t, "official-server-memory.jsonl"), nil)
	if backend.ErrorCode(err) != backend.ECANCELED {
		t.Errorf("error %v, want a cancellation", err)
	}
}

func TestReportString(t *testing.T) {
	rep := Report{
		Format:   FormatMemoryGraph,
		Memories: Tally{Created: 5, Skipped: 1}, Relationships: Tally{Created: 4, Updated: 1},
		Warnings: []string{"memories[2] (line 9): id: missing; memory skipped"}, WarningCount: 3,
	}
	want := "MemoryGraph JSON export: memories 5 created, 0 updated, 1 skipped; relationships 4 created, 1 updated, 0 skipped\n" +
		"warning: memories[2] (line 9): id: missing; memory skipped\n" +
		"… and 2 more warnings"
	if got := rep.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}

func TestProgress(t *testing.T) {
	tests := []struct {
		name string
		p    Progress
		frac float64
		text string
	}{
		{"ByRecords", Progress{Memories: 3, Relationships: 1, Total: 8, Bytes: 10, Size: 100}, 0.5, "4 of 8 records"},
		{"ByBytes", Progress{Memories: 3, Bytes: 25, Size: 100}, 0.25, "3 memories, 0 relationships"},
		{"Unknown", Progress{Memories: 3, Bytes: 25}, 0, "3 memories, 0 relationships"},
		{"Done", Progress{Memories: 3, Bytes: 25, Done: true}, 1, "3 memories, 0 relationships"},
		{"MoreThanDeclared", Progress{Memories: 9, Total: 8}, 1, "9 of 8 records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if f, s := tt.p.Fraction(), tt.p.String(); f != tt.frac || s != tt.text {
				t.Errorf("Fraction, String = %v, %q; want %v, %q", f, s, tt.frac, tt.text)
			}
		})
	}
}
