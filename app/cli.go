// Package app is Engram's composition root: it reads the configuration,
// opens the store, and runs the CLI commands, the HTTP server and the MCP
// transports over one backend.Service.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
)

// Version is set at build time with -ldflags "-X …/app.Version=…".
var Version = "dev"

// env is what a command needs from the process: its streams and a logger.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	logger *slog.Logger
	getenv func(string) string
}

type command struct {
	name    string
	args    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"serve", "", "serve the web UI and MCP over HTTP on 127.0.0.1:7711 (/mcp); prints the UI link", runServe},
		{"window", "[--path PAGE]", "open the desktop window on the running Engram", runWindow},
		{"mcp", "[--direct]", "serve MCP over stdio; forwards to a running 'engram serve' unless --direct", runMCP},
		{"import", "FILE", "import Engram JSON, a MemoryGraph export or an MCP memory server JSONL file", runImport},
		{"export", "[FILE]", "export every memory and relationship as Engram JSON (default: stdout)", runExport},
		{"migrate", "--to neo4j|sqlite [--db PATH]", "copy every memory between the SQLite file and the configured Neo4j database", runMigrate},
		{"doctor", "", "check configuration, permissions, the store and the running server", runDoctor},
		{"client-config", "NAME [--install]", "print (or install) the MCP config for claude-desktop, claude-code or cursor", runClientConfig},
		{"version", "", "print version and build information", runVersion},
	}
}

// usageError is a mistake in the command line: print it with the usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// reportedUsageError is a usage mistake the flag package has already
// printed with the command's flags.
type reportedUsageError struct{ error }

// Main runs the command named by args[0] and returns the process exit code:
// 0 on success, 1 when the command failed, 2 for a usage mistake.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv,
		logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	if len(args) == 0 {
		return exitCode(ctx, e, command{name: "engram", run: runDesktop}, nil)
	}
	name := args[0]
	args = args[1:]
	if name == "help" || name == "-h" || name == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == name {
			return exitCode(ctx, e, c, args)
		}
	}
	fmt.Fprintf(stderr, "engram: unknown command %q\n\n", name)
	usage(stderr)
	return 2
}

// exitCode runs c and reports its outcome as an exit code.
func exitCode(ctx context.Context, e *env, c command, args []string) int {
	err := c.run(ctx, e, args)
	var ue usageError
	var reported reportedUsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &reported):
		return 2
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "engram %s: %s\nusage: engram %s %s\n", c.name, ue.msg, c.name, c.args)
		return 2
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return 130
	}
	fmt.Fprintf(e.stderr, "engram %s: %v\n", c.name, err)
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Engram: long-term memory for AI assistants.\n\nUsage: engram [COMMAND [ARGS]]\n\nWithout a command, engram starts the desktop app (tray, window, server),\nor engram serve when there is no display.\n\nCommands:")
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name+" "+c.args))
	}
	for _, c := range commands {
		fmt.Fprintf(w, "  %-*s %s\n", width, strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
}

// flags returns a FlagSet for a command that writes its errors to e.stderr.
func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("engram "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

func runVersion(_ context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return usageError{"takes no arguments"}
	}
	fmt.Fprintf(e.stdout, "engram %s\n", Version)
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(e.stdout, "go %s\n", strings.TrimPrefix(bi.GoVersion, "go"))
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.time" || s.Key == "GOOS" || s.Key == "GOARCH" {
				fmt.Fprintf(e.stdout, "%s %s\n", s.Key, s.Value)
			}
		}
	}
	return nil
}
