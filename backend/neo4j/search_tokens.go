package neo4j

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// searchProps sets the search_* properties, the full-text index's copies
// of a memory's text, in props.
func searchProps(title, summary, content string, tags []string, props map[string]any) {
	props["search_title"] = searchable(title)
	props["search_summary"] = searchable(summary)
	props["search_content"] = searchable(content)
	props[tagsField] = searchable(strings.Join(tags, " "))
}

// searchable returns s as the full-text index holds it: its searchWords
// separated by spaces.
func searchable(s string) string { return strings.Join(searchWords(s), " ") }

// searchWords returns the words of s as both stores index them: the SQLite
// store's FTS5 tokenizer 'porter unicode61' splits on anything that is not
// a letter or digit, folds case and diacritics, and stems every word with
// the original Porter algorithm. The Neo4j store writes these words,
// separated by spaces, into the search_* properties and turns query words
// into them too, so that its full-text index, whose analyzer only splits on
// spaces (see textAnalyzer), holds and looks up exactly the SQLite store's
// tokens: no stop words dropped, the same stems, prefixes matched against
// stems.
func searchWords(s string) []string {
	words := strings.FieldsFunc(strings.ToLower(fold(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.Is(unicode.Co, r)
	})
	for i, w := range words {
		if !isASCII(w) { // the folds are of non-ASCII letters
			w = caseFolds.Replace(w)
		}
		words[i] = porterStem(w)
	}
	return words
}

// caseFolds are the case foldings of unicode61 that strings.ToLower does
// not make.
var caseFolds = strings.NewReplacer("µ", "μ", "ς", "σ")

// fold removes diacritics as unicode61 does: from Latin letters (café
// becomes cafe) and combining marks standing alone, not from the letters
// of other scripts (Greek ά and kana ぶ stay). A letter with marks is
// decomposed, its marks dropped and the rest composed again.
func fold(s string) string {
	if isASCII(s) {
		return s // the common case: nothing to fold
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0x300 && r <= 0x36f:
			// a combining diacritical mark: dropped
		case r >= utf8.RuneSelf:
			d := norm.NFD.String(string(r))
			base, _ := utf8.DecodeRuneInString(d)
			if !unicode.Is(unicode.Latin, base) {
				b.WriteRune(r)
				continue
			}
			for _, x := range d {
				if x < 0x300 || x > 0x36f {
					b.WriteRune(x)
				}
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Porter stemming as SQLite's FTS5 porter tokenizer does it (Porter 1980,
// with the revisions of Porter's own reference implementation: "bli" to
// "ble", "logi" to "log"). It works on bytes, as SQLite does: a byte that is
// not one of a e i o u y counts as a consonant, so the bytes of other
// scripts are consonants and such words are seldom changed. Words shorter
// than porterMinLen or longer than porterMaxLen bytes are left alone.
const (
	porterMinLen = 3
	porterMaxLen = 64
)

// isConsonant reports whether w[i] is a consonant: y is one at the start
// of a word or after a vowel, a vowel after a consonant.
func isConsonant(w []byte, i int) bool {
	switch w[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return false
	case 'y':
		return i == 0 || !isConsonant(w, i-1)
	}
	return true
}

// measure is Porter's m: the number of vowel-consonant sequences in w.
func measure(w []byte) int {
	m := 0
	prevVowel := false
	for i := range w {
		c := isConsonant(w, i)
		if c && prevVowel {
			m++
		}
		prevVowel = !c
	}
	return m
}

// hasVowel is Porter's *v*.
func hasVowel(w []byte) bool {
	for i := range w {
		if !isConsonant(w, i) {
			return true
		}
	}
	return false
}

// endsCVC is Porter's *o: w ends consonant, vowel, consonant, the last
// not w, x or y.
func endsCVC(w []byte) bool {
	n := len(w)
	if n < 3 || !isConsonant(w, n-1) || isConsonant(w, n-2) || !isConsonant(w, n-3) {
		return false
	}
	last := w[n-1]
	return last != 'w' && last != 'x' && last != 'y'
}

// porterRule replaces suffix with replacement when the stem before the
// suffix passes cond.
type porterRule struct {
	suffix, replacement string
	cond                func(stem []byte) bool
}

func mGt0(stem []byte) bool { return measure(stem) > 0 }
func mGt1(stem []byte) bool { return measure(stem) > 1 }

func mGt1AndSOrT(stem []byte) bool {
	last := stem[len(stem)-1]
	return (last == 's' || last == 't') && mGt1(stem)
}

// applyFirst applies the first rule whose suffix ends w, with a non-empty
// stem before it: only that rule, even when its condition fails. Porter's
// steps 2 to 4 pick the longest matching suffix; listing the rules of each
// step longest first within the same ending does the same.
func applyFirst(w []byte, rules []porterRule) []byte {
	for _, r := range rules {
		if len(w) <= len(r.suffix) || !hasSuffix(w, r.suffix) {
			continue
		}
		stem := w[:len(w)-len(r.suffix)]
		if r.cond(stem) {
			return append(stem, r.replacement...)
		}
		return w
	}
	return w
}

var porterStep2 = []porterRule{
	{"ational", "ate", mGt0}, {"tional", "tion", mGt0},
	{"enci", "ence", mGt0}, {"anci", "ance", mGt0},
	{"izer", "ize", mGt0},
	{"logi", "log", mGt0},
	{"bli", "ble", mGt0}, {"alli", "al", mGt0}, {"entli", "ent", mGt0}, {"eli", "e", mGt0}, {"ousli", "ous", mGt0},
	{"ization", "ize", mGt0}, {"ation", "ate", mGt0}, {"ator", "ate", mGt0},
	{"alism", "al", mGt0}, {"iveness", "ive", mGt0}, {"fulness", "ful", mGt0}, {"ousness", "ous", mGt0},
	{"aliti", "al", mGt0}, {"iviti", "ive", mGt0}, {"biliti", "ble", mGt0},
}

var porterStep3 = []porterRule{
	{"icate", "ic", mGt0}, {"ative", "", mGt0}, {"alize", "al", mGt0}, {"iciti", "ic", mGt0},
	{"ical", "ic", mGt0}, {"ful", "", mGt0}, {"ness", "", mGt0},
}

var porterStep4 = []porterRule{
	{"al", "", mGt1}, {"ance", "", mGt1}, {"ence", "", mGt1}, {"er", "", mGt1}, {"ic", "", mGt1},
	{"able", "", mGt1}, {"ible", "", mGt1}, {"ant", "", mGt1}, {"ement", "", mGt1}, {"ment", "", mGt1},
	{"ent", "", mGt1}, {"ion", "", mGt1AndSOrT}, {"ou", "", mGt1}, {"ism", "", mGt1}, {"ate", "", mGt1},
	{"iti", "", mGt1}, {"ous", "", mGt1}, {"ive", "", mGt1}, {"ize", "", mGt1},
}

// porterStem returns the stem of the lower-case word w.
func porterStem(w string) string {
	if len(w) < porterMinLen || len(w) > porterMaxLen {
		return w
	}
	b := []byte(w)

	// Step 1a: plurals.
	switch {
	case len(b) > 4 && hasSuffix(b, "sses"), len(b) > 3 && hasSuffix(b, "ies"):
		b = b[:len(b)-2]
	case hasSuffix(b, "ss"):
	case hasSuffix(b, "s"):
		b = b[:len(b)-1]
	}

	// Step 1b: -eed, -ed, -ing.
	switch {
	case len(b) > 3 && hasSuffix(b, "eed"):
		if mGt0(b[:len(b)-3]) {
			b = b[:len(b)-1]
		}
	case hasSuffix(b, "ed") && len(b) > 2 && hasVowel(b[:len(b)-2]):
		b = step1bTidy(b[:len(b)-2])
	case hasSuffix(b, "ing") && len(b) > 3 && hasVowel(b[:len(b)-3]):
		b = step1bTidy(b[:len(b)-3])
	}

	// Step 1c: a final y after a vowel becomes i.
	if n := len(b); b[n-1] == 'y' && hasVowel(b[:n-1]) {
		b[n-1] = 'i'
	}

	b = applyFirst(b, porterStep2)
	b = applyFirst(b, porterStep3)
	b = applyFirst(b, porterStep4)

	// Step 5a: a final e.
	if n := len(b); b[n-1] == 'e' {
		if stem := b[:n-1]; mGt1(stem) || (measure(stem) == 1 && !endsCVC(stem)) {
			b = stem
		}
	}
	// Step 5b: a final double l.
	if n := len(b); n > 1 && b[n-1] == 'l' && b[n-2] == 'l' && mGt1(b[:n-1]) {
		b = b[:n-1]
	}
	return string(b)
}

// step1bTidy finishes step 1b once -ed or -ing is gone: at, bl and iz after
// at least one more letter get their e back, a doubled letter other than a
// vowel, l, s or z (y counts here) loses one, and a short stem (m = 1,
// ending consonant-vowel-consonant) gains an e.
func step1bTidy(b []byte) []byte {
	n := len(b)
	switch {
	case n > 2 && (hasSuffix(b, "at") || hasSuffix(b, "bl") || hasSuffix(b, "iz")):
		return append(b, 'e')
	case n >= 2 && b[n-1] == b[n-2] && !strings.ContainsRune("aeioulsz", rune(b[n-1])):
		return b[:n-1]
	case measure(b) == 1 && endsCVC(b):
		return append(b, 'e')
	}
	return b
}

// hasSuffix reports whether b ends in suffix. Comparing the tail converts
// nothing, where strings.HasSuffix(string(b), …) copied b on every call:
// a sixth of the time spent deriving a memory's search text.
func hasSuffix(b []byte, suffix string) bool {
	return len(b) >= len(suffix) && string(b[len(b)-len(suffix):]) == suffix
}
