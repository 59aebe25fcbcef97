package scenarios

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// bundled holds the scenarios shipped in the binary, so `toplab run
// double11` works from any folder.
//
//go:embed *.yaml
var bundled embed.FS

// Load reads and validates the scenario file at path; files it names
// (replay CSVs) are relative to it.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return Parse(path, data)
}

// Parse validates a scenario; name is the file name used in messages and
// the base for the files the scenario names. Any problem, YAML syntax
// included, comes back as a *ValidationError listing every problem found.
func Parse(name string, data []byte) (*Scenario, error) {
	dir := filepath.Dir(name)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return parse(name, data, nil, dir)
}

// Bundled returns the scenario shipped in the binary under name (double11,
// smoke, ...).
func Bundled(name string) (*Scenario, error) {
	file := name + ".yaml"
	data, err := bundled.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("scenario: no bundled scenario %q (have %s)", name, strings.Join(BundledNames(), ", "))
	}
	return parse(file, data, bundled, ".")
}

// BundledNames lists the bundled scenarios.
func BundledNames() []string {
	entries, _ := fs.ReadDir(bundled, ".")
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			out = append(out, n)
		}
	}
	return out
}

// Open resolves a `toplab run` argument: a file when it names one (or looks
// like a path), else a bundled scenario.
func Open(arg string) (*Scenario, error) {
	if _, err := os.Stat(arg); err == nil || strings.ContainsRune(arg, os.PathSeparator) || strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") {
		return Load(arg)
	}
	return Bundled(arg)
}

func parse(name string, data []byte, fsys fs.FS, dir string) (*Scenario, error) {
	file := name // as the caller wrote it, so an editor can jump to file:line:col
	errs := &problems{}
	root, err := parseYAML(data)
	if err != nil {
		errs.add(syntaxProblem(file, data, err))
		return nil, errs.err(file)
	}
	if root != nil && isNull(root) && root.Anchor == "" {
		root = nil // an empty document: every required field is missing
	}
	if root != nil && root.Kind != yaml.MappingNode {
		errs.add(Problem{File: file, Line: max(root.Line, 1), Col: max(root.Column, 1), Msg: "a scenario is a mapping of fields, got " + describe(root)})
		return nil, errs.err(file)
	}
	d := newDecoder(file, errs)
	s := &Scenario{file: file, fsys: fsys, dir: dir, swept: map[string]string{}}
	if root != nil {
		d.decode(root, "", reflect.ValueOf(s).Elem())
	}
	s.vals, s.keys = d.vals, d.keys
	s.applyDefaults()
	if err := s.validate(); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			errs.list = append(errs.list, ve.Problems...)
		}
	}
	if err := errs.err(file); err != nil {
		return nil, err
	}
	return s, nil
}

// parseYAML returns the root node of the one document in data (nil when
// empty).
func parseYAML(data []byte) (*yaml.Node, error) {
	if err := checkText(data); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, lineError{extra.Line, "yaml: more than one document (a scenario is one)"}
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0], nil
	}
	return &doc, nil
}

// lineError is a syntax problem this package finds itself.
type lineError struct {
	line int
	msg  string
}

func (e lineError) Error() string { return e.msg }

// checkText finds invalid UTF-8 and NUL bytes with their line: yaml.v3
// reports those without one.
func checkText(data []byte) error {
	for i, line := range bytes.Split(data, []byte("\n")) {
		switch {
		case !utf8.Valid(line):
			return lineError{i + 1, "yaml: invalid UTF-8"}
		case bytes.IndexByte(line, 0) >= 0:
			return lineError{i + 1, "yaml: NUL byte"}
		}
	}
	return nil
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// syntaxProblem turns a yaml.v3 error into a Problem with its line. yaml.v3
// leaves the line out when it is the first ("yaml: line 3: ..." otherwise).
func syntaxProblem(file string, data []byte, err error) Problem {
	if le, ok := err.(lineError); ok {
		return Problem{File: file, Line: max(le.line, 1), Col: 1, Msg: le.msg}
	}
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil && n > 0 {
			line = n
		}
		msg = strings.Replace(msg, m[0]+": ", "", 1)
	}
	line = min(line, lineCount(data))
	return Problem{File: file, Line: line, Col: 1, Msg: msg}
}

// lineCount counts lines as YAML breaks them: at \r\n, \r, \n, and
// U+0085, U+2028, U+2029.
func lineCount(data []byte) int {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	return 1 + strings.Count(s, "\n") + strings.Count(s, "\r") + strings.Count(s, "\u0085") + strings.Count(s, "\u2028") + strings.Count(s, "\u2029")
}
