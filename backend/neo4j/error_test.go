package neo4j

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/engramhq/engram/backend"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

func TestFail(t *testing.T) {
	s := &Store{uri: "bolt://db.example:7687", db: "memories"}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	serverError := func(code, msg string) error { return &neo4j.Neo4jError{Code: code, Msg: msg} }
	cases := []struct {
		name     string
		ctx      context.Context
		err      error
		code     string
		contains []string
	}{
		{"Nil", context.Background(), nil, "", nil},
		{"DomainErrorPasses", context.Background(), backend.NotFound("memory", "x"), backend.ENOTFOUND, []string{`memory "x" not found`}},
		{"WrappedDomainErrorPasses", context.Background(), fmt.Errorf("wrapped: %w", backend.Invalid("f", "bad")), backend.EINVALID, []string{"bad"}},
		{"CanceledContext", canceled, &neo4j.ConnectivityError{Inner: errors.New("read canceled")}, backend.ECANCELED, []string{"op", "canceled"}},
		{"ContextError", context.Background(), context.DeadlineExceeded, backend.ECANCELED, nil},
		{"WrongPassword", context.Background(), serverError("Neo.ClientError.Security.Unauthorized", "authentication failure"),
			backend.EUNAVAILABLE, []string{"bolt://db.example:7687", "NEO4J_PASSWORD", "authentication failure"}},
		{"MissingDatabase", context.Background(), serverError("Neo.ClientError.Database.DatabaseNotFound", "Graph not found: memories"),
			backend.EUNAVAILABLE, []string{"database memories", "NEO4J_DATABASE"}},
		{"Constraint", context.Background(), serverError("Neo.ClientError.Schema.ConstraintValidationFailed", "already exists"),
			backend.ECONFLICT, []string{"clashes"}},
		{"TransientAfterRetries", context.Background(), serverError("Neo.TransientError.Transaction.DeadlockDetected", "deadlock"),
			backend.EUNAVAILABLE, []string{"try again", "deadlock"}},
		{"RetriesOfUnreachable", context.Background(), &neo4j.TransactionExecutionLimit{Cause: "timeout", Errors: []error{
			&neo4j.ConnectivityError{Inner: errors.New("connection refused")}}},
			backend.EUNAVAILABLE, []string{"cannot reach", "connection refused"}},
		{"RetriesOfWrongPassword", context.Background(), &neo4j.TransactionExecutionLimit{Cause: "timeout", Errors: []error{
			serverError("Neo.ClientError.Security.Unauthorized", "authentication failure")}},
			backend.EUNAVAILABLE, []string{"NEO4J_PASSWORD"}},
		{"CypherBug", context.Background(), serverError("Neo.ClientError.Statement.SyntaxError", "Invalid input"),
			backend.EINTERNAL, []string{"SyntaxError"}},
		{"UsageIsInternal", context.Background(), &neo4j.UsageError{Message: "Session already has a pending transaction"}, backend.EINTERNAL, nil},
		{"ClosedDriver", context.Background(), &neo4j.UsageError{Message: "Trying to create session on closed driver"},
			backend.EUNAVAILABLE, []string{"closed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.fail(c.ctx, "op", c.err)
			if got := backend.ErrorCode(err); got != c.code {
				t.Fatalf("fail(%v) = %v (code %q), want code %q", c.err, err, got, c.code)
			}
			for _, want := range c.contains {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("fail(%v) = %q, want it to mention %q", c.err, err, want)
				}
			}
		})
	}
}

func TestRelLabels(t *testing.T) {
	cases := []struct {
		types []backend.RelationshipType
		want  string
	}{
		{nil, ""},
		{[]backend.RelationshipType{"SOLVES"}, ":SOLVES"},
		{[]backend.RelationshipType{"LEADS_TO", "DEPENDS_ON"}, ":LEADS_TO|DEPENDS_ON"},
	}
	for _, c := range cases {
		if got, err := relLabels(c.types); err != nil || got != c.want {
			t.Errorf("relLabels(%v) = %q, %v; want %q", c.types, got, err, c.want)
		}
	}
	for _, bad := range []backend.RelationshipType{"solves", "SOLVES]->(x) DETACH DELETE x //", "", "SOLVES|CAUSES"} {
		_, err := relLabels([]backend.RelationshipType{"SOLVES", bad})
		var e *backend.Error
		if !errors.As(err, &e) || e.Code != backend.EINVALID || e.Field != "relationship_type" {
			t.Errorf("relLabels with %q: %v, want EINVALID for relationship_type", bad, err)
		}
	}
}

func TestDecodeMemoryNamesBadProperty(t *testing.T) {
	m := map[string]any{"id": "m1", "type": "general", "title": "t", "content": "c", "importance": "high"}
	_, err := decodeMemory(m)
	if err == nil || !strings.Contains(err.Error(), "m1") || !strings.Contains(err.Error(), "importance") {
		t.Errorf("decodeMemory with a text importance: %v, want an error naming m1 and importance", err)
	}
}
