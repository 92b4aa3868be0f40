package frontend

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/engramhq/engram/backend"
)

// pageData is what the layout of every page needs.
type pageData struct {
	Title  string
	Active string // the nav entry to mark as current
	CSRF   string
}

// navItem is one entry of the main navigation.
type navItem struct{ Name, Href string }

var nav = []navItem{
	{"Explorer", "/"},
	{"Overview", "/overview"},
	{"New memory", "/memories/new"},
	{"Settings", "/settings"},
	{welcomeTitle, "/welcome"},
}

// explorerView is the explorer's form as the person last submitted it.
type explorerView struct {
	Q        string
	Types    map[string]bool
	RelTypes map[string]bool
	Tag      string
	Project  string
	Limit    int
}

// otherEnd is the memory at the other end of a relationship.
type otherEnd struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Title string `json:"title"`
}

// relView is one relationship seen from one of its memories.
type relView struct {
	ID         string   `json:"id"`
	Type       string   `json:"type"`
	Category   string   `json:"category"`
	Direction  string   `json:"direction"` // "out": this → other; "in": other → this
	Strength   float64  `json:"strength"`
	Confidence float64  `json:"confidence"`
	Context    string   `json:"context,omitempty"`
	Evidence   int64    `json:"evidence_count"`
	Other      otherEnd `json:"other"`
}

// From and To give the edge's ends for a remove form.
func (v relView) From(self string) string {
	if v.Direction == "out" {
		return self
	}
	return v.Other.ID
}

// To is the other end of From.
func (v relView) To(self string) string {
	if v.Direction == "out" {
		return v.Other.ID
	}
	return self
}

// memoryDetail is a memory with its content rendered and its edges named.
type memoryDetail struct {
	Memory        *backend.Memory `json:"memory"`
	ContentHTML   string          `json:"content_html"`
	Relationships []relView       `json:"relationships"`
}

// memoryForm holds the memory editor's values as text, so that a refused
// form comes back exactly as typed, with a message beside each bad field.
type memoryForm struct {
	ID          string // "" for a new memory
	Version     int64
	Type        string
	Title       string
	Content     string
	Summary     string
	Tags        string // comma separated
	Importance  string
	Confidence  string
	ProjectPath string
	Files       string // one per line
	Languages   string // comma separated
	Frameworks  string // comma separated
	GitBranch   string
	GitCommit   string
	Errors      map[string]string // by form field
	Problem     string            // an error that names no field
	Conflict    bool              // the memory changed since Version was read
}

// formFor fills a form from a stored memory.
func formFor(m *backend.Memory) memoryForm {
	return memoryForm{
		ID: m.ID, Version: m.Version, Type: string(m.Type), Title: m.Title, Content: m.Content,
		Summary: m.Summary, Tags: strings.Join(m.Tags, ", "),
		Importance: formatUnit(m.Importance), Confidence: formatUnit(m.Confidence),
		ProjectPath: m.Context.ProjectPath, Files: strings.Join(m.Context.Files, "\n"),
		Languages: strings.Join(m.Context.Languages, ", "), Frameworks: strings.Join(m.Context.Frameworks, ", "),
		GitBranch: m.Context.GitBranch, GitCommit: m.Context.GitCommit,
	}
}

// memoryPage is the memory view and editor.
type memoryPage struct {
	Detail *memoryDetail
	Form   memoryForm
	// RelError is a refused relationship change, shown by its form.
	RelError string
	// Notice confirms what the last action did.
	Notice string
}

// notices are the confirmations a redirect after a change asks for.
var notices = map[string]string{
	"saved":     "Saved.",
	"created":   "Created.",
	"duplicate": "An identical memory (same type, title and content) already existed: here it is.",
	"related":   "Relationship added.",
	"unrelated": "Relationship removed.",
}

// overviewPage is the statistics and recent activity.
type overviewPage struct {
	Stats    *backend.Statistics
	Activity *backend.Activity
	Days     int
}

