package backend

import (
	"strings"
	"unicode"
)

// Search text limits.
const (
	MaxQueryChars = 1000
	MaxQueryTerms = 32
)

// Term is one unit of a search: a single word, or a phrase of several words
// that must appear in order. Prefix makes the last word match any word that
// starts with it.
type Term struct {
	Words  []string `json:"words"`
	Prefix bool     `json:"prefix,omitempty"`
}

// stopWords are dropped from unquoted search text: Lucene's English stop set
// (so both stores see the same terms) plus the filler of natural questions.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be but by for if in into is it no not of on or
		such that the their then there these they this to was will with
		how what when where which who why did do does done we i you our my me us can could should
		would has have had been being about any some`) {
		m[w] = true
	}
	return m
}()

// ParseQuery turns free search text into terms. Words are split the way the
// full-text indexes split them (on anything that is not a letter or digit)
// and lower-cased. "quoted text" becomes a phrase, a word joined by
// punctuation (pg_isready, foo-bar) becomes a phrase of its parts, a
// trailing * makes a prefix. Stop words outside quotes are dropped. Any
// other syntax is taken literally, so no input can inject index operators.
func ParseQuery(text string) []Term {
	var terms []Term
	add := func(raw string, quoted bool) {
		prefix := !quoted && strings.HasSuffix(raw, "*")
		words := splitWords(raw)
		if len(words) == 0 || len(terms) >= MaxQueryTerms {
			return
		}
		if len(words) == 1 && !quoted && !prefix && stopWords[words[0]] {
			return
		}
		terms = append(terms, Term{Words: words, Prefix: prefix})
	}
	rest := []rune(text)
	if len(rest) > MaxQueryChars {
		rest = rest[:MaxQueryChars]
	}
	for len(rest) > 0 {
		switch r := rest[0]; {
		case r == '"':
			end := indexRune(rest[1:], '"')
			if end < 0 {
				add(string(rest[1:]), true)
				return terms
			}
			add(string(rest[1:1+end]), true)
			rest = rest[end+2:]
		case unicode.IsSpace(r):
			rest = rest[1:]
		default:
			end := 0
			for end < len(rest) && !unicode.IsSpace(rest[end]) && rest[end] != '"' {
				end++
			}
			add(string(rest[:end]), false)
			rest = rest[end:]
		}
	}
	return terms
}

func indexRune(rs []rune, r rune) int {
	for i, x := range rs {
		if x == r {
			return i
		}
	}
	return -1
}

func splitWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
