package mcp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
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
