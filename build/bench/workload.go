package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/engramhq/engram/backend"
)

// The workload is what a team of assistants does with a shared memory in a
// working day: they read far more than they write. Every session starts
// with a recall, looks things up (search, get) while it works, follows
// links (traverse) to see what a fix touched, and now and then records
// what it learnt (store, relate) or corrects a note (update).
//
// opMix gives each operation's share in percent; the shares add to 100.
var opMix = []struct {
	op    opKind
	share int
}{
	{opSearch, 25},   // half for a memory's unique token, half for a topic word
	{opGet, 20},      // open a memory found earlier
	{opRecall, 15},   // natural-language recall with each hit's neighbours
	{opStore, 15},    // record something new
	{opRelate, 10},   // link two memories
	{opTraverse, 10}, // related memories to depth 2
	{opUpdate, 5},    // correct a memory's summary, naming the version read
}

type opKind string

const (
	opSearch   opKind = "search"
	opGet      opKind = "get"
	opRecall   opKind = "recall"
	opStore    opKind = "store"
	opRelate   opKind = "relate"
	opTraverse opKind = "traverse"
	opUpdate   opKind = "update"
)

// opOrder is the order operations are listed in reports.
var opOrder = []opKind{opStore, opSearch, opRecall, opGet, opRelate, opTraverse, opUpdate}

// vocabulary is the words memories are written in. No word is a prefix or
// stem of another, so a hit for a word always contains it literally.
var vocabulary = strings.Fields(`
	postgres sqlite redis kafka nginx docker kubernetes terraform ansible
	webpack vite react svelte django flask rails spring gradle maven cargo
	rustup golang python java kotlin swift typescript javascript haskell
	pool socket thread mutex channel goroutine deadlock timeout retry backoff
	latency throughput bandwidth packet header cookie session token bearer
	oauth certificate cipher checksum digest signature keystore vault secret
	migration schema index column trigger cursor transaction rollback commit
	snapshot replica shard cluster leader follower quorum consensus raft
	paxos gossip heartbeat watchdog cron scheduler queue broker topic
	partition offset consumer producer stream buffer window watermark
	pipeline artifact runner matrix linter formatter compiler debugger
	profiler tracer sampler histogram gauge counter metric alert pager
	dashboard grafana prometheus jaeger zipkin opentelemetry logstash
	kibana elastic lucene solr tantivy bleve meilisearch typesense vector
	embedding lexicon stemmer lexer parser grammar bytecode interpreter
	allocator arena slab bitmap bloom trie btree skiplist hashmap ringbuf
	flaky regression hotfix rollout canary blue green feature toggle flag
	monorepo submodule rebase cherry bisect blame stash worktree hook
`)

// memoryTypes and relationshipTypes are drawn from the domain's enums.
var (
	memoryTypes       = backend.MemoryTypes
	relationshipTypes = backend.RelationshipTypes
)

// memory is what the load generator knows of a memory it stored or seeded:
// enough to check any answer that mentions it.
type memory struct {
	ID      string
	Type    backend.MemoryType
	Title   string // holds Token, which no other memory has
	Token   string
	Content string
	Tags    []string
	// Owner is the client that alone updates the memory, so it knows
	// Summary and Version at every moment; only it checks them.
	Owner   int
	Summary string
	Version int64
}

// edge is a relationship the load generator created or seeded.
type edge struct {
	From, To int // indexes into the memories of the world or of a client
	Type     backend.RelationshipType
}

// world is the seeded graph every client reads.
type world struct {
	memories []*memory
	edges    []edge
	start    time.Time // created_at of the first seeded memory
}

