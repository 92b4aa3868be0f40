package config

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestTokenCreatedOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "engram")
	tok, err := Token(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := hex.DecodeString(tok); err != nil || len(b) != 32 {
		t.Errorf("token %q is not 32 bytes in hex", tok)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(filepath.Join(dir, TokenFile)); fi.Mode().Perm() != 0o600 {
			t.Errorf("token file mode %v, want 0600", fi.Mode().Perm())
		}
	}
	again, err := Token(dir)
	if err != nil || again != tok {
		t.Errorf("second Token = %q, %v; want the first token %q", again, err, tok)
	}
}

func TestTokenConcurrentStart(t *testing.T) {
	dir := t.TempDir()
	const n = 16
	toks := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { toks[i], errs[i] = Token(dir) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || toks[i] != toks[0] {
			t.Fatalf("caller %d got %q, %v; caller 0 got %q", i, toks[i], errs[i], toks[0])
		}
	}
}

func TestTokenFile(t *testing.T) {
	custom := strings.Repeat("A1b2", 10)
	tests := []struct {
		name, content string
		mode          os.FileMode
		want          string // the token, or "" when an error is expected
		wantErr       string
	}{
		{"OwnToken", custom + "\n", 0o600, custom, ""},
		{"LooseModeFixed", custom, 0o644, custom, ""},
		{"TooShort", "abc\n", 0o600, "", "at least 32 printable characters"},
		{"Spaces", strings.Repeat("ab cd ", 10), 0o600, "", "at least 32 printable characters"},
		{"Empty", "", 0o600, "", "is empty; delete it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "Empty" {
				t.Parallel() // waits tokenWait for a writer that never comes
			}
			dir := t.TempDir()
			path := filepath.Join(dir, TokenFile)
			if err := os.WriteFile(path, []byte(tt.content), tt.mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(path, tt.mode)
			got, err := Token(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Token = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Token = %q, %v; want %q", got, err, tt.want)
			}
			if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v after Token, want 0600", fi.Mode().Perm())
			}
		})
	}
}
