package exchange

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/engramhq/engram/backend"
)

// MaxWarnings is how many warnings a Report lists; WarningCount has them all.
const MaxWarnings = 100

// progressEvery is the shortest time between two progress reports: about
// ten a second is smooth for a person and cheap for the caller.
const progressEvery = 100 * time.Millisecond

// Tally counts what an import did with one kind of record. Skipped covers
// records that were invalid, already stored unchanged, or merged into an
// equal memory; the warnings say which.
type Tally struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Skipped int `json:"skipped"`
}

// Report is the outcome of an import.
type Report struct {
	Format        Format   `json:"format"`
	Memories      Tally    `json:"memories"`
	Relationships Tally    `json:"relationships"`
	Warnings      []string `json:"warnings,omitempty"` // the first MaxWarnings
	WarningCount  int      `json:"warning_count"`
}

// String summarises the report for a person, warnings included, one per
// line.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: memories %d created, %d updated, %d skipped; relationships %d created, %d updated, %d skipped",
		r.Format, r.Memories.Created, r.Memories.Updated, r.Memories.Skipped,
		r.Relationships.Created, r.Relationships.Updated, r.Relationships.Skipped)
	for _, w := range r.Warnings {
		b.WriteString("\nwarning: " + w)
	}
	if more := r.WarningCount - len(r.Warnings); more > 0 {
		fmt.Fprintf(&b, "\n… and %d more warnings", more)
	}
	return b.String()
}

// Progress says how far an import has got. Items are counted when the file
// says how many it holds (Total > 0); otherwise Bytes of Size tell, and
// Size is 0 when the size of the input is unknown (a pipe).
type Progress struct {
	Memories      int   `json:"memories"`      // memory records read so far
	Relationships int   `json:"relationships"` // relationship records read so far
	Total         int   `json:"total"`         // records the file holds, 0 when unknown
	Bytes         int64 `json:"bytes"`         // bytes read so far
	Size          int64 `json:"size"`          // size of the file, 0 when unknown
	Done          bool  `json:"done"`          // the last report of the import
}

// Fraction returns how much of the import is done, from 0 to 1: by records
// when the file says how many it holds, else by bytes, else 0 until the
// end.
func (p Progress) Fraction() float64 {
	switch {
	case p.Done:
		return 1
	case p.Total > 0:
		return min(float64(p.Memories+p.Relationships)/float64(p.Total), 1)
	case p.Size > 0:
		return min(float64(p.Bytes)/float64(p.Size), 1)
	}
	return 0
}

// String says what has been read, such as "120 of 311 records" or
// "120 memories, 0 relationships".
func (p Progress) String() string {
	if p.Total > 0 {
		return fmt.Sprintf("%d of %d records", p.Memories+p.Relationships, p.Total)
	}
	return fmt.Sprintf("%d memories, %d relationships", p.Memories, p.Relationships)
}

// Import reads a memory file of any known format (see Detect) and writes
// its records through svc: memories in batches of at most
// backend.MaxImportBatch, then the relationships between them, with their
// ends following any memory that was merged into an equal one.
//
// A record that cannot be used is skipped with a warning naming its line or
// index and the field; malformed JSON stops the import with an error naming
// the line. Importing the same file again creates nothing: ids are kept (or
// derived from names), an unchanged memory is skipped and an existing edge
// is kept. progress, when not nil, is called at most about ten times a
// second and once more at the end.
//
// On error the Report holds what was done before it.
func Import(ctx context.Context, svc *backend.Service, r io.Reader, progress func(Progress)) (Report, error) {
	size := sizeOf(r)
	format, r, err := Detect(r)
	if err != nil {
		return Report{}, err
	}
	rd, err := NewReader(format, r)
	if err != nil {
		return Report{}, err
	}
	im := &importer{
		svc: svc, rd: rd, progress: progress, size: size,
		rep:  Report{Format: format},
		seen: map[string]bool{}, idMap: map[string]string{},
	}
	err = im.run(ctx)
	im.report(true)
	return im.rep, err
}

// sizeOf returns the size of r when it is a file or an in-memory reader.
func sizeOf(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	case interface{ Size() int64 }:
		return v.Size()
	}
	return 0
}

type importer struct {
	svc      *backend.Service
	rd       *Reader
	progress func(Progress)
	size     int64
	last     time.Time // of the last progress report
	rep      Report
	read     Counts // records read

	memories []*backend.Memory       // the batch being filled
	rels     []*backend.Relationship // the batch being filled
	relWhere []string                // Where of each of rels, for warnings
	// deferred are relationships read before one of their ends: the ends
	// may still come later in the file.
	deferred []*Item
	// seen holds the ids of the memories of this file that were accepted,
	// so that an edge to a memory the file lacks is reported by name.
	seen map[string]bool
	// idMap maps the id of a memory that was merged into an equal stored
	// one to the stored one's id.
	idMap map[string]string
}