// newWorld generates the seeded graph of size memories and about two
// edges per memory, the same for the same seed, and deals the memories out
// to clients to own.
func newWorld(size int, seed uint64, clients int) *world {
	rng := rand.New(rand.NewPCG(seed, 0))
	w := &world{start: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	for i := range size {
		m := newMemory(rng, fmt.Sprintf("s%d", i), uuidFrom(rng))
		m.Owner = i % clients
		w.memories = append(w.memories, m)
	}
	seen := map[edge]bool{}
	for i := range size {
		for range 2 {
			if size < 2 {
				break
			}
			e := edge{From: i, To: rng.IntN(size), Type: relationshipTypes[rng.IntN(len(relationshipTypes))]}
			if e.To == e.From || seen[e] {
				continue
			}
			seen[e] = true
			w.edges = append(w.edges, e)
		}
	}
	return w
}

// newMemory writes a memory whose title carries a token unique to name.
func newMemory(rng *rand.Rand, name, id string) *memory {
	token := "tok" + name + "z" // letters, digits and a final z: no stemmer shortens it
	return &memory{
		ID:      id,
		Type:    memoryTypes[rng.IntN(len(memoryTypes))],
		Title:   capitalize(words(rng, 3+rng.IntN(4))) + " " + token,
		Token:   token,
		Content: capitalize(words(rng, 20+rng.IntN(40))) + ".",
		Tags:    backend.NormalizeTags(strings.Fields(words(rng, 2))),
		Version: 1,
	}
}

func words(rng *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = vocabulary[rng.IntN(len(vocabulary))]
	}
	return strings.Join(w, " ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// uuidFrom draws a version-7-shaped UUID from rng, so seeded ids look like
// the ones Engram generates and are the same for the same seed.
func uuidFrom(rng *rand.Rand) string {
	a, b := rng.Uint64(), rng.Uint64()
	return fmt.Sprintf("%08x-%04x-7%03x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xfff, 0x8000|(b>>48)&0x3fff, b&0xffffffffffff)
}

// session is one client's view of the world: the seeded graph, which it
// shares, and what it stored and linked itself, which only it touches.
type session struct {
	id    int
	rng   *rand.Rand
	world *world

	own   []*memory // stored by this client, plus the seeded ones it owns
	edges []ownEdge // created by this client
	next  int       // counts this client's stores, for unique tokens
	nonce string    // keeps tokens unique across runs on one store
}

// ownEdge is an edge between two memories by pointer.
type ownEdge struct {
	from, to *memory
	typ      backend.RelationshipType
}

// newSession starts client id's view. A session belongs to one goroutine.
func newSession(id, clients int, w *world, seed uint64, nonce string) *session {
	s := &session{id: id, rng: rand.New(rand.NewPCG(seed, uint64(id)+1)), world: w, nonce: nonce}
	for i := id; i < len(w.memories); i += clients {
		s.own = append(s.own, w.memories[i])
	}
	return s
}

// nextOp draws the next operation from opMix.
func (s *session) nextOp() opKind {
	n := s.rng.IntN(100)
	for _, m := range opMix {
		if n < m.share {
			return m.op
		}
		n -= m.share
	}
	return opMix[0].op
}

// pick returns a memory to read: mostly a seeded one, sometimes one this
// client stored.
func (s *session) pick() (m *memory, owned bool) {
	if len(s.world.memories) == 0 || (len(s.own) > 0 && s.rng.IntN(5) == 0) {
		return s.own[s.rng.IntN(len(s.own))], true
	}
	m = s.world.memories[s.rng.IntN(len(s.world.memories))]
	return m, m.Owner == s.id
}

// pickOwn returns a memory this client may update, or nil.
func (s *session) pickOwn() *memory {
	if len(s.own) == 0 {
		return nil
	}
	return s.own[s.rng.IntN(len(s.own))]
}

// fresh writes a new memory for a store operation.
func (s *session) fresh() *memory {
	s.next++
	m := newMemory(s.rng, fmt.Sprintf("c%dn%sx%d", s.id, s.nonce, s.next), "")
	m.Owner = s.id
	return m
}

// remember records a memory the server acknowledged.
func (s *session) remember(m *memory) { s.own = append(s.own, m) }

// link records an edge the server acknowledged.
func (s *session) link(e ownEdge) { s.edges = append(s.edges, e) }

// pickEdge returns an edge to traverse: a seeded one or one of this
// client's. ok is false when there is none.
func (s *session) pickEdge() (e ownEdge, ok bool) {
	if len(s.edges) > 0 && (len(s.world.edges) == 0 || s.rng.IntN(5) == 0) {
		return s.edges[s.rng.IntN(len(s.edges))], true
	}
	if len(s.world.edges) == 0 {
		return ownEdge{}, false
	}
	we := s.world.edges[s.rng.IntN(len(s.world.edges))]
	return ownEdge{from: s.world.memories[we.From], to: s.world.memories[we.To], typ: we.Type}, true
}

// pickPair returns two different memories to link and a type, or ok false
// when there are not two.
func (s *session) pickPair() (from, to *memory, typ backend.RelationshipType, ok bool) {
	from, _ = s.pick()
	to, _ = s.pick()
	if from == to {
		return nil, nil, "", false
	}
	return from, to, relationshipTypes[s.rng.IntN(len(relationshipTypes))], true
}

// topic returns a vocabulary word for a topic search.
func (s *session) topic() string { return vocabulary[s.rng.IntN(len(vocabulary))] }

// titleWord returns a word of m's title other than its token, for a
// recall question that names the memory's subject.
func titleWord(m *memory) string {
	return strings.Fields(m.Title)[0]
}
