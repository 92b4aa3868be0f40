package backend

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// w is a term of plain words, p a prefix term, in the tests' shorthand.
func w(words ...string) Term { return Term{Words: words} }
func p(words ...string) Term { return Term{Words: words, Prefix: true} }

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Term
	}{
		{"Empty", "", nil},
		{"Spaces", " \t\n ", nil},
		{"OneWord", "redis", []Term{w("redis")}},
		{"LowerCased", "Redis TIMEOUT", []Term{w("redis"), w("timeout")}},
		{"UnicodeLowerCased", "ÜBER Ünïcode", []Term{w("über"), w("ünïcode")}},
		{"NonLatinWord", "日本語 ошибка", []Term{w("日本語"), w("ошибка")}},
		{"Numbers", "http 504", []Term{w("http"), w("504")}},
		{"StopWordsDropped", "how do I fix the redis timeout", []Term{w("fix"), w("redis"), w("timeout")}},
		{"StopWordsCaseInsensitive", "The AND Of", nil},
		{"OnlyStopWords", "what is the", nil},
		{"QuotedPhrase", `"slow query"`, []Term{w("slow", "query")}},
		{"QuotedKeepsStopWords", `"the who"`, []Term{w("the", "who")}},
		{"QuotedSingleStopWord", `"the"`, []Term{w("the")}},
		{"PhraseAndWords", `fix "slow query" now`, []Term{w("fix"), w("slow", "query"), w("now")}},
		{"AdjacentQuotes", `"a b""c d"`, []Term{w("a", "b"), w("c", "d")}},
		{"QuoteInsideWord", `x"b c"d`, []Term{w("x"), w("b", "c"), w("d")}},
		{"UnbalancedQuote", `"unbalanced quote`, []Term{w("unbalanced", "quote")}},
		{"UnbalancedAfterWords", `redis "time out`, []Term{w("redis"), w("time", "out")}},
		{"TrailingQuote", `redis"`, []Term{w("redis")}},
		{"EmptyQuotes", `""`, nil},
		{"LoneQuote", `"`, nil},
		{"Prefix", "postg*", []Term{p("postg")}},
		{"PrefixUpperCase", "POSTG*", []Term{p("postg")}},
		{"PrefixKeepsStopWord", "the*", []Term{p("the")}},
		{"DoubleStar", "redis**", []Term{p("redis")}},
		{"LeadingStar", "*redis", []Term{w("redis")}},
		{"InnerStar", "x*y", []Term{w("x", "y")}},
		{"LoneStar", "*", nil},
		{"QuotedStarIsNotPrefix", `"postg*"`, []Term{w("postg")}},
		{"Underscore", "pg_isready", []Term{w("pg", "isready")}},
		{"Hyphen", "cache-aside", []Term{w("cache", "aside")}},
		{"HyphenPrefix", "cache-asi*", []Term{p("cache", "asi")}},
		{"Dotted", "node.js", []Term{w("node", "js")}},
		{"Apostrophe", "don't", []Term{w("don", "t")}},
		{"Path", "/usr/local/bin", []Term{w("usr", "local", "bin")}},
		{"PunctuationOnly", "--- !!! ???", nil},
		{"StopWordInsideCompound", "to-do", []Term{w("to", "do")}},
		{"SQLInjection", `" OR 1=1 --`, []Term{w("or", "1", "1")}},
		{"SQLDrop", `'; DROP TABLE memories; --`, []Term{w("drop"), w("table"), w("memories")}},
		{"FTSNear", "NEAR(a b)", []Term{w("near", "a"), w("b")}},
		{"FTSColumn", "title:x", []Term{w("title", "x")}},
		{"FTSOperators", "redis OR postgres NOT mysql", []Term{w("redis"), w("postgres"), w("mysql")}},
		{"Parentheses", ")(", nil},
		{"LuceneSyntax", `title:redis^2 AND content:time~ [a TO z]`, []Term{w("title", "redis", "2"), w("content", "time"), w("z")}},
		{"Cypher", "MATCH (n) DETACH DELETE n", []Term{w("match"), w("n"), w("detach"), w("delete"), w("n")}},
		{"Backslashes", `\"redis\"`, []Term{w("redis")}},
		{"ControlCharacters", "a\x00b\x1bc", []Term{w("a", "b", "c")}},
		{"InvalidUTF8", "caf\xe9 bar", []Term{w("caf"), w("bar")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseQuery(tt.in)
			if !equalTerms(got, tt.want) {
				t.Errorf("ParseQuery(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func equalTerms(a, b []Term) bool {
	return slices.EqualFunc(a, b, func(x, y Term) bool {
		return x.Prefix == y.Prefix && slices.Equal(x.Words, y.Words)
	})
}

func TestParseQueryTermCap(t *testing.T) {
	var words []string
	for i := range MaxQueryTerms + 10 {
		words = append(words, fmt.Sprintf("w%d", i))
	}
	got := ParseQuery(strings.Join(words, " "))
	if len(got) != MaxQueryTerms {
		t.Fatalf("%d terms, want the cap %d", len(got), MaxQueryTerms)
	}
	if got[0].Words[0] != "w0" || got[MaxQueryTerms-1].Words[0] != fmt.Sprintf("w%d", MaxQueryTerms-1) {
		t.Errorf("the cap keeps %v ... %v, want the first %d words", got[0], got[len(got)-1], MaxQueryTerms)
	}
	// Stop words do not use up the cap.
	got = ParseQuery(strings.Repeat("the ", 100) + "redis")
	if !equalTerms(got, []Term{w("redis")}) {
		t.Errorf("100 stop words then redis = %v, want [redis]", got)
	}
}

func TestParseQueryCharCap(t *testing.T) {
	// Only the first MaxQueryChars runes are read.
	got := ParseQuery(strings.Repeat(" ", MaxQueryChars-2) + "xyz")
	if !equalTerms(got, []Term{w("xy")}) {
		t.Errorf("a word across the character cap = %v, want [xy]", got)
	}
	got = ParseQuery(strings.Repeat("é", MaxQueryChars) + " tail")
	if len(got) != 1 || utf8.RuneCountInString(got[0].Words[0]) != MaxQueryChars {
		t.Errorf("the cap counts runes, not bytes: got %d terms", len(got))
	}
}

// checkTerms fails unless terms hold what every store relies on.
func checkTerms(t *testing.T, in string, terms []Term) {
	t.Helper()
	if len(terms) > MaxQueryTerms {
		t.Fatalf("ParseQuery(%q): %d terms, more than %d", in, len(terms), MaxQueryTerms)
	}
	for _, term := range terms {
		if len(term.Words) == 0 {
			t.Fatalf("ParseQuery(%q): a term without words: %+v", in, term)
		}
		for _, word := range term.Words {
			if word == "" {
				t.Fatalf("ParseQuery(%q): an empty word in %+v", in, term)
			}
			if strings.ToLower(word) != word {
				t.Fatalf("ParseQuery(%q): word %q is not lower case", in, word)
			}
			if !utf8.ValidString(word) {
				t.Fatalf("ParseQuery(%q): word %q is not valid UTF-8", in, word)
			}
			for _, r := range word {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					t.Fatalf("ParseQuery(%q): word %q holds %q, which is no letter or digit", in, word, r)
				}
			}
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"", "redis timeout", `"slow query"`, `"unbalanced`, "postg*", "pg_isready", "the and of",
		`" OR 1=1 --`, "NEAR(a b)", "title:x", "*", ")(", "İSTANBUL ǅ ß ﬁ", "caf\xe9", "\x00\"\"*",
		strings.Repeat("a b ", 300),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkTerms(t, in, ParseQuery(in))
	})
}
