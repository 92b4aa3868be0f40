package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/engramhq/engram"

// allowedImports is the dependency rule of SPEC §7: for each package (by
// directory), the packages of this module its non-test files may import.
// Arrows point one way: nothing imports a package above it.
var allowedImports = map[string][]string{
	".":                 {"app"},
	"app":               {"app/config", "frontend", "mcp", "backend", "backend/sqlite", "backend/neo4j", "backend/exchange"},
	"app/config":        {"backend"},
	"frontend":          {"backend", "backend/exchange"},
	"mcp":               {"backend"},
	"backend":           {},
	"backend/sqlite":    {"backend"},
	"backend/neo4j":     {"backend"},
	"backend/exchange":  {"backend"},
	"backend/storetest": {"backend"},
	"build/bench":       {"backend"}, // the load generator: domain types for its seed files
}

// testOnlyImports are what test files may add: real stores to test against.
var testOnlyImports = []string{"backend/sqlite", "backend/neo4j", "backend/storetest", "backend/exchange", "mcp", "app/config"}

func TestImportRule(t *testing.T) {
	fset := token.NewFileSet()
	checked := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		allowed, known := allowedImports[dir]
		if !known {
			if strings.HasPrefix(dir, "build/") {
				return nil // tools and packaging programs, not part of the app
			}
			t.Errorf("%s: package %q is not in the dependency rule; add it to allowedImports", path, dir)
			return nil
		}
		checked[dir] = true
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		isTest := strings.HasSuffix(path, "_test.go")
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if p != module && !strings.HasPrefix(p, module+"/") {
				continue
			}
			target := strings.TrimPrefix(strings.TrimPrefix(p, module), "/")
			if target == "" {
				target = "."
			}
			if target == dir || contains(allowed, target) || (isTest && contains(testOnlyImports, target) && !above(dir, target)) {
				continue
			}
			t.Errorf("%s imports %s: the dependency rule (SPEC §7) does not allow %s -> %s", path, p, dir, target)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{".", "app", "mcp", "backend", "backend/sqlite", "backend/storetest"} {
		if !checked[dir] {
			t.Errorf("package %q was not found: is the layout of SPEC §7 intact?", dir)
		}
	}
}

// above reports whether target sits above dir in the layering, which even
// tests must not import (a store's tests importing the MCP server, say).
func above(dir, target string) bool {
	rank := func(d string) int {
		switch {
		case d == ".":
			return 4
		case d == "app":
			return 3
		case d == "mcp" || d == "frontend" || d == "app/config":
			return 2
		case d == "backend":
			return 0
		}
		return 1
	}
	return rank(target) > rank(dir)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// guiImports are the GUI libraries and the one file each may be imported
// from (behind the desktop build tag), so that everything else builds and
// tests without cgo or GUI libraries.
var guiImports = map[string]string{
	"github.com/wailsapp/wails/":    "app/window_wails.go",
	"github.com/getlantern/systray": "app/tray_systray.go",
}

func TestGUIImportsStayInTheirFile(t *testing.T) {
	fset := token.NewFileSet()
	found := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			for prefix, only := range guiImports {
				if !strings.HasPrefix(p, prefix) {
					continue
				}
				if filepath.ToSlash(path) != only {
					t.Errorf("%s imports %s: only %s may", path, p, only)
				}
				found[only] = true
				if len(f.Comments) == 0 || !strings.HasPrefix(f.Comments[0].List[0].Text, "//go:build desktop") {
					t.Errorf("%s imports %s without the //go:build desktop line", path, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, only := range guiImports {
		if !found[only] {
			t.Errorf("%s imports no GUI library: is the desktop app still there?", only)
		}
	}
}
