package backend

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// validMemory returns a memory that passes Validate.
func validMemory() *Memory {
	return &Memory{
		Type: TypeProblem, Title: "Slow startup", Content: "The service takes 40s to start.",
		Importance: DefaultImportance, Confidence: DefaultConfidence,
	}
}

func manyStrings(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func extraMap(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprint("k", i)] = "v"
	}
	return m
}

// wantField fails unless err is EINVALID naming field, or nil when field is "".
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("err = %v, want nil", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want an *Error for field %q", err, field)
	}
	if e.Code != EINVALID || e.Field != field {
		t.Fatalf("err = %v: code %q field %q, want %q %q", err, e.Code, e.Field, EINVALID, field)
	}
	if e.Message == "" {
		t.Fatalf("err for %q has no message", field)
	}
}

func TestMemoryValidate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) }
	tests := []struct {
		name  string
		edit  func(*Memory)
		field string // "" means valid
	}{
		{"Valid", func(*Memory) {}, ""},
		{"EveryType", func(m *Memory) { m.Type = TypeConversation }, ""},
		{"IDOptional", func(m *Memory) { m.ID = "" }, ""},
		{"IDAtLimit", func(m *Memory) { m.ID = strings.Repeat("i", MaxIDChars) }, ""},
		{"IDTooLong", func(m *Memory) { m.ID = strings.Repeat("i", MaxIDChars+1) }, "id"},
		{"IDControlCharacter", func(m *Memory) { m.ID = "a\tb" }, "id"},
		{"IDDelete", func(m *Memory) { m.ID = "a\x7fb" }, "id"},
		{"IDInvalidUTF8", func(m *Memory) { m.ID = "a\xffb" }, "id"},
		{"TypeEmpty", func(m *Memory) { m.Type = "" }, "type"},
		{"TypeUnknown", func(m *Memory) { m.Type = "note" }, "type"},
		{"TypeUpperCase", func(m *Memory) { m.Type = "PROBLEM" }, "type"},
		{"TitleEmpty", func(m *Memory) { m.Title = "" }, "title"},
		{"TitleOneChar", func(m *Memory) { m.Title = "x" }, ""},
		{"Title200MultiByte", func(m *Memory) { m.Title = long(MaxTitleChars) }, ""},
		{"Title201MultiByte", func(m *Memory) { m.Title = long(MaxTitleChars + 1) }, "title"},
		{"Title200Emoji", func(m *Memory) { m.Title = strings.Repeat("🚀", MaxTitleChars) }, ""},
		{"TitleInvalidUTF8", func(m *Memory) { m.Title = "bad \xc3\x28" }, "title"},
		{"TitleNUL", func(m *Memory) { m.Title = "a\x00b" }, "title"},
		{"ContentEmpty", func(m *Memory) { m.Content = "" }, "content"},
		{"ContentBlank", func(m *Memory) { m.Content = " \t\r\n" }, "content"},
		{"Content50KB", func(m *Memory) { m.Content = strings.Repeat("x", MaxContentBytes) }, ""},
		{"Content50KBPlusOne", func(m *Memory) { m.Content = strings.Repeat("x", MaxContentBytes+1) }, "content"},
		{"Content50KBMultiByte", func(m *Memory) { m.Content = long(MaxContentBytes / 2) }, ""},
		{"ContentBytesNotRunes", func(m *Memory) { m.Content = long(MaxContentBytes/2) + "x" }, "content"},
		{"ContentInvalidUTF8", func(m *Memory) { m.Content = "\xff" }, "content"},
		{"ContentNUL", func(m *Memory) { m.Content = "a\x00" }, "content"},
		{"ContentControlCharactersAllowed", func(m *Memory) { m.Content = "tab\there\r\nbell\a" }, ""},
		{"Summary500", func(m *Memory) { m.Summary = long(MaxSummaryChars) }, ""},
		{"Summary501", func(m *Memory) { m.Summary = long(MaxSummaryChars + 1) }, "summary"},
		{"SummaryInvalidUTF8", func(m *Memory) { m.Summary = "\xfe" }, "summary"},
		{"Tags50", func(m *Memory) { m.Tags = manyStrings(MaxTags, "t") }, ""},
		{"Tags51", func(m *Memory) { m.Tags = manyStrings(MaxTags+1, "t") }, "tags"},
		{"Tag100", func(m *Memory) { m.Tags = []string{long(MaxTagChars)} }, ""},
		{"Tag101", func(m *Memory) { m.Tags = []string{"ok", long(MaxTagChars + 1)} }, "tags"},
		{"TagEmpty", func(m *Memory) { m.Tags = []string{""} }, "tags"},
		{"TagInvalidUTF8", func(m *Memory) { m.Tags = []string{"\xff"} }, "tags"},
		{"ImportanceZero", func(m *Memory) { m.Importance = 0 }, ""},
		{"ImportanceOne", func(m *Memory) { m.Importance = 1 }, ""},
		{"ImportanceAboveOne", func(m *Memory) { m.Importance = 1.5 }, "importance"},
		{"ImportanceJustAboveOne", func(m *Memory) { m.Importance = math.Nextafter(1, 2) }, "importance"},
		{"ImportanceNegative", func(m *Memory) { m.Importance = -0.0001 }, "importance"},
		{"ImportanceNaN", func(m *Memory) { m.Importance = math.NaN() }, "importance"},
		{"ImportanceInf", func(m *Memory) { m.Importance = math.Inf(1) }, "importance"},
		{"ConfidenceNaN", func(m *Memory) { m.Confidence = math.NaN() }, "confidence"},
		{"ConfidenceNegativeInf", func(m *Memory) { m.Confidence = math.Inf(-1) }, "confidence"},
		{"ContextFull", func(m *Memory) {
			m.Context = Context{ProjectPath: "/p", Files: []string{"a"}, Languages: []string{"go"}, Frameworks: []string{"x"},
				GitBranch: "main", GitCommit: "abc", SessionID: "s", Extra: map[string]string{"k": "v"}}
		}, ""},
		{"ProjectPath1024", func(m *Memory) { m.Context.ProjectPath = long(MaxContextString) }, ""},
		{"ProjectPath1025", func(m *Memory) { m.Context.ProjectPath = long(MaxContextString + 1) }, "context.project_path"},
		{"GitBranchNUL", func(m *Memory) { m.Context.GitBranch = "a\x00" }, "context.git_branch"},
		{"GitCommitTooLong", func(m *Memory) { m.Context.GitCommit = long(MaxContextString + 1) }, "context.git_commit"},
		{"SessionIDInvalidUTF8", func(m *Memory) { m.Context.SessionID = "\xff" }, "context.session_id"},
		{"Files100", func(m *Memory) { m.Context.Files = manyStrings(MaxContextList, "f") }, ""},
		{"Files101", func(m *Memory) { m.Context.Files = manyStrings(MaxContextList+1, "f") }, "context.files"},
		{"LanguagesTooMany", func(m *Memory) { m.Context.Languages = manyStrings(MaxContextList+1, "l") }, "context.languages"},
		{"FrameworkTooLong", func(m *Memory) { m.Context.Frameworks = []string{long(MaxContextString + 1)} }, "context.frameworks"},
		{"Extra50", func(m *Memory) { m.Context.Extra = extraMap(MaxContextExtra) }, ""},
		{"Extra51", func(m *Memory) { m.Context.Extra = extraMap(MaxContextExtra + 1) }, "context.extra"},
		{"ExtraEmptyKey", func(m *Memory) { m.Context.Extra = map[string]string{"": "v"} }, "context.extra"},
		{"ExtraKeyPlusValueAtLimit", func(m *Memory) { m.Context.Extra = map[string]string{"k": long(MaxContextString - 1)} }, ""},
		{"ExtraKeyPlusValueTooLong", func(m *Memory) { m.Context.Extra = map[string]string{"k": long(MaxContextString)} }, "context.extra.k"},
		{"ExtraValueNUL", func(m *Memory) { m.Context.Extra = map[string]string{"k": "\x00"} }, "context.extra.k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validMemory()
			tt.edit(m)
			wantField(t, m.Validate(), tt.field)
		})
	}
}

