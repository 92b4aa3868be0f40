//go:build linux || darwin

package sqlite

import (
	"encoding/binary"
	"os"
	"sync"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite writes every WAL frame of a commit as two writes, its 24-byte
// header and its page: storing one memory is about 31 write calls, a
// quarter of the server's time per store. The VFS registered here is the default
// unix VFS with the WAL file's appended frames gathered in memory and
// written in one call when the commit frame is complete: before SQLite
// publishes the frames in the WAL index, which is when any other connection
// or process can first read them, and inside the write call that SQLite
// checks, so a failed write fails the commit as it would without the
// gathering. Anything else done to the WAL file (a read, a sync, a
// truncation, a write anywhere but at the end, closing it) first writes
// what is gathered, and so does the connection's release of the WAL write
// lock (a transaction that spilled frames and then rolled back must not
// write them after another process has written there), so the file's
// contents and the order of writes to it are SQLite's own.
//
// ENGRAM_SQLITE_WAL_BATCH=0 opens stores on the plain unix VFS instead.

const (
	walBatchVFSName = "engram-wal"
	walHeaderSize   = 32        // the WAL file's header, at offset 0
	walFrameHdrSize = 24        // each frame's header, before its page
	walBatchMax     = 1<<17 - 1 // the unix VFS writes at most this much per call
)

// walBatchQuery is the DSN parameter naming the VFS, "" when stores use
// SQLite's default.
var walBatchQuery string

// Everything SQLite's code reaches through its own pointers (the VFS, the
// method tables, the gathered frames) lives in memory allocated by the
// transpiled C library, never in Go's heap: Go's checks of unsafe pointers
// (-race) refuse C code walking Go objects.
var (
	baseOpen        uintptr // the unix VFS's xOpen
	walWrappersMu   sync.Mutex
	walWrappers     = map[uintptr]uintptr{} // walMethods by the base methods they wrap
	walBuffersMu    sync.Mutex
	walBuffers      = map[uintptr]*walBuffer{} // by open WAL file
	walPending      = map[*libc.TLS]uintptr{}  // the WAL file a connection gathered into
	walWriteCounter func()                     // tests count the writes that reach the file
)

// walMethods is a file's method table: the base table with the methods
// that must see the gathered frames first replaced, and a pointer to the
// base table after it, so that a file's pMethods leads back to base.
type walMethods struct {
	methods sqlite3.Tsqlite3_io_methods
	base    uintptr
}

// walBuffer is what one WAL file handle has gathered: data to be written at
// off. end is the furthest this handle has written in the current round of
// the WAL (since it last wrote the header at offset 0): a write below it
// rewrites frames already written and goes straight through.
type walBuffer struct {
	mem        uintptr // walBatchMax bytes
	n          int     // of them gathered
	off        int64
	end        int64
	commitPage bool // the next append is the page of a commit frame
}

func init() {
	if os.Getenv("ENGRAM_SQLITE_WAL_BATCH") == "0" {
		return
	}
	tls := libc.NewTLS()
	defer tls.Close()
	base := sqlite3.Xsqlite3_vfs_find(tls, 0)
	if base == 0 {
		return
	}
	name, err := libc.CString(walBatchVFSName)
	if err != nil {
		return
	}
	p := libc.Xcalloc(tls, 1, types.Size_t(unsafe.Sizeof(sqlite3.Tsqlite3_vfs{})))
	vfs := (*sqlite3.Tsqlite3_vfs)(cPointer(p))
	*vfs = *(*sqlite3.Tsqlite3_vfs)(cPointer(base))
	baseOpen = vfs.FxOpen
	vfs.FpNext = 0
	vfs.FzName = name
	vfs.FxOpen = funcPointer(walBatchOpen)
	if sqlite3.Xsqlite3_vfs_register(tls, p, 0) == sqlite3.SQLITE_OK {
		walBatchQuery = "&vfs=" + walBatchVFSName
	}
}

// cPointer is the memory at p, an address in the transpiled C library's
// own memory.
func cPointer(p uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&p))
}

