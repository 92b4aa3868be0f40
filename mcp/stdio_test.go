package mcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// stdioPipes connects a client to whatever serves its stdio: the server
// reads in and writes out, and everything written to out is recorded.
type stdioPipes struct {
	c   *mcpclient.Client
	in  io.Reader
	out io.WriteCloser
	rec *recorder
}

func newStdioPipes(t *testing.T) *stdioPipes {
	t.Helper()
	toServerR, toServerW := io.Pipe()
	toClientR, toClientW := io.Pipe()
	rec := &recorder{w: toClientW}
	c := mcpclient.NewClient(transport.NewIO(toClientR, toServerW, nil))
	if err := c.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		c.Close()
		toClientW.Close()
	})
	return &stdioPipes{c: c, in: toServerR, out: rec, rec: rec}
}

// recorder passes writes through and keeps a copy.
type recorder struct {
	w   io.WriteCloser
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

// Write keeps a copy of p and passes it on.
func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.buf.Write(p)
	r.mu.Unlock()
	return r.w.Write(p)
}

// Close closes the underlying writer.
func (r *recorder) Close() error { return r.w.Close() }

// checkProtocolOnly fails unless every line written is a JSON-RPC message.
func (r *recorder) checkProtocolOnly(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	sc := bufio.NewScanner(bytes.NewReader(r.buf.Bytes()))
	sc.Buffer(nil, maxMessageBytes)
	lines := 0
	for sc.Scan() {
		lines++
		if !isJSONRPC(sc.Bytes()) {
			t.Errorf("line %d of the output is not JSON-RPC: %.200s", lines, sc.Text())
		}
	}
	if lines == 0 {
		t.Error("nothing was written")
	}
}

// serve runs fn (ServeStdio or Forward) on the pipes and returns a channel
// that yields its result.
func (p *stdioPipes) serve(fn func(in io.Reader, out io.Writer) error) <-chan error {
	done := make(chan error, 1)
	go func() {
		err := fn(p.in, p.out)
		p.out.Close()
		done <- err
	}()
	return done
}

func wait(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop")
		return nil
	}
}

// The stdio tests do not run in parallel: mcp-go keeps the stdio session
// in a package variable.

func TestServeStdio(t *testing.T) {
	svc := newService(t)
	p := newStdioPipes(t)
	done := p.serve(func(in io.Reader, out io.Writer) error {
		return ServeStdio(context.Background(), NewServer(svc, "test", nil), in, out)
	})
	initialize(t, p.c)
	exercise(t, p.c, svc)
	if msg := resultText(call(t, p.c, "store_memory", map[string]any{"type": "nope"})); !strings.HasPrefix(msg, "type:") {
		t.Errorf("bad arguments over stdio: %q", msg)
	}
	p.c.Close()
	if err := wait(t, done); err != nil {
		t.Fatalf("ServeStdio at EOF = %v, want nil", err)
	}
	p.rec.checkProtocolOnly(t)
}

func TestServeStdioContext(t *testing.T) {
	p := newStdioPipes(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := p.serve(func(in io.Reader, out io.Writer) error {
		return ServeStdio(ctx, NewServer(newService(t), "test", nil), in, out)
	})
	initialize(t, p.c)
	cancel()
	if err := wait(t, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("ServeStdio after cancel = %v, want context.Canceled", err)
	}
}

// rawStdio serves s over pipes that the test writes JSON-RPC lines to and
// reads answers from, one per line. The input is an OS pipe, which
// ServeStdio reads through the poller, and whose buffer keeps a write from
// waiting for the server to read.
type rawStdio struct {
	t     *testing.T
	send  io.WriteCloser
	lines <-chan []byte // what ServeStdio writes, line by line
	done  <-chan error
}

func newRawStdio(t *testing.T, s *mcpserver.MCPServer) *rawStdio {
	t.Helper()
	in, send, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := ServeStdio(context.Background(), s, in, outW)
		outW.Close()
		done <- err
	}()
	lines := make(chan []byte)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- bytes.Clone(sc.Bytes())
		}
		close(lines)
	}()
	t.Cleanup(func() {
		send.Close()
		in.Close()
	})
	return &rawStdio{t: t, send: send, lines: lines, done: done}
}

func (r *rawStdio) write(line string) {
	r.t.Helper()
	if _, err := io.WriteString(r.send, line+"\n"); err != nil {
		r.t.Fatal(err)
	}
}

// read returns the id of the next message written.
func (r *rawStdio) read() string {
	r.t.Helper()
	var line []byte
	select {
	case l, ok := <-r.lines:
		if !ok {
			r.t.Fatal("the output ended")
		}
		line = l
	case <-time.After(10 * time.Second):
		r.t.Fatal("no message within 10 s")
	}
	var msg struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(line, &msg); err != nil {
		r.t.Fatalf("not JSON: %q", line)
	}
	return string(msg.ID)
}

// blockingServer has one tool, wait, that returns once release is closed.
func blockingServer(release <-chan struct{}) *mcpserver.MCPServer {
	s := mcpserver.NewMCPServer("test", "1", mcpserver.WithToolCapabilities(false))
	s.AddTool(mcpgo.NewTool("wait"), func(ctx context.Context, _ mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return mcpgo.NewToolResultText("released"), nil
	})
	return s
}

const rawInitialize = `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`

// TestServeStdioServesWhileBusy: a request still running does not keep
// later messages from being read and answered.
func TestServeStdioServesWhileBusy(t *testing.T) {
	release := make(chan struct{})
	r := newRawStdio(t, blockingServer(release))
	r.write(rawInitialize)
	if id := r.read(); id != "0" {
		t.Fatalf("initialize answered with id %s", id)
	}
	r.write(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"wait"}}`)
	r.write(`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
	if id := r.read(); id != "2" {
		t.Fatalf("first answer has id %s, want the ping's (2) while the call waits", id)
	}
	close(release)
	if id := r.read(); id != "1" {
		t.Fatalf("answer has id %s, want the released call's (1)", id)
	}
	r.send.Close()
	if err := wait(t, r.done); err != nil {
		t.Fatalf("ServeStdio at EOF = %v, want nil", err)
	}
}

// TestServeStdioAnswersBeforeEOF: requests read just before the end of the
// input are answered before ServeStdio returns.
func TestServeStdioAnswersBeforeEOF(t *testing.T) {
	release := make(chan struct{})
	close(release)
	r := newRawStdio(t, blockingServer(release))
	r.write(rawInitialize + "\n" + `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"wait"}}` + "\n" +
		`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
	r.send.Close()
	got := map[string]bool{}
	for range 3 {
		got[r.read()] = true
	}
	if !got["0"] || !got["1"] || !got["2"] {
		t.Fatalf("answered ids %v, want 0, 1 and 2", got)
	}
	if err := wait(t, r.done); err != nil {
		t.Fatalf("ServeStdio at EOF = %v, want nil", err)
	}
}
