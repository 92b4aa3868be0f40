package backend

import "context"

// Diagnoser is a Store that can report on its server, database and schema
// in more detail than Ping: `engram doctor` and the settings page show it.
type Diagnoser interface {
	// Diagnose runs its checks and returns each one, failed ones included;
	// the error is for not being able to run them at all.
	Diagnose(ctx context.Context) ([]Check, error)
}

// Check is one finding of a Diagnoser.
type Check struct {
	Name string `json:"name"` // what was checked, such as "neo4j schema"
	OK   bool   `json:"ok"`
	Info string `json:"info"` // what was found, or what is wrong and what to do
}
