// Command engram gives AI assistants a long-term memory graph: an MCP server
// over stdio and HTTP, a CLI, and (in later builds) a desktop app.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/engramhq/engram/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
