package exchange

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// detectWindow is how much of a file Detect looks at. The keys that tell
// the formats apart come first in every file we know of.
const detectWindow = 64 * 1024

// Detect tells the format of a memory file from its first bytes. It returns
// a reader that yields the whole file, the bytes it looked at included.
func Detect(r io.Reader) (Format, io.Reader, error) {
	br := bufio.NewReaderSize(r, detectWindow)
	head, err := br.Peek(detectWindow)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", nil, fmt.Errorf("read the file: %w", err)
	}
	f, err := detect(head)
	return f, br, err
}

// NewReader returns the reader of format f.
func NewReader(f Format, r io.Reader) (*Reader, error) {
	switch f {
	case FormatEngram:
		return ReadEngram(r), nil
	case FormatMemoryGraph:
		return ReadMemoryGraph(r), nil
	case FormatJSONL:
		return ReadJSONL(r), nil
	}
	return nil, fmt.Errorf("%q is not a format Engram reads; use %q, %q or %q", f, FormatEngram, FormatMemoryGraph, FormatJSONL)
}

// errUnknownFormat is returned when the first bytes match no format.
var errUnknownFormat = errors.New(`not a memory file Engram knows: expected an Engram export, a MemoryGraph JSON export or the JSON lines of the MCP memory server`)

// detect reads the top-level keys of the first JSON object in head until
// one of them gives the format away.
func detect(head []byte) (Format, error) {
	head = bytes.TrimPrefix(head, []byte("\uFEFF"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		return "", errors.New("the file is empty")
	}
	if trimmed[0] != '{' {
		return "", fmt.Errorf("%w (the file starts with %q, not with a JSON object)", errUnknownFormat, short(string(trimmed[:min(len(trimmed), 20)])))
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.Token() // the opening brace, checked above
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			// A value cut off by the window or broken JSON: the reader of
			// the format guessed so far will name the line if it is broken.
			break
		}
		if f, ok := formatOfKey(key, raw); ok {
			return f, nil
		}
	}
	return "", errUnknownFormat
}

// formatOfKey says which format a top-level key and its value belong to,
// if either tells.
func formatOfKey(key string, raw json.RawMessage) (Format, bool) {
	switch key {
	case "type", "entityType", "relationType", "observations":
		// JSON lines: each line is an entity or a relation.
		return FormatJSONL, true
	case "format":
		var s string
		if json.Unmarshal(raw, &s) == nil && Format(s) == FormatEngram {
			return FormatEngram, true
		}
	case "format_version":
		// Engram writes a number, MemoryGraph a string ("2.0").
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return FormatMemoryGraph, true
		}
		return FormatEngram, true
	case "exported_at":
		return FormatEngram, true
	case "export_version", "export_date", "backend_type", "memory_count", "relationship_count":
		return FormatMemoryGraph, true
	case "memories", "relationships":
		return formatOfRecords(raw)
	}
	return "", false
}

// formatOfRecords tells the format from the first record of an array when
// no header key came first: Engram's records always carry keys that
// MemoryGraph's never do.
func formatOfRecords(raw json.RawMessage) (Format, bool) {
	var records []map[string]json.RawMessage
	if json.Unmarshal(raw, &records) != nil || len(records) == 0 {
		return "", false
	}
	for _, engramKey := range []string{"from_id", "access_count", "version", "last_accessed_at"} {
		if _, ok := records[0][engramKey]; ok {
			return FormatEngram, true
		}
	}
	return FormatMemoryGraph, true
}
