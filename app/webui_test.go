package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/app/config"
	"github.com/engramhq/engram/backend"
	"github.com/engramhq/engram/backend/sqlite"
	"github.com/engramhq/engram/frontend"
)

func newStorageSettings(t *testing.T) *storageSettings {
	t.Helper()
	for _, v := range []string{"ENGRAM_BACKEND", "ENGRAM_DB", "ENGRAM_ADDR", "NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE"} {
		t.Setenv(v, "")
	}
	cfg, err := config.LoadFrom(config.Directories{Config: t.TempDir(), Data: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return &storageSettings{cfg: cfg}
}

// boltListener answers the Bolt handshake with version 5.4, as Neo4j does.
func boltListener(t *testing.T, answer []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			hello := make([]byte, 20)
			if _, err := c.Read(hello); err == nil && bytes.Equal(hello[:4], []byte{0x60, 0x60, 0xB0, 0x17}) {
				c.Write(answer)
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func TestStorageTestConnection(t *testing.T) {
	s := newStorageSettings(t)
	existing := filepath.Join(t.TempDir(), "existing.db")
	st, err := sqlite.Open(context.Background(), existing)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := backend.NewService(st).StoreMemory(context.Background(), backend.NewMemory{Type: "general", Title: "t", Content: "c"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()
	web := httptest.NewServer(http.NotFoundHandler())
	defer web.Close()

	for _, tc := range []struct {
		name    string
		in      frontend.StorageSettings
		wantMsg string
		wantErr string
		field   string
	}{
		{"existing SQLite file", frontend.StorageSettings{Backend: "sqlite", SQLitePath: existing}, "1 memories", "", ""},
		{"new SQLite file", frontend.StorageSettings{Backend: "sqlite", SQLitePath: filepath.Join(t.TempDir(), "sub", "new.db")}, "does not exist yet", "", ""},
		{"relative SQLite path", frontend.StorageSettings{Backend: "sqlite", SQLitePath: "rel.db"}, "", "absolute path", "sqlite_path"},
		{"unknown backend", frontend.StorageSettings{Backend: "mongo"}, "", "not a storage backend", "backend"},
		{"Neo4j without URI", frontend.StorageSettings{Backend: "neo4j"}, "", "is required", "neo4j_uri"},
		{"Neo4j bad scheme", frontend.StorageSettings{Backend: "neo4j", Neo4jURI: "http://x:7687"}, "", "scheme", "neo4j_uri"},
		{"Neo4j answering Bolt", frontend.StorageSettings{Backend: "neo4j", Neo4jURI: "bolt://" + boltListener(t, []byte{0, 0, 4, 5})}, "Bolt 5.4", "", ""},
		{"Neo4j with no common version", frontend.StorageSettings{Backend: "neo4j", Neo4jURI: "neo4j://" + boltListener(t, []byte{0, 0, 0, 0})}, "", "none of the Bolt versions", ""},
		{"nothing listening", frontend.StorageSettings{Backend: "neo4j", Neo4jURI: "neo4j://" + closedAddr}, "", "cannot reach", ""},
		{"not Bolt", frontend.StorageSettings{Backend: "neo4j", Neo4jURI: "bolt://" + strings.TrimPrefix(web.URL, "http://")}, "", "does not speak Bolt", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			msg, err := s.TestConnection(ctx, tc.in)
			if tc.wantErr == "" {
				if err != nil || !strings.Contains(msg, tc.wantMsg) {
					t.Fatalf("got %q, %v; want %q", msg, err, tc.wantMsg)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %q, %v; want an error saying %q", msg, err, tc.wantErr)
			}
			var be *backend.Error
			if tc.field != "" && (!errors.As(err, &be) || be.Field != tc.field) {
				t.Errorf("error %v does not name the field %s", err, tc.field)
			}
		})
	}
}

func TestStorageSaveAndSwitch(t *testing.T) {
	s := newStorageSettings(t)
	path := filepath.Join(t.TempDir(), "moved.db")
	msg, err := s.SaveAndSwitch(context.Background(), frontend.StorageSettings{Backend: "sqlite", SQLitePath: path})
	if err != nil || !strings.Contains(msg, "Restart Engram") {
		t.Fatalf("save: %q %v", msg, err)
	}
	data, err := os.ReadFile(s.cfg.Path())
	if err != nil {
		t.Fatal(err)
	}
	var saved config.Config
	if err := json.Unmarshal(data, &saved); err != nil || saved.SQLitePath != path {
		t.Errorf("config.json holds %s", data)
	}
	if s.Current().SQLitePath != path {
		t.Errorf("Current() = %+v after saving", s.Current())
	}
	if _, err := s.SaveAndSwitch(context.Background(), frontend.StorageSettings{Backend: "neo4j"}); err == nil {
		t.Error("an invalid setting was saved")
	}
}

func TestAssistantsConfigAndInstall(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	a := assistants{exe: "/opt/engram/engram"}
	snippet, path, err := a.Config("cursor")
	if err != nil || !strings.Contains(snippet, `"/opt/engram/engram"`) || path != filepath.Join(home, ".cursor", "mcp.json") {
		t.Fatalf("config: %q %q %v", snippet, path, err)
	}
	msg, err := a.Install("cursor")
	if err != nil || !strings.Contains(msg, path) {
		t.Fatalf("install: %q %v", msg, err)
	}
	if data, err := os.ReadFile(path); err != nil || !strings.Contains(string(data), `"engram"`) {
		t.Errorf("installed file: %s %v", data, err)
	}
	if _, err := a.Install("vim"); err == nil {
		t.Error("an unknown assistant was installed")
	}
}

// TestServePrintsWebUILink checks that `engram serve` prints the link with
// the token, and that the link opens the UI.
func TestServePrintsWebUILink(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("ENGRAM_ADDR", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &safeWriter{}
	done := make(chan int, 1)
	go func() { done <- Main(ctx, []string{"serve"}, strings.NewReader(""), &bytes.Buffer{}, stderr) }()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, stderr.String())
		}
	}()
	link := regexp.MustCompile(`Web UI: (http://127\.0\.0\.1:\d+/\?token=[0-9a-f]+)`)
	deadline := time.Now().Add(20 * time.Second)
	var url string
	for time.Now().Before(deadline) {
		if m := link.FindStringSubmatch(stderr.String()); m != nil {
			url = m[1]
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if url == "" {
		t.Fatalf("no Web UI link in: %s", stderr.String())
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(url) // follows the redirect, carrying the cookie
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.RawQuery != "" {
		t.Errorf("opening the link: status %d at %s, want 200 without the token", resp.StatusCode, resp.Request.URL)
	}
}

// safeWriter is a buffer that a server goroutine writes while the test reads.
type safeWriter struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (w *safeWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *safeWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
