package frontend

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTokenLinkSetsCookieAndDropsToken(t *testing.T) {
	u := newUI(t, Options{})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", u.srv.URL+"/overview?token="+testToken+"&x=1", nil)
	resp := u.do(client, req)
	if resp.status != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", resp.status)
	}
	if loc := resp.header.Get("Location"); loc != "/overview?x=1" {
		t.Errorf("redirect to %q, want /overview?x=1 (same page, token dropped)", loc)
	}
	cookie := resp.header.Get("Set-Cookie")
	for _, want := range []string{sessionCookie + "=", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("Set-Cookie %q lacks %q", cookie, want)
		}
	}
	if strings.Contains(cookie, testToken) {
		t.Error("the cookie holds the token itself; it should hold a value derived from it")
	}
}

func TestAuthRefusals(t *testing.T) {
	u := newUI(t, Options{})
	m := u.memory("general", "Guarded", "content")
	csrf := u.h.auth.csrf
	session := &http.Cookie{Name: sessionCookie, Value: u.h.auth.session}
	form := func(v url.Values) string { return v.Encode() }
	memoryJSON := `{"type":"general","title":"Made by API","content":"c"}`

	for _, tc := range []struct {
		name    string
		method  string
		path    string
		body    string
		cookie  bool
		headers map[string]string
		want    int
		wantIn  string // in the body
	}{
		{"page without token", "GET", "/", "", false, nil, 401, "engram serve"},
		{"page with wrong token link", "GET", "/?token=nope", "", false, nil, 401, "not this Engram"},
		{"api without token", "GET", "/api/graph", "", false, nil, 401, `"code":"unauthorized"`},
		{"api with wrong bearer", "GET", "/api/graph", "", false, map[string]string{"Authorization": "Bearer nope"}, 401, "unauthorized"},
		{"events without token", "GET", "/api/events", "", false, nil, 401, "unauthorized"},
		{"static without token", "GET", "/static/app.css", "", false, nil, 200, "--mt-task"},
		{"page with cookie", "GET", "/", "", true, nil, 200, `id="explorer-form"`},
		{"page with bearer", "GET", "/overview", "", false, map[string]string{"Authorization": "Bearer " + testToken}, 200, `id="counts"`},
		{"api with cookie", "GET", "/api/types", "", true, nil, 200, "SOLVES"},
		{"form without csrf", "POST", "/memories/new", form(url.Values{"title": {"x"}}), true,
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 403, "security value"},
		{"form with wrong csrf", "POST", "/memories/new", form(url.Values{"title": {"x"}, "csrf": {"bad"}}), true,
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 403, "security value"},
		{"form from a foreign origin", "POST", "/memories/" + m.ID + "/delete", form(url.Values{"csrf": {csrf}}), true,
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"}, 403, "evil.example"},
		{"form from another site", "POST", "/memories/" + m.ID + "/delete", form(url.Values{"csrf": {csrf}}), true,
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"}, 403, "another site"},
		{"form with a null origin", "POST", "/memories/" + m.ID + "/delete", form(url.Values{"csrf": {csrf}}), true,
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "null"}, 403, "null"},
		{"api write by cookie without csrf header", "POST", "/api/memories", memoryJSON, true, nil, 403, `"code":"forbidden"`},
		{"api write by cookie with csrf header", "POST", "/api/memories", memoryJSON, true,
			map[string]string{csrfHeader: csrf, "Origin": u.srv.URL, "Sec-Fetch-Site": "same-origin"}, 201, "Made by API"},
		{"api write by bearer from a foreign origin", "DELETE", "/api/memories/" + m.ID, "", false,
			map[string]string{"Authorization": "Bearer " + testToken, "Origin": "https://evil.example"}, 403, "forbidden"},
		{"api write by bearer", "DELETE", "/api/memories/" + m.ID, "", false,
			map[string]string{"Authorization": "Bearer " + testToken}, 204, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, u.srv.URL+tc.path, strings.NewReader(tc.body))
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			if tc.cookie {
				req.AddCookie(session)
			}
			resp := u.do(http.DefaultClient, req)
			if resp.status != tc.want {
				t.Fatalf("status %d, want %d; body: %.300s", resp.status, tc.want, resp.body)
			}
			if !strings.Contains(resp.body, tc.wantIn) {
				t.Errorf("body lacks %q: %.500s", tc.wantIn, resp.body)
			}
			if strings.HasPrefix(tc.path, "/api/") && tc.want >= 400 {
				var e apiErrorBody
				if err := json.Unmarshal([]byte(resp.body), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
					t.Errorf("API refusal is not {\"error\":{code,message}}: %s", resp.body)
				}
			}
		})
	}
}

