package frontend

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/engramhq/engram/backend"
)

// memoryValues is a complete, valid editor form.
func memoryValues(edit func(url.Values)) url.Values {
	v := url.Values{
		"type": {"problem"}, "title": {"Slow dashboard"}, "content": {"It takes **9 s** to load."},
		"summary": {"slow"}, "tags": {"Perf, dashboard"}, "importance": {"0.7"}, "confidence": {"0.9"},
		"project_path": {"/w/app"}, "files": {"a.go\nb.go"}, "languages": {"go"},
	}
	if edit != nil {
		edit(v)
	}
	return v
}

func TestCreateMemoryFromForm(t *testing.T) {
	u := newUI(t, Options{})
	resp := u.post("/memories/new", memoryValues(nil))
	if resp.status != http.StatusSeeOther || !strings.HasPrefix(resp.header.Get("Location"), "/memories/") {
		t.Fatalf("status %d, Location %q; want 303 to the new memory", resp.status, resp.header.Get("Location"))
	}
	loc, _ := url.Parse(resp.header.Get("Location"))
	id := strings.TrimPrefix(loc.Path, "/memories/")
	if loc.Query().Get("done") != "created" {
		t.Errorf("redirect %s does not ask for the 'created' notice", loc)
	}
	m, err := u.svc.GetMemory(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if m.Title != "Slow dashboard" || m.Importance != 0.7 || strings.Join(m.Tags, ",") != "perf,dashboard" ||
		m.Context.ProjectPath != "/w/app" || len(m.Context.Files) != 2 {
		t.Errorf("stored %+v", m)
	}
	page := u.get(loc.String())
	for _, want := range []string{`id="done" class="ok-box" role="status">Created.`, `id="memory-title">Slow dashboard`, "<strong>9 s</strong>", `class="badge bg-problem"`, `id="memory-form"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("memory page lacks %q", want)
		}
	}
}

func TestFormValidationMessages(t *testing.T) {
	u := newUI(t, Options{})
	for _, tc := range []struct {
		name  string
		edit  func(url.Values)
		field string
		want  string
	}{
		{"empty title", func(v url.Values) { v.Set("title", "  ") }, "title", "is required"},
		{"long title", func(v url.Values) { v.Set("title", strings.Repeat("t", 201)) }, "title", "at most 200 characters"},
		{"blank content", func(v url.Values) { v.Set("content", "") }, "content", "is required"},
		{"importance not a number", func(v url.Values) { v.Set("importance", "high") }, "importance", "must be a number"},
		{"confidence out of range", func(v url.Values) { v.Set("confidence", "2") }, "confidence", "between 0 and 1"},
		{"unknown type", func(v url.Values) { v.Set("type", "idea") }, "type", "not a memory type"},
		{"long summary", func(v url.Values) { v.Set("summary", strings.Repeat("s", 501)) }, "summary", "at most 500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := u.post("/memories/new", memoryValues(tc.edit))
			if resp.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", resp.status)
			}
			marker := `<p class="field-error" id="error-` + tc.field + `">`
			i := strings.Index(resp.body, marker)
			if i < 0 {
				t.Fatalf("no message beside %s in %s", tc.field, resp.body)
			}
			if msg := resp.body[i+len(marker):]; !strings.Contains(msg[:strings.Index(msg, "</p>")], tc.want) {
				t.Errorf("message beside %s = %q, want it to say %q", tc.field, msg[:strings.Index(msg, "</p>")], tc.want)
			}
			if !strings.Contains(resp.body, `aria-describedby="error-`+tc.field+`"`) {
				t.Errorf("the %s control does not point at its message", tc.field)
			}
			// The form comes back as typed.
			if !strings.Contains(resp.body, `value="perf, dashboard"`) && !strings.Contains(resp.body, `value="Perf, dashboard"`) {
				t.Error("the refused form lost the typed tags")
			}
		})
	}
	if st, _ := u.svc.Statistics(context.Background(), 1); st.Memories != 0 {
		t.Errorf("refused forms stored %d memories", st.Memories)
	}
}

func TestCreatingADuplicateSaysSo(t *testing.T) {
	u := newUI(t, Options{})
	first := u.post("/memories/new", memoryValues(nil))
	second := u.post("/memories/new", memoryValues(nil))
	loc := second.header.Get("Location")
	if !strings.HasSuffix(loc, "?done=duplicate") || strings.TrimSuffix(loc, "?done=duplicate") != strings.TrimSuffix(first.header.Get("Location"), "?done=created") {
		t.Fatalf("second create went to %q, first to %q", loc, first.header.Get("Location"))
	}
	if page := u.get(loc); !strings.Contains(page.body, "already existed") {
		t.Error("the duplicate notice is missing")
	}
}

func TestEditAndVersionConflict(t *testing.T) {
	u := newUI(t, Options{})
	m := u.memory("problem", "Original", "content")
	// An assistant changes it after the page was opened at version 1.
	other := "Changed by an assistant"
	if _, err := u.svc.UpdateMemory(context.Background(), m.ID, backend.MemoryUpdate{Title: &other}); err != nil {
		t.Fatal(err)
	}
	mine := memoryValues(func(v url.Values) { v.Set("title", "Mine"); v.Set("version", "1") })
	resp := u.post("/memories/"+m.ID, mine)
	if resp.status != http.StatusConflict {
		t.Fatalf("stale save: status %d, want 409", resp.status)
	}
	for _, want := range []string{`id="conflict"`, "Changed elsewhere", `id="conflict-reload"`, `id="conflict-overwrite"`, `value="Mine"`} {
		if !strings.Contains(resp.body, want) {
			t.Errorf("conflict page lacks %q", want)
		}
	}
	if got, _ := u.svc.GetMemory(context.Background(), m.ID); got.Title != other {
		t.Fatalf("a stale save overwrote the memory: %q", got.Title)
	}
	mine.Set("overwrite", "1")
	resp = u.post("/memories/"+m.ID, mine)
	if resp.status != http.StatusSeeOther || resp.header.Get("Location") != "/memories/"+m.ID+"?done=saved" {
		t.Fatalf("overwrite: status %d to %q, want 303 to the saved memory: %.300s", resp.status, resp.header.Get("Location"), resp.body)
	}
	got, _ := u.svc.GetMemory(context.Background(), m.ID)
	if got.Title != "Mine" || got.Version != 3 {
		t.Errorf("after overwrite: title %q version %d, want Mine 3", got.Title, got.Version)
	}
	// A save at the current version needs no overwrite.
	current := memoryValues(func(v url.Values) { v.Set("title", "Again"); v.Set("version", "3") })
	if resp := u.post("/memories/"+m.ID, current); resp.status != http.StatusSeeOther {
		t.Errorf("save at the current version: status %d", resp.status)
	}
	// A field error on an edit stays beside the field.
	bad := memoryValues(func(v url.Values) { v.Set("title", ""); v.Set("version", "4") })
	if resp := u.post("/memories/"+m.ID, bad); resp.status != http.StatusBadRequest || !strings.Contains(resp.body, `id="error-title"`) {
		t.Errorf("invalid edit: status %d", resp.status)
	}
}

func TestEditKeepsContextTheFormDoesNotShow(t *testing.T) {
	u := newUI(t, Options{})
	m, _, err := u.svc.StoreMemory(context.Background(), backend.NewMemory{Type: "general", Title: "t", Content: "c",
		Context: backend.Context{SessionID: "s-1", Extra: map[string]string{"k": "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp := u.post("/memories/"+m.ID, memoryValues(func(v url.Values) { v.Set("version", "1") })); resp.status != http.StatusSeeOther {
		t.Fatalf("status %d", resp.status)
	}
	got, _ := u.svc.GetMemory(context.Background(), m.ID)
	if got.Context.SessionID != "s-1" || got.Context.Extra["k"] != "v" {
		t.Errorf("context lost: %+v", got.Context)
	}
}

func TestDeleteWithConfirmation(t *testing.T) {
	u := newUI(t, Options{})
	a := u.memory("problem", "Doomed", "c")
	b := u.memory("solution", "Survivor", "c")
	u.relate(b.ID, a.ID, backend.RelSolves)
	confirm := u.get("/memories/" + a.ID + "/delete")
	if confirm.status != 200 || !strings.Contains(confirm.body, `id="confirm-delete"`) || !strings.Contains(confirm.body, "its relationship") {
		t.Fatalf("confirmation page: %d %.300s", confirm.status, confirm.body)
	}
	if _, err := u.svc.GetMemory(context.Background(), a.ID); err != nil {
		t.Fatal("opening the confirmation deleted the memory")
	}
	resp := u.post("/memories/"+a.ID+"/delete", url.Values{})
	if resp.status != http.StatusSeeOther || resp.header.Get("Location") != "/" {
		t.Fatalf("delete: %d to %q", resp.status, resp.header.Get("Location"))
	}
	if page := u.get("/memories/" + a.ID); page.status != http.StatusNotFound || !strings.Contains(page.body, "not found") {
		t.Errorf("deleted memory page: %d", page.status)
	}
	if resp := u.post("/memories/"+a.ID+"/delete", url.Values{}); resp.status != http.StatusNotFound {
		t.Errorf("second delete: %d, want 404", resp.status)
	}
	if page := u.get("/memories/" + b.ID); strings.Contains(page.body, "Doomed") {
		t.Error("the other memory still lists the deleted one")
	}
}

func TestAddAndRemoveRelationship(t *testing.T) {
	u := newUI(t, Options{})
	p := u.memory("problem", "Timeouts", "c")
	s := u.memory("solution", "Longer timeout", "c")
	add := func(v url.Values) response { return u.post("/memories/"+p.ID+"/relationships", v) }

	for _, tc := range []struct {
		name   string
		values url.Values
		status int
		want   string
	}{
		{"no other memory", url.Values{"rel_type": {"SOLVES"}}, 400, "pick the other memory"},
		{"itself", url.Values{"other_id": {p.ID}, "rel_type": {"SOLVES"}}, 400, "cannot be related to itself"},
		{"unknown type", url.Values{"other_id": {s.ID}, "rel_type": {"FIXES"}}, 400, "not a relationship type"},
		{"unknown memory", url.Values{"other_id": {"01900000-0000-7000-8000-000000000000"}, "rel_type": {"SOLVES"}}, 404, "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := add(tc.values)
			if resp.status != tc.status || !strings.Contains(resp.body, `id="relationship-error"`) || !strings.Contains(resp.body, tc.want) {
				t.Errorf("status %d, want %d with %q", resp.status, tc.status, tc.want)
			}
		})
	}

	// The solution SOLVES the problem: added from the problem's page.
	resp := add(url.Values{"other_id": {s.ID}, "rel_type": {"SOLVES"}, "direction": {"in"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("add: %d %.300s", resp.status, resp.body)
	}
	var d memoryDetail
	if code := u.api("GET", "/api/memories/"+p.ID, nil, &d); code != 200 {
		t.Fatalf("GET /api/memories: %d", code)
	}
	if len(d.Relationships) != 1 {
		t.Fatalf("relationships %+v", d.Relationships)
	}
	r := d.Relationships[0]
	if r.Type != "SOLVES" || r.Direction != "in" || r.Category != "solution" || r.Other.ID != s.ID || r.Other.Title != "Longer timeout" {
		t.Errorf("relationship %+v", r)
	}
	page := u.get("/memories/" + p.ID)
	if !strings.Contains(page.body, `data-other="`+s.ID+`"`) || !strings.Contains(page.body, `href="/memories/`+s.ID+`"`) {
		t.Error("the page does not list and link the relationship")
	}
	resp = u.post("/memories/"+p.ID+"/relationships/delete", url.Values{"from": {s.ID}, "to": {p.ID}, "rel_type": {"SOLVES"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("remove: %d", resp.status)
	}
	if rels, _ := u.svc.Relationships(context.Background(), p.ID); len(rels) != 0 {
		t.Errorf("after remove: %+v", rels)
	}
}

func TestMarkdownIsSafe(t *testing.T) {
	u := newUI(t, Options{})
	m := u.memory("general", "Hostile", "<script>alert(1)</script>\n\n[click](javascript:alert(2)) <img src=x onerror=alert(3)>\n\n# Fine")
	page := u.get("/memories/" + m.ID)
	i := strings.Index(page.body, `id="memory-content"`)
	rendered := page.body[i : i+strings.Index(page.body[i:], "</div>")]
	for _, bad := range []string{"<script>alert", "javascript:", "onerror"} {
		if strings.Contains(rendered, bad) {
			t.Errorf("rendered content holds %q: %s", bad, rendered)
		}
	}
	if !strings.Contains(rendered, "<h1>Fine</h1>") {
		t.Errorf("markdown not rendered: %s", rendered)
	}
}

func TestOverviewAndNotFound(t *testing.T) {
	u := newUI(t, Options{})
	p := u.memory("problem", "Open problem", "c", "go")
	u.memory("solution", "Unrelated", "c", "go", "db")
	page := u.get("/overview")
	for _, want := range []string{`id="counts"`, "<svg", `class="fill-problem"`, `id="top-tags"`, ">go</text>", `id="unresolved"`, `href="/memories/` + p.ID} {
		if !strings.Contains(page.body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if resp := u.get("/no/such/page"); resp.status != 404 || !strings.Contains(resp.body, `id="nav"`) {
		t.Errorf("unknown page: %d", resp.status)
	}
	var e apiErrorBody
	if code := u.api("GET", "/api/nope", nil, &e); code != 404 || e.Error.Code != "not_found" {
		t.Errorf("unknown API: %d %+v", code, e)
	}
}

// TestExplorerPageFollowsContract checks the hooks CONTRACT.md promises the
// graph script.
func TestExplorerPageFollowsContract(t *testing.T) {
	u := newUI(t, Options{})
	page := u.get("/?q=cache&type=problem&rel_type=SOLVES&tag=go&project=%2Fw")
	for _, want := range []string{
		`<form id="explorer-form"`, `name="q" value="cache"`, `name="type" value="problem" checked`,
		`<optgroup label="solution">`, `<option value="SOLVES" selected>`, `name="tag" value="go"`, `name="project" value="/w"`,
		`<div id="graph" data-api="/api/graph" data-limit="500">`, `<p id="graph-status"`, `<button id="load-more"`,
		`<aside id="graph-detail"`, `<div id="graph-legend">`,
		`<link rel="stylesheet" href="/static/graph.css">`, `<script defer src="/static/graph.js"></script>`,
		`<meta name="csrf-token" content="` + u.h.auth.csrf + `">`, `<nav id="nav"`, `aria-current="page">Explorer`,
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("explorer page lacks %s", want)
		}
	}
	if n := strings.Count(page.body, `name="type"`); n != len(backend.MemoryTypes) {
		t.Errorf("%d memory type boxes, want %d", n, len(backend.MemoryTypes))
	}
	if n := strings.Count(page.body, "<option value="); n != len(backend.RelationshipTypes) {
		t.Errorf("%d relationship types, want %d", n, len(backend.RelationshipTypes))
	}
}