func TestMemoryValidateFirstFieldWins(t *testing.T) {
	m := &Memory{Type: "bogus", Title: "", Content: "", Importance: 2}
	wantField(t, m.Validate(), "type")
}

func TestMemoryNormalize(t *testing.T) {
	m := &Memory{
		Title: "  padded title \n", Summary: "\tsummary ", Content: "  content keeps its spaces  ",
		Tags: []string{" Go", "go ", "", "DB"},
		Context: Context{
			ProjectPath: " /p ", GitBranch: " main", GitCommit: "abc ", SessionID: " s ",
			Files: []string{" a.go", "a.go", "", "  ", "b.go"}, Languages: []string{"Go", "Go"}, Frameworks: []string{""},
			Extra: map[string]string{},
		},
	}
	m.Normalize()
	want := Memory{
		Title: "padded title", Summary: "summary", Content: "  content keeps its spaces  ",
		Tags: []string{"go", "db"},
		Context: Context{ProjectPath: "/p", GitBranch: "main", GitCommit: "abc", SessionID: "s",
			Files: []string{"a.go", "b.go"}, Languages: []string{"Go"}},
	}
	if m.Title != want.Title || m.Summary != want.Summary || m.Content != want.Content {
		t.Errorf("text fields: %q %q %q, want %q %q %q", m.Title, m.Summary, m.Content, want.Title, want.Summary, want.Content)
	}
	if !slices.Equal(m.Tags, want.Tags) {
		t.Errorf("tags = %q, want %q", m.Tags, want.Tags)
	}
	c, w := m.Context, want.Context
	if c.ProjectPath != w.ProjectPath || c.GitBranch != w.GitBranch || c.GitCommit != w.GitCommit || c.SessionID != w.SessionID {
		t.Errorf("context strings = %+v, want %+v", c, w)
	}
	if !slices.Equal(c.Files, w.Files) || !slices.Equal(c.Languages, w.Languages) || c.Frameworks != nil {
		t.Errorf("context lists = %q %q %q, want %q %q nil", c.Files, c.Languages, c.Frameworks, w.Files, w.Languages)
	}
	if c.Extra != nil {
		t.Errorf("empty extra = %#v, want nil", c.Extra)
	}
}