func (im *importer) run(ctx context.Context) error {
	for it := range im.rd.Items() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := im.item(ctx, it); err != nil {
			return err
		}
		im.report(false)
	}
	if err := im.rd.Err(); err != nil {
		return err
	}
	if err := im.flushMemories(ctx); err != nil {
		return err
	}
	for _, it := range im.deferred {
		if err := im.resolveLate(ctx, it); err != nil {
			return err
		}
	}
	return im.flushRelationships(ctx)
}

func (im *importer) item(ctx context.Context, it *Item) error {
	switch it.Kind {
	case KindMemory:
		im.read.Memories++
	case KindRelationship:
		im.read.Relationships++
	}
	for _, n := range it.Notes {
		im.warn(it.Where, n)
	}
	switch {
	case it.Problem != "":
		im.skip(it.Kind, it.Where, it.Problem)
		return nil
	case it.Memory != nil:
		return im.memory(ctx, it)
	case it.Relationship != nil:
		return im.relationship(ctx, it)
	}
	return nil
}

func (im *importer) memory(ctx context.Context, it *Item) error {
	m := it.Memory
	m.Normalize()
	// The service refuses a whole batch for one bad memory; checking each
	// one first lets the import skip just that one.
	if err := m.Validate(); err != nil {
		im.skip(KindMemory, it.Where, err.Error())
		return nil
	}
	if m.ID != "" {
		if im.seen[m.ID] {
			why := fmt.Sprintf("id %q: a memory earlier in the file has the same id", short(m.ID))
			if im.rep.Format == FormatJSONL {
				why = fmt.Sprintf("name %q: an entity earlier in the file has the same name", short(m.Title))
			}
			im.skip(KindMemory, it.Where, why)
			return nil
		}
		im.seen[m.ID] = true
	}
	im.memories = append(im.memories, m)
	if len(im.memories) >= backend.MaxImportBatch {
		return im.flushMemories(ctx)
	}
	return nil
}

func (im *importer) relationship(ctx context.Context, it *Item) error {
	r := it.Relationship
	if err := r.Validate(); err != nil {
		im.skip(KindRelationship, it.Where, err.Error())
		return nil
	}
	if !im.seen[r.FromID] || !im.seen[r.ToID] {
		im.deferred = append(im.deferred, it)
		return nil
	}
	return im.addRelationship(ctx, it)
}

func (im *importer) addRelationship(ctx context.Context, it *Item) error {
	im.rels = append(im.rels, it.Relationship)
	im.relWhere = append(im.relWhere, it.Where)
	if len(im.rels) >= backend.MaxImportBatch {
		return im.flushRelationships(ctx)
	}
	return nil
}

// resolveLate handles a relationship read before one of its ends once the
// whole file is read. In JSON lines the ends must be entities of the file;
// the other formats name memory ids, which may also be memories stored
// before.
func (im *importer) resolveLate(ctx context.Context, it *Item) error {
	r := it.Relationship
	ends := []struct{ id, name string }{{r.FromID, it.From}, {r.ToID, it.To}}
	for _, end := range ends {
		if im.seen[end.id] {
			continue
		}
		if im.rep.Format != FormatJSONL {
			_, err := im.svc.Store().GetMemory(ctx, end.id)
			if err == nil {
				im.seen[end.id] = true
				continue
			}
			if backend.ErrorCode(err) != backend.ENOTFOUND {
				return err
			}
		}
		what := "a memory"
		if im.rep.Format == FormatJSONL {
			what = "an entity"
		}
		im.skip(KindRelationship, it.Where, fmt.Sprintf("%q -%s-> %q: %q is not %s of this file (or it was skipped)",
			short(it.From), r.Type, short(it.To), short(end.name), what))
		return nil
	}
	return im.addRelationship(ctx, it)
}

// flushMemories writes the memory batch.
func (im *importer) flushMemories(ctx context.Context) error {
	if len(im.memories) == 0 {
		return nil
	}
	batch, err := im.mergeUntimed(ctx, im.memories)
	if err != nil {
		return err
	}
	im.memories = im.memories[:0]
	if len(batch) == 0 {
		return nil
	}
	res, err := im.svc.ImportMemories(ctx, batch)
	if err != nil {
		return fmt.Errorf("import memories: %w", err)
	}
	im.rep.Memories.Created += res.Created
	im.rep.Memories.Updated += res.Updated
	im.rep.Memories.Skipped += res.Skipped
	maps.Copy(im.idMap, res.IDMap)
	return nil
}

