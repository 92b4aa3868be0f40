// Package exchange reads and writes memory files: Engram's own JSON export,
// MemoryGraph's JSON export (format 2.0) and the JSON lines written by the
// official MCP memory server. Files are streamed record by record, so an
// import or export never holds the whole graph in memory.
package exchange

import (
	"iter"

	"github.com/engramhq/engram/backend"
)

// Format names a kind of memory file.
type Format string

// The formats Engram reads. Only FormatEngram is written.
const (
	FormatEngram      Format = "engram"
	FormatMemoryGraph Format = "memorygraph"
	FormatJSONL       Format = "mcp-memory-jsonl"
)

// String returns a name for people.
func (f Format) String() string {
	switch f {
	case FormatEngram:
		return "Engram JSON export"
	case FormatMemoryGraph:
		return "MemoryGraph JSON export"
	case FormatJSONL:
		return "MCP memory server JSON lines"
	}
	return string(f)
}

// Kind says what a record of a memory file holds.
type Kind string

// Record kinds. A record of unknown kind has Kind "".
const (
	KindMemory       Kind = "memory"
	KindRelationship Kind = "relationship"
)

// Item is one record of a memory file, translated into the domain: a memory
// or a relationship, or a record that cannot be used and why.
type Item struct {
	// Kind says what the record is, "" when even that is unknown.
	Kind Kind
	// Memory is set for a usable memory record, Relationship for a usable
	// relationship record; neither when Problem is set.
	Memory       *backend.Memory
	Relationship *backend.Relationship
	// Where names the record in messages: "line 12" or "memories[3] (line 40)".
	Where string
	// Problem says why the record was left out. A Problem with Kind ""
	// concerns the file rather than one record (an unknown line type, a
	// version this reader does not know).
	Problem string
	// Notes are changes made to fit the record into Engram (a shortened
	// title, an unknown type kept as a tag); the record is still usable.
	Notes []string
	// From and To are the ends of a relationship as the file names them
	// (entity names in JSON lines, ids elsewhere), for messages.
	From, To string
}

// Counts says how many memories and relationships a file holds or an
// export wrote.
type Counts struct {
	Memories      int `json:"memories"`
	Relationships int `json:"relationships"`
}

// Reader reads the records of one memory file in file order:
//
//	rd := exchange.ReadJSONL(f)
//	for it := range rd.Items() { … }
//	if err := rd.Err(); err != nil { … }
//
// A record that cannot be used is yielded with its Problem and reading goes
// on; a file that is not valid JSON stops the reading and Err names the line.
type Reader struct {
	format Format
	walk   func(yield func(*Item) bool) error
	offset func() int64
	totals *Counts
	err    error
}

// Format returns the format the reader reads.
func (r *Reader) Format() Format { return r.format }

// Items returns the records of the file. It can be ranged over once.
func (r *Reader) Items() iter.Seq[*Item] {
	return func(yield func(*Item) bool) {
		r.err = r.walk(yield)
	}
}

// Err returns the error that stopped Items early, or nil when the file was
// read to its end (or the loop was left by the caller).
func (r *Reader) Err() error { return r.err }

// Offset returns how many bytes of the file have been read so far.
func (r *Reader) Offset() int64 { return r.offset() }

// Totals returns the numbers of records the file says it holds, once its
// header has said so (MemoryGraph exports do).
func (r *Reader) Totals() (Counts, bool) {
	if r.totals == nil || *r.totals == (Counts{}) {
		return Counts{}, false
	}
	return *r.totals, true
}
