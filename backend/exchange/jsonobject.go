package exchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
)

// maxChunk bounds one read from the file so that the bytes kept for line
// numbers (see lineCounter) stay near the size of the decoder's buffer.
const maxChunk = 32 * 1024

// lineCounter passes a file through to a json.Decoder and turns the
// decoder's byte offsets into line numbers. It keeps only the bytes at or
// after the last offset asked about: offsets only grow while a file is
// decoded, so earlier bytes are never needed again.
type lineCounter struct {
	r      io.Reader
	read   int64   // bytes handed to the decoder
	chunks []chunk // bytes from mark on
	mark   int64   // the last offset asked about
	line   int     // the line at mark, from 1
}

type chunk struct {
	off int64
	b   []byte
}

func newLineCounter(r io.Reader) *lineCounter { return &lineCounter{r: r, line: 1} }

// Read reads at most maxChunk bytes and keeps a copy of them.
func (c *lineCounter) Read(p []byte) (int, error) {
	if len(p) > maxChunk {
		p = p[:maxChunk]
	}
	n, err := c.r.Read(p)
	if n > 0 {
		c.chunks = append(c.chunks, chunk{c.read, bytes.Clone(p[:n])})
		c.read += int64(n)
	}
	return n, err
}

// lineAt returns the line of the byte at off, or 0 when off lies before an
// offset asked about earlier.
func (c *lineCounter) lineAt(off int64) int {
	if off < c.mark {
		return 0
	}
	for len(c.chunks) > 0 {
		ch := c.chunks[0]
		from := max(c.mark-ch.off, 0)
		to := min(off-ch.off, int64(len(ch.b)))
		if to > from {
			c.line += bytes.Count(ch.b[from:to], []byte{'\n'})
		}
		if ch.off+int64(len(ch.b)) > off {
			break
		}
		c.chunks = c.chunks[1:]
	}
	c.mark = off
	return c.line
}

// since returns the kept bytes from off on; off must not lie before the
// last offset asked about.
func (c *lineCounter) since(off int64) []byte {
	var b []byte
	for _, ch := range c.chunks {
		if end := ch.off + int64(len(ch.b)); end > off {
			b = append(b, ch.b[max(off-ch.off, 0):]...)
		}
	}
	return b
}

// position describes off for a message: its line, or the byte offset when
// the line is no longer known.
func (c *lineCounter) position(off int64) string {
	if l := c.lineAt(off); l > 0 {
		return fmt.Sprintf("line %d", l)
	}
	return fmt.Sprintf("byte %d", off)
}

// objectFormat is what differs between the two single-object formats
// (Engram's and MemoryGraph's): how the header keys and the elements of the
// "memories" and "relationships" arrays are read.
type objectFormat struct {
	format Format
	// header reads one top-level key other than the two arrays. It returns
	// a problem to report, or an error that stops the reading (a format
	// version this reader cannot read).
	header       func(key string, raw json.RawMessage) (problem string, err error)
	memory       func(raw json.RawMessage, it *Item)
	relationship func(raw json.RawMessage, it *Item)
}

// headerKeys are the top-level keys whose values objectFormat.header reads;
// any other key's value is skipped token by token without being held.
var headerKeys = map[string]bool{
	"format": true, "format_version": true, "exported_at": true,
	"export_version": true, "export_date": true, "backend_type": true,
	"memory_count": true, "relationship_count": true,
}

// readObject reads a file holding one JSON object whose "memories" and
// "relationships" keys are arrays of records.
func readObject(r io.Reader, f objectFormat, totals *Counts) *Reader {
	lc := newLineCounter(r)
	dec := json.NewDecoder(lc)
	w := &objectWalker{lc: lc, dec: dec, f: f}
	return &Reader{format: f.format, walk: w.walk, offset: dec.InputOffset, totals: totals}
}

type objectWalker struct {
	lc  *lineCounter
	dec *json.Decoder
	f   objectFormat
}

// errStop ends a walk whose caller left the loop.
var errStop = errors.New("stopped by the caller")

