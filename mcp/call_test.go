package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
	"weak"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/engramhq/engram/backend"
)

// modernMeta is the _meta of a client of protocol 2026-07-28.
const modernMeta = `{"io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/protocolVersion":"2026-07-28"}`

// fastCallCases are messages for TestFastCallsAnswerAsMCPGo, in the order
// they are sent; {id} is replaced by the id of a stored memory. fast says
// whether the fast path must serve the message itself.
var fastCallCases = []struct {
	name, msg string
	fast      bool
}{
	{"Legacy", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"store_memory","arguments":{"type":"general","title":"a","content":"first"}}}`, true},
	{"Modern", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"_meta":` + modernMeta + `,"arguments":{"type":"general","title":"b","content":"second"},"name":"store_memory"}}`, true},
	{"Duplicate", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"_meta":` + modernMeta + `,"arguments":{"type":"general","title":"b","content":"second"},"name":"store_memory"}}`, true},
	{"StringID", `{"jsonrpc":"2.0","id":"req-4:x","method":"tools/call","params":{"name":"get_memory","arguments":{"memory_id":"{id}"}}}`, true},
	{"ZeroID", `{"jsonrpc":"2.0","id":0,"method":"tools/call","params":{"name":"get_memory","arguments":{"memory_id":"{id}","include_relationships":true}}}`, true},
	{"Search", `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"_meta":` + modernMeta + `,"name":"search_memories","arguments":{"query":"second"}}}`, true},
	{"NotFound", `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"get_memory","arguments":{"memory_id":"nope"}}}`, true},
	{"BadArgs", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"store_memory","arguments":{"type":"nonsense","titel":"x","importance":"high"}}}`, true},
	{"HTMLInText", `{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"store_memory","arguments":{"type":"general","title":"<b>&</b>","content":"x\u2028y"}}}`, true},
	{"RecentWithEscapes", `{"jsonrpc":"2.0","id":"r","method":"tools/call","params":{"_meta":` + modernMeta + `,"name":"get_recent_activity","arguments":{}}}`, true},
	{"NullArgs", `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"store_memory","arguments":null}}`, true},
	{"NoArgs", `{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"get_memory_statistics"}}`, true},
	{"StringArgs", `{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"store_memory","arguments":"x"}}`, true},
	{"NullMeta", `{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"_meta":null,"name":"get_memory_statistics"}}`, true},
	{"LegacyVersionMeta", `{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-06-18"},"name":"get_memory_statistics"}}`, true},
	{"ProgressToken", `{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"_meta":{"progressToken":7},"name":"get_memory_statistics"}}`, true},

	// Left to mcp-go.
	{"UnknownTool", `{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"nope","arguments":{}}}`, false},
	{"HugeNumber", `{"jsonrpc":"2.0","id":21,"method":"tools/call","params":{"name":"store_memory","arguments":{"type":"general","title":"c","content":"c","importance":1e400}}}`, false},
	{"FractionID", `{"jsonrpc":"2.0","id":1.5,"method":"tools/call","params":{"name":"get_memory_statistics"}}`, false},
	{"NegativeID", `{"jsonrpc":"2.0","id":-1,"method":"tools/call","params":{"name":"get_memory_statistics"}}`, false},
	{"EscapedID", `{"jsonrpc":"2.0","id":"a\u0062<","method":"tools/call","params":{"name":"get_memory_statistics"}}`, false},
	{"NullID", `{"jsonrpc":"2.0","id":null,"method":"tools/call","params":{"name":"get_memory_statistics"}}`, false},
	{"UnknownVersion", `{"jsonrpc":"2.0","id":22,"method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{}},"name":"get_memory_statistics"}}`, false},
	{"NoCapabilities", `{"jsonrpc":"2.0","id":23,"method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"},"name":"get_memory_statistics"}}`, false},
	{"BadMeta", `{"jsonrpc":"2.0","id":24,"method":"tools/call","params":{"_meta":[1],"name":"get_memory_statistics"}}`, false},
	{"Task", `{"jsonrpc":"2.0","id":25,"method":"tools/call","params":{"name":"get_memory_statistics","task":{"ttl":1000}}}`, false},
	{"OldJSONRPC", `{"jsonrpc":"1.0","id":26,"method":"tools/call","params":{"name":"get_memory_statistics"}}`, false},
	{"TrailingBracket", `{"jsonrpc":"2.0","id":27,"method":"tools/call","params":{"name":"get_memory_statistics"}}]`, false},
	{"ResultField", `{"jsonrpc":"2.0","id":28,"method":"tools/call","result":{},"params":{"name":"get_memory_statistics"}}`, false},
	{"ToolsList", `{"jsonrpc":"2.0","id":29,"method":"tools/list"}`, false},
}

// volatile matches what differs between two stores given the same calls:
// generated ids and the times of writes.
var volatile = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)

// TestFastCallsAnswerAsMCPGo sends the same messages to two servers over
// equal stores, one through mcp-go's HandleMessage and one through the
// stdio transport's fast path, and wants the same answers, byte for byte
// but for generated ids and times, and the same session afterwards.
func TestFastCallsAnswerAsMCPGo(t *testing.T) {
	viaMCPGo, viaFast := newCallSide(t), newCallSide(t)
	for _, c := range fastCallCases {
		t.Run(c.name, func(t *testing.T) {
			want, _ := viaMCPGo.answer(t, c.msg, false)
			got, served := viaFast.answer(t, c.msg, true)
			if served != c.fast {
				t.Errorf("served by the fast path: %v, want %v", served, c.fast)
			}
			if got != want {
				t.Errorf("answer differs from mcp-go's:\n got %s\nwant %s", got, want)
			}
		})
	}
	if a, b := viaMCPGo.sess.GetClientInfo(), viaFast.sess.GetClientInfo(); !reflect.DeepEqual(a, b) {
		t.Errorf("client info %+v, want %+v", b, a)
	}
	if a, b := viaMCPGo.sess.GetClientCapabilities(), viaFast.sess.GetClientCapabilities(); !reflect.DeepEqual(a, b) {
		t.Errorf("client capabilities %+v, want %+v", b, a)
	}
	if a, b := viaMCPGo.sess.Initialized(), viaFast.sess.Initialized(); a != b {
		t.Errorf("session initialized %v, want %v", b, a)
	}
}

