package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/engramhq/engram/backend/storetest"
	"github.com/google/uuid"
	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// These tests run the engram binary on the test Neo4j server named by
// ENGRAM_TEST_NEO4J_URI, _USERNAME, _PASSWORD and _DATABASE (make test
// starts one): they skip without it, and fail instead when
// ENGRAM_TEST_NEO4J_REQUIRED=1 (as in CI).

// onNeo4j returns in configured to use the test Neo4j in a namespace of its
// own, which is emptied when the test ends.
func (in *instance) onNeo4j(t testing.TB) *instance {
	t.Helper()
	uri := os.Getenv("ENGRAM_TEST_NEO4J_URI")
	if uri == "" {
		if os.Getenv("ENGRAM_TEST_NEO4J_REQUIRED") == "1" {
			t.Fatal("ENGRAM_TEST_NEO4J_URI is not set but ENGRAM_TEST_NEO4J_REQUIRED=1: start Neo4j with build/neo4j/neo4j.sh start")
		}
		t.Skip("no test Neo4j: set ENGRAM_TEST_NEO4J_URI (build/neo4j/neo4j.sh start prints it)")
	}
	user, password, db := os.Getenv("ENGRAM_TEST_NEO4J_USERNAME"), os.Getenv("ENGRAM_TEST_NEO4J_PASSWORD"), os.Getenv("ENGRAM_TEST_NEO4J_DATABASE")
	ns := "e2e-" + uuid.NewString()
	t.Cleanup(func() { dropNamespace(t, uri, user, password, db, ns) })
	return in.with("ENGRAM_BACKEND=neo4j", "NEO4J_URI="+uri, "NEO4J_USERNAME="+user, "NEO4J_PASSWORD="+password,
		"NEO4J_DATABASE="+db, "ENGRAM_NEO4J_NAMESPACE="+ns)
}

// dropNamespace deletes the memories (and so the edges) of namespace ns.
func dropNamespace(t testing.TB, uri, user, password, db, ns string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	driver, err := neo4j.NewDriverWithContext(uri, neo4j.BasicAuth(user, password, ""))
	if err != nil {
		t.Errorf("cleaning up namespace %s: %v", ns, err)
		return
	}
	defer driver.Close(ctx)
	_, err = neo4j.ExecuteQuery(ctx, driver, `MATCH (m:Memory {ns: $ns}) DETACH DELETE m`, map[string]any{"ns": ns},
		neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(db))
	if err != nil {
		t.Errorf("cleaning up namespace %s: %v", ns, err)
	}
}

func TestNeo4jStdioEndToEnd(t *testing.T) {
	t.Parallel()
	in := newInstance(t).onNeo4j(t)
	exerciseTools(t, in.stdioClient(t, "--direct"))
}

func TestNeo4jHTTPEndToEnd(t *testing.T) {
	t.Parallel()
	in := newInstance(t).onNeo4j(t)
	in.serve(t)
	exerciseTools(t, in.httpClient(t))
}

