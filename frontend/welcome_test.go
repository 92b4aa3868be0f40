package frontend

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
)

func TestWelcomePage(t *testing.T) {
	u := newUI(t, Options{Storage: &storageRecorder{}, Assistants: assistantRecorder{}, Version: "v9"})
	u.memory(backend.TypeProblem, "Slow build", "It takes a minute.")
	u.memory(backend.TypeFix, "Cache modules", "Keep GOMODCACHE between runs.")
	page := u.get("/welcome")
	if page.status != http.StatusOK {
		t.Fatalf("status %d", page.status)
	}
	for _, want := range []string{
		"<title>Welcome · Engram</title>", "Welcome to Engram", `aria-current="page">Get started`, "stays on this computer",
		`<strong>2</strong> memories`, "SQLite file on this computer: <code>/data/engram.db</code>",
		`id="install-claude-code"`, `id="install-cursor"`, `action="/settings/assistants/claude-code/install"`,
		`name="from" value="welcome"`, `name="csrf" value="` + u.h.auth.csrf + `"`, "/home/me/.claude-code.json",
		`id="use-neo4j" class="button" href="/settings#storage"`, "v9",
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("welcome page lacks %q", want)
		}
	}
	if strings.Contains(page.body, `id="local-neo4j"`) {
		t.Error("the page offers a local Neo4j although no one looked for it")
	}
}

func TestWelcomePageNeedsToken(t *testing.T) {
	u := newUI(t, Options{})
	resp, err := http.Get(u.srv.URL + "/welcome")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d without the token, want 401", resp.StatusCode)
	}
}

// TestWelcomePageSaysWhatIsMissing covers a window with no storage
// controller and no assistants, and a store on Neo4j: nothing to offer
// that cannot work.
func TestWelcomePageSaysWhatIsMissing(t *testing.T) {
	u := newUI(t, Options{})
	page := u.get("/welcome")
	for _, want := range []string{"<strong>0</strong> memories", "None yet", "engram client-config"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("bare welcome page lacks %q", want)
		}
	}
	if strings.Contains(page.body, `id="store-name"`) {
		t.Error("the page names a store it does not know")
	}

	var looked atomic.Bool
	u = newUI(t, Options{Storage: &savedPassword{}, LocalNeo4j: func(context.Context) (string, bool) {
		looked.Store(true)
		return "bolt://localhost:7687", true
	}})
	page = u.get("/welcome")
	if !strings.Contains(page.body, "Neo4j database at <code>bolt://db:7687</code>") || !strings.Contains(page.body, `id="storage-settings"`) ||
		strings.Contains(page.body, "Use Neo4j instead") {
		t.Error("the page on Neo4j does not say so, or still offers Neo4j")
	}
	if looked.Load() {
		t.Error("looked for a local Neo4j although the store is one")
	}
}

// TestWelcomeInstall installs from the welcome page: the answer shows
// there, beside the assistant.
func TestWelcomeInstall(t *testing.T) {
	u := newUI(t, Options{Storage: &storageRecorder{}, Assistants: assistantRecorder{}})
	for _, tc := range []struct {
		name, assistant, from string
		status                int
		want                  []string
	}{
		{"welcome", "claude-code", "welcome", 200, []string{"<title>Welcome · Engram</title>", `aria-current="page">Get started`, `id="install-result-claude-code" role="status" class="result ok-box"`, "Installed into"}},
		{"welcome failure", "cursor", "welcome", 400, []string{"Welcome to Engram", `id="install-result-cursor" role="status" class="result error-box"`, "not valid JSON"}},
		{"settings", "claude-code", "", 200, []string{`id="storage-form"`, `id="install-result-claude-code"`}},
		{"unknown page is settings", "claude-code", "elsewhere", 200, []string{`id="storage-form"`, `id="install-result-claude-code"`}},
		{"unknown assistant", "vim", "welcome", 404, []string{`cannot set up an assistant named &#34;vim&#34;`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := u.post("/settings/assistants/"+tc.assistant+"/install", url.Values{"from": {tc.from}})
			if resp.status != tc.status {
				t.Errorf("status %d, want %d", resp.status, tc.status)
			}
			for _, want := range tc.want {
				if !strings.Contains(resp.body, want) {
					t.Errorf("answer lacks %q", want)
				}
			}
		})
	}
}

// dialHook finds a Neo4j when addr accepts a connection, as the app's
// hook does (without the Bolt handshake, which app/welcome_test.go tests).
func dialHook(addr string, deadlines *atomic.Int64) func(context.Context) (string, bool) {
	return func(ctx context.Context) (string, bool) {
		if d, ok := ctx.Deadline(); ok {
			deadlines.Store(int64(time.Until(d)))
		}
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return "", false
		}
		c.Close()
		return "bolt://" + addr, true
	}
}

