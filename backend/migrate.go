package backend

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MigratePhase names the step a migration is in.
type MigratePhase string

// Migration phases, in order.
const (
	PhaseMemories      MigratePhase = "memories"
	PhaseRelationships MigratePhase = "relationships"
	PhaseVerify        MigratePhase = "verify"
)

// migrateProgressEvery is the shortest time between two progress reports:
// about ten a second is smooth for a person and cheap for the caller.
const migrateProgressEvery = 100 * time.Millisecond

// MigrateProgress says how far a migration has got. The totals are the
// source's counts when the migration started.
type MigrateProgress struct {
	Phase              MigratePhase `json:"phase"`
	Memories           int          `json:"memories"`      // memories copied so far
	Relationships      int          `json:"relationships"` // relationships copied so far
	Verified           int          `json:"verified"`      // records found in the destination so far
	TotalMemories      int          `json:"total_memories"`
	TotalRelationships int          `json:"total_relationships"`
	Done               bool         `json:"done"` // the last report of the migration
}

// Fraction returns how much of the migration is done, from 0 to 1: copying
// each record and finding it again in the destination count the same.
func (p MigrateProgress) Fraction() float64 {
	total := p.TotalMemories + p.TotalRelationships
	switch {
	case p.Done:
		return 1
	case total == 0:
		return 0
	}
	return min(float64(p.Memories+p.Relationships+p.Verified)/float64(2*total), 1)
}

// String says what the migration is doing, such as
// "copying memories: 1200 of 5000".
func (p MigrateProgress) String() string {
	switch p.Phase {
	case PhaseMemories:
		return fmt.Sprintf("copying memories: %d of %d", p.Memories, p.TotalMemories)
	case PhaseRelationships:
		return fmt.Sprintf("copying relationships: %d of %d", p.Relationships, p.TotalRelationships)
	}
	return fmt.Sprintf("verifying: %d of %d records", p.Verified, p.Memories+p.Relationships)
}

// MigrateTally counts what a migration did with one kind of record.
type MigrateTally struct {
	Read    int `json:"read"`    // records in the source
	Created int `json:"created"` // new in the destination
	Updated int `json:"updated"` // replaced an older copy in the destination
	Kept    int `json:"kept"`    // the destination's copy was as new or newer: left as is
	// Merged counts memories equal to another memory of the destination,
	// whose id their edges follow, and edges left out because both their
	// ends merged into one memory.
	Merged int `json:"merged"`
}

// MigrateReport is the outcome of a migration.
type MigrateReport struct {
	Memories      MigrateTally `json:"memories"`
	Relationships MigrateTally `json:"relationships"`
	// Verified is true when every memory and relationship of the source
	// was found in the destination at the end.
	Verified bool `json:"verified"`
}

// String summarises the report for a person.
func (r MigrateReport) String() string {
	m, rel := r.Memories, r.Relationships
	s := fmt.Sprintf("memories: %d read, %d created, %d updated, %d already there", m.Read, m.Created, m.Updated, m.Kept)
	if m.Merged > 0 {
		s += fmt.Sprintf(", %d merged into equal memories", m.Merged)
	}
	s += fmt.Sprintf("; relationships: %d read, %d created, %d already there", rel.Read, rel.Created, rel.Kept)
	if r.Verified {
		s += "; verified: the destination holds them all"
	}
	return s
}

// MigrateTo copies every memory and relationship of the service's store to
// another store; see Migrate.
func (s *Service) MigrateTo(ctx context.Context, to Store, progress func(MigrateProgress)) (MigrateReport, error) {
	return Migrate(ctx, s.store, to, progress)
}

// Migrate copies every memory and relationship of from to to, keeping ids,
// timestamps, versions and counts, then reads to back and fails (EINTERNAL)
// unless it holds every record it was given. It streams: memories and
// edges go over in batches of MaxImportBatch, never all in memory.
//
// It is safe to re-run, and to run into a store that already holds
// memories: a record whose id is there is replaced only by a newer copy,
// an edge that is there is kept, and a memory equal (same type, title and
// content) to one of the destination's is merged into it, its edges
// following. Nothing is ever deleted from to. Records written to from while
// it runs may or may not be copied.
//
// progress, when not nil, is called at the start of each phase, after each
// batch written, at most about ten times a second while verifying, and once
// more at the end (with Done set when it succeeded). A cancelled ctx stops
// the migration with its error; what was copied stays and a re-run carries
// on. On error the report holds what was done before.
func Migrate(ctx context.Context, from, to Store, progress func(MigrateProgress)) (MigrateReport, error) {
	stats, err := from.Statistics(ctx, 1)
	if err != nil {
		return MigrateReport{}, fmt.Errorf("count the source's memories: %w", err)
	}
	mg := &migration{
		from: from, to: NewService(to), progress: progress,
		p:      MigrateProgress{Phase: PhaseMemories, TotalMemories: stats.Memories, TotalRelationships: stats.Relationships},
		target: map[string]string{}, edges: map[edgeKey]bool{},
	}
	err = mg.run(ctx)
	mg.rep.Memories.Read = len(mg.target)
	mg.rep.Relationships.Read = len(mg.edges)
	mg.p.Done = err == nil
	mg.report(true)
	return mg.rep, err
}

// edgeKey identifies an edge the way stores de-duplicate them.
type edgeKey struct {
	from, to string
	typ      RelationshipType
}

