package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The edit of a client's config file splices text into the original bytes
// instead of decoding and re-encoding the document: re-encoding would sort
// the keys, reformat the file and could change numbers, and those files
// belong to the client (Claude Code's ~/.claude.json holds much more than
// MCP servers).

// jsonMember is one member of a JSON object: its key and the byte span of
// its value.
type jsonMember struct {
	key        string
	start, end int
}

// jsonObject is a JSON object found in a document: the offsets of its
// braces and its members in order.
type jsonObject struct {
	open, close int
	members     []jsonMember
}

// last returns the last member named key (the one JSON readers use when a
// key repeats), or nil.
func (o *jsonObject) last(key string) *jsonMember {
	for i := len(o.members) - 1; i >= 0; i-- {
		if o.members[i].key == key {
			return &o.members[i]
		}
	}
	return nil
}

// parseObject reads the object whose opening brace is at data[open].
func parseObject(data []byte, open int) (*jsonObject, error) {
	dec := json.NewDecoder(bytes.NewReader(data[open:]))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("expected a JSON object")
	}
	obj := &jsonObject{open: open}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		end := open + int(dec.InputOffset())
		obj.members = append(obj.members, jsonMember{key: key, start: end - len(raw), end: end})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	obj.close = open + int(dec.InputOffset()) - 1
	return obj, nil
}

// mergeServer returns doc with mcpServers.engram set to entry, and whether
// that changed anything. doc must be a JSON object (or empty).
func mergeServer(doc, entry []byte) ([]byte, bool, error) {
	out, changed, err := spliceServer(doc, entry)
	if err == nil && changed && !json.Valid(out) {
		// A splice that broke the file must never be written over it.
		return nil, false, errors.New("internal error: the edited file would not be valid JSON")
	}
	return out, changed, err
}

func spliceServer(doc, entry []byte) ([]byte, bool, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		var out bytes.Buffer
		json.Indent(&out, []byte(`{"mcpServers":{`+strconv.Quote(ServerName)+`:`+string(entry)+`}}`), "", "  ")
		out.WriteByte('\n')
		return out.Bytes(), true, nil
	}
	var probe any
	if err := json.Unmarshal(doc, &probe); err != nil {
		return nil, false, fmt.Errorf("not valid JSON (%s); fix it or move it away first", jsonErrorAt(doc, err))
	}
	if _, ok := probe.(map[string]any); !ok {
		return nil, false, errors.New("the top level is not a JSON object")
	}
	top, err := parseObject(doc, bytes.IndexByte(doc, '{'))
	if err != nil {
		return nil, false, err
	}
	style := styleOf(doc, top)

	servers := top.last("mcpServers")
	if servers == nil {
		value := []byte(`{` + strconv.Quote(ServerName) + `:` + string(entry) + `}`)
		return addMember(doc, top, "mcpServers", value, style), true, nil
	}
	if doc[servers.start] != '{' {
		return nil, false, errors.New(`"mcpServers" is not a JSON object; fix it by hand`)
	}
	obj, err := parseObject(doc, servers.start)
	if err != nil {
		return nil, false, err
	}
	old := obj.last(ServerName)
	if old == nil {
		return addMember(doc, obj, ServerName, entry, style), true, nil
	}
	var a, b bytes.Buffer
	if json.Compact(&a, doc[old.start:old.end]) == nil && json.Compact(&b, entry) == nil && bytes.Equal(a.Bytes(), b.Bytes()) {
		return doc, false, nil
	}
	value := style.format(entry, indentAt(doc, old.start))
	return splice(doc, old.start, old.end, value), true, nil
}

// jsonStyle is how a document is laid out: one line, or indented by unit
// with lines ending in newline.
type jsonStyle struct {
	compact bool
	unit    string
	newline string
}

// styleOf guesses the layout of doc from its top-level object.
func styleOf(doc []byte, top *jsonObject) jsonStyle {
	if !bytes.Contains(bytes.TrimSpace(doc), []byte{'\n'}) {
		return jsonStyle{compact: true}
	}
	unit := "  "
	if len(top.members) > 0 {
		u, ok := strings.CutPrefix(indentAt(doc, top.members[0].start), indentAt(doc, top.open))
		if ok && u != "" {
			unit = u
		}
	}
	newline := "\n"
	if bytes.Contains(doc, []byte("\r\n")) { // a file written on Windows keeps its line ends
		newline = "\r\n"
	}
	return jsonStyle{unit: unit, newline: newline}
}

// format lays value out to start on a line indented by indent.
func (s jsonStyle) format(value []byte, indent string) []byte {
	var out bytes.Buffer
	if s.compact {
		json.Compact(&out, value)
		return out.Bytes()
	}
	json.Indent(&out, value, indent, s.unit)
	return bytes.ReplaceAll(out.Bytes(), []byte("\n"), []byte(s.newline))
}

// addMember adds "key": value as the last member of obj.
func addMember(doc []byte, obj *jsonObject, key string, value []byte, s jsonStyle) []byte {
	name := []byte(strconv.Quote(key) + ": ")
	if s.compact {
		name = name[:len(name)-1]
	}
	objIndent := indentAt(doc, obj.open)
	memberIndent := objIndent + s.unit
	if len(obj.members) > 0 {
		memberIndent = indentAt(doc, obj.members[0].start)
	}
	var text []byte
	if !s.compact {
		text = append(text, s.newline...)
		text = append(text, memberIndent...)
	}
	text = append(text, name...)
	text = append(text, s.format(value, memberIndent)...)
	if len(obj.members) == 0 {
		// Replace whatever blank space the empty object held.
		if !s.compact {
			text = append(text, s.newline...)
			text = append(text, objIndent...)
		}
		return splice(doc, obj.open+1, obj.close, text)
	}
	end := obj.members[len(obj.members)-1].end
	return splice(doc, end, end, append([]byte{','}, text...))
}

// indentAt returns the leading blanks of the line holding data[pos].
func indentAt(data []byte, pos int) string {
	line := data[bytes.LastIndexByte(data[:pos], '\n')+1 : pos]
	n := 0
	for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
		n++
	}
	return string(line[:n])
}

// splice returns data with data[start:end] replaced by text.
func splice(data []byte, start, end int, text []byte) []byte {
	out := make([]byte, 0, len(data)-(end-start)+len(text))
	out = append(out, data[:start]...)
	out = append(out, text...)
	return append(out, data[end:]...)
}