// funcPointer is how the transpiled SQLite stores a function in a C
// function pointer: the func value's code pointer word. Only top-level
// functions, which the garbage collector never frees, may be stored.
func funcPointer(f any) uintptr {
	return (*[2]uintptr)(unsafe.Pointer(&f))[1]
}

func walBatchOpen(tls *libc.TLS, pVfs, zName, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	open := *(*func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32)(unsafe.Pointer(&baseOpen))
	rc := open(tls, pVfs, zName, pFile, flags, pOutFlags)
	file := (*sqlite3.Tsqlite3_file)(cPointer(pFile))
	if rc != sqlite3.SQLITE_OK || file.FpMethods == 0 {
		return rc
	}
	switch {
	case flags&sqlite3.SQLITE_OPEN_WAL != 0:
		mem := libc.Xmalloc(tls, walBatchMax)
		if mem == 0 {
			return rc // no memory to gather in: the file is used as it is
		}
		file.FpMethods = wrapperOf(tls, file.FpMethods, true)
		walBuffersMu.Lock()
		walBuffers[pFile] = &walBuffer{mem: mem}
		walBuffersMu.Unlock()
	case flags&sqlite3.SQLITE_OPEN_MAIN_DB != 0:
		file.FpMethods = wrapperOf(tls, file.FpMethods, false)
	}
	return rc
}

// wrapperOf returns the method table of WAL files (wal) or database files
// wrapping base, made once.
func wrapperOf(tls *libc.TLS, base uintptr, wal bool) uintptr {
	walWrappersMu.Lock()
	defer walWrappersMu.Unlock()
	key := base
	if !wal {
		key++ // base is aligned: base+1 is no other table
	}
	if w, ok := walWrappers[key]; ok {
		return w
	}
	p := libc.Xcalloc(tls, 1, types.Size_t(unsafe.Sizeof(walMethods{})))
	if p == 0 {
		return base
	}
	w := (*walMethods)(cPointer(p))
	w.base = base
	w.methods = *(*sqlite3.Tsqlite3_io_methods)(cPointer(base))
	if wal {
		w.methods.FxClose = funcPointer(walClose)
		w.methods.FxRead = funcPointer(walRead)
		w.methods.FxWrite = funcPointer(walWrite)
		w.methods.FxTruncate = funcPointer(walTruncate)
		w.methods.FxSync = funcPointer(walSync)
		w.methods.FxFileSize = funcPointer(walFileSize)
		w.methods.FxFileControl = funcPointer(walFileControl)
	} else if w.methods.FxShmLock != 0 {
		w.methods.FxShmLock = funcPointer(dbShmLock)
	}
	walWrappers[key] = p
	return p
}

// walWriteLock is the shared-memory lock slot of the WAL's writer.
const walWriteLock = 0

// dbShmLock writes what the connection gathered in its WAL file before it
// releases the WAL write lock.
func dbShmLock(tls *libc.TLS, pFile uintptr, ofst, n, flags int32) int32 {
	if flags&sqlite3.SQLITE_SHM_UNLOCK != 0 && ofst <= walWriteLock && walWriteLock < ofst+n {
		walBuffersMu.Lock()
		wal, ok := walPending[tls]
		delete(walPending, tls)
		walBuffersMu.Unlock()
		if ok {
			flush(tls, wal) // as SQLite does, an unlock goes ahead whatever the writes gave
		}
	}
	lock := *(*func(*libc.TLS, uintptr, int32, int32, int32) int32)(unsafe.Pointer(&baseMethods(pFile).FxShmLock))
	return lock(tls, pFile, ofst, n, flags)
}

func baseMethods(pFile uintptr) *sqlite3.Tsqlite3_io_methods {
	w := (*walMethods)(cPointer((*sqlite3.Tsqlite3_file)(cPointer(pFile)).FpMethods))
	return (*sqlite3.Tsqlite3_io_methods)(cPointer(w.base))
}

func bufferOf(pFile uintptr) *walBuffer {
	walBuffersMu.Lock()
	defer walBuffersMu.Unlock()
	return walBuffers[pFile]
}

