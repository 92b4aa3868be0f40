package app

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/exchange"
)

func TestMainExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		wantStdout string
		wantStderr string
	}{
		{"Help", []string{"help"}, 0, "client-config NAME [--install]", ""},
		{"Version", []string{"version"}, 0, "engram " + Version, ""},
		{"VersionWithArgument", []string{"version", "x"}, 2, "", "takes no arguments"},
		{"UnknownCommand", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"ImportWithoutFile", []string{"import"}, 2, "", "needs exactly one FILE"},
		{"ExportTwoFiles", []string{"export", "a", "b"}, 2, "", "takes at most one FILE"},
		{"FlagHelp", []string{"mcp", "-h"}, 0, "", "-direct"},
		{"UnknownFlag", []string{"mcp", "--bogus"}, 2, "", "flag provided but not defined: -bogus"},
		{"ClientConfigWithoutName", []string{"client-config"}, 2, "", "claude-desktop, claude-code, cursor"},
		{"ClientConfigUnknownClient", []string{"client-config", "vim"}, 1, "", "vim"},
		{"MigrateWithoutTo", []string{"migrate"}, 2, "", "needs --to neo4j or --to sqlite"},
		{"MigrateToUnknownStore", []string{"migrate", "--to", "mysql"}, 2, "", `(got "mysql")`},
		{"MigrateWithArgument", []string{"migrate", "--to", "neo4j", "x"}, 2, "", "takes no arguments besides --to and --db"},
		{"MigrateWithoutNeo4j", []string{"migrate", "--to", "sqlite"}, 1, "", "no Neo4j database is configured: set NEO4J_URI"},
		{"MigrateFromMissingFile", []string{"migrate", "--to", "neo4j", "--db", "/nonexistent/engram.db"}, 1, "",
			"no SQLite database at /nonexistent/engram.db to copy from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("XDG_CONFIG_HOME", t.TempDir())
			t.Setenv("XDG_DATA_HOME", t.TempDir())
			for _, name := range []string{"ENGRAM_BACKEND", "ENGRAM_DB", "NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE"} {
				t.Setenv(name, "")
			}
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), tc.args, strings.NewReader(""), &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantStdout) {
				t.Errorf("stdout %q does not contain %q", stdout.String(), tc.wantStdout)
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tc.wantStderr)
			}
		})
	}
}

func TestProgressBar(t *testing.T) {
	for _, tc := range []struct {
		name string
		tty  bool
		p    exchange.Progress
		want string
	}{
		{"Half", true, exchange.Progress{Memories: 40, Relationships: 10, Total: 100}, "[###############...............]  50%  50 of 100 records"},
		{"Done", true, exchange.Progress{Memories: 3, Done: true}, "[##############################] 100%  3 memories, 0 relationships"},
		{"NotATerminal", false, exchange.Progress{Memories: 1, Total: 2}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			bar := &progressBar[exchange.Progress]{w: &out, tty: tc.tty}
			bar.update(tc.p)
			bar.done()
			got := out.String()
			if tc.want == "" {
				if got != "" {
					t.Fatalf("drew %q on a non-terminal", got)
				}
				return
			}
			if !strings.HasPrefix(got, "\r"+tc.want) || !strings.HasSuffix(got, "\n") {
				t.Fatalf("bar = %q, want \\r%s… ending in a newline", got, tc.want)
			}
		})
	}
}

// TestProgressBarMigration draws a migration's progress; a shorter line
// clears what a longer one left.
func TestProgressBarMigration(t *testing.T) {
	var out bytes.Buffer
	bar := &progressBar[backend.MigrateProgress]{w: &out, tty: true, started: time.Now()}
	bar.update(backend.MigrateProgress{Phase: backend.PhaseRelationships, Memories: 80, Relationships: 10, TotalMemories: 80, TotalRelationships: 20})
	bar.update(backend.MigrateProgress{Phase: backend.PhaseVerify, Memories: 80, Relationships: 20, Verified: 100, TotalMemories: 80, TotalRelationships: 20, Done: true})
	bar.done()
	want := "\r[#############.................]  45%  copying relationships: 10 of 20  0s\x1b[K" +
		"\r[##############################] 100%  verifying: 100 of 100 records  0s\x1b[K\n"
	if got := out.String(); got != want {
		t.Errorf("bar =\n %q\nwant\n %q", got, want)
	}
}
