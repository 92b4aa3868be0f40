// Package mcp is Engram's Model Context Protocol server: twelve tools over
// backend.Service, served over stdio or streamable HTTP, and a forwarder
// that lets `engram mcp` share the running app's server and store.
//
// It is built on mark3labs/mcp-go, imported as mcpgo (protocol types) and
// mcpserver, since this package is itself named mcp.
package mcp

import (
	"context"
	"log/slog"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/engramhq/engram/backend"
)

// serverName is the name the server reports in initialize; Probe checks it.
const serverName = "engram"

// instructions reach the assistant's system prompt in clients that show
// them, so they stay short: when to use the memory, not how each tool works.
const instructions = `Engram is your long-term memory, shared across sessions and projects.
Before working on a problem, search_memories or recall_memories for what is already known.
After solving something worth keeping, store_memory (problem, solution, code_pattern, command, …) and link related memories with create_relationship (e.g. a solution SOLVES a problem).
Ids come from search results; get_memory shows one in full.`

// NewServer builds the MCP server with Engram's 12 tools over svc. logger
// receives internal errors, each logged once; nil discards them.
func NewServer(svc *backend.Service, version string, logger *slog.Logger) *mcpserver.MCPServer {
	s := newServer(svc, version, logger)
	registerFastCalls(s, version)
	return s
}

// newServer is NewServer with extra options, so tests can switch on mcp-go's
// output schema validation and check every result against its schema.
func newServer(svc *backend.Service, version string, logger *slog.Logger, opts ...mcpserver.ServerOption) *mcpserver.MCPServer {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts = append([]mcpserver.ServerOption{
		mcpserver.WithToolCapabilities(false),
		mcpserver.WithRecovery(),
		mcpserver.WithInstructions(instructions),
	}, opts...)
	s := mcpserver.NewMCPServer(serverName, version, opts...)
	d := deps{svc: svc, log: logger}
	for _, t := range registry {
		s.AddTool(t.tool, t.handler(d))
	}
	return s
}

// deps are what a tool handler needs.
type deps struct {
	svc *backend.Service
	log *slog.Logger
}

// toolSpec is one entry of the registry: the tool as clients list it, and a
// factory for its handler.
type toolSpec struct {
	tool    mcpgo.Tool
	handler func(deps) mcpserver.ToolHandlerFunc
}

// hints are a tool's MCP annotations. Every Engram tool works on the local
// memory graph only, so none is open-world.
type hints struct {
	readOnly, destructive, idempotent bool
}

// runFunc does a tool's work on decoded arguments and returns the
// structured result and a short text for people and text-only clients.
type runFunc[In, Out any] func(ctx context.Context, d deps, in In) (Out, string, error)

// defineTool declares a tool whose arguments are In and whose structured
// result is Out. The handler decodes the arguments (any problem becomes a
// tool error naming the field), runs, and maps an error once, here.
func defineTool[In, Out any](name, title, description string, h hints, run runFunc[In, Out]) toolSpec {
	schema := inputSchema[In]()
	return toolSpec{
		tool: mcpgo.NewTool(name,
			mcpgo.WithToolTitle(title),
			mcpgo.WithDescription(description),
			func(t *mcpgo.Tool) {
				// NewTool starts with a structured schema; a raw one must
				// replace it, or Tool.MarshalJSON refuses to carry both.
				t.InputSchema = mcpgo.ToolInputSchema{}
				t.RawInputSchema = schema
			},
			mcpgo.WithOutputSchema[Out](),
			mcpgo.WithToolAnnotation(mcpgo.ToolAnnotation{
				Title:           title,
				ReadOnlyHint:    new(h.readOnly),
				DestructiveHint: new(h.destructive),
				IdempotentHint:  new(h.idempotent),
				OpenWorldHint:   new(false),
			}),
		),
		handler: func(d deps) mcpserver.ToolHandlerFunc {
			return func(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
				in, err := decodeArgs[In](req.GetRawArguments())
				if err != nil {
					return mcpgo.NewToolResultError(err.Error()), nil
				}
				out, text, err := run(ctx, d, in)
				if err != nil {
					return d.toolError(name, err), nil
				}
				return mcpgo.NewToolResultStructured(out, text), nil
			}
		},
	}
}

// toolError turns an error from the service into a tool error the
// assistant can act on. This is the one place backend codes are mapped.
func (d deps) toolError(tool string, err error) *mcpgo.CallToolResult {
	msg := backend.ErrorMessage(err)
	switch backend.ErrorCode(err) {
	case backend.EINVALID, backend.ECONFLICT, backend.ECANCELED:
		// The message already says what was wrong and what to do.
	case backend.ENOTFOUND:
		msg += "; check the id (search_memories lists ids)"
	case backend.EUNAVAILABLE:
		d.log.Warn("memory store unavailable", "tool", tool, "err", err)
		msg = "the memory store is unavailable right now (" + msg + "); try again shortly"
	default:
		d.log.Error("tool failed", "tool", tool, "err", err)
		msg = "internal error in " + tool + "; the details are in Engram's log"
	}
	return mcpgo.NewToolResultError(msg)
}
