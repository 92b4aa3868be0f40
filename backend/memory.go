package backend

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on memory and relationship fields.
const (
	MaxTitleChars      = 200
	MaxContentBytes    = 50 * 1024
	MaxSummaryChars    = 500
	MaxTags            = 50
	MaxTagChars        = 100
	MaxRelContextChars = 1000
	MaxIDChars         = 128
	MaxContextList     = 100  // entries in files, languages, frameworks
	MaxContextString   = 1024 // chars in one context value
	MaxContextExtra    = 50   // keys in context.extra

	DefaultImportance = 0.5
	DefaultConfidence = 0.8
	DefaultStrength   = 0.5
)

// Memory is a node of the graph.
type Memory struct {
	ID             string     `json:"id"`
	Type           MemoryType `json:"type"`
	Title          string     `json:"title"`
	Content        string     `json:"content"`
	Summary        string     `json:"summary,omitempty"`
	Tags           []string   `json:"tags"`
	Importance     float64    `json:"importance"`
	Confidence     float64    `json:"confidence"`
	Context        Context    `json:"context"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	LastAccessedAt *time.Time `json:"last_accessed_at,omitempty"`
	AccessCount    int64      `json:"access_count"`
	Version        int64      `json:"version"`
}

// Context says where a memory came from.
type Context struct {
	ProjectPath string            `json:"project_path,omitempty"`
	Files       []string          `json:"files,omitempty"`
	Languages   []string          `json:"languages,omitempty"`
	Frameworks  []string          `json:"frameworks,omitempty"`
	GitBranch   string            `json:"git_branch,omitempty"`
	GitCommit   string            `json:"git_commit,omitempty"`
	SessionID   string            `json:"session_id,omitempty"`
	Extra       map[string]string `json:"extra,omitempty"`
}

// DedupKey identifies a memory's (type, title, content) for de-duplication.
// Stores keep it unique so that a retried store returns the first copy.
func DedupKey(t MemoryType, title, content string) string {
	h := sha256.New()
	h.Write([]byte(t))
	h.Write([]byte{0})
	h.Write([]byte(title))
	h.Write([]byte{0})
	h.Write([]byte(content))
	return hex.EncodeToString(h.Sum(nil))
}

// DedupKey returns the de-duplication key of m.
func (m *Memory) DedupKey() string { return DedupKey(m.Type, m.Title, m.Content) }

// Normalize trims text fields, cleans tags and applies defaults where a
// number was left at its zero value by a caller that could not say "unset".
func (m *Memory) Normalize() {
	m.Title = strings.TrimSpace(m.Title)
	m.Summary = strings.TrimSpace(m.Summary)
	m.Tags = NormalizeTags(m.Tags)
	m.Context.normalize()
}

// Validate checks every field of m and returns an EINVALID error naming the
// first field that breaks a rule.
func (m *Memory) Validate() error {
	if m.ID != "" {
		if err := ValidateID("id", m.ID); err != nil {
			return err
		}
	}
	if !m.Type.Valid() {
		return Invalid("type", "%q is not a memory type; use one of %v", m.Type, MemoryTypes)
	}
	if err := validateTitle(m.Title); err != nil {
		return err
	}
	if err := validateContent(m.Content); err != nil {
		return err
	}
	if err := validateSummary(m.Summary); err != nil {
		return err
	}
	if err := validateTags(m.Tags); err != nil {
		return err
	}
	if err := ValidateUnit("importance", m.Importance); err != nil {
		return err
	}
	if err := ValidateUnit("confidence", m.Confidence); err != nil {
		return err
	}
	return m.Context.Validate()
}

func validateTitle(s string) error {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return Invalid("title", "is required (1–%d characters)", MaxTitleChars)
	}
	if n > MaxTitleChars {
		return Invalid("title", "must be at most %d characters (got %d)", MaxTitleChars, n)
	}
	return validUTF8("title", s)
}

func validateContent(s string) error {
	if strings.TrimSpace(s) == "" {
		return Invalid("content", "is required and must not be blank")
	}
	if len(s) > MaxContentBytes {
		return Invalid("content", "must be at most %d bytes (got %d); split it into several memories", MaxContentBytes, len(s))
	}
	return validUTF8("content", s)
}

func validateSummary(s string) error {
	if n := utf8.RuneCountInString(s); n > MaxSummaryChars {
		return Invalid("summary", "must be at most %d characters (got %d)", MaxSummaryChars, n)
	}
	return validUTF8("summary", s)
}

func validateTags(tags []string) error {
	if len(tags) > MaxTags {
		return Invalid("tags", "at most %d tags are allowed (got %d)", MaxTags, len(tags))
	}
	for _, t := range tags {
		if n := utf8.RuneCountInString(t); n == 0 || n > MaxTagChars {
			return Invalid("tags", "each tag must be 1–%d characters (got %q)", MaxTagChars, t)
		}
		if err := validUTF8("tags", t); err != nil {
			return err
		}
	}
	return nil
}

func validUTF8(field, s string) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "must be valid UTF-8 text")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return Invalid(field, "must not contain NUL characters")
	}
	return nil
}

// ValidateUnit checks that v lies in [0, 1].
func ValidateUnit(field string, v float64) error {
	if !(v >= 0 && v <= 1) { // also refuses NaN
		return Invalid(field, "must be between 0 and 1 (got %v)", v)
	}
	return nil
}

// ValidateID checks the shape of a memory or relationship id.
func ValidateID(field, id string) error {
	if id == "" {
		return Invalid(field, "is required")
	}
	if n := utf8.RuneCountInString(id); n > MaxIDChars {
		return Invalid(field, "must be at most %d characters (got %d)", MaxIDChars, n)
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return Invalid(field, "must not contain control characters")
		}
	}
	return validUTF8(field, id)
}

// NormalizeTags lower-cases, trims and de-duplicates tags, dropping empty
// ones and keeping the first occurrence's order.
func NormalizeTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

func (c *Context) normalize() {
	c.ProjectPath = strings.TrimSpace(c.ProjectPath)
	c.GitBranch = strings.TrimSpace(c.GitBranch)
	c.GitCommit = strings.TrimSpace(c.GitCommit)
	c.SessionID = strings.TrimSpace(c.SessionID)
	c.Files = cleanList(c.Files)
	c.Languages = cleanList(c.Languages)
	c.Frameworks = cleanList(c.Frameworks)
	if len(c.Extra) == 0 {
		c.Extra = nil
	}
}

func cleanList(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Validate checks the sizes of every context value.
func (c *Context) Validate() error {
	strs := []struct{ field, v string }{
		{"context.project_path", c.ProjectPath},
		{"context.git_branch", c.GitBranch},
		{"context.git_commit", c.GitCommit},
		{"context.session_id", c.SessionID},
	}
	for _, s := range strs {
		if err := validateContextString(s.field, s.v); err != nil {
			return err
		}
	}
	lists := []struct {
		field string
		v     []string
	}{{"context.files", c.Files}, {"context.languages", c.Languages}, {"context.frameworks", c.Frameworks}}
	for _, l := range lists {
		if len(l.v) > MaxContextList {
			return Invalid(l.field, "at most %d entries are allowed (got %d)", MaxContextList, len(l.v))
		}
		for _, v := range l.v {
			if err := validateContextString(l.field, v); err != nil {
				return err
			}
		}
	}
	if len(c.Extra) > MaxContextExtra {
		return Invalid("context.extra", "at most %d keys are allowed (got %d)", MaxContextExtra, len(c.Extra))
	}
	keys := make([]string, 0, len(c.Extra))
	for k := range c.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "" {
			return Invalid("context.extra", "keys must not be empty")
		}
		if err := validateContextString("context.extra."+k, k+c.Extra[k]); err != nil {
			return err
		}
	}
	return nil
}

func validateContextString(field, s string) error {
	if n := utf8.RuneCountInString(s); n > MaxContextString {
		return Invalid(field, "must be at most %d characters (got %d)", MaxContextString, n)
	}
	return validUTF8(field, s)
}
