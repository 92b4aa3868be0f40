package neo4j

import (
	"database/sql"
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/engramhq/engram/backend/storetest"
	_ "modernc.org/sqlite"
)

// sampleTexts returns thousands of distinct whitespace-separated pieces of
// text, punctuation kept: the benchmark corpus's words (invented names
// among them) and the English of the Go standard library's comments, plus
// cases at the edges of Porter's rules and of tokenisation. They are inputs
// only; what each must become is asked of SQLite.
func sampleTexts(t *testing.T) []string {
	seen := map[string]bool{}
	add := func(text string) {
		for _, f := range strings.Fields(text) {
			// SQLite counts the noncharacter U+10FFFF, which no real
			// text holds, as part of a word.
			if !strings.ContainsRune(f, unicode.MaxRune) {
				seen[f] = true
			}
		}
	}
	g := storetest.NewGenerator(1)
	for i := range 2000 {
		m := g.Memory(i)
		add(m.Title + " " + m.Content)
	}
	for _, pkg := range []string{"net/http", "strings", "fmt", "time", "encoding/json"} {
		files, err := filepath.Glob(filepath.Join(build.Default.GOROOT, "src", pkg, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			add(string(b))
		}
	}
	add(`eed ies sses ss s is as ating ated bling izing hopping filing falling hissing fizzing failing
		yying flyyed agreed feed plastered motoring sing conflated troubled sized tanned tanning
		happy sky generalization oscillators relational conditional rational valenci hesitanci digitizer
		conformabli radicalli differentli vileli analogousli vietnamization predication operator feudalism
		decisiveness hopefulness callousness formaliti sensitiviti sensibiliti triplicate formative
		formalize electriciti electrical hopeful goodness revival allowance inference airliner gyroscopic
		adjustable defensible irritant replacement adjustment dependent adoption homologou communism
		activate angulariti homologous effective bowdlerize probate rate cease controll roll
		naïve café Résumé straße ÆON 日本語のテキスト Слово русский 東京 한국어 v1.2.3 3,14 10:30 pg_isready
		don't john's e-mail a@b.com C++ x² ½ ⅷ µs 100µs ₀ ➂ P₁ 2⁶³ γειά ΓΕΙΆ Ελλάδα ς 色は匂へど のけぶ Ѐࠀက퀀𐀀
		aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffgggggggggghhhhhhhhhhational
		aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeeeeeeeeffffffffffggational
		éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééation`)
	texts := make([]string, 0, len(seen))
	for w := range seen {
		texts = append(texts, w)
	}
	slices.Sort(texts)
	return texts
}

// sqliteTokens returns the tokens SQLite's FTS5 'porter unicode61'
// tokenizer makes of each text, read back from the index with fts5vocab.
func sqliteTokens(t *testing.T, texts []string) [][]string {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "tokens.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, stmt := range []string{
		`CREATE VIRTUAL TABLE texts USING fts5 (text, tokenize = 'porter unicode61')`,
		`CREATE VIRTUAL TABLE tokens USING fts5vocab (texts, 'instance')`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range texts {
		if _, err := tx.Exec(`INSERT INTO texts (rowid, text) VALUES (?, ?)`, i, text); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT doc, term FROM tokens ORDER BY doc, offset`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := make([][]string, len(texts))
	for rows.Next() {
		var doc int
		var term string
		if err := rows.Scan(&doc, &term); err != nil {
			t.Fatal(err)
		}
		out[doc] = append(out[doc], term)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSearchWordsMatchSQLite checks searchWords, Porter stemming included,
// against SQLite's own tokenizer on every sample text.
func TestSearchWordsMatchSQLite(t *testing.T) {
	texts := sampleTexts(t)
	if len(texts) < 5000 {
		t.Fatalf("only %d sample texts: the word sources went missing", len(texts))
	}
	want := sqliteTokens(t, texts)
	failures := 0
	for i, text := range texts {
		if got := searchWords(text); !slices.Equal(got, want[i]) {
			if failures++; failures <= 30 {
				t.Errorf("searchWords(%q) = %q, SQLite makes %q", text, got, want[i])
			}
		}
	}
	if failures > 0 {
		t.Errorf("%d of %d texts differ", failures, len(texts))
	}
	t.Logf("%d texts tokenised as SQLite does", len(texts))
}
