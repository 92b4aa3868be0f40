package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/engramhq/engram/backend"
)

// rankExpr is the bm25 rank of an FTS row, lower is better. The weights
// follow the index's column order (title, summary, content, tags): a word
// in the title says most about a memory, one deep in its content least.
const rankExpr = `bm25(memories_fts, 10.0, 4.0, 1.0, 6.0)`

// matchExpression turns parsed terms into an FTS5 query in which every word
// is a quoted string, so no input can reach FTS5's operators (AND, NEAR,
// column filters, ^, *). A term of several words is a phrase; Prefix puts
// the prefix star outside the closing quote, where FTS5 reads it as an
// operator on the phrase's last word. It returns "" when no term has a word.
func matchExpression(terms []backend.Term, matchAny bool) string {
	parts := make([]string, 0, len(terms))
	for _, t := range terms {
		words := make([]string, 0, len(t.Words))
		for _, w := range t.Words {
			if w = strings.TrimSpace(w); w != "" {
				words = append(words, strings.ReplaceAll(w, `"`, `""`))
			}
		}
		if len(words) == 0 {
			continue
		}
		p := `"` + strings.Join(words, " ") + `"`
		if t.Prefix {
			p += "*"
		}
		parts = append(parts, p)
	}
	op := " AND "
	if matchAny {
		op = " OR "
	}
	return strings.Join(parts, op)
}

// rankedLimit is the LIMIT clause of a page of ranked hits, limit and
// offset bound in that order. They are expressions rather than bare
// parameters: SQLite plans with the value of a bare LIMIT parameter, so the
// prepared statement would be planned again whenever the value changes
// (search pages hold 20, recall 10). A ranked page is always a full sort
// of the matches, which no limit changes.
const rankedLimit = ` LIMIT ? + 0 OFFSET ? + 0`

// where collects the conditions and arguments of a query on memories m.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// sql returns " WHERE a AND b", or "" with no conditions.
func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// addProjectPath keeps memories of project p or of a directory below it.
// A range on the column, rather than LIKE, matches the separator exactly,
// stays case-sensitive like the paths themselves and needs no escaping:
// every string that starts with base+"/" sorts in [base+"/", base+"0"),
// '0' being the character after '/'. The index scans one range, [base,
// base+"0"), which holds p and everything below it (and siblings such as
// base+"-old", which the OR then drops). Saying that the path is not empty
// lets the planner use memories_project, a partial index without them.
func (w *where) addProjectPath(p string) {
	if p == "" {
		return
	}
	base := strings.TrimRight(p, "/")
	w.add("m.project_path <> '' AND m.project_path >= ? AND m.project_path < ?", base, base+"0")
	w.add("(m.project_path = ? OR m.project_path >= ?)", p, base+"/")
}

// searchFilter is every condition of q except the full-text match. With
// matched set, the full-text index drives the query and a tag condition is
// checked per candidate; without it, the tag index may drive the query.
func searchFilter(q backend.SearchQuery, matched bool) *where {
	w := &where{}
	if len(q.Types) > 0 {
		w.add("m.type IN (SELECT value FROM json_each(?))", jsonText(q.Types))
	}
	if tags := backend.NormalizeTags(q.Tags); len(tags) > 0 {
		switch {
		case q.TagMode == backend.TagsAll:
			w.add(`(SELECT COUNT(*) FROM memory_tags t WHERE t.memory_id = m.id
				AND t.tag IN (SELECT value FROM json_each(?))) = ?`, jsonText(tags), len(tags))
		case matched:
			w.add(`EXISTS (SELECT 1 FROM memory_tags t WHERE t.memory_id = m.id
				AND t.tag IN (SELECT value FROM json_each(?)))`, jsonText(tags))
		default:
			w.add(`m.id IN (SELECT memory_id FROM memory_tags WHERE tag IN (SELECT value FROM json_each(?)))`, jsonText(tags))
		}
	}
	w.addProjectPath(q.ProjectPath)
	if q.MinImportance != nil {
		w.add("m.importance >= ?", *q.MinImportance)
	}
	if q.CreatedAfter != nil {
		w.add("m.created_at > ?", micros(*q.CreatedAfter))
	}
	if q.CreatedBefore != nil {
		w.add("m.created_at < ?", micros(*q.CreatedBefore))
	}
	return w
}