// mergeUntimed prepares the memories of a file that has no times (JSON
// lines) against what the store holds. The store keeps the newer of two
// copies by update time, and a copy stamped "now" would always win,
// resetting the creation time, version and access count of a memory
// imported before. So an unchanged memory is left out, and a changed one
// keeps those and gets a new version.
func (im *importer) mergeUntimed(ctx context.Context, ms []*backend.Memory) ([]*backend.Memory, error) {
	out := ms[:0:0]
	for _, m := range ms {
		if !m.CreatedAt.IsZero() || m.ID == "" {
			out = append(out, m)
			continue
		}
		old, err := im.svc.Store().GetMemory(ctx, m.ID)
		switch {
		case backend.ErrorCode(err) == backend.ENOTFOUND:
			out = append(out, m)
			continue
		case err != nil:
			return nil, err
		case sameMemory(old, m):
			im.rep.Memories.Skipped++
			continue
		}
		m.CreatedAt = old.CreatedAt
		m.UpdatedAt = backend.Now()
		if !m.UpdatedAt.After(old.UpdatedAt) { // a clock set back must not lose the change
			m.UpdatedAt = old.UpdatedAt.Add(time.Microsecond)
		}
		m.Version = old.Version + 1
		m.AccessCount = old.AccessCount
		m.LastAccessedAt = old.LastAccessedAt
		out = append(out, m)
	}
	return out, nil
}

// sameMemory reports whether a and b hold the same information, leaving
// out ids, times and counters. Empty and missing lists are the same.
func sameMemory(a, b *backend.Memory) bool {
	ac, bc := a.Context, b.Context
	return a.Type == b.Type && a.Title == b.Title && a.Content == b.Content && a.Summary == b.Summary &&
		slices.Equal(a.Tags, b.Tags) && a.Importance == b.Importance && a.Confidence == b.Confidence &&
		ac.ProjectPath == bc.ProjectPath && ac.GitBranch == bc.GitBranch && ac.GitCommit == bc.GitCommit &&
		ac.SessionID == bc.SessionID && slices.Equal(ac.Files, bc.Files) &&
		slices.Equal(ac.Languages, bc.Languages) && slices.Equal(ac.Frameworks, bc.Frameworks) &&
		maps.Equal(ac.Extra, bc.Extra)
}

// flushRelationships writes the relationship batch, after the memories its
// ends may be in.
func (im *importer) flushRelationships(ctx context.Context) error {
	if len(im.rels) == 0 {
		return nil
	}
	if err := im.flushMemories(ctx); err != nil {
		return err
	}
	batch := im.rels[:0:0]
	for i, r := range im.rels {
		if to, ok := im.idMap[r.FromID]; ok {
			r.FromID = to
		}
		if to, ok := im.idMap[r.ToID]; ok {
			r.ToID = to
		}
		if r.FromID == r.ToID {
			im.skip(KindRelationship, im.relWhere[i], "both ends were merged into the same stored memory")
			continue
		}
		batch = append(batch, r)
	}
	im.rels, im.relWhere = im.rels[:0], im.relWhere[:0]
	if len(batch) == 0 {
		return nil
	}
	res, err := im.svc.ImportRelationships(ctx, batch)
	if err != nil {
		return fmt.Errorf("import relationships: %w", err)
	}
	im.rep.Relationships.Created += res.Created
	im.rep.Relationships.Updated += res.Updated
	im.rep.Relationships.Skipped += res.Skipped
	return nil
}

// skip counts a record of kind k as skipped and says why.
func (im *importer) skip(k Kind, where, why string) {
	switch k {
	case KindMemory:
		im.rep.Memories.Skipped++
		why += "; memory skipped"
	case KindRelationship:
		im.rep.Relationships.Skipped++
		why += "; relationship skipped"
	}
	im.warn(where, why)
}

func (im *importer) warn(where, msg string) {
	im.rep.WarningCount++
	if len(im.rep.Warnings) < MaxWarnings {
		im.rep.Warnings = append(im.rep.Warnings, where+": "+msg)
	}
}

// report calls the progress function, at most every progressEvery unless
// final.
func (im *importer) report(final bool) {
	if im.progress == nil {
		return
	}
	now := time.Now()
	if !final && now.Sub(im.last) < progressEvery {
		return
	}
	im.last = now
	p := Progress{
		Memories: im.read.Memories, Relationships: im.read.Relationships,
		Bytes: im.rd.Offset(), Size: im.size, Done: final,
	}
	if t, ok := im.rd.Totals(); ok {
		p.Total = t.Memories + t.Relationships
	}
	im.progress(p)
}
