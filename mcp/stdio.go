package mcp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// ServeStdio serves s over in and out until in reaches EOF (it then returns
// nil, once every request read has been answered) or ctx ends (it returns
// ctx's error). Nothing but protocol messages is written to out.
//
// This is our own transport rather than mcp-go's StdioServer, for speed:
// that one decodes every message five times before MCPServer decodes it
// again, and passes each one across three goroutines. Here a few long-lived
// workers take turns: the one whose turn it is reads a message, hands the
// turn on and handles the message itself. A request so starts without a
// goroutine switch, while later messages (a cancel, a concurrent call) are
// still read and served alongside it; and a worker's stack, grown once by
// the deep SQLite calls, is not grown again for every message. Calls of the
// tools of a server built by NewServer skip mcp-go's message layer too
// (call.go).
func ServeStdio(ctx context.Context, s *mcpserver.MCPServer, in io.Reader, out io.Writer) error {
	sess := newStdioSession()
	if err := s.RegisterSession(ctx, sess); err != nil {
		return err
	}
	defer s.UnregisterSession(context.WithoutCancel(ctx), sess.SessionID())
	ctx, cancel := context.WithCancel(s.WithContext(ctx, sess))
	defer cancel()

	in, closeIn := pollable(in)
	defer closeIn()
	t := &stdioTransport{srv: s, in: bufio.NewReaderSize(in, 64<<10), out: out,
		turn: make(chan struct{}, 1), end: make(chan error, 1)}
	if table := callsOf(s); table != nil {
		t.calls = newCallSession(table, sess)
	}
	t.turn <- struct{}{}
	for range stdioWorkers {
		go t.work(ctx)
	}
	go t.forwardNotifications(ctx, sess.notifications)
	var err error
	select {
	case err = <-t.end:
	case <-ctx.Done():
		err = ctx.Err()
	}
	cancel()
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	// The worker reading, if any, stays blocked until in is closed (or, for
	// a pipe, closeIn runs); the others have stopped or stop once their
	// message is handled.
	t.handlers.Wait()
	return err
}

// stdioWorkers bounds the messages handled at once.
const stdioWorkers = 8

// stdioTransport is the state of one ServeStdio.
type stdioTransport struct {
	srv   *mcpserver.MCPServer
	calls *callSession  // serves tool calls itself; nil for a server not built by NewServer
	in    *bufio.Reader // read only by the worker holding the turn
	turn  chan struct{} // holds the turn to read while no worker has it
	end   chan error    // what ended the stream: nil for EOF, or the read error

	mu       sync.Mutex     // guards closed and handlers.Add
	closed   bool           // ServeStdio is returning: read no more
	handlers sync.WaitGroup // messages being handled

	outMu sync.Mutex // serialises writes to out, one message per line
	out   io.Writer
}

// work is one worker: it waits for the turn, reads a message, passes the
// turn on and handles the message, until the stream or ctx ends.
func (t *stdioTransport) work(ctx context.Context) {
	for {
		select {
		case <-t.turn:
		case <-ctx.Done():
			return
		}
		line, err := readLine(t.in)
		if !t.begin() {
			return
		}
		if err == nil {
			t.turn <- struct{}{}
		}
		if len(line) > 0 {
			t.handle(ctx, line)
		}
		t.handlers.Done()
		if err != nil {
			// The turn is never passed on: reading is over.
			if errors.Is(err, io.EOF) {
				err = nil
			}
			t.end <- err
			return
		}
	}
}

// begin counts one more message being handled, unless ServeStdio is
// returning.
func (t *stdioTransport) begin() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.handlers.Add(1)
	return true
}

// handle serves one message and writes its response, if it has one.
func (t *stdioTransport) handle(ctx context.Context, line []byte) {
	if t.calls != nil {
		if answer, served := t.calls.serve(ctx, line); served {
			if answer != nil {
				t.writeLine(answer)
			}
			return
		}
		t.calls.cancel(line)
	}
	if res := t.srv.HandleMessage(ctx, line); res != nil {
		t.write(res)
	}
}

// forwardNotifications writes what the server sends the session until ctx
// ends.
func (t *stdioTransport) forwardNotifications(ctx context.Context, notes <-chan mcpgo.JSONRPCNotification) {
	for {
		select {
		case n := <-notes:
			t.write(n)
		case <-ctx.Done():
			return
		}
	}
}

// write sends msg as one line.
func (t *stdioTransport) write(msg any) {
	b, err := json.Marshal(msg)
	if err != nil {
		slog.Error("stdio: cannot encode a response", "err", err)
		return
	}
	t.writeLine(b)
}

// writeLine sends b and a newline in one Write, so that a reader sees the
// message whole.
func (t *stdioTransport) writeLine(b []byte) {
	t.outMu.Lock()
	defer t.outMu.Unlock()
	if _, err := t.out.Write(append(b, '\n')); err != nil {
		slog.Error("stdio: cannot write a response", "err", err)
	}
}

// stdioSession is the one client session of a stdio stream.
type stdioSession struct {
	notifications chan mcpgo.JSONRPCNotification
	initialized   atomic.Bool
	logLevel      atomic.Value // mcpgo.LoggingLevel
	clientInfo    atomic.Value // mcpgo.Implementation
	clientCaps    atomic.Value // mcpgo.ClientCapabilities
	version       atomic.Value // string, negotiated at initialize
}

var (
	_ mcpserver.SessionWithLogging         = (*stdioSession)(nil)
	_ mcpserver.SessionWithClientInfo      = (*stdioSession)(nil)
	_ mcpserver.SessionWithProtocolVersion = (*stdioSession)(nil)
)

func newStdioSession() *stdioSession {
	s := &stdioSession{notifications: make(chan mcpgo.JSONRPCNotification, 100)}
	s.logLevel.Store(mcpgo.LoggingLevelError)
	s.clientInfo.Store(mcpgo.Implementation{})
	s.clientCaps.Store(mcpgo.ClientCapabilities{})
	s.version.Store("")
	return s
}

func (s *stdioSession) SessionID() string { return "stdio" }

func (s *stdioSession) NotificationChannel() chan<- mcpgo.JSONRPCNotification {
	return s.notifications
}

func (s *stdioSession) Initialize()       { s.initialized.Store(true) }
func (s *stdioSession) Initialized() bool { return s.initialized.Load() }

func (s *stdioSession) SetLogLevel(l mcpgo.LoggingLevel) { s.logLevel.Store(l) }
func (s *stdioSession) GetLogLevel() mcpgo.LoggingLevel {
	return s.logLevel.Load().(mcpgo.LoggingLevel)
}

func (s *stdioSession) GetClientInfo() mcpgo.Implementation {
	return s.clientInfo.Load().(mcpgo.Implementation)
}
func (s *stdioSession) SetClientInfo(ci mcpgo.Implementation)            { s.clientInfo.Store(ci) }
func (s *stdioSession) SetClientCapabilities(c mcpgo.ClientCapabilities) { s.clientCaps.Store(c) }
func (s *stdioSession) GetClientCapabilities() mcpgo.ClientCapabilities {
	return s.clientCaps.Load().(mcpgo.ClientCapabilities)
}

func (s *stdioSession) ProtocolVersion() string     { return s.version.Load().(string) }
func (s *stdioSession) SetProtocolVersion(v string) { s.version.Store(v) }
