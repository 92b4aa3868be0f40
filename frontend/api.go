package frontend

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/engramhq/engram/backend"
)

// Graph sizes: the explorer draws about 500 nodes by default and stays
// fluid up to 5,000.
const (
	defaultGraphLimit = 500
	maxGraphLimit     = 5000
	maxExpandDepth    = 3
)

// graphNode is a memory as the graph script draws it.
type graphNode struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Title      string    `json:"title"`
	Summary    string    `json:"summary"`
	Importance float64   `json:"importance"`
	Tags       []string  `json:"tags"`
	CreatedAt  time.Time `json:"created_at"`
}

// graphEdge is a relationship as the graph script draws it.
type graphEdge struct {
	ID       string  `json:"id"`
	From     string  `json:"from"`
	To       string  `json:"to"`
	Type     string  `json:"type"`
	Strength float64 `json:"strength"`
}

// graphResponse is the answer of /api/graph and /api/graph/expand.
type graphResponse struct {
	Nodes      []graphNode `json:"nodes"`
	Edges      []graphEdge `json:"edges"`
	Total      int         `json:"total"`
	Shown      int         `json:"shown"`
	NextOffset *int        `json:"next_offset"`
}

func toGraph(g *backend.Graph) graphResponse {
	out := graphResponse{Nodes: make([]graphNode, len(g.Nodes)), Edges: make([]graphEdge, len(g.Edges))}
	for i, m := range g.Nodes {
		tags := m.Tags
		if tags == nil {
			tags = []string{}
		}
		out.Nodes[i] = graphNode{ID: m.ID, Type: string(m.Type), Title: m.Title, Summary: m.Summary,
			Importance: m.Importance, Tags: tags, CreatedAt: m.CreatedAt}
	}
	for i, e := range g.Edges {
		out.Edges[i] = graphEdge{ID: e.ID, From: e.FromID, To: e.ToID, Type: string(e.Type), Strength: e.Strength}
	}
	return out
}

// intParam reads an optional integer parameter within [lo, hi].
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, backend.Invalid(name, "must be a whole number between %d and %d (got %q)", lo, hi, s)
	}
	return n, nil
}

// parseAll parses every value of a repeated parameter, naming it when one
// is wrong.
func parseAll[T any](q url.Values, name string, parse func(field, s string) (T, error)) ([]T, error) {
	var out []T
	for _, s := range q[name] {
		v, err := parse(name, s)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// apiGraph draws a page of the ranked search (or of the newest memories)
// and, while they fit within the limit, their neighbours.
func (h *Handler) apiGraph(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := intParam(q, "limit", defaultGraphLimit, 1, maxGraphLimit)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	offset, err := intParam(q, "offset", 0, 0, backend.MaxSearchOffset)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	types, err := parseAll(q, "type", backend.ParseMemoryType)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	rels, err := parseAll(q, "rel_type", backend.ParseRelationshipType)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	res, err := h.svc.SearchForDrawing(r.Context(), backend.SearchQuery{
		Text: q.Get("q"), Types: types, Tags: splitList(q.Get("tag"), ","), TagMode: backend.TagsAny,
		ProjectPath: strings.TrimSpace(q.Get("project")), Limit: limit, Offset: offset,
	})
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	seeds := make([]string, len(res.Hits))
	for i, hit := range res.Hits {
		seeds[i] = hit.Memory.ID
	}
	g := &backend.Graph{}
	if len(seeds) > 0 {
		depth := 0
		if len(seeds) < limit {
			depth = 1 // room for neighbours
		}
		g, err = h.svc.Subgraph(r.Context(), backend.SubgraphQuery{Seeds: seeds, Depth: depth, RelTypes: rels, MemTypes: types, Limit: limit})
		if err != nil {
			h.apiFail(w, r, err)
			return
		}
	}
	out := toGraph(g)
	out.Total, out.Shown = res.Total, len(res.Hits)
	if res.HasMore {
		next := offset + len(res.Hits)
		out.NextOffset = &next
	}
	writeJSON(w, http.StatusOK, out)
}

// apiExpand draws one memory's neighbourhood.
func (h *Handler) apiExpand(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id := q.Get("id")
	if err := backend.ValidateID("id", id); err != nil {
		h.apiFail(w, r, err)
		return
	}
	depth, err := intParam(q, "depth", 1, 1, maxExpandDepth)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	limit, err := intParam(q, "limit", defaultGraphLimit, 1, maxGraphLimit)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	rels, err := parseAll(q, "rel_type", backend.ParseRelationshipType)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	g, err := h.svc.Subgraph(r.Context(), backend.SubgraphQuery{Seeds: []string{id}, Depth: depth, RelTypes: rels, Limit: limit})
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	if len(g.Nodes) == 0 {
		h.apiFail(w, r, backend.NotFound("memory", id))
		return
	}
	out := toGraph(g)
	out.Total, out.Shown = g.TotalNodes, len(g.Nodes)
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) apiMemory(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadDetail(r.Context(), r.PathValue("id"))
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// searchHit is one result of /api/search.
type searchHit struct {
	ID      string  `json:"id"`
	Type    string  `json:"type"`
	Title   string  `json:"title"`
	Summary string  `json:"summary"`
	Score   float64 `json:"score"`
}

func (h *Handler) apiSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := intParam(q, "limit", 10, 1, backend.MaxSearchLimit)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	res, err := h.svc.Search(r.Context(), backend.SearchQuery{Text: q.Get("q"), Limit: limit})
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	hits := make([]searchHit, len(res.Hits))
	for i, hit := range res.Hits {
		m := hit.Memory
		hits[i] = searchHit{ID: m.ID, Type: string(m.Type), Title: m.Title, Summary: m.Summary, Score: hit.Score}
	}
	writeJSON(w, http.StatusOK, map[string]any{"hits": hits, "total": res.Total})
}

func (h *Handler) apiTypes(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"memory_types":            backend.MemoryTypes,
		"relationship_categories": backend.RelationshipCategories,
	})
}

