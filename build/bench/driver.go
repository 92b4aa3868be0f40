package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// A driver translates the workload's operations into one server's tools
// and checks every answer. An answer that is wrong is an error, like a
// failed call.
type driver interface {
	// do performs op for s and checks the answer.
	do(ctx context.Context, s *session, c *client.Client, op opKind) error
}

// errSkip means an operation had nothing to work on (no edge to traverse
// yet); it is not counted.
var errSkip = errors.New("nothing to do")

// callTool calls a tool and decodes its structured result into out. A tool
// error is an error.
func callTool(ctx context.Context, c *client.Client, tool string, args map[string]any, out any) error {
	req := mcpgo.CallToolRequest{}
	req.Params.Name = tool
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return fmt.Errorf("%s: %w", tool, err)
	}
	if res.IsError {
		return fmt.Errorf("%s: tool error: %s", tool, textOf(res))
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return fmt.Errorf("%s: %w", tool, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: structured result %s: %w", tool, clip(string(b), 200), err)
	}
	return nil
}

func textOf(res *mcpgo.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(mcpgo.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return clip(strings.Join(parts, "\n"), 300)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// wrong reports a wrong answer.
func wrong(op opKind, format string, args ...any) error {
	return fmt.Errorf("%s: wrong answer: %s", op, fmt.Sprintf(format, args...))
}

// initialize opens an MCP session on c.
func initialize(ctx context.Context, c *client.Client) (*mcpgo.InitializeResult, error) {
	req := mcpgo.InitializeRequest{}
	req.Params.ProtocolVersion = mcpgo.LATEST_PROTOCOL_VERSION
	req.Params.ClientInfo = mcpgo.Implementation{Name: "engram-bench", Version: "1"}
	return c.Initialize(ctx, req)
}
