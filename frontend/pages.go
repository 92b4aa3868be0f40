package frontend

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/engramhq/engram/backend"
)

func (h *Handler) explorer(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := explorerView{
		Q: q.Get("q"), Tag: q.Get("tag"), Project: q.Get("project"),
		Types: set(q["type"]), RelTypes: set(q["rel_type"]), Limit: defaultGraphLimit,
	}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n >= 1 && n <= maxGraphLimit {
		v.Limit = n
	}
	h.render(w, r, explorerPage(h.auth.pageData("Explorer", "Explorer"), v))
}

func set(values []string) map[string]bool {
	m := make(map[string]bool, len(values))
	for _, v := range values {
		m[v] = true
	}
	return m
}

// loadDetail returns a memory (counting the access) with its content
// rendered and the other end of each relationship named.
func (h *Handler) loadDetail(ctx context.Context, id string) (*memoryDetail, error) {
	m, err := h.svc.GetMemory(ctx, id)
	if err != nil {
		return nil, err
	}
	rels, err := h.svc.Relationships(ctx, id)
	if err != nil {
		return nil, err
	}
	// The neighbours' titles, without counting an access to each of them.
	g, err := h.svc.Subgraph(ctx, backend.SubgraphQuery{Seeds: []string{id}, Depth: 1, Limit: backend.MaxSubgraphLimit})
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*backend.Memory, len(g.Nodes))
	for _, n := range g.Nodes {
		byID[n.ID] = n
	}
	html, err := renderMarkdown(m.Content)
	if err != nil {
		return nil, err
	}
	d := &memoryDetail{Memory: m, ContentHTML: html, Relationships: make([]relView, 0, len(rels))}
	for _, rel := range rels {
		v := relView{ID: rel.ID, Type: string(rel.Type), Category: rel.Type.Category(), Direction: "out",
			Strength: rel.Strength, Confidence: rel.Confidence, Context: rel.Context, Evidence: rel.EvidenceCount}
		other := rel.ToID
		if rel.ToID == id {
			v.Direction, other = "in", rel.FromID
		}
		v.Other = otherEnd{ID: other, Title: other}
		if n := byID[other]; n != nil {
			v.Other.Type, v.Other.Title = string(n.Type), n.Title
		}
		d.Relationships = append(d.Relationships, v)
	}
	return d, nil
}

func (h *Handler) showMemory(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadDetail(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pageFail(w, r, err)
		return
	}
	page := memoryPage{Detail: d, Form: formFor(d.Memory), Notice: notices[r.URL.Query().Get("done")]}
	h.render(w, r, memoryView(h.auth.pageData(d.Memory.Title, ""), page))
}

// showMemoryWith redraws the memory page with a refused form or
// relationship change, under the status that says why.
func (h *Handler) showMemoryWith(w http.ResponseWriter, r *http.Request, status int, page memoryPage) {
	d, err := h.loadDetail(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pageFail(w, r, err)
		return
	}
	page.Detail = d
	if page.Form.ID == "" {
		page.Form = formFor(d.Memory)
	}
	renderStatus(w, r, status, memoryView(h.auth.pageData(d.Memory.Title, ""), page), h.logger)
}

func (h *Handler) saveMemory(w http.ResponseWriter, r *http.Request) {
	ctx, id := r.Context(), r.PathValue("id")
	f := readMemoryForm(r)
	f.ID = id
	version, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || version < 1 {
		h.pageFail(w, r, backend.Invalid("version", "the form has no valid version; reload the page"))
		return
	}
	f.Version = version
	p, ok := f.parse()
	if !ok {
		h.showMemoryWith(w, r, http.StatusBadRequest, memoryPage{Form: f})
		return
	}
	current, err := h.svc.GetMemory(ctx, id)
	if err != nil {
		h.pageFail(w, r, err)
		return
	}
	// The form edits the context fields a person knows; the rest stays.
	p.Context.SessionID, p.Context.Extra = current.Context.SessionID, current.Context.Extra
	u := backend.MemoryUpdate{
		Type: &p.Type, Title: &f.Title, Content: &f.Content, Summary: &f.Summary, Tags: &p.Tags,
		Importance: &p.Importance, Confidence: &p.Confidence, Context: &p.Context,
	}
	if r.PostFormValue("overwrite") != "1" {
		u.ExpectedVersion = &version
	}
	_, err = h.svc.UpdateMemory(ctx, id, u)
	switch {
	case err == nil:
		http.Redirect(w, r, "/memories/"+id+"?done=saved", http.StatusSeeOther)
	case backend.ErrorCode(err) == backend.ECONFLICT && current.Version != version:
		f.Conflict = true
		h.showMemoryWith(w, r, http.StatusConflict, memoryPage{Form: f})
	case backend.ErrorCode(err) == backend.EINVALID || backend.ErrorCode(err) == backend.ECONFLICT:
		f.refuse(err)
		h.showMemoryWith(w, r, statusOf(backend.ErrorCode(err)), memoryPage{Form: f})
	default:
		h.pageFail(w, r, err)
	}
}