// TestMigrateRoundTrip moves a SQLite store to Neo4j and back into a new
// SQLite file, which must then hold exactly what the first one held.
func TestMigrateRoundTrip(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	fixtures := filepath.Join("backend", "exchange", "testdata")
	for _, f := range []string{"official-server-memory.jsonl", "memorygraph-export-v2.json"} {
		if out, errOut, code := in.run(t, "import", filepath.Join(fixtures, f)); code != 0 {
			t.Fatalf("import %s: exit %d\n%s%s", f, code, out, errOut)
		}
	}
	// The SQLite file stays the configured one; Neo4j is configured beside
	// it, as someone about to switch would have it.
	neo := in.onNeo4j(t).with("ENGRAM_BACKEND=sqlite")
	back := filepath.Join(t.TempDir(), "back.db")

	steps := []struct {
		name string
		args []string
		want []string
	}{
		{"ToNeo4j", []string{"migrate", "--to", "neo4j"}, []string{"memories: 156 read, 156 created", "relationships: 154 read, 154 created", "verified"}},
		{"ToNeo4jAgain", []string{"migrate", "--to", "neo4j"}, []string{"156 read, 0 created, 0 updated, 156 already there", "154 read, 0 created, 154 already there", "verified"}},
		{"BackToSQLite", []string{"migrate", "--to", "sqlite", "--db", back}, []string{"156 read, 156 created", "154 read, 154 created", "verified"}},
	}
	for _, st := range steps {
		out, errOut, code := neo.run(t, st.args...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", st.name, code, out, errOut)
		}
		for _, w := range st.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output %q lacks %q", st.name, out, w)
			}
		}
	}
	if _, errOut, _ := neo.run(t, "migrate", "--to", "neo4j"); !strings.Contains(errOut, "ENGRAM_BACKEND=neo4j") {
		t.Errorf("migrate --to neo4j does not say how to switch: %s", errOut)
	}

	first, second := exportRecords(t, in), exportRecords(t, in.with("ENGRAM_DB="+back))
	if !slices.Equal(first, second) {
		t.Errorf("the round trip changed the records:\nbefore %d: %.2000s\nafter %d: %.2000s", len(first), first, len(second), second)
	}

	out, errOut, code := neo.with("ENGRAM_BACKEND=neo4j").run(t, "doctor")
	for _, w := range []string{"156 memories, 154 relationships", "neo4j server", "Neo4j 5.", "neo4j database", "online", "neo4j schema", "ONLINE"} {
		if code != 0 || !strings.Contains(out, w) {
			t.Errorf("doctor on Neo4j (exit %d) lacks %q:\n%s%s", code, w, out, errOut)
		}
	}
}

// exportRecords exports in's store and returns its records, sorted.
func exportRecords(t *testing.T, in *instance) []string {
	t.Helper()
	out, errOut, code := in.run(t, "export")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	var dump struct {
		Memories      []json.RawMessage `json:"memories"`
		Relationships []json.RawMessage `json:"relationships"`
	}
	if err := json.Unmarshal([]byte(out), &dump); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	var recs []string
	for _, r := range append(dump.Memories, dump.Relationships...) {
		recs = append(recs, string(r))
	}
	slices.Sort(recs)
	return recs
}

// TestNeo4jBadConfiguration checks that each command fails fast with an
// error naming what to fix when Neo4j cannot be used.
func TestNeo4jBadConfiguration(t *testing.T) {
	t.Parallel()
	closed := "bolt://" + freeAddr(t) // nothing listens there
	silent := "bolt://" + storetest.SilentServer(t)
	type badConfig struct {
		name string
		env  []string
		want string
	}
	cases := []badConfig{
		{"NothingListens", []string{"NEO4J_URI=" + closed}, "check that it is running"},
		// A server that accepts connections and never answers: only the
		// connect timeout ends the wait.
		{"NoAnswer", []string{"NEO4J_URI=" + silent}, silent + " did not answer within 5s"},
		{"NotANeo4jURI", []string{"NEO4J_URI=http://localhost:7474"}, "neo4j.uri (from NEO4J_URI)"},
	}
	if uri := os.Getenv("ENGRAM_TEST_NEO4J_URI"); uri != "" {
		cases = append(cases,
			// Neo4j locks a user out for a while after a few wrong passwords:
			// a user of its own keeps the other tests' user working.
			badConfig{"WrongPassword", []string{"NEO4J_URI=" + uri, "NEO4J_USERNAME=engram-e2e-nobody", "NEO4J_PASSWORD=wrong"},
				"check NEO4J_USERNAME and NEO4J_PASSWORD"},
			badConfig{"MissingDatabase", []string{"NEO4J_URI=" + uri, "NEO4J_USERNAME=" + os.Getenv("ENGRAM_TEST_NEO4J_USERNAME"),
				"NEO4J_PASSWORD=" + os.Getenv("ENGRAM_TEST_NEO4J_PASSWORD"), "NEO4J_DATABASE=nosuchdb"}, "set NEO4J_DATABASE to an existing one"},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := newInstance(t).with(append([]string{"ENGRAM_BACKEND=neo4j"}, tc.env...)...)
			if tc.name != "NotANeo4jURI" {
				serveWithoutStore(t, in, tc.want)
			}
			for _, args := range [][]string{{"mcp", "--direct"}, {"serve"}, {"doctor"}} {
				if args[0] == "serve" && tc.name != "NotANeo4jURI" {
					continue // serve keeps running: serveWithoutStore
				}
				start := time.Now()
				out, errOut, code := in.run(t, args...)
				took := time.Since(start)
				if code != 1 || !strings.Contains(out+errOut, tc.want) {
					t.Errorf("engram %s: exit %d, output lacks %q:\n%s%s", args[0], code, tc.want, out, errOut)
				}
				// The connect timeout is 5 s; the rest is a -race binary
				// starting on a busy machine. Without a timeout this would
				// wait for minutes.
				if took > 15*time.Second {
					t.Errorf("engram %s took %v to report it", args[0], took.Round(time.Millisecond))
				}
				t.Logf("engram %s failed after %v", args[0], took.Round(time.Millisecond))
			}
		})
	}
}

