package exchange

import (
	"bytes"
	"testing"
)

// The seed corpora live in testdata/fuzz/<target>: the fixtures and small
// hand-made edge cases (truncated files, wrong types, deep nesting, odd
// encodings).

// FuzzReadJSONL feeds arbitrary bytes to the JSON lines reader.
func FuzzReadJSONL(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, ReadJSONL(bytes.NewReader(data)), len(data))
	})
}

// FuzzReadMemoryGraph feeds arbitrary bytes to the MemoryGraph reader.
func FuzzReadMemoryGraph(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, ReadMemoryGraph(bytes.NewReader(data)), len(data))
	})
}

// FuzzReadEngram feeds arbitrary bytes to the Engram reader.
func FuzzReadEngram(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, ReadEngram(bytes.NewReader(data)), len(data))
	})
}

// checkReader reads everything and checks what every item must satisfy:
// exactly one of a record or a problem, a position, and records the domain
// can validate without panicking.
func checkReader(t *testing.T, rd *Reader, size int) {
	for it := range rd.Items() {
		if it.Where == "" {
			t.Fatalf("item without a position: %+v", it)
		}
		n := 0
		for _, set := range []bool{it.Memory != nil, it.Relationship != nil, it.Problem != ""} {
			if set {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%s: want exactly one of memory, relationship or problem: %+v", it.Where, it)
		}
		switch {
		case it.Memory != nil:
			if it.Kind != KindMemory {
				t.Fatalf("%s: memory of kind %q", it.Where, it.Kind)
			}
			it.Memory.Normalize()
			_ = it.Memory.Validate()
		case it.Relationship != nil:
			if it.Kind != KindRelationship {
				t.Fatalf("%s: relationship of kind %q", it.Where, it.Kind)
			}
			_ = it.Relationship.Validate()
		}
	}
	if off := rd.Offset(); off < 0 || off > int64(size) {
		t.Fatalf("offset %d outside the input of %d bytes", off, size)
	}
	_ = rd.Err()
}