func (h *Handler) newMemory(w http.ResponseWriter, r *http.Request) {
	f := memoryForm{Type: string(backend.TypeGeneral), Importance: formatUnit(backend.DefaultImportance),
		Confidence: formatUnit(backend.DefaultConfidence)}
	if t := r.URL.Query().Get("type"); backend.MemoryType(t).Valid() {
		f.Type = t
	}
	h.render(w, r, newMemoryView(h.auth.pageData("New memory", "New memory"), f))
}

func (h *Handler) createMemory(w http.ResponseWriter, r *http.Request) {
	f := readMemoryForm(r)
	p, ok := f.parse()
	if ok {
		m, dup, err := h.svc.StoreMemory(r.Context(), backend.NewMemory{
			Type: p.Type, Title: f.Title, Content: f.Content, Summary: f.Summary, Tags: p.Tags,
			Importance: &p.Importance, Confidence: &p.Confidence, Context: p.Context,
		})
		if err == nil {
			done := "created"
			if dup {
				done = "duplicate"
			}
			http.Redirect(w, r, "/memories/"+m.ID+"?done="+done, http.StatusSeeOther)
			return
		}
		if backend.ErrorCode(err) != backend.EINVALID {
			h.pageFail(w, r, err)
			return
		}
		f.refuse(err)
	}
	renderStatus(w, r, http.StatusBadRequest, newMemoryView(h.auth.pageData("New memory", "New memory"), f), h.logger)
}

func (h *Handler) confirmDelete(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadDetail(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pageFail(w, r, err)
		return
	}
	h.render(w, r, deleteConfirmView(h.auth.pageData("Delete "+d.Memory.Title, ""), d.Memory, len(d.Relationships)))
}

func (h *Handler) deleteMemory(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteMemory(r.Context(), r.PathValue("id")); err != nil {
		h.pageFail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (h *Handler) addRelationship(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	other := strings.TrimSpace(r.PostFormValue("other_id"))
	in := backend.NewRelationship{FromID: id, ToID: other, Type: backend.RelationshipType(r.PostFormValue("rel_type"))}
	if r.PostFormValue("direction") == "in" {
		in.FromID, in.ToID = other, id
	}
	var err error
	if other == "" {
		err = backend.Invalid("other_id", "pick the other memory: search for it, or paste its id")
	} else {
		_, _, err = h.svc.CreateRelationship(r.Context(), in)
	}
	if err != nil {
		switch backend.ErrorCode(err) {
		case backend.EINVALID, backend.ENOTFOUND:
			h.showMemoryWith(w, r, statusOf(backend.ErrorCode(err)), memoryPage{RelError: relationshipMessage(err)})
		default:
			h.pageFail(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/memories/"+id+"?done=related#relationships-heading", http.StatusSeeOther)
}

// relationshipMessage words a refused relationship for the form.
func relationshipMessage(err error) string {
	var be *backend.Error
	if errors.As(err, &be) && be.Code == backend.EINVALID {
		return "Not added: " + be.Message
	}
	return "Not added: " + backend.ErrorMessage(err)
}

func (h *Handler) removeRelationship(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := h.svc.DeleteRelationship(r.Context(), r.PostFormValue("from"), r.PostFormValue("to"),
		backend.RelationshipType(r.PostFormValue("rel_type")))
	if err != nil && backend.ErrorCode(err) != backend.ENOTFOUND { // already gone is what was asked
		h.pageFail(w, r, err)
		return
	}
	http.Redirect(w, r, "/memories/"+id+"?done=unrelated#relationships-heading", http.StatusSeeOther)
}

// overviewDays is the window of the overview's recent activity.
const overviewDays = 7

func (h *Handler) overview(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.Statistics(r.Context(), 15)
	if err != nil {
		h.pageFail(w, r, err)
		return
	}
	act, err := h.svc.RecentActivity(r.Context(), overviewDays, 10, "")
	if err != nil {
		h.pageFail(w, r, err)
		return
	}
	h.render(w, r, overviewView(h.auth.pageData("Overview", "Overview"), overviewPage{Stats: st, Activity: act, Days: overviewDays}))
}
