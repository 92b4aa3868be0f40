package mcp

import (
	"context"
	"io"
	"log/slog"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// ServeStdio serves s over in and out until in reaches EOF (it then returns
// nil) or ctx ends (it returns ctx's error). Nothing but protocol messages
// is written to out; mcp-go's own transport errors go to the default slog
// logger, which the app points at stderr or a file. mcp-go keeps the stdio
// session in a package variable, so one process serves one stdio stream at
// a time.
func ServeStdio(ctx context.Context, s *mcpserver.MCPServer, in io.Reader, out io.Writer) error {
	stdio := mcpserver.NewStdioServer(s)
	stdio.SetErrorLogger(slog.NewLogLogger(slog.Default().Handler(), slog.LevelError))
	return stdio.Listen(ctx, in, out)
}
