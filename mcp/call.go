package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"weak"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// Calls to Engram's tools are by far the most frequent messages, and
// mcp-go's generic message handling decodes each one about eight times
// (the envelope, the protocol metadata twice, the request, the metadata
// again, the arguments twice) and encodes the result through a map: about
// a third of the CPU time of a small store_memory. The stdio transport
// serves them here instead, decoding the message once, and passes anything
// else, or anything unusual about a call, to mcp-go. The answers are the same byte
// for byte: TestFastCallsAnswerAsMCPGo holds the two paths to that.

// fastCalls are the servers built by NewServer, with what serving their
// tool calls directly needs. Only NewServer's servers qualify: a server
// with hooks, validators or middleware beyond recovery must go through
// mcp-go. Entries go when their server is collected.
var fastCalls sync.Map // weak.Pointer[mcpserver.MCPServer] -> *callTable

// callTable is what serving a server's tool calls takes.
type callTable struct {
	handlers map[string]mcpserver.ToolHandlerFunc
	// serverMeta is the _meta mcp-go stamps on each result for clients of
	// protocol 2026-07-28 or later: the server's name and version.
	serverMeta json.RawMessage
}

// registerFastCalls records s, built with only the options of newServer,
// and its tools' handlers.
func registerFastCalls(s *mcpserver.MCPServer, version string) {
	handlers := map[string]mcpserver.ToolHandlerFunc{}
	for name, t := range s.ListTools() {
		handlers[name] = t.Handler
	}
	meta := &mcpgo.Meta{}
	meta.SetServerInfo(mcpgo.Implementation{Name: serverName, Version: version})
	b, err := json.Marshal(meta)
	if err != nil {
		panic(fmt.Sprintf("mcp: encode the server's _meta: %v", err))
	}
	key := weak.Make(s)
	fastCalls.Store(key, &callTable{handlers: handlers, serverMeta: b})
	runtime.AddCleanup(s, func(key weak.Pointer[mcpserver.MCPServer]) { fastCalls.Delete(key) }, key)
}

// callsOf returns the call table of s, or nil when mcp-go must handle all
// of its messages.
func callsOf(s *mcpserver.MCPServer) *callTable {
	if t, ok := fastCalls.Load(weak.Make(s)); ok {
		return t.(*callTable)
	}
	return nil
}

// callMessage is a tools/call request as the fast path accepts it: these
// fields and no others, so that anything it would not understand goes to
// mcp-go.
type callMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
		Meta      json.RawMessage `json:"_meta"`
	} `json:"params"`
}

// callSession is the state of fast calls on one stdio session.
type callSession struct {
	table *callTable
	sess  *stdioSession

	mu sync.Mutex // guards the fields below
	// inflight cancels the calls being served, by their id as received,
	// for notifications/cancelled.
	inflight map[string]context.CancelFunc
	// lastMeta and lastInfo remember the last _meta decoded: a client sends
	// the same one with every request.
	lastMeta []byte
	lastInfo *mcpserver.RequestProtocolInfo
}

func newCallSession(table *callTable, sess *stdioSession) *callSession {
	return &callSession{table: table, sess: sess, inflight: map[string]context.CancelFunc{}}
}

