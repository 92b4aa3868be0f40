package mcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

const (
	// maxMessageBytes bounds one JSON-RPC message read from stdin or from
	// the server; the server's own body limit is 4 MiB by default.
	maxMessageBytes = 16 << 20
	// closeTimeout bounds the DELETE that ends a session: a server that is
	// gone must not keep `engram mcp` from exiting.
	closeTimeout = 2 * time.Second
	// probeTimeout is how long Probe waits for an answer.
	probeTimeout = 300 * time.Millisecond
)

// Forward relays newline-delimited JSON-RPC between in/out and a running
// Engram's streamable HTTP endpoint, so `engram mcp` run by an assistant
// shares one server and store with the app. It keeps the Mcp-Session-Id,
// mirrors the negotiated protocol version in Mcp-Protocol-Version, handles
// both application/json and text/event-stream responses, and sends DELETE
// for the session at the end. When the app restarted and forgot the session,
// Forward replays the client's initialize once and retries, so the assistant
// carries on. Requests run concurrently, so a slow call does not hold up a
// cancellation or the next call. A request the server cannot answer gets a
// JSON-RPC error, never silence.
//
// Forward returns nil when in reaches EOF, or ctx's error when ctx ends
// first. The goroutine reading in ends only when in does (a read cannot be
// interrupted), which for stdin is when the process exits.
func Forward(ctx context.Context, endpoint, token string, in io.Reader, out io.Writer) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	f := &forwarder{endpoint: endpoint, token: token, client: &http.Client{}, out: out, fail: cancel}

	lines := make(chan []byte)
	readDone := make(chan error, 1)
	go func() {
		readDone <- readLines(ctx, bufio.NewReaderSize(in, 64<<10), lines)
	}()

	var err error
loop:
	for {
		select {
		case line := <-lines:
			f.dispatch(ctx, line)
		case err = <-readDone:
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	f.inflight.Wait()
	closeCtx, cancelClose := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
	defer cancelClose()
	f.endSession(closeCtx)
	if ctx.Err() != nil {
		return context.Cause(ctx) // ctx's own error, or why writing to out failed
	}
	return err
}

// readLines sends each non-empty line of r to lines until EOF (nil) or a
// read error.
func readLines(ctx context.Context, r *bufio.Reader, lines chan<- []byte) error {
	for {
		line, err := readLine(r)
		if len(bytes.TrimSpace(line)) > 0 {
			select {
			case lines <- line:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readLine returns the next line of r without its newline. A line longer
// than maxMessageBytes is consumed and returned as "{" so that it answers
// as a parse error instead of exhausting memory.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > maxMessageBytes {
			line = []byte("{")
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = r.ReadSlice('\n')
			}
			return line, err
		}
		line = append(line, chunk...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return bytes.TrimRight(line, "\r\n"), err
		}
	}
}

// forwarder is the state of one Forward.
type forwarder struct {
	endpoint, token string
	client          *http.Client
	fail            context.CancelCauseFunc // stops Forward when out breaks

	mu      sync.Mutex // guards session, version, initReq
	session string     // Mcp-Session-Id the server gave at initialize
	version string     // protocol version negotiated at initialize
	initReq []byte     // the client's initialize, replayed if the session is lost

	outMu sync.Mutex // serialises writes to out, one message per line
	out   io.Writer

	inflight sync.WaitGroup // requests being relayed
}

// envelope is what the forwarder reads of a JSON-RPC message.
type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

func (e envelope) isRequest() bool { return e.Method != "" && len(e.ID) > 0 && string(e.ID) != "null" }

// dispatch relays one message from the client. Requests run concurrently;
// initialize (which opens the session the rest depend on), notifications
// and responses are relayed in order.
func (f *forwarder) dispatch(ctx context.Context, line []byte) {
	var msg envelope
	if err := json.Unmarshal(line, &msg); err != nil {
		if json.Valid(line) {
			f.write(errorResponse(nil, mcpgo.INVALID_REQUEST, "Invalid request: send one JSON-RPC message object per line"))
		} else {
			f.write(errorResponse(nil, mcpgo.PARSE_ERROR, "Parse error: the message is not valid JSON"))
		}
		return
	}
	if msg.Method == string(mcpgo.MethodInitialize) {
		f.mu.Lock()
		f.initReq = line
		f.mu.Unlock()
		f.relay(ctx, line, msg)
		return
	}
	if msg.isRequest() {
		f.inflight.Go(func() { f.relay(ctx, line, msg) })
		return
	}
	f.relay(ctx, line, msg)
}

// relay posts one message and writes every message of the answer to out.
func (f *forwarder) relay(ctx context.Context, body []byte, msg envelope) {
	resp, err := f.post(ctx, body, msg)
	if err == nil && resp.StatusCode == http.StatusNotFound {
		if lost := resp.Request.Header.Get(mcpgo.HeaderSessionID); lost != "" && f.reopen(ctx, lost) {
			_ = resp.Body.Close()
			resp, err = f.post(ctx, body, msg)
		}
	}
	if err != nil {
		if ctx.Err() == nil && msg.isRequest() {
			f.write(errorResponse(msg.ID, mcpgo.INTERNAL_ERROR, fmt.Sprintf("cannot reach Engram at %s: %v", f.endpoint, err)))
		}
		return
	}
	defer resp.Body.Close()
	if msg.Method == string(mcpgo.MethodInitialize) && resp.StatusCode == http.StatusOK {
		if sid := resp.Header.Get(mcpgo.HeaderSessionID); sid != "" {
			f.mu.Lock()
			f.session = sid
			f.mu.Unlock()
		}
	}
	answered := false
	rest, err := readMessages(resp, func(m []byte) {
		answered = answered || answers(m, msg.ID)
		if msg.Method == string(mcpgo.MethodInitialize) {
			f.noteVersion(m)
		}
		f.write(m)
	})
	if !answered && msg.isRequest() && ctx.Err() == nil {
		f.write(errorResponse(msg.ID, mcpgo.INTERNAL_ERROR, failure(resp.Status, rest, err)))
	}
}

// answers reports whether message m is the response to the request with id.
func answers(m []byte, id json.RawMessage) bool {
	var r struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	if json.Unmarshal(m, &r) != nil || r.Method != "" {
		return false
	}
	var a, b bytes.Buffer
	return json.Compact(&a, r.ID) == nil && json.Compact(&b, id) == nil && bytes.Equal(a.Bytes(), b.Bytes())
}

// post sends one message of the client's with the session's headers.
func (f *forwarder) post(ctx context.Context, body []byte, msg envelope) (*http.Response, error) {
	f.mu.Lock()
	session, version := f.session, f.version
	f.mu.Unlock()
	// A 2026-07-28 message states its version in _meta; the header must
	// repeat it, along with the method and name headers of that version.
	var meta struct {
		Meta *mcpgo.Meta `json:"_meta"`
	}
	if json.Unmarshal(msg.Params, &meta) == nil && meta.Meta.ProtocolVersion() != "" {
		version = meta.Meta.ProtocolVersion()
	}
	req, err := f.request(ctx, http.MethodPost, body, session, version)
	if err != nil {
		return nil, err
	}
	for k, v := range mcpgo.StandardHeaders(version, mcpgo.MCPMethod(msg.Method), msg.Params) {
		req.Header.Set(k, v)
	}
	return f.client.Do(req)
}

// request builds a request to the endpoint with the token and, when known,
// the session and protocol version headers.
func (f *forwarder) request(ctx context.Context, method string, body []byte, session, version string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, f.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
	}
	req.Header.Set("Authorization", "Bearer "+f.token)
	if session != "" && !mcpgo.IsModernProtocol(version) {
		req.Header.Set(mcpgo.HeaderSessionID, session)
	}
	if version != "" {
		req.Header.Set(mcpgo.HeaderProtocolVersion, version)
	}
	return req, nil
}

