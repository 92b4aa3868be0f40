package exchange

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/engramhq/engram/backend"
)

// FormatVersion is the version of the Engram JSON format that Export
// writes. Readers refuse files of a later version rather than drop what
// they do not know.
const FormatVersion = 1

// Export writes every memory and relationship of svc's store to w as an
// Engram JSON file:
//
//	{"format":"engram","format_version":1,"exported_at":"…",
//	"memories":[
//	{…},
//	…],
//	"relationships":[
//	…]}
//
// One record per line keeps the file diffable and lets an import name the
// line of a bad record. Records are written as the store yields them, so
// the export never holds the graph in memory. Memories and relationships
// are read in two transactions: an edge created in between may name a
// memory the file lacks, and an import skips it with a warning.
func Export(ctx context.Context, svc *backend.Service, w io.Writer) (Counts, error) {
	var n Counts
	bw := bufio.NewWriter(w)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // code in memories stays readable: no \u003c for <
	first := true
	write := func(v any) error {
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		if !first {
			bw.WriteString(",\n")
		}
		first = false
		_, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}))
		return err
	}

	fmt.Fprintf(bw, `{"format":%q,"format_version":%d,"exported_at":%q,`+"\n"+`"memories":[`+"\n",
		string(FormatEngram), FormatVersion, backend.Now().Format(time.RFC3339Nano))
	err := svc.Store().ExportMemories(ctx, func(m *backend.Memory) error {
		n.Memories++
		return write(m)
	})
	if err != nil {
		return n, fmt.Errorf("export memories: %w", err)
	}
	bw.WriteString("\n],\n" + `"relationships":[` + "\n")
	first = true
	err = svc.Store().ExportRelationships(ctx, func(r *backend.Relationship) error {
		n.Relationships++
		return write(r)
	})
	if err != nil {
		return n, fmt.Errorf("export relationships: %w", err)
	}
	bw.WriteString("\n]}\n")
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	return n, nil
}

// ReadEngram reads an Engram JSON file (see Export). Records keep every
// field, so an export read back into an empty store is the same graph.
func ReadEngram(r io.Reader) *Reader {
	return readObject(r, objectFormat{
		format:       FormatEngram,
		header:       engramHeader,
		memory:       engramMemory,
		relationship: engramRelationship,
	}, nil)
}

func engramHeader(key string, raw json.RawMessage) (string, error) {
	switch key {
	case "format":
		var f string
		if json.Unmarshal(raw, &f) != nil || Format(f) != FormatEngram {
			return "", fmt.Errorf("format: %s is not an Engram file (format must be %q)", raw, FormatEngram)
		}
	case "format_version":
		var v float64
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", fmt.Errorf("format_version: must be a number, found %s", raw)
		}
		if v > FormatVersion {
			return "", fmt.Errorf("format_version: the file is format %v, newer than this Engram reads (%d); update Engram to import it", v, FormatVersion)
		}
	}
	return "", nil
}

func engramMemory(raw json.RawMessage, it *Item) {
	// Numbers a hand-written file leaves out take their defaults: Unmarshal
	// keeps what is already set when a key is absent.
	m := &backend.Memory{Importance: backend.DefaultImportance, Confidence: backend.DefaultConfidence}
	if err := json.Unmarshal(raw, m); err != nil {
		it.Problem = timeProblem(raw, "created_at", "updated_at", "last_accessed_at")
		if it.Problem == "" {
			it.Problem = fieldProblem(err)
		}
		return
	}
	it.Memory = m
}

func engramRelationship(raw json.RawMessage, it *Item) {
	r := &backend.Relationship{Strength: backend.DefaultStrength, Confidence: backend.DefaultConfidence}
	if err := json.Unmarshal(raw, r); err != nil {
		it.Problem = timeProblem(raw, "created_at", "updated_at")
		if it.Problem == "" {
			it.Problem = fieldProblem(err)
		}
		return
	}
	it.Relationship, it.From, it.To = r, r.FromID, r.ToID
}

// timeProblem names the first of keys in the object raw whose value is not
// an RFC 3339 time, or returns "". time.Time's own errors do not say which
// field they come from.
func timeProblem(raw json.RawMessage, keys ...string) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return ""
	}
	for _, k := range keys {
		v, ok := fields[k]
		if !ok || string(v) == "null" {
			continue
		}
		var t time.Time
		if t.UnmarshalJSON(v) != nil {
			return fmt.Sprintf("%s: %s is not an RFC 3339 time such as \"2026-03-01T09:00:00Z\"", k, v)
		}
	}
	return ""
}
