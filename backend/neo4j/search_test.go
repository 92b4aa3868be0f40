package neo4j

import (
	"strings"
	"testing"

	"github.com/engramhq/engram/backend"
)

// field wraps expr the way luceneQuery applies a term to every field.
func field(expr string) string {
	return `(search_title:(` + expr + `)^10 OR search_summary:(` + expr + `)^4 OR search_content:(` + expr + `)^1 OR search_tags:(` + expr + `)^6)`
}

func TestLuceneQuery(t *testing.T) {
	cases := []struct {
		name     string
		terms    []backend.Term
		matchAny bool
		want     string
	}{
		{"None", nil, false, ""},
		{"NoWords", []backend.Term{{Words: []string{" ", ""}}}, false, ""},
		{"OneWord", []backend.Term{{Words: []string{"redis"}}}, false, "+" + field(`"redi"`)},
		{"AllWords", []backend.Term{{Words: []string{"redis"}}, {Words: []string{"timeout"}}}, false,
			"+" + field(`"redi"`) + " +" + field(`"timeout"`)},
		{"AnyWord", []backend.Term{{Words: []string{"redis"}}, {Words: []string{"timeout"}}}, true,
			field(`"redi"`) + " " + field(`"timeout"`)},
		{"Phrase", []backend.Term{{Words: []string{"slow", "query"}}}, false, "+" + field(`"slow queri"`)},
		{"Stemmed", []backend.Term{{Words: []string{"running", "to"}}}, false, "+" + field(`"run to"`)},
		{"Prefix", []backend.Term{{Words: []string{"Caching"}, Prefix: true}}, false, "+" + field(`cach*`)},
		{"PhrasePrefix", []backend.Term{{Words: []string{"cache", "asi"}, Prefix: true}}, false,
			"+" + field(`+"cach" +asi*`)},
		{"Folded", []backend.Term{{Words: []string{"café"}}, {Words: []string{"Naï"}, Prefix: true}}, false,
			"+" + field(`"cafe"`) + " +" + field(`nai*`)},
		// Terms that did not come from ParseQuery still cannot reach the
		// parser as syntax: only their letters and digits remain.
		{"QuoteAndBackslashInPhrase", []backend.Term{{Words: []string{`a"b\`, `OR`}}}, false,
			"+" + field(`"a b or"`)},
		{"SyntaxInPrefix", []backend.Term{{Words: []string{`title:x) OR (*`}, Prefix: true}}, false,
			"+" + field(`+"titl x" +or*`)},
		{"AllSpecialsInPrefix", []backend.Term{{Words: []string{luceneSpecial}, Prefix: true}}, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := luceneQuery(c.terms, c.matchAny); got != c.want {
				t.Errorf("luceneQuery = %s\nwant           %s", got, c.want)
			}
		})
	}
}

// TestParsedQueriesHaveNoSyntax feeds hostile text through ParseQuery, as
// the Service does: outside quotes, nothing but letters, digits, the prefix
// star and the structure luceneQuery adds remains.
func TestParsedQueriesHaveNoSyntax(t *testing.T) {
	for _, text := range []string{
		`title:redis`, `redis^10`, `[a TO z]`, `" OR 1=1 --`, `redis~`, `+redis -timeout`, `*`, `/.*/`,
		`\"redis\"`, `a && b || !c`, `{x}`, `MATCH (n) DETACH DELETE n`, `postg*`,
	} {
		q := luceneQuery(backend.ParseQuery(text), false)
		// Remove the quoted phrases, then the structure luceneQuery adds.
		var outside strings.Builder
		for i, part := range strings.Split(q, `"`) {
			if i%2 == 0 {
				outside.WriteString(part)
			}
		}
		rest := outside.String()
		for _, f := range searchFields {
			rest = strings.ReplaceAll(rest, f.name+":(", "")
			rest = strings.ReplaceAll(rest, ")^"+f.boost, "")
		}
		rest = strings.NewReplacer(" OR ", "", "+", "", "(", "", ")", "", " ", "").Replace(rest)
		for _, r := range rest {
			if strings.ContainsRune(luceneSpecial, r) && r != '*' {
				t.Errorf("ParseQuery(%q) gives %s: %q is outside quotes", text, q, r)
			}
		}
	}
}

// TestSearchable covers splitting and folding; TestSearchWordsMatchSQLite
// compares stems with SQLite's.
func TestSearchable(t *testing.T) {
	cases := []struct{ in, want string }{
		{"pg_isready", "pg isreadi"},
		{"Cache-aside", "cach asid"},
		{"example.com:8080/x", "exampl com 8080 x"},
		{"Ünïcödé 日本語 한국어", "unicod 日本語 한국어"},
		{"cafe\u0301", "cafe"},
		{"don't", "don t"},
		{`["s3","retry"]`, "s3 retri"},
		{"run to the end", "run to the end"},
		{"", ""},
	}
	for _, c := range cases {
		if got := searchable(c.in); got != c.want {
			t.Errorf("searchable(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