// noteVersion records the protocol version of an initialize result.
func (f *forwarder) noteVersion(m []byte) {
	var res struct {
		Result struct {
			ProtocolVersion string `json:"protocolVersion"`
		} `json:"result"`
	}
	if json.Unmarshal(m, &res) == nil && res.Result.ProtocolVersion != "" {
		f.mu.Lock()
		f.version = res.Result.ProtocolVersion
		f.mu.Unlock()
	}
}

// reopen re-opens session lost, which the server no longer knows (a 404,
// as after an app restart), by replaying the client's initialize and its
// initialized notification. It reports whether the caller should retry.
// Requests that lose the session together re-open it once: the lock holds
// them back until the new session is in place.
func (f *forwarder) reopen(ctx context.Context, lost string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.initReq == nil {
		return false
	}
	if f.session != lost {
		return true // another request re-opened it already
	}
	note, _ := json.Marshal(mcpgo.JSONRPCNotification{
		JSONRPC:      mcpgo.JSONRPC_VERSION,
		Notification: mcpgo.Notification{Method: string(mcpgo.MethodNotificationInitialized)},
	})
	send := func(body []byte, session, version string) *http.Response {
		req, err := f.request(ctx, http.MethodPost, body, session, version)
		if err != nil {
			return nil
		}
		res, err := f.client.Do(req)
		if err != nil {
			return nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxMessageBytes))
		_ = res.Body.Close()
		return res
	}
	res := send(f.initReq, "", "")
	if res == nil || res.StatusCode != http.StatusOK || res.Header.Get(mcpgo.HeaderSessionID) == "" {
		return false
	}
	f.session = res.Header.Get(mcpgo.HeaderSessionID)
	return send(note, f.session, f.version) != nil
}