// serve answers line if it is a plain call of one of the server's tools,
// and reports whether it did. The answer is nil, and the reason logged,
// when the result cannot be encoded.
func (c *callSession) serve(ctx context.Context, line []byte) (answer []byte, served bool) {
	if !bytes.Contains(line, []byte(`"tools/call"`)) {
		return nil, false
	}
	var msg callMessage
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if dec.Decode(&msg) != nil || len(bytes.TrimSpace(line[dec.InputOffset():])) > 0 ||
		msg.JSONRPC != mcpgo.JSONRPC_VERSION || msg.Method != string(mcpgo.MethodToolsCall) ||
		!plainID(msg.ID) || !numbersFit(msg.Params.Arguments) {
		return nil, false
	}
	handler := c.table.handlers[msg.Params.Name]
	if handler == nil {
		return nil, false
	}
	info, ok := c.protocolInfo(msg.Params.Meta)
	if !ok {
		return nil, false
	}
	if info.Modern {
		c.applyToSession(info)
	}

	ctx, cancel := context.WithCancel(mcpserver.WithRequestProtocolInfo(ctx, info))
	defer cancel()
	key := string(msg.ID)
	c.mu.Lock()
	c.inflight[key] = cancel
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.inflight, key)
		c.mu.Unlock()
	}()

	req := mcpgo.CallToolRequest{}
	req.Params.Name = msg.Params.Name
	req.Params.RawArguments = msg.Params.Arguments
	res, err := callRecovering(ctx, handler, req)
	if err != nil {
		return encodeJSON(mcpgo.JSONRPCError{
			JSONRPC: mcpgo.JSONRPC_VERSION,
			ID:      mcpgo.NewRequestId(idValue(msg.ID)),
			Error:   mcpgo.NewJSONRPCErrorDetails(mcpgo.INTERNAL_ERROR, err.Error(), nil),
		}), true
	}
	answer, err = c.encodeResult(msg.ID, info.Modern, res)
	if err != nil {
		slog.Error("stdio: cannot encode a response", "err", err)
	}
	return answer, true
}

// callRecovering runs handler as mcp-go's WithRecovery does: a panic
// becomes an error.
func callRecovering(ctx context.Context, handler mcpserver.ToolHandlerFunc, req mcpgo.CallToolRequest) (res *mcpgo.CallToolResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic recovered in %s tool handler: %v", req.Params.Name, r)
		}
	}()
	return handler(ctx, req)
}

// plainID reports whether id is one whose echo mcp-go writes exactly as
// received: a small integer, or a string of characters JSON needs not
// escape. Others (null, fractions, escapes) are left to mcp-go.
func plainID(id json.RawMessage) bool {
	switch {
	case len(id) == 0:
		return false
	case id[0] == '"':
		if len(id) < 2 || id[len(id)-1] != '"' {
			return false
		}
		for _, b := range id[1 : len(id)-1] {
			if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.' || b == ':') {
				return false
			}
		}
		return true
	case string(id) == "0":
		return true
	case id[0] < '1' || id[0] > '9' || len(id) > 15:
		return false
	}
	for _, b := range id {
		if b < '0' || b > '9' {
			return false
		}
	}
	return true
}

// idValue is a plain id as mcp-go decodes it: a string or a float64.
func idValue(id json.RawMessage) any {
	var v any
	json.Unmarshal(id, &v) // a plain id always decodes
	return v
}

// numbersFit reports whether every number in the JSON value v fits a
// float64, as mcp-go's decoding of the arguments into an any needs; it
// refuses the whole request otherwise.
func numbersFit(v json.RawMessage) bool {
	inString := false
	for i := 0; i < len(v); i++ {
		switch b := v[i]; {
		case inString && b == '\\':
			i++
		case b == '"':
			inString = !inString
		case !inString && (b == '-' || b >= '0' && b <= '9'):
			j := i
			for j < len(v) && bytes.IndexByte([]byte("+-.0123456789eE"), v[j]) >= 0 {
				j++
			}
			if _, err := strconv.ParseFloat(string(v[i:j]), 64); err != nil {
				return false
			}
			i = j - 1
		}
	}
	return true
}

// requestKey is id as mcp-go keys its requests in flight: a
// notifications/cancelled names a request the same way.
func requestKey(id json.RawMessage) string { return fmt.Sprint(idValue(id)) }

