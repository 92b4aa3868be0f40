package frontend

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Names of the session cookie and the CSRF form field and header.
const (
	sessionCookie = "engram_session"
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
	// maxBodyBytes bounds a request body: a memory's content is at most
	// 50 KB, and a form or JSON body carries little else.
	maxBodyBytes = 1 << 20
)

// auth checks the local token. A browser shows it once in the URL
// (?token=…) and then carries a session cookie derived from it; other
// callers send it as a bearer token. Writes from a browser must come from
// this origin and carry a CSRF value derived from the token too.
type auth struct {
	token   string
	session string // the cookie value
	csrf    string // the value forms and fetch writes carry

	mu    sync.Mutex           // guards codes
	codes map[string]time.Time // one-time sign-in codes and when they expire
}

// loginCodeLife is how long a one-time sign-in link works.
const loginCodeLife = time.Minute

// loginCode returns a new one-time sign-in code (see takeToken): a link
// that is handed to another program (a browser started with it on its
// command line, where other users can see it) must not carry the token.
func (a *auth) loginCode() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	code := hex.EncodeToString(b)
	now := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.codes == nil {
		a.codes = map[string]time.Time{}
	}
	for c, expiry := range a.codes {
		if now.After(expiry) {
			delete(a.codes, c)
		}
	}
	a.codes[code] = now.Add(loginCodeLife)
	return code
}

// useLoginCode reports whether code is a live one-time code, and spends it.
func (a *auth) useLoginCode(code string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	expiry, ok := a.codes[code]
	delete(a.codes, code)
	return ok && time.Now().Before(expiry)
}

func newAuth(token string) *auth {
	derive := func(purpose string) string {
		if token == "" {
			return ""
		}
		mac := hmac.New(sha256.New, []byte(token))
		mac.Write([]byte(purpose))
		return hex.EncodeToString(mac.Sum(nil))
	}
	return &auth{token: token, session: derive("engram web session"), csrf: derive("engram web csrf")}
}

// how says how a request proved it holds the token.
type how int

const (
	notAuthorized how = iota
	byCookie
	byBearer
)

func equal(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func (a *auth) check(r *http.Request) how {
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		if equal(strings.TrimSpace(tok), a.token) {
			return byBearer
		}
		return notAuthorized
	}
	if c, err := r.Cookie(sessionCookie); err == nil && equal(c.Value, a.session) {
		return byCookie
	}
	return notAuthorized
}

// refusal says why a write was refused, or "" when it may go on.
func (a *auth) refusal(r *http.Request, via how) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return ""
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return "this change came from another site; make it from Engram's own pages"
	}
	if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(origin, r.Host) {
		return "this change came from " + origin + ", not from Engram's own pages"
	}
	if via == byBearer {
		return "" // a browser never adds a bearer header on its own
	}
	sent := r.Header.Get(csrfHeader)
	if sent == "" {
		sent = r.PostFormValue(csrfField)
	}
	if !equal(sent, a.csrf) {
		return "the form is missing its security value (it may be from an old page): reload the page and try again"
	}
	return ""
}

// sameOrigin reports whether a browser Origin names the host the request
// was sent to. "null" (a sandboxed or file page) never does.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, host)
}

// takeToken handles ?token=… and ?login=… (a one-time code): a right one
// sets the session cookie and redirects to the same address without it, so
// it stays out of history and bookmarks. It reports whether it answered.
func (a *auth) takeToken(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	if !(q.Has("token") || q.Has("login")) || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	if !equal(q.Get("token"), a.token) && !(q.Has("login") && a.useLoginCode(q.Get("login"))) {
		return false // answered as not authorized
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: a.session, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
	q.Del("token")
	q.Del("login")
	target := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	http.Redirect(w, r, target.String(), http.StatusSeeOther)
	return true
}

// page guards an HTML page: the token, then the write checks.
func (a *auth) page(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.takeToken(w, r) {
			return
		}
		via := a.check(r)
		if via == notAuthorized {
			w.Header().Set("Cache-Control", "no-store")
			renderStatus(w, r, http.StatusUnauthorized, signInPage(r.URL.Query().Has("token"), r.URL.Query().Has("login")), nil)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if why := a.refusal(r, via); why != "" {
			renderStatus(w, r, http.StatusForbidden, errorPage(a.pageData("Refused", ""), "This change was refused", why), nil)
			return
		}
		next(w, r)
	})
}

// api guards a JSON endpoint the same way, answering in JSON.
func (a *auth) api(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		via := a.check(r)
		if via == notAuthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="engram"`)
			writeError(w, http.StatusUnauthorized, apiError{Code: "unauthorized",
				Message: "open the web UI with the link 'engram serve' prints (it carries the token), or send Authorization: Bearer <token>"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if why := a.refusal(r, via); why != "" {
			writeError(w, http.StatusForbidden, apiError{Code: "forbidden", Message: why})
			return
		}
		next(w, r)
	})
}

// pageData is what every page's layout needs.
func (a *auth) pageData(title, active string) pageData {
	return pageData{Title: title, Active: active, CSRF: a.csrf}
}
