package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/engramhq/engram/app/config"
	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/mcp"
)

func runDoctor(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return usageError{"takes no arguments"}
	}
	var checks []backend.Check
	add := func(name string, err error, info string) {
		if err != nil {
			info = err.Error()
		}
		checks = append(checks, backend.Check{Name: name, OK: err == nil, Info: info})
	}
	cfg, err := e.loadConfig()
	add("configuration", err, "")
	if err == nil {
		checks[0].Info = fmt.Sprintf("%s store, listening address %s", cfg.Backend, cfg.Addr)
		cfgPath := filepath.Join(cfg.Dir, config.FileName)
		err := privateFile(cfgPath)
		if errors.Is(err, fs.ErrNotExist) {
			err, cfgPath = nil, cfgPath+" (not written yet: defaults apply)"
		}
		add("config file", err, cfgPath)
		tokenPath := filepath.Join(cfg.Dir, config.TokenFile)
		token, err := config.Token(cfg.Dir) // creates it on first use, as serve would
		if err == nil {
			err = privateFile(tokenPath)
		}
		add("token file", err, tokenPath)
		checks = append(checks, doctorStore(ctx, cfg)...)
		if err == nil {
			checks = append(checks, doctorServer(ctx, cfg, token))
		}
	}
	failed := 0
	for _, c := range checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
			failed++
		}
		fmt.Fprintf(e.stdout, "%s  %-14s %s\n", mark, c.Name, c.Info)
	}
	if failed > 0 {
		return fmt.Errorf("%d check(s) failed", failed)
	}
	return nil
}

// privateFile checks that path is readable by its owner only.
func privateFile(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s has mode %v: others can read it; run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	return nil
}

// doctorStore opens the configured store, counts what it holds, and adds
// the store's own diagnosis when it has one (Neo4j: server version,
// database, schema).
func doctorStore(ctx context.Context, cfg *config.Config) []backend.Check {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c := backend.Check{Name: "store"}
	var more []backend.Check
	err := withService(ctx, cfg, func(svc *backend.Service) error {
		if d, ok := svc.Store().(backend.Diagnoser); ok {
			checks, err := d.Diagnose(ctx)
			if err != nil {
				return err
			}
			more = checks
		}
		stats, err := svc.Statistics(ctx, 1)
		if err == nil {
			c.Info = fmt.Sprintf("%s: %d memories, %d relationships", storeName(cfg), stats.Memories, stats.Relationships)
		}
		return err
	})
	c.OK = err == nil
	if err != nil {
		c.Info = err.Error()
	}
	return append([]backend.Check{c}, more...)
}

func doctorServer(ctx context.Context, cfg *config.Config, token string) backend.Check {
	c := backend.Check{Name: "server", OK: true}
	if mcp.Probe(ctx, mcpEndpoint(cfg), token) {
		c.Info = "running at " + mcpEndpoint(cfg)
	} else {
		c.Info = "not running (assistants start 'engram mcp' on their own; 'engram serve' shares one server)"
	}
	return c
}
