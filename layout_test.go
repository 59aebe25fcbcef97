package toplab_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/toplab/toplab"

var labPackages = []string{"loadgen", "chaos", "reports", "testenv"}

// The system under test knows nothing of the lab: no system/... package may
// import loadgen, chaos, reports or testenv, directly or through another of
// the module's packages. Test files may (they start real servers through testenv).
// The files are parsed in-process so `go test` caching notices every change.
func TestSystemDoesNotImportTheLab(t *testing.T) {
	var roots []string
	err := filepath.WalkDir("system", func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			roots = append(roots, module+"/"+filepath.ToSlash(path))
		}
		return err
	})
	if err != nil || len(roots) == 0 {
		t.Fatalf("no packages under system/: %v", err)
	}
	for _, root := range roots {
		if path, bad := reachesLab(t, root, map[string]bool{}); bad {
			t.Errorf("%s imports the lab: %s", root, strings.Join(path, " -> "))
		}
	}
}

// reachesLab follows the module-internal imports of pkg depth-first and
// returns the chain to the first lab package it reaches.
func reachesLab(t *testing.T, pkg string, seen map[string]bool) ([]string, bool) {
	for _, lab := range labPackages {
		if pkg == module+"/"+lab || strings.HasPrefix(pkg, module+"/"+lab+"/") {
			return []string{pkg}, true
		}
	}
	if seen[pkg] || !strings.HasPrefix(pkg, module+"/") {
		return nil, false
	}
	seen[pkg] = true
	for _, imp := range imports(t, strings.TrimPrefix(pkg, module+"/")) {
		if chain, bad := reachesLab(t, imp, seen); bad {
			return append([]string{pkg}, chain...), true
		}
	}
	return nil, false
}

// imports lists the imports of the non-test Go files in dir.
func imports(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, name), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, spec := range f.Imports {
			path, _ := strconv.Unquote(spec.Path.Value)
			out = append(out, path)
		}
	}
	return out
}