func TestNormalizeTags(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"Nil", nil, []string{}},
		{"Empty", []string{}, []string{}},
		{"LowerAndTrim", []string{"  Go ", "DB"}, []string{"go", "db"}},
		{"DedupAfterNormalizing", []string{"Go", "go", " GO "}, []string{"go"}},
		{"DropBlank", []string{"", "  ", "\t", "x"}, []string{"x"}},
		{"KeepFirstOrder", []string{"b", "a", "B", "c", "a"}, []string{"b", "a", "c"}},
		{"Unicode", []string{"ÄÖÜ", "äöü", "日本"}, []string{"äöü", "日本"}},
		{"InnerSpacesKept", []string{"Machine  Learning"}, []string{"machine  learning"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.in)
			got := NormalizeTags(tt.in)
			if got == nil || !slices.Equal(got, tt.want) {
				t.Errorf("NormalizeTags(%q) = %#v, want %q", tt.in, got, tt.want)
			}
			if !slices.Equal(tt.in, in) {
				t.Errorf("NormalizeTags changed its input to %q", tt.in)
			}
		})
	}
}

func TestValidateUnit(t *testing.T) {
	for _, v := range []float64{0, 0.5, 1, math.SmallestNonzeroFloat64, math.Copysign(0, -1)} {
		if err := ValidateUnit("x", v); err != nil {
			t.Errorf("ValidateUnit(%v) = %v, want nil", v, err)
		}
	}
	for _, v := range []float64{-1e-12, 1 + 1e-12, 2, math.NaN(), math.Inf(1), math.Inf(-1)} {
		wantField(t, ValidateUnit("x", v), "x")
	}
}

func TestValidateID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", true},
		{"person:alice", true},
		{"Ünïcode name ✓", true},
		{strings.Repeat("é", MaxIDChars), true},
		{"", false},
		{strings.Repeat("é", MaxIDChars+1), false},
		{"line\nbreak", false},
		{"nul\x00", false},
		{"esc\x1b", false},
		{"del\x7f", false},
		{"bad\xff", false},
	}
	for _, tt := range tests {
		err := ValidateID("memory_id", tt.id)
		if tt.ok {
			wantField(t, err, "")
		} else {
			wantField(t, err, "memory_id")
		}
	}
}

func TestDedupKey(t *testing.T) {
	k := DedupKey(TypeFix, "title", "content")
	if len(k) != 64 || strings.ToLower(k) != k {
		t.Errorf("DedupKey = %q, want 64 lower-case hex digits", k)
	}
	if DedupKey(TypeFix, "title", "content") != k {
		t.Errorf("DedupKey is not deterministic")
	}
	m := &Memory{Type: TypeFix, Title: "title", Content: "content", Tags: []string{"ignored"}, Importance: 0.1}
	if m.DedupKey() != k {
		t.Errorf("Memory.DedupKey differs from DedupKey of its type, title and content")
	}
	others := map[string]string{
		"type":            DedupKey(TypeSolution, "title", "content"),
		"title":           DedupKey(TypeFix, "Title", "content"),
		"content":         DedupKey(TypeFix, "title", "content "),
		"shifted border":  DedupKey(TypeFix, "titlec", "ontent"),
		"shifted border2": DedupKey(TypeFix, "", "titlecontent"),
	}
	seen := map[string]string{k: "original"}
	for what, o := range others {
		if prev, ok := seen[o]; ok {
			t.Errorf("changing the %s gives the same key as %s", what, prev)
		}
		seen[o] = what
	}
}