func TestPagesSendSecurityHeaders(t *testing.T) {
	u := newUI(t, Options{})
	resp := u.get("/")
	csp := resp.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") && !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("scripts may come from elsewhere: %q", csp)
	}
	// Forms post with their real Origin only when the page's referrer
	// policy lets the origin through (no-referrer makes it "null").
	if rp := resp.header.Get("Referrer-Policy"); rp != "same-origin" {
		t.Errorf("Referrer-Policy %q, want same-origin", rp)
	}
	if resp.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("X-Content-Type-Options: nosniff missing")
	}
}

func TestEmptyTokenRefusesEverything(t *testing.T) {
	u := newUI(t, Options{})
	open := New(u.svc, Options{}) // a missing token must not open the UI
	defer open.Close()
	for _, req := range []*http.Request{
		httptestRequest("GET", "/", "", nil),
		httptestRequest("GET", "/?token=", "", nil),
		httptestRequest("GET", "/api/graph", "Bearer ", nil),
		httptestRequest("GET", "/api/graph", "", &http.Cookie{Name: sessionCookie, Value: ""}),
	} {
		rec := httptest.NewRecorder()
		open.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s %s: status %d, want 401", req.Method, req.URL, rec.Code)
		}
	}
}

func httptestRequest(method, target, authorization string, cookie *http.Cookie) *http.Request {
	req := httptest.NewRequest(method, target, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return req
}

func TestOneTimeSignInLink(t *testing.T) {
	u := newUI(t, Options{})
	fresh := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar}
	}
	link := u.srv.URL + u.h.SignInLink("/overview")
	if strings.Contains(link, testToken) {
		t.Fatal("the sign-in link carries the token")
	}
	browser := fresh()
	resp := u.do(browser, mustRequest(t, link))
	if resp.status != http.StatusOK || !strings.Contains(resp.body, "Overview") {
		t.Fatalf("first use: %d", resp.status)
	}
	if got := u.do(browser, mustRequest(t, u.srv.URL+"/")); got.status != http.StatusOK {
		t.Errorf("the browser is not signed in after the link: %d", got.status)
	}
	// Spent: a second browser (or someone who read the command line) is refused.
	again := u.do(fresh(), mustRequest(t, link))
	if again.status != http.StatusUnauthorized || !strings.Contains(again.body, "works only once") {
		t.Errorf("second use: %d, want 401 saying the link is spent", again.status)
	}
	if got := u.do(fresh(), mustRequest(t, u.srv.URL+"/?login=made-up")); got.status != http.StatusUnauthorized {
		t.Errorf("a made-up code: %d", got.status)
	}
	// Expired codes are refused.
	code := u.h.auth.loginCode()
	u.h.auth.mu.Lock()
	u.h.auth.codes[code] = time.Now().Add(-time.Second)
	u.h.auth.mu.Unlock()
	if got := u.do(fresh(), mustRequest(t, u.srv.URL+"/?login="+code)); got.status != http.StatusUnauthorized {
		t.Errorf("an expired code: %d", got.status)
	}
}

func mustRequest(t *testing.T, target string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
