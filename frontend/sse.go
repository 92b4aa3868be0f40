package frontend

import (
	"net/http"
	"time"

	"github.com/engramhq/engram/backend"
)

// Timings of the event stream.
const (
	// heartbeatEvery keeps proxies and the browser from closing a quiet stream.
	heartbeatEvery = 15 * time.Second
	// pollEvery is how often a stream asks the store whether another
	// process (engram mcp --direct on the same file) changed it.
	pollEvery = time.Second
)

// apiEvents streams changes as server-sent events: memory and
// relationship changes made through this process's Service as they
// happen, and "resync" when changes were missed (this stream fell behind,
// or another process wrote to the store).
func (h *Handler) apiEvents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")

	sub := h.svc.Subscribe(0)
	defer func() { sub.Close() }()
	mark, markErr := h.svc.ChangeMark(ctx)
	published := h.svc.PublishedChanges()

	send := func(b []byte) bool {
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send([]byte("retry: 2000\n: connected\n\n")) {
		return
	}
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	heartbeat := time.NewTicker(heartbeatEvery)
	defer heartbeat.Stop()
	for {
		var msg []byte
		select {
		case <-ctx.Done():
			return
		case <-h.ctx.Done(): // the server is shutting down
			return
		case ch, ok := <-sub.C:
			if !ok { // fell behind and was dropped: say so, and listen again
				sub = h.svc.Subscribe(0)
				ch = backend.Change{Kind: backend.KindResync}
			}
			b, err := changeEvent(ch)
			if err != nil {
				h.logger.Error("encode change event", "err", err)
				continue
			}
			msg = b
		case <-poll.C:
			m, err := h.svc.ChangeMark(ctx)
			if err != nil {
				continue // the store is busy or gone; the next tick tries again
			}
			p := h.svc.PublishedChanges()
			// A change of mark that this process published explains itself.
			if markErr == nil && m != mark && p == published {
				msg, _ = changeEvent(backend.Change{Kind: backend.KindResync})
			}
			mark, markErr, published = m, nil, p
		case <-heartbeat.C:
			msg = []byte(": ping\n\n")
		}
		if msg != nil && !send(msg) {
			return
		}
	}
}

// changeEvent formats a change as the event of its kind.
func changeEvent(ch backend.Change) ([]byte, error) {
	if ch.Kind == backend.KindResync {
		return sseEvent(string(backend.KindResync), struct{}{})
	}
	return sseEvent(string(ch.Kind), ch)
}