// writeThrough is the base xWrite.
func writeThrough(tls *libc.TLS, pFile, buf uintptr, n int32, off int64) int32 {
	if walWriteCounter != nil {
		walWriteCounter()
	}
	write := *(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&baseMethods(pFile).FxWrite))
	return write(tls, pFile, buf, n, off)
}

// flush writes what pFile has gathered.
func flush(tls *libc.TLS, pFile uintptr) int32 {
	b := bufferOf(pFile)
	if b == nil || b.n == 0 {
		return sqlite3.SQLITE_OK
	}
	rc := writeThrough(tls, pFile, b.mem, int32(b.n), b.off)
	b.n = 0
	b.commitPage = false
	return rc
}

func walWrite(tls *libc.TLS, pFile, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	b := bufferOf(pFile)
	if b == nil {
		return writeThrough(tls, pFile, zBuf, iAmt, iOfst)
	}
	if iOfst == 0 {
		b.end = 0 // a new round of the WAL starts with its header
	}
	appended := iOfst >= b.end
	if b.n > 0 && (!appended || iOfst != b.off+int64(b.n) || b.n+int(iAmt) > walBatchMax) {
		if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
			return rc
		}
	}
	b.end = max(b.end, iOfst+int64(iAmt))
	if !appended || int(iAmt) > walBatchMax {
		return writeThrough(tls, pFile, zBuf, iAmt, iOfst)
	}
	if b.n == 0 {
		b.off = iOfst
		walBuffersMu.Lock()
		walPending[tls] = pFile
		walBuffersMu.Unlock()
	}
	src := unsafe.Slice((*byte)(cPointer(zBuf)), iAmt)
	copy(unsafe.Slice((*byte)(cPointer(b.mem)), walBatchMax)[b.n:], src)
	b.n += int(iAmt)
	switch {
	case b.commitPage:
		// The commit frame is complete: write it with everything before it.
		return flush(tls, pFile)
	case iAmt == walFrameHdrSize && iOfst >= walHeaderSize && binary.BigEndian.Uint32(src[4:8]) != 0:
		// A frame header naming the database size after the commit marks
		// the transaction's last frame; its page comes next.
		b.commitPage = true
	}
	return sqlite3.SQLITE_OK
}

func walRead(tls *libc.TLS, pFile, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	read := *(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&baseMethods(pFile).FxRead))
	return read(tls, pFile, zBuf, iAmt, iOfst)
}

func walTruncate(tls *libc.TLS, pFile uintptr, size int64) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	if b := bufferOf(pFile); b != nil {
		b.end = min(b.end, size)
	}
	truncate := *(*func(*libc.TLS, uintptr, int64) int32)(unsafe.Pointer(&baseMethods(pFile).FxTruncate))
	return truncate(tls, pFile, size)
}

func walSync(tls *libc.TLS, pFile uintptr, flags int32) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	sync := *(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&baseMethods(pFile).FxSync))
	return sync(tls, pFile, flags)
}

func walFileSize(tls *libc.TLS, pFile, pSize uintptr) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	size := *(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&baseMethods(pFile).FxFileSize))
	return size(tls, pFile, pSize)
}

func walFileControl(tls *libc.TLS, pFile uintptr, op int32, pArg uintptr) int32 {
	if rc := flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	control := *(*func(*libc.TLS, uintptr, int32, uintptr) int32)(unsafe.Pointer(&baseMethods(pFile).FxFileControl))
	return control(tls, pFile, op, pArg)
}

func walClose(tls *libc.TLS, pFile uintptr) int32 {
	rc := flush(tls, pFile)
	closeFile := *(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&baseMethods(pFile).FxClose))
	if rc2 := closeFile(tls, pFile); rc == sqlite3.SQLITE_OK {
		rc = rc2
	}
	walBuffersMu.Lock()
	if b := walBuffers[pFile]; b != nil {
		libc.Xfree(tls, b.mem)
	}
	delete(walBuffers, pFile)
	for t, f := range walPending {
		if f == pFile {
			delete(walPending, t)
		}
	}
	walBuffersMu.Unlock()
	return rc
}
