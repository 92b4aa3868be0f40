package backend

import (
	"context"
	"errors"
	"fmt"
)

// Error codes. Each edge (MCP tool errors, HTTP statuses, CLI exit messages)
// maps these once; anything without a code is internal.
const (
	EINVALID     = "invalid"     // the caller's input broke a rule; the message names the field
	ENOTFOUND    = "not_found"   // a memory or relationship does not exist
	ECONFLICT    = "conflict"    // a stale version or a uniqueness clash
	EUNAVAILABLE = "unavailable" // the store cannot be reached right now
	ECANCELED    = "canceled"    // the caller's context ended first
	EINTERNAL    = "internal"    // a bug or an unexpected failure
)

// Error is the domain error: a code, an optional field and a message a person
// (or an assistant) can act on.
type Error struct {
	Code    string
	Field   string
	Message string
}

// Error returns "field: message" when a field is named, else the message.
func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming the field and the rule it broke.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns an ENOTFOUND error for a missing memory.
func NotFound(what, id string) *Error {
	return &Error{Code: ENOTFOUND, Message: fmt.Sprintf("%s %q not found", what, id)}
}

// ErrorCode returns the code of err: the code of a wrapped *Error, ECANCELED
// for an ended context, EINTERNAL for anything else and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return ECANCELED
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Internal errors get a
// generic message: their details belong in a log, not in front of a user.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "the operation took too long and was stopped"
	case errors.Is(err, context.Canceled):
		return "the operation was canceled"
	}
	return "internal error"
}