// serveWithoutStore checks that engram serve keeps running when its store
// cannot be opened, and says why in its log, its health check and every
// tool call.
func serveWithoutStore(t *testing.T, in *instance, want string) {
	t.Helper()
	cmd := exec.Command(engramBin, "serve")
	cmd.Env = in.env
	var log safeBuffer
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil {
			t.Errorf("engram serve without its store did not stop cleanly: %v\n%s", err, log.String())
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + in.addr + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), want) {
				t.Fatalf("healthz without the store: %d %s", resp.StatusCode, body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("engram serve did not start without its store:\n%s", log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(log.String(), want) {
		t.Errorf("the log does not say why: %s", log.String())
	}
	if msg := callError(t, in.httpClient(t), "get_memory_statistics", nil); !strings.Contains(msg, want) || !strings.Contains(msg, "tries again") {
		t.Errorf("a tool call without the store: %q", msg)
	}
}

// BenchmarkHTTPConcurrentStore measures the throughput of 16 MCP clients,
// each with its own streamable HTTP session, calling store_memory at once
// on one `engram serve`, on each store.
func BenchmarkHTTPConcurrentStore(b *testing.B) {
	const clients = 16
	for _, store := range []string{"sqlite", "neo4j"} {
		b.Run("store="+store, func(b *testing.B) {
			in := newInstance(b)
			if store == "neo4j" {
				in = in.onNeo4j(b)
			}
			in.serve(b)
			cs := make([]*client.Client, clients)
			for i := range cs {
				cs[i] = in.httpClient(b)
			}
			var (
				next atomic.Int64
				mu   sync.Mutex // guards lat
				lat  []time.Duration
				wg   sync.WaitGroup
			)
			b.ResetTimer()
			for _, c := range cs {
				wg.Go(func() {
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						req := mcpgo.CallToolRequest{}
						req.Params.Name = "store_memory"
						req.Params.Arguments = map[string]any{
							"type": "general", "title": fmt.Sprintf("Concurrent memory %d", i),
							"content": fmt.Sprintf("Store number %d from one of %d HTTP clients, with a few words to index.", i, clients),
							"tags":    []string{"bench"},
						}
						start := time.Now()
						res, err := c.CallTool(context.Background(), req)
						d := time.Since(start)
						if err != nil || res.IsError {
							b.Errorf("store_memory %d: %v %v", i, err, res)
							return
						}
						mu.Lock()
						lat = append(lat, d)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			slices.Sort(lat)
			if len(lat) == 0 {
				return
			}
			b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "stores/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
