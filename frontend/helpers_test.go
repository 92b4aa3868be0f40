package frontend

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/sqlite"
)

const testToken = "0123456789abcdef0123456789abcdef0123456789abcdef"

// ui is a web UI over a real SQLite store in a temporary folder, served on
// a loopback port.
type ui struct {
	t      testing.TB
	svc    *backend.Service
	dbPath string
	h      *Handler
	srv    *httptest.Server
	// browser carries the session cookie like a browser that opened the
	// token link once.
	browser *http.Client
}

func newUI(t testing.TB, opts Options) *ui {
	t.Helper()
	path := filepath.Join(t.TempDir(), "engram.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	u := &ui{t: t, svc: backend.NewService(st), dbPath: path}
	opts.Token = testToken
	u.h = New(u.svc, opts)
	u.srv = httptest.NewServer(u.h)
	t.Cleanup(func() {
		u.h.Close()
		u.srv.Close()
	})
	jar, _ := cookiejar.New(nil)
	u.browser = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := u.browser.Get(u.srv.URL + "/?token=" + testToken)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("opening the token link: status %d, want 303", resp.StatusCode)
	}
	return u
}

// response is a finished request: status, headers and body.
type response struct {
	status int
	header http.Header
	body   string
}

func (u *ui) do(client *http.Client, req *http.Request) response {
	u.t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		u.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

// get fetches path with the browser's cookie.
func (u *ui) get(path string) response {
	u.t.Helper()
	req, _ := http.NewRequest("GET", u.srv.URL+path, nil)
	return u.do(u.browser, req)
}

// post submits a form from one of the UI's own pages: same origin, with
// the CSRF value.
func (u *ui) post(path string, form url.Values) response {
	u.t.Helper()
	form.Set(csrfField, u.h.auth.csrf)
	req, _ := http.NewRequest("POST", u.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", u.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return u.do(u.browser, req)
}

// api calls the JSON API with the bearer token and decodes the answer.
func (u *ui) api(method, path string, body any, out any) int {
	u.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			u.t.Fatal(err)
		}
		r = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, u.srv.URL+path, r)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp := u.do(http.DefaultClient, req)
	if out != nil && resp.body != "" {
		if err := json.Unmarshal([]byte(resp.body), out); err != nil {
			u.t.Fatalf("%s %s: %v in %s", method, path, err, resp.body)
		}
	}
	return resp.status
}

// memory stores a memory through the service.
func (u *ui) memory(typ backend.MemoryType, title, content string, tags ...string) *backend.Memory {
	u.t.Helper()
	m, _, err := u.svc.StoreMemory(context.Background(), backend.NewMemory{Type: typ, Title: title, Content: content, Tags: tags})
	if err != nil {
		u.t.Fatal(err)
	}
	return m
}

func (u *ui) relate(from, to string, typ backend.RelationshipType) {
	u.t.Helper()
	if _, _, err := u.svc.CreateRelationship(context.Background(), backend.NewRelationship{FromID: from, ToID: to, Type: typ}); err != nil {
		u.t.Fatal(err)
	}
}

// apiErrorBody is the JSON error every API refusal carries.
type apiErrorBody struct {
	Error apiError `json:"error"`
}