// bar is one bar of a chart.
type bar struct {
	Label string
	Value int
	Class string // colours the bar
	Href  string
}

// chartRowHeight and chartWidth lay out the inline SVG bar charts.
const (
	chartRowHeight = 24
	chartLabelW    = 150
	chartBarW      = 300
)

// barWidth scales v to the widest bar.
func barWidth(v, max int) int {
	if max <= 0 {
		return 0
	}
	w := v * chartBarW / max
	if v > 0 && w < 2 {
		w = 2 // a non-zero count stays visible
	}
	return w
}

// memoryTypeBars returns one bar per memory type, most first.
func memoryTypeBars(st *backend.Statistics) []bar {
	var bars []bar
	for _, t := range backend.MemoryTypes {
		bars = append(bars, bar{Label: string(t), Value: st.ByType[t], Class: "fill-" + string(t), Href: "/?type=" + string(t)})
	}
	sortBars(bars)
	return bars
}

// relationshipTypeBars returns the relationship types in use, most first.
func relationshipTypeBars(st *backend.Statistics) []bar {
	var bars []bar
	for _, t := range backend.RelationshipTypes {
		if n := st.ByRelationshipType[t]; n > 0 {
			bars = append(bars, bar{Label: string(t), Value: n, Class: "fill-rel", Href: "/?rel_type=" + string(t)})
		}
	}
	sortBars(bars)
	return bars
}

func tagBars(st *backend.Statistics) []bar {
	var bars []bar
	for _, t := range st.TopTags {
		bars = append(bars, bar{Label: t.Tag, Value: t.Count, Class: "fill-tag", Href: tagURL(t.Tag)})
	}
	return bars
}

func sortBars(bars []bar) {
	// Insertion sort keeps equal counts in type order; the lists are short.
	for i := 1; i < len(bars); i++ {
		for j := i; j > 0 && bars[j].Value > bars[j-1].Value; j-- {
			bars[j], bars[j-1] = bars[j-1], bars[j]
		}
	}
}

func maxValue(bars []bar) int {
	m := 0
	for _, b := range bars {
		m = max(m, b.Value)
	}
	return m
}

// settingsPage is the storage settings and the assistants' configs.
type settingsPage struct {
	Storage     *StorageSettings // nil: no controller
	Result      string           // of the last action
	ResultError bool
	Errors      map[string]string
	CanMigrate  bool
	Migration   MigrationStatus
	Assistants  []assistantView
	Version     string
	Overridden  string
	// Suggested is a Neo4j URI a link asked to fill in (already in Storage).
	Suggested string
}

// welcomePage greets a person on the first run.
type welcomePage struct {
	Storage *StorageSettings // nil: no controller
	// Memories is how many memories the store holds; CountError says why
	// they could not be counted.
	Memories   int
	CountError string
	// LocalNeo4j is the URI of a Neo4j answering on this machine; "" none.
	LocalNeo4j string
	Assistants []assistantView
	Version    string
}

// assistantView is one assistant's ready config.
type assistantView struct {
	Name, Label, Snippet, Path, Error string
	Result                            string // of an install
	ResultError                       bool
}

// assistantLabels are the names people know the assistants by.
var assistantLabels = map[string]string{
	"claude-desktop": "Claude Desktop",
	"claude-code":    "Claude Code",
	"cursor":         "Cursor",
}

func label(name string) string {
	if l, ok := assistantLabels[name]; ok {
		return l
	}
	return name
}

// tagURL is the explorer filtered by one tag.
func tagURL(tag string) string { return "/?tag=" + url.QueryEscape(tag) }

func formatUnit(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func percent(v float64) string { return fmt.Sprintf("%.0f%%", v*100) }

// typeLabel reads a memory type as words: code_pattern → code pattern.
func typeLabel(t backend.MemoryType) string { return strings.ReplaceAll(string(t), "_", " ") }
