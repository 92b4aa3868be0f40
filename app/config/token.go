package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// TokenFile is the name of the bearer token file in Directories.Config.
const TokenFile = "token"

// minTokenChars is the shortest token Token accepts from the file: a
// person may put their own there, but not a guessable one.
const minTokenChars = 32

// tokenWait is how long Token waits for another process that has created
// the token file to finish writing it.
const tokenWait = 2 * time.Second

// Token returns the bearer token that guards Engram's HTTP MCP endpoint,
// kept in dir/token. The first call on a machine creates it: 32 random
// bytes in hex, mode 0600. Two processes starting together get the same
// token: the file is created with O_EXCL, so exactly one of them writes it
// and the other reads what was written.
func Token(dir string) (string, error) {
	if err := ensurePrivateDir(dir); err != nil {
		return "", err
	}
	path := filepath.Join(dir, TokenFile)
	deadline := time.Now().Add(tokenWait)
	for {
		tok, err := readToken(path)
		switch {
		case err == nil:
			return tok, nil
		case errors.Is(err, fs.ErrNotExist):
			tok, err := createToken(path)
			if errors.Is(err, fs.ErrExist) {
				continue // another process created it first: read that one
			}
			return tok, err
		case errors.Is(err, errTokenEmpty) && time.Now().Before(deadline):
			// Created but not yet written by the process that won the race.
			time.Sleep(10 * time.Millisecond)
		case errors.Is(err, errTokenEmpty):
			return "", fmt.Errorf("the token file %s is empty; delete it and start Engram again (assistants that use the HTTP endpoint then need the new token)", path)
		default:
			return "", err
		}
	}
}

var errTokenEmpty = errors.New("token file is empty")

func readToken(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		// Anyone who reads the token can use the memories: take the
		// access away rather than refuse to start.
		if err := f.Chmod(0o600); err != nil {
			return "", fmt.Errorf("the token file %s can be read by other users and its mode could not be fixed: %w", path, err)
		}
	}
	b, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	tok := strings.TrimSpace(string(b))
	switch {
	case tok == "":
		return "", errTokenEmpty
	case len(tok) < minTokenChars || strings.ContainsFunc(tok, func(r rune) bool { return r <= ' ' || r > '~' }):
		return "", fmt.Errorf("the token file %s does not hold a token of at least %d printable characters; delete it and start Engram again", path, minTokenChars)
	}
	return tok, nil
}

func createToken(path string) (string, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	b := make([]byte, 32)
	rand.Read(b) // never fails: crypto/rand.Read panics rather than return an error
	tok := hex.EncodeToString(b)
	_, err = f.WriteString(tok + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// An empty or partial file would make every later start fail.
		os.Remove(path)
		return "", fmt.Errorf("write the token file %s: %w", path, err)
	}
	return tok, nil
}
