package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Files of a run directory.
const (
	SummaryJSON = "summary.json"
	SummaryMD   = "summary.md"
	ReportHTML  = "report.html"
)

// Dir returns the directory of a run under root: root/<scenario>-<start>,
// the start in UTC as 20060102-150405.
func Dir(root, scenario string, start time.Time) string {
	return filepath.Join(root, scenario+"-"+start.UTC().Format("20060102-150405"))
}

// RunPage builds the run's page: verdict, facts, tables and plots.
func RunPage(r *Run) (Page, error) {
	figs, err := figures(r)
	if err != nil {
		return Page{}, err
	}
	h, verdict, status := heading(r)
	return Page{
		Title: r.Scenario + " " + r.RunID, Heading: h, Verdict: verdict, Status: status,
		Facts: facts(r), Tables: tables(r), Figures: figs,
	}, nil
}

// Markdown renders summary.md: the verdict, facts and tables.
func Markdown(r *Run) []byte {
	h, verdict, status := heading(r)
	return Page{Heading: h, Verdict: verdict, Status: status, Facts: facts(r), Tables: tables(r)}.Markdown()
}

// HTML renders report.html.
func HTML(r *Run) ([]byte, error) {
	p, err := RunPage(r)
	if err != nil {
		return nil, err
	}
	return p.HTML()
}

// Write writes summary.json, summary.md and report.html into dir (created
// if needed). The run is first normalised (see Normalize) on a copy and
// must pass Validate, so that Load can read back what Write wrote. Each
// file is written whole or not at all; summary.json is written first, so
// the figures survive a rendering failure.
func Write(dir string, run *Run) error {
	r := Normalize(run)
	if err := r.Validate(); err != nil {
		return fmt.Errorf("write run: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write run: %w", err)
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("write run: encode %s: %w", SummaryJSON, err)
	}
	if err := writeFile(dir, SummaryJSON, append(js, '\n')); err != nil {
		return err
	}
	if err := writeFile(dir, SummaryMD, Markdown(r)); err != nil {
		return err
	}
	html, err := HTML(r)
	if err != nil {
		return fmt.Errorf("write run: %w", err)
	}
	return writeFile(dir, ReportHTML, html)
}

// Normalize returns a copy of run ready to write: Noisy set when the host
// said so, metrics that are not finite numbers (JSON has none) removed and
// named in Notes rather than silently lost.
func Normalize(run *Run) *Run {
	r := *run
	r.Noisy = r.Noisy || r.Host.Noisy
	var bad []string
	for _, k := range slices.Sorted(maps.Keys(r.Metrics)) {
		if v := r.Metrics[k]; math.IsNaN(v) || math.IsInf(v, 0) {
			bad = append(bad, fmt.Sprintf("%s=%v", k, v))
		}
	}
	if len(bad) > 0 {
		r.Metrics = maps.Clone(r.Metrics)
		for _, b := range bad {
			delete(r.Metrics, b[:strings.LastIndexByte(b, '=')])
		}
		r.Notes = append(slices.Clone(r.Notes), "metrics dropped, not finite: "+strings.Join(bad, ", "))
	}
	return &r
}

// writeFile writes name in dir through a temporary file and a rename.
func writeFile(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// Load reads a run from dir/summary.json (or from path itself when it names
// a file).
func Load(path string) (*Run, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, SummaryJSON)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load run: %w", err)
	}
	r, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("load run %s: %w", path, err)
	}
	return r, nil
}

// Decode parses summary.json and checks what the renderers rely on:
// stream names present and unique (figure names are built from them),
// phases that do not end before they start, series in order.
func Decode(data []byte) (*Run, error) {
	var r Run
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(&r); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if d.More() {
		return nil, errors.New("decode: trailing data after the run")
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// Validate checks the invariants Decode enforces.
func (r *Run) Validate() error {
	seen := map[string]bool{}
	for _, s := range r.Streams {
		if s.Name == "" {
			return errors.New("stream without a name")
		}
		if seen[s.Name] {
			return fmt.Errorf("stream %q appears twice", s.Name)
		}
		seen[s.Name] = true
		if err := ordered(s.Series); err != nil {
			return fmt.Errorf("stream %s: %w", s.Name, err)
		}
	}
	for _, tl := range []*Timeline{r.PushE2E, r.SyncFreshness} {
		if tl != nil {
			if err := ordered(tl.Series); err != nil {
				return err
			}
		}
	}
	for _, p := range r.Phases {
		if p.End < p.Start {
			return fmt.Errorf("phase %q ends (%gs) before it starts (%gs)", p.Name, p.End, p.Start)
		}
	}
	return nil
}

func ordered(series []Second) error {
	for i := 1; i < len(series); i++ {
		if series[i].Second <= series[i-1].Second {
			return fmt.Errorf("series out of order at second %d", series[i].Second)
		}
	}
	return nil
}