// endSession tells the server the session is over.
func (f *forwarder) endSession(ctx context.Context) {
	f.mu.Lock()
	session, version := f.session, f.version
	f.mu.Unlock()
	if session == "" || mcpgo.IsModernProtocol(version) {
		return
	}
	req, err := f.request(ctx, http.MethodDelete, nil, session, version)
	if err != nil {
		return
	}
	if resp, err := f.client.Do(req); err == nil {
		_ = resp.Body.Close()
	}
}

// write sends one message to the client on its own line. A client that
// stopped reading ends Forward.
func (f *forwarder) write(m []byte) {
	var b bytes.Buffer
	if err := json.Compact(&b, m); err != nil {
		return // never put anything but JSON on the client's stream
	}
	b.WriteByte('\n')
	f.outMu.Lock()
	defer f.outMu.Unlock()
	if _, err := f.out.Write(b.Bytes()); err != nil {
		f.fail(fmt.Errorf("writing to the client: %w", err))
	}
}

// readMessages calls fn with each JSON-RPC message of a response: the body
// of an application/json answer, or each event of a text/event-stream. It
// returns the start of any other body (an HTTP error's explanation) for
// the caller to report.
func readMessages(resp *http.Response, fn func([]byte)) (rest []byte, err error) {
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mediaType == "text/event-stream" {
		return nil, readEvents(resp.Body, func(data []byte) {
			if isJSONRPC(data) {
				fn(data)
			}
		})
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMessageBytes))
	if err != nil {
		return nil, err
	}
	if mediaType == "application/json" && isJSONRPC(body) {
		fn(body)
		return nil, nil
	}
	return body, nil
}

// readEvents calls fn with the data of each server-sent event of r.
func readEvents(r io.Reader, fn func([]byte)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var data []byte
	for {
		line, err := readLine(br)
		switch {
		case len(line) == 0:
			if len(data) > 0 {
				fn(data)
				data = nil
			}
		case bytes.HasPrefix(line, []byte("data:")):
			v := bytes.TrimPrefix(bytes.TrimPrefix(line, []byte("data:")), []byte(" "))
			if data != nil {
				data = append(data, '\n')
			}
			data = append(data, v...)
		}
		if err != nil {
			if len(data) > 0 {
				fn(data)
			}
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// isJSONRPC reports whether b is a JSON-RPC 2.0 message (or a batch).
func isJSONRPC(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var batch []json.RawMessage
		return json.Unmarshal(b, &batch) == nil && len(batch) > 0 && isJSONRPC(batch[0])
	}
	var m struct {
		JSONRPC string `json:"jsonrpc"`
	}
	return json.Unmarshal(b, &m) == nil && m.JSONRPC == mcpgo.JSONRPC_VERSION
}

// failure describes a response that carried no answer to a request:
// status and the body that came instead, or the error that cut it short.
func failure(status string, raw []byte, readErr error) string {
	if readErr != nil {
		return fmt.Sprintf("the connection to Engram broke: %v", readErr)
	}
	msg := "Engram answered " + status
	var body struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &body) == nil && body.Message != "" {
		msg += ": " + body.Message
	} else if s := strings.TrimSpace(string(raw)); s != "" {
		msg += ": " + clip(s, 300)
	}
	return msg
}

// errorResponse builds a JSON-RPC error answering id (null when unknown).
func errorResponse(id json.RawMessage, code int, message string) []byte {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	b, _ := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}{JSONRPC: mcpgo.JSONRPC_VERSION, ID: id, Error: struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, message}})
	return b
}

// Probe reports within about 300 ms whether an Engram MCP endpoint answers
// at endpoint with token: it opens a session, checks that the server names
// itself engram, and closes the session again.
func Probe(ctx context.Context, endpoint, token string) bool {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	f := &forwarder{endpoint: endpoint, token: token, client: &http.Client{}}
	init, _ := json.Marshal(mcpgo.JSONRPCRequest{
		JSONRPC: mcpgo.JSONRPC_VERSION,
		ID:      mcpgo.NewRequestId(1),
		Request: mcpgo.Request{Method: string(mcpgo.MethodInitialize)},
		Params: map[string]any{
			"protocolVersion": mcpgo.LATEST_LEGACY_PROTOCOL_VERSION,
			"capabilities":    map[string]any{},
			"clientInfo":      map[string]string{"name": "engram-probe", "version": "1"},
		},
	})
	resp, err := f.post(ctx, init, envelope{Method: string(mcpgo.MethodInitialize)})
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	f.session = resp.Header.Get(mcpgo.HeaderSessionID)
	ok := false
	_, _ = readMessages(resp, func(m []byte) {
		var res struct {
			Result struct {
				ServerInfo struct {
					Name string `json:"name"`
				} `json:"serverInfo"`
			} `json:"result"`
		}
		ok = ok || json.Unmarshal(m, &res) == nil && res.Result.ServerInfo.Name == serverName
	})
	f.endSession(ctx)
	return ok
}