// protocolInfo reads the request's _meta as mcp-go does. ok is false for
// a modern request mcp-go would refuse: an unknown version, or no client
// capabilities.
func (c *callSession) protocolInfo(raw json.RawMessage) (info *mcpserver.RequestProtocolInfo, ok bool) {
	if len(raw) == 0 {
		return &mcpserver.RequestProtocolInfo{}, true
	}
	c.mu.Lock()
	if c.lastInfo != nil && bytes.Equal(raw, c.lastMeta) {
		info = c.lastInfo
	}
	c.mu.Unlock()
	if info != nil {
		return info, true
	}
	var meta *mcpgo.Meta
	if json.Unmarshal(raw, &meta) != nil {
		return nil, false
	}
	version := meta.ProtocolVersion()
	info = &mcpserver.RequestProtocolInfo{ProtocolVersion: version}
	if mcpgo.IsModernProtocol(version) {
		info.Modern = true
		info.ClientInfo = meta.ClientInfo()
		info.LogLevel = meta.LogLevel()
		info.ClientCapabilities = meta.ClientCapabilities()
		if !mcpgo.IsValidProtocolVersion(version) || info.ClientCapabilities == nil {
			return nil, false
		}
	}
	c.mu.Lock()
	c.lastMeta, c.lastInfo = bytes.Clone(raw), info
	c.mu.Unlock()
	return info, true
}

// applyToSession records a modern request's client on the session, as
// mcp-go does for each such request.
func (c *callSession) applyToSession(info *mcpserver.RequestProtocolInfo) {
	if info.ClientInfo != nil {
		c.sess.SetClientInfo(*info.ClientInfo)
	}
	if info.ClientCapabilities != nil {
		c.sess.SetClientCapabilities(*info.ClientCapabilities)
	}
	if !c.sess.Initialized() {
		c.sess.Initialize()
	}
}

// cancel cancels the call a notifications/cancelled line names, if it is
// being served here. mcp-go still gets the line, for its own calls.
func (c *callSession) cancel(line []byte) {
	if !bytes.Contains(line, []byte(`notifications/cancelled`)) {
		return
	}
	var note struct {
		Method string `json:"method"`
		Params struct {
			RequestID any `json:"requestId"`
		} `json:"params"`
	}
	if json.Unmarshal(line, &note) != nil || note.Method != string(mcpgo.MethodNotificationCancelled) || note.Params.RequestID == nil {
		return
	}
	want := fmt.Sprint(note.Params.RequestID)
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, cancel := range c.inflight {
		if requestKey(json.RawMessage(id)) == want {
			cancel()
		}
	}
}

// encodeResult writes the response to a call as mcp-go does, with the
// result's keys in the order its map-based encoding gives them. Engram's
// handlers make results of text and structured content only
// (NewToolResultStructured, NewToolResultError).
func (c *callSession) encodeResult(id json.RawMessage, modern bool, res *mcpgo.CallToolResult) ([]byte, error) {
	content, err := json.Marshal(res.Content)
	if err != nil {
		return nil, err
	}
	var structured []byte
	if res.StructuredContent != nil {
		if structured, err = json.Marshal(res.StructuredContent); err != nil {
			return nil, err
		}
	}
	b := make([]byte, 0, 64+len(id)+len(c.table.serverMeta)+len(content)+len(structured))
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, id...)
	b = append(b, `,"result":{`...)
	if modern {
		b = append(b, `"_meta":`...)
		b = append(b, c.table.serverMeta...)
		b = append(b, ',')
	}
	b = append(b, `"content":`...)
	b = append(b, content...)
	if res.IsError {
		b = append(b, `,"isError":true`...)
	}
	if modern {
		b = append(b, `,"resultType":"complete"`...)
	}
	if structured != nil {
		b = append(b, `,"structuredContent":`...)
		b = append(b, structured...)
	}
	return append(b, "}}"...), nil
}

// encodeJSON encodes a message that cannot fail to encode.
func encodeJSON(msg any) []byte {
	b, err := json.Marshal(msg)
	if err != nil {
		panic(fmt.Sprintf("mcp: encode %T: %v", msg, err))
	}
	return b
}
