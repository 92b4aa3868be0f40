package exchange

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/engramhq/engram/backend"
	"github.com/google/uuid"
)

// maxLineBytes bounds one line of a JSON lines file. A longer line is
// skipped with a warning instead of being held in memory.
const maxLineBytes = 16 << 20

// jsonlNamespace is the UUID namespace of the ids given to the entities and
// relations of JSON lines files. It never changes: the same name gives the
// same id on every import, which makes importing a file again harmless.
var jsonlNamespace = uuid.MustParse("35c7145f-418d-4047-9f61-66536474542a")

// entityID returns the memory id of the entity named name.
func entityID(name string) string {
	return uuid.NewSHA1(jsonlNamespace, []byte("entity\x00"+name)).String()
}

// relationID returns the relationship id of one relation line.
func relationID(from, relationType, to string) string {
	return uuid.NewSHA1(jsonlNamespace, []byte("relation\x00"+from+"\x00"+relationType+"\x00"+to)).String()
}

// jsonlRecord is one line of the official MCP memory server's file.
type jsonlRecord struct {
	Type         string   `json:"type"`
	Name         string   `json:"name"`
	EntityType   string   `json:"entityType"`
	Observations []string `json:"observations"`
	From         string   `json:"from"`
	To           string   `json:"to"`
	RelationType string   `json:"relationType"`
}

// ReadJSONL reads the JSON lines file of the official MCP memory server
// (@modelcontextprotocol/server-memory): one entity or relation per line.
//
// An entity becomes a memory: its name is the title, its observations
// joined by newlines the content (the name when there are none), and its id
// a UUID derived from the name. An entityType that is one of Engram's
// memory types is kept; any other becomes "general" with an
// "entity-type:…" tag and context.extra["entity_type"].
//
// A relation becomes a relationship between the two entities' memories.
// Its relationType is matched to Engram's types ignoring case, spaces and
// dashes, then through a few synonyms; anything else becomes RELATED_TO,
// and the original name is kept in the relationship's context.
func ReadJSONL(r io.Reader) *Reader {
	br := bufio.NewReaderSize(r, 64*1024)
	var offset int64
	walk := func(yield func(*Item) bool) error {
		for n := 1; ; n++ {
			line, used, err := readLine(br)
			offset += used
			if err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("line %d: %w", n, err)
			}
			if used == 0 && errors.Is(err, io.EOF) {
				return nil
			}
			it := &Item{Where: fmt.Sprintf("line %d", n)}
			switch {
			case line == nil:
				it.Problem = fmt.Sprintf("longer than %d MiB; skipped", maxLineBytes>>20)
			default:
				if n == 1 {
					line = bytes.TrimPrefix(line, []byte("\uFEFF")) // a byte order mark some editors add
				}
				line = bytes.TrimSpace(line)
				if len(line) == 0 {
					continue
				}
				if perr := jsonlLine(line, it); perr != nil {
					return fmt.Errorf("line %d: %w", n, perr)
				}
			}
			if !yield(it) {
				return nil
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
		}
	}
	return &Reader{format: FormatJSONL, walk: walk, offset: func() int64 { return offset }}
}

