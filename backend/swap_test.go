package backend

import (
	"context"
	"testing"
)

// diagnosingStore is a refusingStore that reports one check.
type diagnosingStore struct{ refusingStore }

func (*diagnosingStore) Diagnose(context.Context) ([]Check, error) {
	return []Check{{Name: "server", OK: true, Info: "fine"}}, nil
}

// TestServiceStoreDiagnoses checks that svc.Store() passes on the report of
// a store that diagnoses itself, and has none for one that does not.
func TestServiceStoreDiagnoses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		store  Store
		checks int
	}{
		{"Diagnoser", &diagnosingStore{}, 1},
		{"plain store", &refusingStore{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := NewService(tc.store).Store().(Diagnoser)
			if !ok {
				t.Fatal("svc.Store() is no Diagnoser: engram doctor would miss the store's report")
			}
			checks, err := d.Diagnose(t.Context())
			if err != nil || len(checks) != tc.checks {
				t.Errorf("Diagnose = %v, %v; want %d checks", checks, err, tc.checks)
			}
		})
	}
}
