package sqlite

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/engramhq/engram/backend"
)

// benchSizes are the store sizes the benchmarks run at.
var benchSizes = []int{1_000, 10_000, 100_000}

// seedVersion names the generator and the schema in the cache file name:
// change it whenever either changes.
const seedVersion = 5

// BenchmarkStore measures Service.StoreMemory of new memories on a store
// that already holds n.
func BenchmarkStore(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			// Writes change the file: work on a copy of the cached seed.
			file := filepath.Join(b.TempDir(), "engram.db")
			copyFile(b, seededFile(b, n), file)
			svc := openBench(b, file)
			g := newGenerator(uint64(n) + 99)
			ctx := context.Background()
			var ds []time.Duration
			for b.Loop() {
				m := g.memory(n + len(ds))
				in := backend.NewMemory{Type: m.Type, Title: m.Title, Content: m.Content, Summary: m.Summary,
					Tags: m.Tags, Importance: &m.Importance, Context: m.Context}
				start := time.Now()
				if _, _, err := svc.StoreMemory(ctx, in); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(start))
			}
			reportPercentiles(b, ds)
		})
	}
}

// BenchmarkSearch measures Service.Search on a store of n memories with
// realistic queries: each one looks for one of 200 stored memories.
func BenchmarkSearch(b *testing.B) {
	benchSearch(b, func(g *generator, sample []*backend.Memory) []backend.SearchQuery { return g.queries(sample) })
}

// BenchmarkSearchBroad measures single frequent words, which match a large
// share of the store and must all be ranked: the worst case.
func BenchmarkSearchBroad(b *testing.B) {
	benchSearch(b, func(g *generator, _ []*backend.Memory) []backend.SearchQuery { return g.broadQueries(200) })
}

func benchSearch(b *testing.B, queries func(*generator, []*backend.Memory) []backend.SearchQuery) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			svc := openBench(b, seededFile(b, n))
			qs := queries(newGenerator(7), sampleMemories(b, svc, 200))
			ctx := context.Background()
			var ds []time.Duration
			matches := 0
			for b.Loop() {
				q := qs[len(ds)%len(qs)]
				start := time.Now()
				res, err := svc.Search(ctx, q)
				if err != nil {
					b.Fatalf("Search(%q): %v", q.Text, err)
				}
				ds = append(ds, time.Since(start))
				matches += res.Total
			}
			reportPercentiles(b, ds)
			b.ReportMetric(float64(matches)/float64(len(ds)), "matches/op")
		})
	}
}

// sampleMemories returns k memories spread evenly over the store.
func sampleMemories(b *testing.B, svc *backend.Service, k int) []*backend.Memory {
	b.Helper()
	var all []*backend.Memory
	i := 0
	err := svc.Store().ExportMemories(context.Background(), func(m *backend.Memory) error {
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

func openBench(b *testing.B, path string) *backend.Service {
	b.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return backend.NewService(s)
}

// reportPercentiles reports the median and 95th percentile of ds.
func reportPercentiles(b *testing.B, ds []time.Duration) {
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

// seededFile returns the path of a database of n generated memories,
// building it under os.TempDir the first time so that reruns start at once.
func seededFile(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("engram-sqlite-bench-v%d-%d.db", seedVersion, n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	b.Logf("seeding %d memories into %s (cached for later runs)", n, path)
	start := time.Now()
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	os.Remove(tmp)
	ctx := context.Background()
	s, err := Open(ctx, tmp)
	if err != nil {
		b.Fatal(err)
	}
	svc := backend.NewService(s)
	g := newGenerator(uint64(n))
	for i := 0; i < n; i += backend.MaxImportBatch {
		batch := make([]*backend.Memory, 0, backend.MaxImportBatch)
		for j := i; j < min(n, i+backend.MaxImportBatch); j++ {
			batch = append(batch, g.memory(j))
		}
		if _, err := svc.ImportMemories(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d memories in %v", n, time.Since(start).Round(time.Millisecond))
	return path
}

func copyFile(b *testing.B, from, to string) {
	b.Helper()
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

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

// generator makes deterministic, varied memories and queries.
type generator struct {
	rng  *rand.Rand
	zipf *rand.Zipf
}

func newGenerator(seed uint64) *generator {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	return &generator{rng: rng, zipf: rand.NewZipf(rng, 1.07, 3, uint64(len(vocab)-1))}
}

func (g *generator) word() string { return vocab[g.zipf.Uint64()] }

func (g *generator) words(lo, hi int) string {
	n := lo + g.rng.IntN(hi-lo+1)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = g.word()
	}
	return strings.Join(ws, " ")
}

// text is sentences of words, with the punctuation real notes have.
func (g *generator) text(lo, hi int) string {
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

// memory returns the i-th generated memory, valid and normalised.
func (g *generator) memory(i int) *backend.Memory {
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
func (g *generator) ranked(lo, hi int) string { return vocab[lo+g.rng.IntN(hi-lo)] }

// pick returns k distinct words of m's title and content whose rank is at
// least lo: the words someone who remembers m would search for.
func (g *generator) pick(m *backend.Memory, k, lo int) []string {
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

// queries returns a search for each of the sample memories, of the kinds
// assistants send: a few words remembered from a memory, a distinctive
// name, a frequent topic, a phrase, a prefix, often scoped to a project or
// to types and a tag.
func (g *generator) queries(sample []*backend.Memory) []backend.SearchQuery {
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

// broadQueries returns n single words among the 60-300 most frequent: each
// matches a large share of the store, the worst case of exact ranking.
func (g *generator) broadQueries(n int) []backend.SearchQuery {
	qs := make([]backend.SearchQuery, n)
	for i := range qs {
		qs[i].Text = g.ranked(60, 300)
	}
	return qs
}