type migration struct {
	from     Store
	to       *Service // validates what it writes, so a bad record names itself
	progress func(MigrateProgress)
	p        MigrateProgress
	last     time.Time // of the last progress report
	rep      MigrateReport

	// target maps the id of each source memory to its id in the
	// destination: the same, or that of the equal memory it merged into.
	target map[string]string
	// edges holds each source edge, its ends mapped through target; the
	// value says whether verification found it.
	edges map[edgeKey]bool

	memories []*Memory       // the batch being filled
	rels     []*Relationship // the batch being filled
}

func (mg *migration) run(ctx context.Context) error {
	mg.report(true)
	err := mg.from.ExportMemories(ctx, func(m *Memory) error {
		// A store may replay a read transaction that failed transiently:
		// count each memory once.
		if _, seen := mg.target[m.ID]; seen {
			return nil
		}
		mg.target[m.ID] = m.ID
		mg.memories = append(mg.memories, m)
		if len(mg.memories) == MaxImportBatch {
			return mg.flushMemories(ctx)
		}
		return nil
	})
	if err == nil {
		err = mg.flushMemories(ctx)
	}
	if err != nil {
		return fmt.Errorf("copy memories: %w", err)
	}

	mg.p.Phase = PhaseRelationships
	mg.report(true)
	err = mg.from.ExportRelationships(ctx, func(r *Relationship) error {
		c := *r
		c.FromID, c.ToID = mg.mapped(r.FromID), mg.mapped(r.ToID)
		if c.FromID == c.ToID {
			// Both ends merged into one memory: the edge would be a loop.
			mg.rep.Relationships.Merged++
			return nil
		}
		k := edgeKey{c.FromID, c.ToID, c.Type}
		if _, seen := mg.edges[k]; seen {
			return nil
		}
		mg.edges[k] = false
		mg.rels = append(mg.rels, &c)
		if len(mg.rels) == MaxImportBatch {
			return mg.flushRelationships(ctx)
		}
		return nil
	})
	if err == nil {
		err = mg.flushRelationships(ctx)
	}
	if err != nil {
		return fmt.Errorf("copy relationships: %w", err)
	}

	mg.p.Phase = PhaseVerify
	mg.report(true)
	if err := mg.verify(ctx); err != nil {
		return fmt.Errorf("verify the destination: %w", err)
	}
	mg.rep.Verified = true
	return nil
}

// mapped returns the destination id of the source memory id.
func (mg *migration) mapped(id string) string {
	if t, ok := mg.target[id]; ok {
		return t
	}
	return id
}

func (mg *migration) flushMemories(ctx context.Context) error {
	if len(mg.memories) == 0 {
		return nil
	}
	res, err := mg.to.ImportMemories(ctx, mg.memories)
	if err != nil {
		return err
	}
	for from, to := range res.IDMap {
		mg.target[from] = to
	}
	mg.rep.Memories.Created += res.Created
	mg.rep.Memories.Updated += res.Updated
	mg.rep.Memories.Merged += len(res.IDMap)
	mg.rep.Memories.Kept += res.Skipped - len(res.IDMap)
	mg.p.Memories += len(mg.memories)
	mg.memories = mg.memories[:0]
	mg.report(true)
	return nil
}

func (mg *migration) flushRelationships(ctx context.Context) error {
	if len(mg.rels) == 0 {
		return nil
	}
	res, err := mg.to.ImportRelationships(ctx, mg.rels)
	if err != nil {
		return err
	}
	// Stores skip an edge that exists and one whose ends are missing alike;
	// verification tells them apart.
	mg.rep.Relationships.Created += res.Created
	mg.rep.Relationships.Updated += res.Updated
	mg.rep.Relationships.Kept += res.Skipped
	mg.p.Relationships += len(mg.rels)
	mg.rels = mg.rels[:0]
	mg.report(true)
	return nil
}

// verify reads the destination back and fails unless it holds every
// memory and edge of the source.
func (mg *migration) verify(ctx context.Context) error {
	// want counts the source memories each destination id stands for;
	// found ids are deleted.
	want := make(map[string]int, len(mg.target))
	for _, id := range mg.target {
		want[id]++
	}
	found := func(n int) {
		mg.p.Verified += n
		mg.report(false)
	}
	err := mg.to.Store().ExportMemories(ctx, func(m *Memory) error {
		if n, ok := want[m.ID]; ok {
			delete(want, m.ID)
			found(n)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = mg.to.Store().ExportRelationships(ctx, func(r *Relationship) error {
		k := edgeKey{r.FromID, r.ToID, r.Type}
		if done, ok := mg.edges[k]; ok && !done {
			mg.edges[k] = true
			found(1)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var missing []string
	for id := range want {
		missing = append(missing, "memory "+id)
	}
	for k, ok := range mg.edges {
		if !ok {
			missing = append(missing, fmt.Sprintf("relationship %s -%s-> %s", k.from, k.typ, k.to))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		const shown = 5
		more := ""
		if len(missing) > shown {
			more = fmt.Sprintf(" and %d more", len(missing)-shown)
			missing = missing[:shown]
		}
		return Errorf(EINTERNAL, "the destination lacks %s%s after copying; was it changed meanwhile? Run the migration again",
			strings.Join(missing, ", "), more)
	}
	return nil
}

// report calls progress when forced or when enough time has passed.
func (mg *migration) report(force bool) {
	if mg.progress == nil || (!force && time.Since(mg.last) < migrateProgressEvery) {
		return
	}
	mg.last = time.Now()
	mg.progress(mg.p)
}
