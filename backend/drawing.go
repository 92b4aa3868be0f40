package backend

import "context"

// MaxDrawSearchLimit bounds one page of search results drawn as a graph: a
// person looks at thousands of nodes where an assistant reads a hundred
// memories (MaxSearchLimit).
const MaxDrawSearchLimit = 5000

// SearchForDrawing is Search with pages of up to MaxDrawSearchLimit hits,
// for the web UI's graph. Errors: EINVALID.
func (s *Service) SearchForDrawing(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	if err := normalizeSearch(&q, MaxDrawSearchLimit); err != nil {
		return nil, err
	}
	return s.store.SearchMemories(ctx, q)
}
