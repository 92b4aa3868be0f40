package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/engramhq/engram/backend"
)

// techWords are the words of a developer's notes; the generator draws
// them, and invented project-specific words after them, with a Zipf
// distribution, so a few words are in most memories and most are rare.
var techWords = strings.Fields(`
the a to of and in is for on with that it this be as from by at not or are when use
error fix test build run cache server client request response database query index table
connection timeout retry config deploy release version update install package module import
function method class interface struct type value field string number list map array file
path directory log debug trace warning failure crash panic exception stack memory leak cpu
thread process goroutine channel lock mutex race deadlock async await promise callback event
queue worker job schedule cron batch stream buffer socket port http https tls certificate
token auth login session cookie header body json yaml xml csv parse encode decode serialize
docker container image kubernetes pod node cluster service ingress helm terraform ansible
aws gcp azure bucket lambda function region zone network dns proxy load balancer gateway
postgres mysql sqlite redis kafka rabbitmq elasticsearch mongodb cassandra migration schema
transaction commit rollback replica primary backup restore snapshot vacuum analyze plan
go python rust java javascript typescript node react vue svelte webpack vite npm yarn pip
cargo gradle maven make cmake compiler linker flag option argument environment variable
git branch merge rebase conflict pull push tag hook ci pipeline github gitlab action workflow
unit integration end benchmark profile latency throughput performance slow fast optimize
refactor cleanup rename extract inline dependency upgrade downgrade pin lockfile vendor
api endpoint route handler middleware router controller model view template render page
form input validation sanitize escape injection xss csrf cors origin permission role user
account email password hash salt encrypt decrypt key secret vault rotate expire refresh
metric alert dashboard grafana prometheus monitor health check probe readiness liveness
disk space volume mount permission denied not found missing invalid null empty undefined
works fails breaks after before during while because instead should must never always
first second again only still also just then now later today yesterday week month
`)

// vocab is techWords followed by invented words that stand for the names
// of a developer's own projects, services and identifiers: the long tail.
// It is built from a fixed seed so that every generator, and the queries,
// share it. rank maps a word to its position.
var vocab, rank = func() ([]string, map[string]int) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := slices.Clone(techWords)
	rank := map[string]int{}
	for i, w := range words {
		if _, ok := rank[w]; !ok {
			rank[w] = i
		}
	}
	syllables := strings.Fields("ka lo ri ve xa tol mun dre sil po qua zen bri tor nel fa gu hex mor ly " +
		"pla sto ven dar kim rus obe tan yel wic fro ja bu cen ith osk")
	for len(words) < 20_000 {
		var w strings.Builder
		for range 2 + rng.IntN(3) {
			w.WriteString(syllables[rng.IntN(len(syllables))])
		}
		if _, ok := rank[w.String()]; !ok {
			rank[w.String()] = len(words)
			words = append(words, w.String())
		}
	}
	return words, rank
}()

var benchTags = strings.Fields(`go python rust js ts sql postgres redis kafka docker k8s aws gcp ci git perf security auth
	api ui db cache network testing logging monitoring deploy build infra frontend backend mobile cli bug
	feature refactor docs config migration incident oncall review design pattern workaround hack todo
	linux macos windows arm x86 grpc rest graphql json yaml terraform helm`)

// Generator makes deterministic, varied memories and queries for
// benchmarks: the same seed gives the same memories in every store.
type Generator struct {
	rng  *rand.Rand
	zipf *rand.Zipf
}

// NewGenerator returns a generator seeded with seed.
func NewGenerator(seed uint64) *Generator {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	return &Generator{rng: rng, zipf: rand.NewZipf(rng, 1.07, 3, uint64(len(vocab)-1))}
}

func (g *Generator) word() string { return vocab[g.zipf.Uint64()] }

func (g *Generator) words(lo, hi int) string {
	n := lo + g.rng.IntN(hi-lo+1)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = g.word()
	}
	return strings.Join(ws, " ")
}

// text is sentences of words, with the punctuation real notes have.
func (g *Generator) text(lo, hi int) string {
	n := lo + g.rng.IntN(hi-lo+1)
	var b strings.Builder
	for n > 0 {
		k := min(n, 5+g.rng.IntN(12))
		s := g.words(k, k)
		b.WriteString(strings.ToUpper(s[:1]) + s[1:])
		switch g.rng.IntN(6) {
		case 0:
			b.WriteString(fmt.Sprintf(" (see %s_%s.go:%d).", g.word(), g.word(), g.rng.IntN(900)+10))
		case 1:
			b.WriteString(": `" + g.word() + "-" + g.word() + "`.")
		default:
			b.WriteString(".")
		}
		b.WriteString(" ")
		n -= k
	}
	return strings.TrimSpace(b.String())
}

