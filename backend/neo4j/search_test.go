package neo4j

import (
	"slices"
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

func TestTagFilter(t *testing.T) {
	cases := []struct {
		name string
		tags []string
		all  bool
		want string
	}{
		{"None", nil, false, ""},
		{"AnyOne", []string{"go"}, false, ` +(search_tags:"go")^0`},
		{"AnyTwo", []string{"go", "ci-cd"}, false, ` +(search_tags:"go" search_tags:"ci cd")^0`},
		{"AllTwo", []string{"go", "ci-cd"}, true, ` +(+search_tags:"go" +search_tags:"ci cd")^0`},
		{"Stemmed", []string{"databases"}, false, ` +(search_tags:"databas")^0`},
		// A tag without a word could be any memory's: with any tag
		// allowed, nothing can be left out; with all required, the
		// other tags still can.
		{"AnyWordless", []string{"go", "+++"}, false, ""},
		{"AllWordless", []string{"go", "+++"}, true, ` +(+search_tags:"go")^0`},
		{"OnlyWordless", []string{"+++"}, true, ""},
		{"QuoteInTag", []string{`a"b\`}, false, ` +(search_tags:"a b")^0`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := tagFilter(c.tags, c.all); got != c.want {
				t.Errorf("tagFilter(%q, %v) = %s, want %s", c.tags, c.all, got, c.want)
			}
		})
	}
}

// TestSearchTextWithTags checks that the full-text tag filter only narrows
// what Cypher then checks exactly: tags whose words another memory's tags
// also hold, tags without a word.
func TestSearchTextWithTags(t *testing.T) {
	svc := backend.NewService(openTestStore(t))
	for title, tags := range map[string][]string{
		"cicd": {"ci-cd"}, "ci and cd": {"ci", "cd"}, "go": {"go"}, "golang": {"golang"},
		"wordless": {"+++"}, "untagged": nil,
	} {
		if _, _, err := svc.StoreMemory(t.Context(), backend.NewMemory{Type: backend.TypeGeneral, Title: title,
			Content: "shared words", Tags: tags}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		tags []string
		mode backend.TagMode
		want []string
	}{
		{[]string{"ci-cd"}, backend.TagsAny, []string{"cicd"}},
		{[]string{"ci", "cd"}, backend.TagsAll, []string{"ci and cd"}},
		{[]string{"ci", "cd"}, backend.TagsAny, []string{"ci and cd"}},
		{[]string{"go"}, backend.TagsAny, []string{"go"}},
		{[]string{"+++"}, backend.TagsAny, []string{"wordless"}},
		{[]string{"+++", "go"}, backend.TagsAny, []string{"go", "wordless"}},
		{[]string{"+++", "go"}, backend.TagsAll, nil},
		{[]string{"nope"}, backend.TagsAny, nil},
	}
	for _, c := range cases {
		res, err := svc.Search(t.Context(), backend.SearchQuery{Text: "shared", Tags: c.tags, TagMode: c.mode})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.Memory.Title)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) || res.Total != len(c.want) {
			t.Errorf("search shared with tags %q (%v): %q (total %d), want %q", c.tags, c.mode, got, res.Total, c.want)
		}
	}
}
