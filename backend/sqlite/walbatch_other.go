//go:build !(linux || darwin)

package sqlite

// walBatchQuery is empty where stores use SQLite's default VFS as it is
// (see walbatch.go).
const walBatchQuery = ""