// Memory returns the i-th generated memory, valid and normalised.
func (g *Generator) Memory(i int) *backend.Memory {
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	m := &backend.Memory{
		ID:         backend.NewID(),
		Type:       backend.MemoryTypes[g.rng.IntN(len(backend.MemoryTypes))],
		Title:      fmt.Sprintf("%s #%d", g.words(3, 8), i),
		Content:    g.text(20, 160),
		Importance: float64(g.rng.IntN(11)) / 10,
		Confidence: backend.DefaultConfidence,
		Context: backend.Context{
			ProjectPath: fmt.Sprintf("/home/dev/project-%d/%s", g.rng.IntN(30), []string{"api", "web", "worker", "cli"}[g.rng.IntN(4)]),
			Languages:   []string{[]string{"go", "python", "typescript", "rust"}[g.rng.IntN(4)]},
			GitBranch:   "main",
		},
		CreatedAt: created,
		UpdatedAt: created.Add(time.Duration(g.rng.IntN(3)) * time.Hour),
		Version:   1,
	}
	if g.rng.IntN(2) == 0 {
		m.Summary = g.words(8, 20)
	}
	for range 1 + g.rng.IntN(4) {
		m.Tags = append(m.Tags, benchTags[int(g.zipf.Uint64())%len(benchTags)])
	}
	m.Normalize()
	return m
}

// ranked returns a word of vocabulary rank lo to hi. Below about 60 they
// are stop words and words in nearly every note: nobody searches for them.
func (g *Generator) ranked(lo, hi int) string { return vocab[lo+g.rng.IntN(hi-lo)] }

// pick returns k distinct words of m's title and content whose rank is at
// least lo: the words someone who remembers m would search for.
func (g *Generator) pick(m *backend.Memory, k, lo int) []string {
	var cands []string
	for _, w := range strings.FieldsFunc(strings.ToLower(m.Title+" "+m.Content), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if r, ok := rank[w]; ok && r >= lo && !slices.Contains(cands, w) {
			cands = append(cands, w)
		}
	}
	g.rng.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	return cands[:min(k, len(cands))]
}

// Queries returns a search for each of the sample memories, of the kinds
// assistants send: a few words remembered from a memory, a distinctive
// name, a frequent topic, a phrase, a prefix, often scoped to a project or
// to types and a tag.
func (g *Generator) Queries(sample []*backend.Memory) []backend.SearchQuery {
	qs := make([]backend.SearchQuery, len(sample))
	for i, m := range sample {
		var q backend.SearchQuery
		switch i % 8 {
		case 0:
			q.Text = strings.Join(g.pick(m, 2, 60), " ")
		case 1:
			q.Text = strings.Join(g.pick(m, 3, 60), " ")
		case 2:
			q.Text = strings.Join(g.pick(m, 1, 1000), " ")
		case 3:
			q.Text = g.ranked(60, 3000)
		case 4:
			ws := strings.Fields(strings.ToLower(m.Content))
			k := g.rng.IntN(len(ws) - 1)
			q.Text = `"` + ws[k] + " " + ws[k+1] + `"`
		case 5:
			if w := g.pick(m, 1, 100); len(w) > 0 {
				q.Text = w[0][:min(len(w[0]), 5)] + "*"
			}
		case 6:
			q.Text = strings.Join(g.pick(m, 2, 60), " ")
			q.ProjectPath = path.Dir(m.Context.ProjectPath)
		case 7:
			q.Text = strings.Join(g.pick(m, 1, 60), " ")
			q.Types = []backend.MemoryType{m.Type, backend.TypeSolution}
			q.Tags = m.Tags[:1]
		}
		qs[i] = q
	}
	return qs
}

// BroadQueries returns n single words among the 60-300 most frequent: each
// matches a large share of the store, the worst case of exact ranking.
func (g *Generator) BroadQueries(n int) []backend.SearchQuery {
	qs := make([]backend.SearchQuery, n)
	for i := range qs {
		qs[i].Text = g.ranked(60, 300)
	}
	return qs
}

// SampleMemories returns k memories spread evenly over the store.
func SampleMemories(b *testing.B, st backend.Store, k int) []*backend.Memory {
	b.Helper()
	var all []*backend.Memory
	i := 0
	err := st.ExportMemories(context.Background(), func(m *backend.Memory) error {
		if i++; i%7 == 0 {
			all = append(all, m)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	out := make([]*backend.Memory, k)
	for j := range out {
		out[j] = all[j*len(all)/k]
	}
	return out
}

// ReportPercentiles reports the median and 95th percentile of ds.
func ReportPercentiles(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	at := func(p float64) float64 {
		return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
}

// BenchLatency runs call as b's loop (i counts the calls from 0), times
// each call, and reports the median and 95th percentile, and the average
// count the calls return as unit (unless unit is empty).
func BenchLatency(b *testing.B, unit string, call func(ctx context.Context, i int) (count int, err error)) {
	ctx := context.Background()
	var ds []time.Duration
	total := 0
	for b.Loop() {
		start := time.Now()
		n, err := call(ctx, len(ds))
		if err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
		total += n
	}
	ReportPercentiles(b, ds)
	if unit != "" && len(ds) > 0 {
		b.ReportMetric(float64(total)/float64(len(ds)), unit)
	}
}

// BenchSearch runs qs one after another through svc.Search as b's loop and
// reports the latency percentiles and the matches per search.
func BenchSearch(b *testing.B, svc *backend.Service, qs []backend.SearchQuery) {
	BenchLatency(b, "matches/op", func(ctx context.Context, i int) (int, error) {
		q := qs[i%len(qs)]
		res, err := svc.Search(ctx, q)
		if err != nil {
			return 0, fmt.Errorf("Search(%q): %w", q.Text, err)
		}
		return res.Total, nil
	})
}
