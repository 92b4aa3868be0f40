package mcp

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// FuzzToolArguments feeds arbitrary bytes as the arguments of every tool,
// straight to the handlers (without mcp-go's panic recovery, so a panic
// fails the fuzz). Every call must answer: a result, or a tool error with a
// message, and never an internal error, whatever the input.
func FuzzToolArguments(f *testing.F) {
	svc := newService(f)
	logs := &logBuffer{}
	d := deps{svc: svc, log: slog.New(slog.NewTextHandler(logs, nil))}
	handlers := make([]mcpserver.ToolHandlerFunc, len(registry))
	index := map[string]uint8{}
	for i, s := range registry {
		handlers[i] = s.handler(d)
		index[s.tool.Name] = uint8(i)
		for _, seed := range []string{``, `{}`, `null`, `[]`, `"x"`, `{"limit":1e999}`, `{"memory_id":"a\u0000"}`} {
			f.Add(uint8(i), []byte(seed))
		}
	}
	for _, tt := range badArgs("a", "b") {
		raw, _ := json.Marshal(tt.args)
		f.Add(index[tt.tool], raw)
	}
	f.Add(index["store_memory"], []byte(`{"type":"problem","title":"t","content":"c","tags":["A"," a "],"context":{"extra":{"k":"v"}}}`))
	f.Add(index["search_memories"], []byte(`{"query":"\"unterminated phrase* OR NEAR( ) -x","tags":["a"],"tag_mode":"all"}`))
	f.Add(index["recall_memories"], []byte(`{"query":"*** \"\" ^ ( )"}`))
	f.Add(index["update_memory"], []byte(`{"memory_id":"x","tags":null,"context":{}}`))

	f.Fuzz(func(t *testing.T, tool uint8, args []byte) {
		i := int(tool) % len(registry)
		req := mcpgo.CallToolRequest{}
		req.Params.Name = registry[i].tool.Name
		req.Params.RawArguments = args
		res, err := handlers[i](t.Context(), req)
		if err != nil || res == nil {
			t.Fatalf("%s(%q) = %v, %v; want a result", req.Params.Name, args, res, err)
		}
		text := resultText(res)
		switch {
		case res.IsError && text == "":
			t.Fatalf("%s(%q): tool error without a message", req.Params.Name, args)
		case res.IsError && strings.Contains(text, "internal error"):
			t.Fatalf("%s(%q): %s\n%s", req.Params.Name, args, text, logs)
		case res.IsError && len(text) > 8<<10: // ten problems, each at most one enum list long
			t.Fatalf("%s(%q): an error of %d bytes", req.Params.Name, args, len(text))
		case !res.IsError && res.StructuredContent == nil:
			t.Fatalf("%s(%q): success without structured content", req.Params.Name, args)
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatalf("%s(%q): result does not marshal: %v", req.Params.Name, args, err)
		}
	})
}

// FuzzJSONString: jsonString decodes every JSON value as encoding/json
// decodes it into a string, shortcut or not.
func FuzzJSONString(f *testing.F) {
	for _, seed := range []string{`"plain"`, `"esc\"aped\n\u00e9"`, `"bad utf-8 ` + "\xff" + `"`, `""`, `12`, `null`, `["x"]`, `"\u2028<&>"`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		if !json.Valid(v) {
			return // jsonString only sees values of a valid document
		}
		var want string
		wantErr := json.Unmarshal(v, &want)
		got, ok := jsonString(v)
		if ok != (wantErr == nil) || got != want {
			t.Errorf("jsonString(%q) = %q, %v; encoding/json gives %q, %v", v, got, ok, want, wantErr)
		}
	})
}