func (w *objectWalker) walk(yield func(*Item) bool) error {
	err := w.object(yield)
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

func (w *objectWalker) object(yield func(*Item) bool) error {
	if err := w.delim('{', "the file must hold one JSON object"); err != nil {
		return err
	}
	for w.dec.More() {
		tok, err := w.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string) // More and the decoder's grammar check guarantee a key
		switch {
		case key == "memories" || key == "relationships":
			if err := w.array(key, yield); err != nil {
				return err
			}
		case headerKeys[key]:
			raw, err := w.value()
			if err != nil {
				return err
			}
			problem, err := w.f.header(key, raw)
			if err != nil {
				return err
			}
			if problem != "" && !yield(&Item{Where: key, Problem: problem}) {
				return errStop
			}
		default:
			if err := w.skip(); err != nil {
				return err
			}
		}
	}
	if err := w.delim('}', "the JSON object is not closed"); err != nil {
		return err
	}
	if _, err := w.dec.Token(); err != io.EOF {
		return fmt.Errorf("%s: unexpected data after the end of the JSON object", w.lc.position(w.dec.InputOffset()))
	}
	return nil
}

// array yields the elements of the array under key; null counts as empty.
func (w *objectWalker) array(key string, yield func(*Item) bool) error {
	tok, err := w.token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("%s: %q must be an array, not %s", w.lc.position(w.dec.InputOffset()), key, describeToken(tok))
	}
	for i := 0; w.dec.More(); i++ {
		raw, err := w.value()
		if err != nil {
			return err
		}
		start := w.dec.InputOffset() - int64(len(raw))
		it := &Item{Where: fmt.Sprintf("%s[%d] (%s)", key, i, w.lc.position(start))}
		switch {
		case len(raw) == 0 || raw[0] != '{':
			it.Kind = kindOfArray(key)
			it.Problem = "is not a JSON object"
		case key == "memories":
			it.Kind = KindMemory
			w.f.memory(raw, it)
		default:
			it.Kind = KindRelationship
			w.f.relationship(raw, it)
		}
		if !yield(it) {
			return errStop
		}
	}
	_, err = w.token() // the closing bracket: More said there is no element left
	return err
}

func kindOfArray(key string) Kind {
	if key == "memories" {
		return KindMemory
	}
	return KindRelationship
}

func (w *objectWalker) delim(want json.Delim, what string) error {
	tok, err := w.token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("%s: %s (found %s)", w.lc.position(w.dec.InputOffset()), what, describeToken(tok))
	}
	return nil
}

func (w *objectWalker) token() (json.Token, error) {
	tok, err := w.dec.Token()
	if err != nil {
		return nil, w.syntax(err)
	}
	// Moving the line count along lets the line counter drop the bytes it
	// keeps, also while a large unknown value is skipped token by token.
	w.lc.lineAt(w.dec.InputOffset())
	return tok, nil
}

func (w *objectWalker) value() (json.RawMessage, error) {
	var raw json.RawMessage
	if err := w.dec.Decode(&raw); err != nil {
		return nil, w.syntax(err)
	}
	return raw, nil
}

// skip reads past one value without keeping it.
func (w *objectWalker) skip() error {
	depth := 0
	for {
		tok, err := w.token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

// syntax turns a decoder error into one that names the line.
func (w *objectWalker) syntax(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// The decoder's offsets are not always stream offsets (values read
		// inside Token count from elsewhere), but its position is still at
		// the start of the value that failed: scanning the kept bytes from
		// there finds the bad byte exactly.
		at := w.dec.InputOffset()
		var again *json.SyntaxError
		if errors.As(json.Unmarshal(w.lc.since(at), new(json.RawMessage)), &again) && again.Offset > 0 {
			at += again.Offset - 1
		}
		return fmt.Errorf("%s: invalid JSON: %v", w.lc.position(at), se)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: the file ends in the middle of its JSON (is it complete?)", w.lc.position(w.lc.read))
	}
	return err
}

func describeToken(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	case string:
		return "a string"
	case nil:
		return "null"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}

// fieldProblem describes why json.Unmarshal could not read a record.
func fieldProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := jsonKind(te.Type.Kind())
		if te.Field == "" {
			return fmt.Sprintf("expected %s, found a JSON %s", want, te.Value)
		}
		return fmt.Sprintf("%s: expected %s, found a JSON %s", te.Field, want, te.Value)
	}
	return err.Error()
}

// jsonKind names the JSON value a Go kind is read from.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Bool:
		return "true or false"
	}
	return "a number"
}
