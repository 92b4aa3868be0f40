package frontend

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/sqlite"
)

// sseEventRead is one event read off the stream.
type sseEventRead struct {
	event string
	data  backend.Change
}

// listen opens the event stream and returns its events as they arrive; the
// channel closes when the stream ends.
func (u *ui) listen(t *testing.T, ctx context.Context) <-chan sseEventRead {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", u.srv.URL+"/api/events", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseEventRead, 16)
	ready := make(chan struct{})
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev sseEventRead
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == ": connected":
				close(ready)
			case strings.HasPrefix(line, "event: "):
				ev.event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.data)
			case line == "" && ev.event != "":
				out <- ev
				ev = sseEventRead{}
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not start")
	}
	return out
}

// next waits up to 2 s (the promise of the UI) for an event.
func next(t *testing.T, events <-chan sseEventRead) sseEventRead {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(2 * time.Second):
		t.Fatal("no event within 2 s")
	}
	return sseEventRead{}
}

func TestEventsDeliverChangesWithinTwoSeconds(t *testing.T) {
	u := newUI(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := u.listen(t, ctx)

	m := u.memory("problem", "Live", "content")
	if ev := next(t, events); ev.event != "memory" || ev.data.Op != backend.OpCreated || ev.data.ID != m.ID {
		t.Errorf("after a store: %+v", ev)
	}
	s := u.memory("solution", "Fix", "content")
	next(t, events)
	u.relate(s.ID, m.ID, backend.RelSolves)
	if ev := next(t, events); ev.event != "relationship" || ev.data.Op != backend.OpCreated || ev.data.From != s.ID || ev.data.To != m.ID || ev.data.Type != backend.RelSolves {
		t.Errorf("after a relate: %+v", ev)
	}
	// A change made in the UI reaches the stream too.
	if resp := u.post("/memories/"+m.ID+"/delete", url.Values{}); resp.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.status)
	}
	if ev := next(t, events); ev.event != "memory" || ev.data.Op != backend.OpDeleted || ev.data.ID != m.ID {
		t.Errorf("after a delete: %+v", ev)
	}
}

func TestEventsSeeOtherProcessesWrites(t *testing.T) {
	u := newUI(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := u.listen(t, ctx)
	// engram mcp --direct in another process: another store on the same file.
	other, err := sqlite.Open(ctx, u.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, _, err := backend.NewService(other).StoreMemory(ctx, backend.NewMemory{Type: "general", Title: "From elsewhere", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, events); ev.event != "resync" {
		t.Errorf("after another process wrote: %+v, want resync", ev)
	}
}

func TestEventsEndWhenTheHandlerCloses(t *testing.T) {
	u := newUI(t, Options{})
	events := u.listen(t, context.Background())
	u.h.Close()
	select {
	case _, ok := <-events:
		if ok {
			t.Error("an event arrived instead of the end")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the stream is still open after Close")
	}
}
