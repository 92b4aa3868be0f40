package frontend

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/a-h/templ"
	"github.com/engramhq/engram/backend"
)

// renderStatus renders c into a buffer first, so that a failing component
// leaves no half page behind, then writes it with status.
func renderStatus(w http.ResponseWriter, r *http.Request, status int, c templ.Component, logger *slog.Logger) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		if logger != nil && backend.ErrorCode(err) != backend.ECANCELED {
			logger.Error("render page", "path", r.URL.Path, "err", err)
		}
		http.Error(w, "the page could not be drawn", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, c templ.Component) {
	renderStatus(w, r, http.StatusOK, c, h.logger)
}

// apiError is the body of every JSON error: {"error":{…}}.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // a write error means the client left
}

func writeError(w http.ResponseWriter, status int, e apiError) {
	writeJSON(w, status, map[string]apiError{"error": e})
}

// statusOf maps a domain error code to an HTTP status, once for the UI.
func statusOf(code string) int {
	switch code {
	case backend.EINVALID:
		return http.StatusBadRequest
	case backend.ENOTFOUND:
		return http.StatusNotFound
	case backend.ECONFLICT:
		return http.StatusConflict
	case backend.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case backend.ECANCELED:
		return 499 // the client closed the request; nobody reads this
	}
	return http.StatusInternalServerError
}

// logInternal logs what the person cannot act on, once, here at the edge.
func (h *Handler) logInternal(r *http.Request, err error) {
	if backend.ErrorCode(err) == backend.EINTERNAL {
		h.logger.Error("web UI request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

// apiFail answers a JSON request with the error of a service call.
func (h *Handler) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	h.logInternal(r, err)
	code := backend.ErrorCode(err)
	e := apiError{Code: code, Message: backend.ErrorMessage(err)}
	var be *backend.Error
	if errors.As(err, &be) {
		e.Field, e.Message = be.Field, be.Message
	}
	writeError(w, statusOf(code), e)
}

// pageFail answers a page request with the error of a service call.
func (h *Handler) pageFail(w http.ResponseWriter, r *http.Request, err error) {
	h.logInternal(r, err)
	code := backend.ErrorCode(err)
	title := "Something went wrong"
	switch code {
	case backend.ENOTFOUND:
		title = "Not found"
	case backend.EUNAVAILABLE:
		title = "The store is unavailable"
	case backend.EINVALID:
		title = "That request is not valid"
	}
	renderStatus(w, r, statusOf(code), errorPage(h.auth.pageData(title, ""), title, backend.ErrorMessage(err)), h.logger)
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	renderStatus(w, r, http.StatusNotFound, errorPage(h.auth.pageData("Not found", ""), "Not found",
		"There is no page at "+r.URL.Path+"."), h.logger)
}

func (h *Handler) apiNotFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, apiError{Code: "not_found", Message: r.Method + " " + r.URL.Path + " is not part of the API"})
}
