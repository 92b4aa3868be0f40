package frontend

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/engramhq/engram/backend"
)

// welcomeTitle names the welcome page in the navigation.
const welcomeTitle = "Get started"

// localNeo4jTimeout bounds the look for a Neo4j on this machine: the
// welcome page waits for it.
const localNeo4jTimeout = 300 * time.Millisecond

// welcome greets a person (the desktop window opens here on the first
// run): what Engram is, where the memories are, one click to connect an
// assistant and one to switch to Neo4j.
func (h *Handler) welcome(w http.ResponseWriter, r *http.Request) {
	h.showWelcome(w, r, http.StatusOK, h.welcomePage(r))
}

func (h *Handler) showWelcome(w http.ResponseWriter, r *http.Request, status int, v welcomePage) {
	renderStatus(w, r, status, welcomeView(h.auth.pageData("Welcome", welcomeTitle), v), h.logger)
}

// welcomePage counts the memories while it looks for a local Neo4j, so the
// look adds nothing to the page's time unless counting is faster. A store
// that cannot count is shown on the page, not as an error page: the way to
// another store must stay open.
func (h *Handler) welcomePage(r *http.Request) welcomePage {
	ctx := r.Context()
	v := welcomePage{Version: h.opts.Version, Assistants: h.assistantViews()}
	if h.opts.Storage != nil {
		cur := h.opts.Storage.Current()
		v.Storage = &cur
	}
	found := make(chan string, 1)
	if h.opts.LocalNeo4j != nil && (v.Storage == nil || v.Storage.Backend != "neo4j") {
		go func() {
			lookCtx, cancel := context.WithTimeout(ctx, localNeo4jTimeout)
			defer cancel()
			uri, ok := h.opts.LocalNeo4j(lookCtx)
			// An answer after the deadline is not one: the server was too
			// slow to count as answering.
			if !ok || lookCtx.Err() != nil || checkNeo4jURI(uri) != nil {
				uri = ""
			}
			found <- uri
		}()
	} else {
		found <- ""
	}
	st, err := h.svc.Statistics(ctx, 1)
	if err != nil {
		h.logInternal(r, err)
		v.CountError = backend.ErrorMessage(err)
	} else {
		v.Memories = st.Memories
	}
	v.LocalNeo4j = <-found
	return v
}

// settingsWithNeo4j is the settings page with the storage form set to the
// Neo4j at uri.
func settingsWithNeo4j(uri string) string {
	return "/settings?" + url.Values{"neo4j_uri": {uri}}.Encode() + "#storage"
}

func memoriesWord(n int) string {
	if n == 1 {
		return "memory"
	}
	return "memories"
}
