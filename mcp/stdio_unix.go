//go:build unix

package mcp

import (
	"io"
	"os"
	"syscall"
)

// pollable returns in, or, when in is a pipe or socket, a non-blocking
// duplicate of it and a function that closes the duplicate. Reads from the
// duplicate wait on Go's network poller: the goroutine parks instead of
// holding a thread in a blocking read, which would also keep the runtime's
// monitor thread waking every 20 µs to take that thread's processor back
// (about 5 % of the CPU of a busy stdio server). A terminal is left alone:
// non-blocking mode would outlive the process and upset the shell.
func pollable(in io.Reader) (io.Reader, func()) {
	f, ok := in.(*os.File)
	if !ok {
		return in, func() {}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
		return in, func() {}
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return in, func() {}
	}
	dup := -1
	rc.Control(func(fd uintptr) {
		if d, err := syscall.Dup(int(fd)); err == nil {
			dup = d
		}
	})
	if dup < 0 {
		return in, func() {}
	}
	// O_NONBLOCK belongs to the open pipe that both descriptors share;
	// nothing else reads it while ServeStdio runs.
	if err := syscall.SetNonblock(dup, true); err != nil {
		syscall.Close(dup)
		return in, func() {}
	}
	// os.NewFile sees the non-blocking descriptor and registers it with the
	// poller.
	nb := os.NewFile(uintptr(dup), f.Name())
	return nb, func() {
		// Blocking again for whoever reads in after us.
		if rc, err := nb.SyscallConn(); err == nil {
			rc.Control(func(fd uintptr) { syscall.SetNonblock(int(fd), false) })
		}
		nb.Close()
	}
}