// decodeJSON reads a JSON body into v, refusing unknown fields so that a
// typo is named rather than ignored.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return backend.Invalid("body", "is over %d bytes", maxBodyBytes)
		}
		if errors.Is(err, io.EOF) {
			return backend.Invalid("body", "is empty; send a JSON object")
		}
		return backend.Invalid("body", "is not the expected JSON: %v", err)
	}
	return nil
}

// newMemoryJSON is the body of POST /api/memories.
type newMemoryJSON struct {
	Type       backend.MemoryType `json:"type"`
	Title      string             `json:"title"`
	Content    string             `json:"content"`
	Summary    string             `json:"summary"`
	Tags       []string           `json:"tags"`
	Importance *float64           `json:"importance"`
	Confidence *float64           `json:"confidence"`
	Context    backend.Context    `json:"context"`
}

func (h *Handler) apiCreateMemory(w http.ResponseWriter, r *http.Request) {
	var in newMemoryJSON
	if err := decodeJSON(r, &in); err != nil {
		h.apiFail(w, r, err)
		return
	}
	m, dup, err := h.svc.StoreMemory(r.Context(), backend.NewMemory(in))
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	status := http.StatusCreated
	if dup {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]any{"memory": m, "duplicate": dup})
}

func (h *Handler) apiUpdateMemory(w http.ResponseWriter, r *http.Request) {
	var u backend.MemoryUpdate
	if err := decodeJSON(r, &u); err != nil {
		h.apiFail(w, r, err)
		return
	}
	m, err := h.svc.UpdateMemory(r.Context(), r.PathValue("id"), u)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"memory": m})
}

func (h *Handler) apiDeleteMemory(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteMemory(r.Context(), r.PathValue("id")); err != nil {
		h.apiFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// newRelationshipJSON is the body of POST /api/relationships.
type newRelationshipJSON struct {
	From       string                   `json:"from"`
	To         string                   `json:"to"`
	Type       backend.RelationshipType `json:"type"`
	Strength   *float64                 `json:"strength"`
	Confidence *float64                 `json:"confidence"`
	Context    string                   `json:"context"`
}

func (h *Handler) apiCreateRelationship(w http.ResponseWriter, r *http.Request) {
	var in newRelationshipJSON
	if err := decodeJSON(r, &in); err != nil {
		h.apiFail(w, r, err)
		return
	}
	rel, created, err := h.svc.CreateRelationship(r.Context(), backend.NewRelationship{
		FromID: in.From, ToID: in.To, Type: in.Type, Strength: in.Strength, Confidence: in.Confidence, Context: in.Context,
	})
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{"relationship": rel})
}

func (h *Handler) apiDeleteRelationship(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	err := h.svc.DeleteRelationship(r.Context(), q.Get("from"), q.Get("to"), backend.RelationshipType(q.Get("type")))
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// sseEvent formats one server-sent event.
func sseEvent(event string, data any) ([]byte, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "event: %s\ndata: %s\n\n", event, b), nil
}
