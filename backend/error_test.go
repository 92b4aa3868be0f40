package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorCodeAndMessage(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		code    string
		message string
	}{
		{"Nil", nil, "", ""},
		{"Invalid", Invalid("title", "is required"), EINVALID, "title: is required"},
		{"InvalidFormatted", Invalid("limit", "must be at most %d", 100), EINVALID, "limit: must be at most 100"},
		{"NotFound", NotFound("memory", "abc"), ENOTFOUND, `memory "abc" not found`},
		{"Errorf", Errorf(ECONFLICT, "version %d is stale", 3), ECONFLICT, "version 3 is stale"},
		{"Unavailable", Errorf(EUNAVAILABLE, "cannot reach neo4j"), EUNAVAILABLE, "cannot reach neo4j"},
		{"Wrapped", fmt.Errorf("store: %w", Invalid("tags", "too many")), EINVALID, "tags: too many"},
		{"DoubleWrapped", fmt.Errorf("a: %w", fmt.Errorf("b: %w", NotFound("memory", "x"))), ENOTFOUND, `memory "x" not found`},
		{"Joined", errors.Join(errors.New("other"), Errorf(ECONFLICT, "clash")), ECONFLICT, "clash"},
		{"Canceled", context.Canceled, ECANCELED, "the operation was canceled"},
		{"WrappedCanceled", fmt.Errorf("search: %w", context.Canceled), ECANCELED, "the operation was canceled"},
		{"Deadline", context.DeadlineExceeded, ECANCELED, "the operation took too long and was stopped"},
		{"WrappedDeadline", fmt.Errorf("query: %w", context.DeadlineExceeded), ECANCELED, "the operation took too long and was stopped"},
		{"Plain", errors.New("disk I/O error at /var/lib/secret.db"), EINTERNAL, "internal error"},
		{"WrappedPlain", fmt.Errorf("x: %w", errors.New("driver detail")), EINTERNAL, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := ErrorMessage(tt.err); got != tt.message {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.message)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	if got := (&Error{Code: EINVALID, Field: "depth", Message: "too deep"}).Error(); got != "depth: too deep" {
		t.Errorf("Error() = %q", got)
	}
	if got := (&Error{Code: EINTERNAL, Message: "boom"}).Error(); got != "boom" {
		t.Errorf("Error() = %q", got)
	}
	// A domain error with a code keeps its code even when it mentions a
	// context error in its text.
	err := Errorf(ENOTFOUND, "%v", context.Canceled)
	if ErrorCode(err) != ENOTFOUND {
		t.Errorf("ErrorCode = %q, want %q", ErrorCode(err), ENOTFOUND)
	}
	if e := Invalid("f", "m %s", "x"); e.Code != EINVALID || e.Field != "f" || e.Message != "m x" {
		t.Errorf("Invalid = %+v", e)
	}
	if e := NotFound("relationship", "a->b"); !strings.Contains(e.Message, "a->b") || e.Field != "" {
		t.Errorf("NotFound = %+v", e)
	}
}
