package app

import (
	"context"
	"io"
	"net"
)

// defaultNeo4jAddr is where a Neo4j installed with its defaults listens
// for Bolt.
const defaultNeo4jAddr = "localhost:7687"

// localNeo4j returns the web UI's look for a Neo4j at addr on this machine
// (frontend.Options.LocalNeo4j): its bolt:// URI when a Bolt server
// answers there before ctx ends.
func localNeo4j(addr string) func(ctx context.Context) (string, bool) {
	return func(ctx context.Context) (string, bool) {
		if !boltAnswers(ctx, addr) {
			return "", false
		}
		return "bolt://" + addr, true
	}
}

// boltHandshake opens a Bolt connection: the magic number, then the
// versions we speak, best first, each as [0, range, minor, major]: 5.8 down
// to 5.0, 4.4 down to 4.2, 4.1, 3.0.
var boltHandshake = []byte{
	0x60, 0x60, 0xB0, 0x17,
	0, 8, 8, 5,
	0, 2, 4, 4,
	0, 0, 1, 4,
	0, 0, 0, 3,
}

// boltAnswers says whether a Neo4j answers at addr before ctx ends. It
// does the Bolt handshake, so another program on the port, or a server
// that accepts and says nothing, does not count.
func boltAnswers(ctx context.Context, addr string) bool {
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	// Closing the connection when ctx ends stops a read that waits for
	// a server that does not answer.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, err := c.Write(boltHandshake); err != nil {
		return false
	}
	// The server answers with the version it chose: [0, 0, minor, major].
	var v [4]byte
	if _, err := io.ReadFull(c, v[:]); err != nil || ctx.Err() != nil {
		return false
	}
	return v[0] == 0 && v[1] == 0 && v[3] >= 3 && v[3] <= 5
}