// SearchMemories runs q: ranked by bm25 when it has terms, newest first
// when its text is empty, nothing when its text has no searchable word.
func (s *Store) SearchMemories(ctx context.Context, q backend.SearchQuery) (*backend.SearchResult, error) {
	if q.Terms == nil && q.Text != "" {
		q.Terms = backend.ParseQuery(q.Text)
	}
	if q.Limit <= 0 {
		q.Limit = backend.DefaultSearchLimit
	}
	q.Offset = max(q.Offset, 0)
	res := &backend.SearchResult{Hits: []backend.SearchHit{}}
	err := s.readTx(ctx, "search memories", func(tx *sql.Tx) error {
		var err error
		switch match := matchExpression(q.Terms, q.MatchAny); {
		case match != "":
			err = searchText(ctx, tx, match, q, res)
		case strings.TrimSpace(q.Text) != "":
			// Text made only of stop words or punctuation asks for nothing
			// that could match; only an empty text lists every memory.
		default:
			err = searchAll(ctx, tx, q, res)
		}
		if err != nil {
			return err
		}
		res.HasMore = q.Offset+len(res.Hits) < res.Total
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// searchText ranks the memories matching the FTS expression match. Ranking
// costs a bm25 evaluation for every match, so the page is chosen on the
// index alone (plus the memory's filter columns when q has filters) and only
// its rows are read in full. Equal scores rank the memory stored last (the
// highest seq, which is the index's rowid) first: a total order, so pages
// never overlap, that needs no lookup of the memory.
func searchText(ctx context.Context, tx *sql.Tx, match string, q backend.SearchQuery, res *backend.SearchResult) error {
	w := searchFilter(q, true)
	from := ` FROM memories_fts`
	if len(w.conds) > 0 {
		from += ` JOIN memories m ON m.seq = memories_fts.rowid`
	}
	w.conds = append([]string{"memories_fts MATCH ?"}, w.conds...)
	w.args = append([]any{match}, w.args...)

	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*)`+from+w.sql(), w.args...).Scan(&res.Total); err != nil {
		return err
	}
	if q.Offset >= res.Total {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `WITH page AS (
			SELECT memories_fts.rowid AS seq, `+rankExpr+` AS rank`+from+w.sql()+`
			ORDER BY rank, memories_fts.rowid DESC`+rankedLimit+`)
		SELECT `+memoryColumns+`, -page.rank FROM page JOIN memories m ON m.seq = page.seq
		ORDER BY page.rank, page.seq DESC`, append(w.args, q.Limit, q.Offset)...)
	if err != nil {
		return err
	}
	return scanHits(rows, res)
}

// searchAll lists the memories passing q's filters, newest first.
func searchAll(ctx context.Context, tx *sql.Tx, q backend.SearchQuery, res *backend.SearchResult) error {
	w := searchFilter(q, false)
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM memories m`+w.sql(), w.args...).Scan(&res.Total); err != nil {
		return err
	}
	if q.Offset >= res.Total {
		return nil
	}
	args := append(w.args, q.Limit, q.Offset)
	rows, err := tx.QueryContext(ctx, `SELECT `+memoryColumns+`, 0.0 FROM memories m`+w.sql()+`
		ORDER BY m.updated_at DESC, m.id DESC LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return err
	}
	return scanHits(rows, res)
}

func scanHits(rows *sql.Rows, res *backend.SearchResult) error {
	defer rows.Close()
	for rows.Next() {
		var score float64
		m, err := scanMemory(rows, &score)
		if err != nil {
			return err
		}
		res.Hits = append(res.Hits, backend.SearchHit{Memory: m, Score: score})
	}
	return rows.Err()
}
