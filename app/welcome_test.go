package app

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"testing"
	"time"
)

// tcpServer listens on a loopback port and runs serve on each connection
// until the test ends.
func tcpServer(t *testing.T, serve func(net.Conn)) string {
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
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// boltServer answers the Bolt handshake with version, as Neo4j does.
func boltServer(version ...byte) func(net.Conn) {
	return func(c net.Conn) {
		hello := make([]byte, len(boltHandshake))
		if _, err := io.ReadFull(c, hello); err != nil || !bytes.Equal(hello[:4], boltHandshake[:4]) {
			return
		}
		c.Write(version)
	}
}

func TestLocalNeo4j(t *testing.T) {
	closed := tcpServer(t, func(net.Conn) {})
	ln, err := net.Listen("tcp", closed) // taken and released: nothing listens there now
	if err == nil {
		ln.Close()
	}
	for _, tc := range []struct {
		name   string
		addr   string
		answer bool
	}{
		{"Neo4j 5", tcpServer(t, boltServer(0, 0, 8, 5)), true},
		{"Neo4j 4.4", tcpServer(t, boltServer(0, 0, 4, 4)), true},
		{"no common version", tcpServer(t, boltServer(0, 0, 0, 0)), false},
		{"another protocol", tcpServer(t, func(c net.Conn) { c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n")) }), false},
		{"accepts and closes", tcpServer(t, func(net.Conn) {}), false},
		{"accepts and says nothing", tcpServer(t, func(c net.Conn) { io.Copy(io.Discard, c) }), false},
		{"nothing listens", closed, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			uri, ok := localNeo4j(tc.addr)(ctx)
			if ok != tc.answer {
				t.Fatalf("found %v (%q), want %v", ok, uri, tc.answer)
			}
			if ok && uri != "bolt://"+tc.addr {
				t.Errorf("URI %q, want bolt://%s", uri, tc.addr)
			}
		})
	}
}

// TestLocalNeo4jFindsRealNeo4j looks for the test Neo4j
// (build/neo4j/neo4j.sh) at its address.
func TestLocalNeo4jFindsRealNeo4j(t *testing.T) {
	raw := os.Getenv("ENGRAM_TEST_NEO4J_URI")
	if raw == "" {
		if os.Getenv("ENGRAM_TEST_NEO4J_REQUIRED") == "1" {
			t.Fatal("ENGRAM_TEST_NEO4J_URI is not set (ENGRAM_TEST_NEO4J_REQUIRED=1)")
		}
		t.Skip("ENGRAM_TEST_NEO4J_URI is not set; start a test server with build/neo4j/neo4j.sh start")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if uri, ok := localNeo4j(u.Host)(ctx); !ok || uri != "bolt://"+u.Host {
		t.Errorf("the test Neo4j at %s: found %v, %q", u.Host, ok, uri)
	}
}
