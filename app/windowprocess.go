package app

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"sync"
	"time"
)

// windowProcess runs the desktop window as a child process of the tray
// ("engram window"): systray and Wails each want the GUI main loop, and on
// macOS they cannot share one process. Closing the window ends the child;
// the tray and its server go on.
type windowProcess struct {
	exe    string
	addr   string
	logger *slog.Logger
	// changed is called when the window opens or closes.
	changed func()

	mu    sync.Mutex // guards cmd, stdin and done
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{} // closed when the running child has exited
}

// Open reports whether the window is open.
func (w *windowProcess) Open() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cmd != nil
}

// Show brings the window up on path, starting it if it is not running.
func (w *windowProcess) Show(path string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cmd != nil {
		if _, err := fmt.Fprintf(w.stdin, "show %s\n", path); err == nil {
			return nil
		}
		// The child is on its way out: start a new one.
	}
	cmd := exec.Command(w.exe, "window", "--control-stdin", "--addr", w.addr, "--path", path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the window: %w", err)
	}
	w.logger.Info("window opened", "pid", cmd.Process.Pid, "page", path)
	w.cmd, w.stdin, w.done = cmd, stdin, make(chan struct{})
	go w.relay(stderr)
	go w.wait(cmd, w.done)
	go w.changed()
	return nil
}

// relay passes the window's log lines on to the tray's log.
func (w *windowProcess) relay(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		w.logger.Info("window: " + sc.Text())
	}
}

func (w *windowProcess) wait(cmd *exec.Cmd, done chan struct{}) {
	err := cmd.Wait()
	w.mu.Lock()
	if w.cmd == cmd {
		w.cmd, w.stdin = nil, nil
	}
	w.mu.Unlock()
	close(done)
	if err != nil {
		w.logger.Warn("window closed", "error", err)
	} else {
		w.logger.Info("window closed")
	}
	w.changed()
}

// Close asks the window to quit and waits up to timeout for it, then
// kills it: the tray must never leave a window behind.
func (w *windowProcess) Close(timeout time.Duration) {
	w.mu.Lock()
	cmd, stdin, done := w.cmd, w.stdin, w.done
	w.mu.Unlock()
	if cmd == nil {
		return
	}
	fmt.Fprintln(stdin, "quit")
	stdin.Close()
	select {
	case <-done:
	case <-time.After(timeout):
		w.logger.Warn("window did not quit in time: killing it")
		cmd.Process.Kill()
		<-done
	}
}