func TestWelcomeOffersLocalNeo4j(t *testing.T) {
	// Real loopback listeners stand where a Neo4j would: one accepting,
	// one closed.
	listening := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(listening.Close)
	open := listening.Listener.Addr().String()
	gone := httptest.NewServer(http.NotFoundHandler())
	closedAddr := gone.Listener.Addr().String()
	gone.Close()
	for _, tc := range []struct {
		name  string
		hook  func(*atomic.Int64) func(context.Context) (string, bool)
		shown string // the URI offered; "" none
	}{
		{"answers", func(d *atomic.Int64) func(context.Context) (string, bool) { return dialHook(open, d) }, "bolt://" + open},
		{"closed port", func(d *atomic.Int64) func(context.Context) (string, bool) { return dialHook(closedAddr, d) }, ""},
		{"no answer in time", func(d *atomic.Int64) func(context.Context) (string, bool) {
			return func(ctx context.Context) (string, bool) {
				dl, _ := ctx.Deadline()
				d.Store(int64(time.Until(dl)))
				<-ctx.Done()
				return "bolt://localhost:7687", true // too late: the page has stopped waiting
			}
		}, ""},
		{"not a Neo4j URI", func(*atomic.Int64) func(context.Context) (string, bool) {
			return func(context.Context) (string, bool) { return `javascript:alert("x")`, true }
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var deadline atomic.Int64
			u := newUI(t, Options{Storage: &storageRecorder{}, LocalNeo4j: tc.hook(&deadline)})
			page := u.get("/welcome")
			if page.status != 200 {
				t.Fatalf("status %d", page.status)
			}
			offered := strings.Contains(page.body, `id="local-neo4j"`)
			if offered != (tc.shown != "") {
				t.Fatalf("offered a local Neo4j: %v, want %v", offered, tc.shown != "")
			}
			if d := time.Duration(deadline.Load()); d > localNeo4jTimeout {
				t.Errorf("the hook was given %v, more than %v", d, localNeo4jTimeout)
			}
			if tc.shown == "" {
				return
			}
			link := `href="/settings?neo4j_uri=` + url.QueryEscape(tc.shown) + `#storage"`
			if !strings.Contains(page.body, "A Neo4j server answers at <code>"+tc.shown+"</code>") || !strings.Contains(page.body, link) {
				t.Errorf("the offer does not name %s or link to %s", tc.shown, link)
			}
		})
	}
}

// TestSettingsPrefill follows the welcome page's link: a Neo4j address
// fills the storage form; anything else is refused beside the URI field.
func TestSettingsPrefill(t *testing.T) {
	u := newUI(t, Options{Storage: &storageRecorder{}})
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"bolt://localhost:7687", true},
		{"neo4j+s://abc.databases.neo4j.io", true},
		{"bolt://[::1]:7687/", true},
		{"http://localhost:7474", false},
		{"javascript:alert(1)", false},
		{"bolt://neo4j:secret@localhost:7687", false},
		{"bolt://localhost:7687/db?x=1", false},
		{`bolt://"><script>alert(1)</script>`, false},
		{"bolt://", false},
	} {
		t.Run(tc.uri, func(t *testing.T) {
			page := u.get("/settings?neo4j_uri=" + url.QueryEscape(tc.uri))
			if page.status != 200 {
				t.Fatalf("status %d", page.status)
			}
			neo4jChosen := strings.Contains(page.body, `value="neo4j" checked`)
			filled := strings.Contains(page.body, `value="`+templEscape(tc.uri)+`"`)
			refused := strings.Contains(page.body, `id="error-neo4j_uri"`)
			if neo4jChosen != tc.ok || filled != tc.ok || refused == tc.ok {
				t.Errorf("neo4j chosen %v, URI filled in %v, refused %v; want the URI taken: %v", neo4jChosen, filled, refused, tc.ok)
			}
			if tc.ok && (!strings.Contains(page.body, `id="suggested-neo4j"`) || !strings.Contains(page.body, `name="neo4j_user" value="neo4j"`)) {
				t.Error("a taken URI comes without its notice or the default user")
			}
			if strings.Contains(page.body, "<script>alert") {
				t.Error("the URI reached the page as HTML")
			}
		})
	}
	// Without a storage controller there is no form to fill.
	u = newUI(t, Options{})
	if page := u.get("/settings?neo4j_uri=bolt%3A%2F%2Flocalhost%3A7687"); page.status != 200 || strings.Contains(page.body, "suggested-neo4j") {
		t.Errorf("status %d; a notice for a form that is not there", page.status)
	}
}

// templEscape is how templ writes an attribute value.
func templEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", `"`, "&#34;", "'", "&#39;", "<", "&lt;", ">", "&gt;").Replace(s)
}