// FuzzFastCallsAnswerAsMCPGo: whatever the message, the fast path answers
// it as mcp-go does, or leaves it to mcp-go.
func FuzzFastCallsAnswerAsMCPGo(f *testing.F) {
	for _, c := range fastCallCases {
		f.Add(c.msg)
	}
	viaMCPGo, viaFast := newCallSide(f), newCallSide(f)
	f.Fuzz(func(t *testing.T, msg string) {
		want, _ := viaMCPGo.answer(t, msg, false)
		if got, _ := viaFast.answer(t, msg, true); got != want {
			t.Errorf("answer to %s differs from mcp-go's:\n got %s\nwant %s", msg, got, want)
		}
	})
}

// callSide is a server over a store holding one memory, and a session on
// it, for comparing the answers of the fast path and of mcp-go.
type callSide struct {
	srv   *mcpserver.MCPServer
	sess  *stdioSession
	ctx   context.Context
	calls *callSession
	id    string // of the stored memory
}

func newCallSide(t testing.TB) *callSide {
	svc := newService(t)
	m, _, err := svc.StoreMemory(t.Context(), backend.NewMemory{Type: "general", Title: "seed", Content: "seed text"})
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(svc, "test", nil)
	sess := newStdioSession()
	return &callSide{srv: s, sess: sess, ctx: s.WithContext(context.Background(), sess), calls: newCallSession(callsOf(s), sess), id: m.ID}
}

// answer sends msg, with {id} replaced by the stored memory's id, through
// the fast path if fast is set and it serves msg, else through mcp-go. It
// returns the answer with generated ids and times masked.
func (s *callSide) answer(t testing.TB, msg string, fast bool) (answer string, served bool) {
	line := []byte(strings.ReplaceAll(msg, "{id}", s.id))
	if fast {
		if b, served := s.calls.serve(s.ctx, line); served {
			return volatile.ReplaceAllString(string(b), "X"), true
		}
	}
	res := s.srv.HandleMessage(s.ctx, line)
	if res == nil {
		return "", false
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return volatile.ReplaceAllString(string(b), "X"), false
}

// TestFastCallRecovers: a handler's panic answers as mcp-go's WithRecovery
// makes it answer.
func TestFastCallRecovers(t *testing.T) {
	panicky := func(context.Context, mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
		panic(errors.New("boom"))
	}
	s := mcpserver.NewMCPServer(serverName, "test", mcpserver.WithToolCapabilities(false), mcpserver.WithRecovery())
	s.AddTool(mcpgo.NewTool("p"), panicky)
	msg := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"p"}}`)
	want, err := json.Marshal(s.HandleMessage(t.Context(), msg))
	if err != nil {
		t.Fatal(err)
	}
	c := newCallSession(&callTable{handlers: map[string]mcpserver.ToolHandlerFunc{"p": panicky}}, newStdioSession())
	got, served := c.serve(t.Context(), msg)
	if !served || string(got) != string(want) {
		t.Errorf("answer %s (served %v), want %s", got, served, want)
	}
}

// TestFastCallCancel: notifications/cancelled ends a call the fast path
// serves, like mcp-go ends its own: the request id matched as mcp-go
// matches it.
func TestFastCallCancel(t *testing.T) {
	for _, c := range []struct{ id, requestID string }{{`"w1"`, `"w1"`}, {`7`, `7`}, {`7`, `7.0`}} {
		started := make(chan struct{})
		wait := func(ctx context.Context, _ mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
			close(started)
			<-ctx.Done()
			return mcpgo.NewToolResultError(ctx.Err().Error()), nil
		}
		calls := newCallSession(&callTable{handlers: map[string]mcpserver.ToolHandlerFunc{"wait": wait}}, newStdioSession())
		done := make(chan []byte)
		go func() {
			b, _ := calls.serve(context.Background(), []byte(`{"jsonrpc":"2.0","id":`+c.id+`,"method":"tools/call","params":{"name":"wait"}}`))
			done <- b
		}()
		<-started
		calls.cancel([]byte(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":` + c.requestID + `}}`))
		if got := string(<-done); !strings.Contains(got, "context canceled") {
			t.Errorf("call %s, cancel %s: answer %s, want the call canceled", c.id, c.requestID, got)
		}
	}
}

func TestNumbersFit(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{`{"a":1,"b":-2.5e3,"c":[0.1,1E308]}`, true},
		{`{"a":"1e400","b":"\"1e999"}`, true},
		{`{"a":1e400}`, false},
		{`[-1e309]`, false},
		{``, true},
	} {
		if got := numbersFit(json.RawMessage(c.in)); got != c.want {
			t.Errorf("numbersFit(%s) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestFastCallsForgetCollectedServers: the table of a server no longer in
// use goes with it.
func TestFastCallsForgetCollectedServers(t *testing.T) {
	key := weak.Make(NewServer(newService(t), "test", nil))
	if _, ok := fastCalls.Load(key); !ok {
		t.Fatal("NewServer did not register its calls")
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		runtime.GC()
		if _, ok := fastCalls.Load(key); !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the calls of a collected server are still registered")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
