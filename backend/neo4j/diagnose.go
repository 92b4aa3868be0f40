package neo4j

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/engramhq/engram/backend"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

var _ backend.Diagnoser = (*Store)(nil)

// Diagnose reports the server (version, edition, who is logged in), the
// database (name and status) and the schema (every constraint and index
// Engram needs, and whether it is online). An error means the server could
// not be asked at all.
func (s *Store) Diagnose(ctx context.Context) ([]backend.Check, error) {
	server, err := s.diagnoseServer(ctx)
	if err != nil {
		return nil, err
	}
	checks := []backend.Check{server}
	// The server answered: what fails from here on (a privilege the user
	// lacks, say) is a finding, not a reason to stop.
	for _, diagnose := range []func(context.Context) (backend.Check, error){s.diagnoseDatabase, s.diagnoseSchema} {
		c, err := diagnose(ctx)
		if err != nil {
			c.OK, c.Info = false, err.Error()
		}
		checks = append(checks, c)
	}
	return checks, nil
}

// single runs one read query and returns its records.
func (s *Store) single(ctx context.Context, op, query string, params map[string]any) ([]*neo4j.Record, error) {
	var recs []*neo4j.Record
	err := s.read(ctx, op, func(tx neo4j.ManagedTransaction) error {
		var err error
		recs, err = run(ctx, tx, query, params)
		return err
	})
	return recs, err
}

func (s *Store) diagnoseServer(ctx context.Context) (backend.Check, error) {
	c := backend.Check{Name: "neo4j server"}
	recs, err := s.single(ctx, "read the server version",
		`CALL dbms.components() YIELD name, versions, edition WHERE name = 'Neo4j Kernel' RETURN versions[0], edition`, nil)
	if err != nil {
		return c, err
	}
	if len(recs) == 0 {
		return c, backend.Errorf(backend.EINTERNAL, "Neo4j at %s did not say its version", s.uri)
	}
	version, _ := recs[0].Values[0].(string)
	edition, _ := recs[0].Values[1].(string)
	c.Info = fmt.Sprintf("Neo4j %s %s at %s", version, edition, s.uri)
	// Listing the user needs no privilege, but be content without it.
	if recs, err := s.single(ctx, "read the user", `SHOW CURRENT USER YIELD user`, nil); err == nil && len(recs) == 1 {
		c.Info += fmt.Sprintf(", logged in as %v", recs[0].Values[0])
	}
	// Versions are 5.x, then calendar versions such as 2025.01.
	major, _ := strconv.Atoi(strings.SplitN(version, ".", 2)[0])
	c.OK = major >= 5
	if !c.OK {
		c.Info += "; Engram needs Neo4j 5 or later"
	}
	return c, nil
}

func (s *Store) diagnoseDatabase(ctx context.Context) (backend.Check, error) {
	c := backend.Check{Name: "neo4j database"}
	recs, err := s.single(ctx, "read the database name", `CALL db.info() YIELD name`, nil)
	if err != nil {
		return c, err
	}
	if len(recs) == 0 {
		return c, backend.Errorf(backend.EINTERNAL, "Neo4j at %s did not name its database", s.uri)
	}
	name, _ := recs[0].Values[0].(string)
	c.Info = name
	if s.ns != "" {
		c.Info += ", namespace " + s.ns
	}
	// Listing databases may be forbidden to the user (a hosted database):
	// the database answered, which is what matters.
	recs, err = s.single(ctx, "read the database status",
		`SHOW DATABASES YIELD name, currentStatus, statusMessage WHERE name = $name RETURN currentStatus, statusMessage`,
		map[string]any{"name": name})
	if err != nil || len(recs) == 0 {
		c.OK = true
		c.Info += " (answers; its status is not visible to this user)"
		return c, nil
	}
	status, _ := recs[0].Values[0].(string)
	message, _ := recs[0].Values[1].(string)
	c.OK = status == "online"
	c.Info += ": " + status
	if message != "" {
		c.Info += " (" + message + ")"
	}
	return c, nil
}

func (s *Store) diagnoseSchema(ctx context.Context) (backend.Check, error) {
	c := backend.Check{Name: "neo4j schema"}
	recs, err := s.single(ctx, "read the schema", `SHOW INDEXES YIELD name, state, populationPercent`, nil)
	if err != nil {
		return c, err
	}
	type index struct {
		state   string
		percent float64
	}
	found := map[string]index{}
	for _, r := range recs {
		name, _ := r.Values[0].(string)
		state, _ := r.Values[1].(string)
		percent, _ := r.Values[2].(float64)
		found[name] = index{state, percent}
	}
	var online, problems []string
	for _, item := range schema {
		ix, ok := found[item.name]
		switch {
		case !ok:
			problems = append(problems, item.name+" is missing (Engram creates it when it starts)")
		case ix.state == "ONLINE":
			online = append(online, item.name)
		case ix.state == "FAILED":
			problems = append(problems, fmt.Sprintf("%s FAILED: drop it (DROP INDEX %s) and restart Engram to rebuild it", item.name, item.name))
		default:
			problems = append(problems, fmt.Sprintf("%s %s (%.0f%% built)", item.name, ix.state, ix.percent))
		}
	}
	c.OK = len(problems) == 0
	if c.OK {
		c.Info = fmt.Sprintf("%d constraints and indexes ONLINE: %s", len(online), strings.Join(online, ", "))
	} else {
		c.Info = strings.Join(problems, "; ")
	}
	return c, nil
}