// readLine returns the next line without its newline and the number of
// bytes it took. A line longer than maxLineBytes is consumed and returned
// as nil. At the end of the file err is io.EOF.
func readLine(br *bufio.Reader) (line []byte, used int64, err error) {
	tooLong := false
	for {
		part, err := br.ReadSlice('\n')
		used += int64(len(part))
		if !tooLong {
			if len(line)+len(part) > maxLineBytes+1 {
				tooLong, line = true, nil
			} else {
				line = append(line, part...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if tooLong {
			return nil, used, err
		}
		if line == nil {
			line = []byte{} // an empty last line is a line, not a too long one
		}
		return bytes.TrimSuffix(line, []byte{'\n'}), used, err
	}
}

// jsonlLine fills it from one line. Malformed JSON is an error that stops
// the import; a well-formed line that is not a usable record becomes the
// item's Problem.
func jsonlLine(line []byte, it *Item) error {
	var rec jsonlRecord
	if err := json.Unmarshal(line, &rec); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("column %d: invalid JSON: %v", utf8.RuneCount(line[:max(se.Offset-1, 0)])+1, se)
		}
		it.Problem = fieldProblem(err)
		return nil
	}
	switch rec.Type {
	case "entity":
		it.Kind = KindMemory
		jsonlEntity(rec, it)
	case "relation":
		it.Kind = KindRelationship
		jsonlRelation(rec, it)
	case "":
		it.Problem = `type: missing; expected "entity" or "relation"`
	default:
		it.Problem = fmt.Sprintf(`type: %q is neither "entity" nor "relation"; line skipped`, short(rec.Type))
	}
	return nil
}

func jsonlEntity(rec jsonlRecord, it *Item) {
	title := strings.TrimSpace(rec.Name)
	if title == "" {
		it.Problem = "name: missing"
		return
	}
	m := &backend.Memory{
		ID:         entityID(rec.Name),
		Importance: backend.DefaultImportance,
		Confidence: backend.DefaultConfidence,
	}
	m.Type = memoryType(rec.EntityType, "entity-type:", "entity_type", m, it)
	if r := []rune(title); len(r) > backend.MaxTitleChars {
		title = string(r[:backend.MaxTitleChars-1]) + "…"
		it.Notes = append(it.Notes, fmt.Sprintf("name: longer than %d characters; the title is shortened and the full name kept in context.extra.entity_name", backend.MaxTitleChars))
		setExtra(m, it, "entity_name", rec.Name)
	}
	m.Title = title
	m.Content = strings.Join(rec.Observations, "\n")
	if strings.TrimSpace(m.Content) == "" {
		m.Content = rec.Name
	}
	if len(m.Content) > backend.MaxContentBytes {
		it.Problem = fmt.Sprintf("observations: %d bytes together, more than the %d a memory holds", len(m.Content), backend.MaxContentBytes)
		return
	}
	it.Memory = m
}

func jsonlRelation(rec jsonlRecord, it *Item) {
	switch {
	case rec.From == "":
		it.Problem = "from: missing"
		return
	case rec.To == "":
		it.Problem = "to: missing"
		return
	case rec.From == rec.To:
		it.Problem = fmt.Sprintf("from and to are the same entity %q; a memory cannot be related to itself", short(rec.From))
		return
	}
	r := &backend.Relationship{
		ID:     relationID(rec.From, rec.RelationType, rec.To),
		FromID: entityID(rec.From), ToID: entityID(rec.To),
		Strength: backend.DefaultStrength, Confidence: backend.DefaultConfidence,
	}
	it.From, it.To = rec.From, rec.To
	applyRelationType(r, rec.RelationType, it)
	it.Relationship = r
}

// synonym maps a relation name onto one of Engram's types; reverse means
// the name reads the other way round ("caused_by": the ends swap).
type synonym struct {
	typ     backend.RelationshipType
	reverse bool
}

// relationSynonyms are common relation names of other tools, upper-cased
// with underscores. part_of and similar containment names are left out on
// purpose: none of the 35 types means "is a part of", so they become
// RELATED_TO with the original name kept.
var relationSynonyms = map[string]synonym{
	"CAUSE":           {"CAUSES", false},
	"CAUSED_BY":       {"CAUSES", true},
	"TRIGGERED_BY":    {"TRIGGERS", true},
	"RESULTS_IN":      {"LEADS_TO", false},
	"PREVENTED_BY":    {"PREVENTS", true},
	"FIXES":           {"SOLVES", false},
	"RESOLVES":        {"SOLVES", false},
	"SOLVED_BY":       {"SOLVES", true},
	"FIXED_BY":        {"SOLVES", true},
	"SUPERSEDES":      {"REPLACES", false},
	"REPLACED_BY":     {"REPLACES", true},
	"USES":            {"USED_IN", true},
	"USED_BY":         {"USED_IN", false},
	"NEEDS":           {"REQUIRES", false},
	"REQUIRED_BY":     {"REQUIRES", true},
	"DEPENDS":         {"DEPENDS_ON", false},
	"DEPENDENCY_OF":   {"DEPENDS_ON", true},
	"ENABLED_BY":      {"ENABLES", true},
	"BLOCKED_BY":      {"BLOCKS", true},
	"PRECEDES":        {"FOLLOWS", true},
	"EXTENDS":         {"BUILDS_ON", false},
	"BASED_ON":        {"BUILDS_ON", false},
	"IS_A":            {"SPECIALIZES", false},
	"INSTANCE_OF":     {"SPECIALIZES", false},
	"INTEGRATES_WITH": {"WORKS_WITH", false},
	"COMPATIBLE_WITH": {"WORKS_WITH", false},
	"SUPPORTS":        {"CONFIRMS", false},
	"CONFLICTS_WITH":  {"CONTRADICTS", false},
	"VALIDATES":       {"VALIDATED_BY", true},
	"DEPRECATES":      {"DEPRECATED_BY", true},
	"RELATES_TO":      {"RELATED_TO", false},
	"IS_RELATED_TO":   {"RELATED_TO", false},
	"SIMILAR":         {"SIMILAR_TO", false},
	"IS_SIMILAR_TO":   {"SIMILAR_TO", false},
}

// mapRelationType matches name to a relationship type. exact is false when
// a synonym or the fallback RELATED_TO was used.
func mapRelationType(name string) (t backend.RelationshipType, reverse, exact bool) {
	norm := strings.ToUpper(strings.TrimSpace(name))
	norm = strings.NewReplacer(" ", "_", "-", "_").Replace(norm)
	if t := backend.RelationshipType(norm); t.Valid() {
		return t, false, true
	}
	if s, ok := relationSynonyms[norm]; ok {
		return s.typ, s.reverse, false
	}
	return backend.RelRelatedTo, false, false
}

// applyRelationType sets r's type from the file's name for it, swapping
// the ends for reversed synonyms and keeping any name that is not exactly
// one of Engram's types in r's context.
func applyRelationType(r *backend.Relationship, name string, it *Item) {
	t, reverse, exact := mapRelationType(name)
	r.Type = t
	if reverse {
		r.FromID, r.ToID = r.ToID, r.FromID
		it.From, it.To = it.To, it.From
	}
	if exact || strings.TrimSpace(name) == "" {
		return
	}
	note := "original relation: " + name
	if reverse {
		note += " (ends swapped)"
	}
	if r.Context != "" {
		note = r.Context + " (" + note + ")"
	}
	if rs := []rune(note); len(rs) > backend.MaxRelContextChars {
		note = string(rs[:backend.MaxRelContextChars-1]) + "…"
	}
	r.Context = note
}
