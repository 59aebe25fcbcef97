package compare

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/toplab/toplab/reports"
)

// Options tunes Compare; the zero value means the defaults.
type Options struct {
	// Alpha is the significance level (default 0.05).
	Alpha float64
	// Confidence is the bootstrap interval's level (default 0.95).
	Confidence float64
	// Resamples is the bootstrap's resample count (default 2000).
	Resamples int
	// Seed seeds the bootstrap (default 1).
	Seed uint64
}

func (o Options) withDefaults() Options {
	if o.Alpha <= 0 || o.Alpha >= 1 {
		o.Alpha = 0.05
	}
	if o.Confidence <= 0 || o.Confidence >= 1 {
		o.Confidence = 0.95
	}
	if o.Resamples <= 0 {
		o.Resamples = 2000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Comparison is runs side by side. Index 0 of every slice is the baseline.
type Comparison struct {
	Runs []RunInfo `json:"runs"`
	// Knobs lists every knob of any run; Differs marks those not equal in
	// all runs.
	Knobs []KnobRow `json:"knobs"`
	// Metrics lists every figure (reports.Run.Figures) of any run.
	Metrics []MetricRow `json:"metrics"`
	// Tests compares each stream's samples of each run with the baseline's.
	Tests      []Test   `json:"tests"`
	Alpha      float64  `json:"alpha"`
	Confidence float64  `json:"confidence"`
	Warnings   []string `json:"warnings,omitempty"`

	runs []*reports.Run // for the plots
}

// RunInfo names a run.
type RunInfo struct {
	RunID    string    `json:"run_id"`
	Scenario string    `json:"scenario"`
	Start    time.Time `json:"start"`
	// Label is how plots and tables name the run: its differing knobs
	// ("push.batch=64") or, when none differ, its id.
	Label string `json:"label"`
	Pass  bool   `json:"pass"`
	Noisy bool   `json:"noisy"`
}

// KnobRow is one knob across the runs ("" where a run lacks it).
type KnobRow struct {
	Name    string   `json:"name"`
	Values  []string `json:"values"`
	Differs bool     `json:"differs"`
}

// MetricRow is one figure across the runs (nil where a run lacks it).
type MetricRow struct {
	Name   string     `json:"name"`
	Values []*float64 `json:"values"`
}

// Metrics compared per second.
const (
	MetricRate = "rate" // achieved per second
	MetricP99  = "p99"  // p99 latency of each second, ms
)

// Test is one stream's metric in run Run against the baseline (run 0).
type Test struct {
	Stream string `json:"stream"`
	Metric string `json:"metric"`
	Run    int    `json:"run"`
	N0     int    `json:"n0"`
	N      int    `json:"n"`
	// Median0 and Median are the medians of the baseline's and the run's
	// samples; Delta = Median - Median0, DeltaPct relative to Median0.
	Median0  float64 `json:"median0"`
	Median   float64 `json:"median"`
	Delta    float64 `json:"delta"`
	DeltaPct float64 `json:"delta_pct"`
	// DeltaLo and DeltaHi bound Delta at the Confidence level (bootstrap).
	DeltaLo float64 `json:"delta_lo"`
	DeltaHi float64 `json:"delta_hi"`
	// P is the Mann-Whitney U test's p-value; Significant is P < Alpha.
	P           float64  `json:"p"`
	Significant bool     `json:"significant"`
	Warnings    []string `json:"warnings,omitempty"`
}

// Compare compares runs with the default options; the first is the baseline.
func Compare(runs []*reports.Run) (*Comparison, error) { return CompareWith(runs, Options{}) }

// CompareWith compares runs; the first is the baseline.
func CompareWith(runs []*reports.Run, o Options) (*Comparison, error) {
	if len(runs) < 2 {
		return nil, fmt.Errorf("compare: need at least two runs, have %d", len(runs))
	}
	for i, r := range runs {
		if r == nil {
			return nil, fmt.Errorf("compare: run %d is nil", i)
		}
	}
	o = o.withDefaults()
	c := &Comparison{Alpha: o.Alpha, Confidence: o.Confidence, runs: runs}
	c.Knobs = knobRows(runs)
	c.Runs = runInfos(runs, c.Knobs)
	c.Metrics = metricRows(runs)
	c.Warnings = warnings(runs)
	for i := 1; i < len(runs); i++ {
		for _, s := range runs[0].Streams {
			other := runs[i].Stream(s.Name)
			if other == nil {
				c.Warnings = append(c.Warnings, fmt.Sprintf("run %s has no stream %s", c.Runs[i].Label, s.Name))
				continue
			}
			for _, m := range []string{MetricRate, MetricP99} {
				a, b := Samples(runs[0], &s, m), Samples(runs[i], other, m)
				t, err := test(a, b, o, seedOf(o.Seed, s.Name, m, i))
				if err != nil {
					c.Warnings = append(c.Warnings, fmt.Sprintf("stream %s %s, run %s: %v", s.Name, m, c.Runs[i].Label, err))
					continue
				}
				t.Stream, t.Metric, t.Run = s.Name, m, i
				c.Tests = append(c.Tests, t)
			}
		}
	}
	return c, nil
}

// Samples returns a stream's per-second samples of metric over the run's
// measured seconds (p99 only from seconds that have latencies).
func Samples(r *reports.Run, s *reports.Stream, metric string) []float64 {
	var out []float64
	for _, x := range r.Measured(s.Series) {
		switch metric {
		case MetricRate:
			out = append(out, x.Achieved)
		case MetricP99:
			if x.Count > 0 {
				out = append(out, x.P99)
			}
		}
	}
	return out
}

// seedOf derives a test's own seed, so each interval is reproducible alone
// and does not depend on the order tests run in.
func seedOf(seed uint64, parts ...any) uint64 {
	h := seed ^ 0xcbf29ce484222325
	for _, c := range []byte(fmt.Sprint(parts...)) {
		h = (h ^ uint64(c)) * 0x100000001b3
	}
	return h
}

var errTooFew = errors.New("too few samples (need 2 in each run)")

func knobRows(runs []*reports.Run) []KnobRow {
	names := map[string]bool{}
	for _, r := range runs {
		for k := range r.Env.Knobs {
			names[k] = true
		}
	}
	var rows []KnobRow
	for _, k := range slices.Sorted(maps.Keys(names)) {
		row := KnobRow{Name: k, Values: make([]string, len(runs))}
		for i, r := range runs {
			row.Values[i] = r.Env.Knobs[k]
			row.Differs = row.Differs || row.Values[i] != row.Values[0]
		}
		rows = append(rows, row)
	}
	return rows
}

func runInfos(runs []*reports.Run, knobs []KnobRow) []RunInfo {
	out := make([]RunInfo, len(runs))
	for i, r := range runs {
		var diff []string
		for _, k := range knobs {
			if k.Differs {
				diff = append(diff, k.Name+"="+k.Values[i])
			}
		}
		label := strings.Join(diff, " ")
		if label == "" {
			label = r.RunID
		}
		out[i] = RunInfo{RunID: r.RunID, Scenario: r.Scenario, Start: r.Start, Label: label, Pass: r.Pass(), Noisy: r.Noisy}
	}
	// Equal labels (same knobs) would make plots ambiguous: number them.
	seen := map[string]int{}
	for _, ri := range out {
		seen[ri.Label]++
	}
	for i := range out {
		if seen[out[i].Label] > 1 {
			out[i].Label = fmt.Sprintf("#%d %s", i+1, out[i].Label)
		}
	}
	return out
}

func metricRows(runs []*reports.Run) []MetricRow {
	figs := make([]map[string]float64, len(runs))
	names := map[string]bool{}
	for i, r := range runs {
		figs[i] = r.Figures()
		for k := range figs[i] {
			names[k] = true
		}
	}
	keys := slices.Collect(maps.Keys(names))
	sort.Strings(keys)
	rows := make([]MetricRow, len(keys))
	for j, k := range keys {
		rows[j] = MetricRow{Name: k, Values: make([]*float64, len(runs))}
		for i := range runs {
			if v, ok := figs[i][k]; ok {
				rows[j].Values[i] = &v
			}
		}
	}
	return rows
}

func warnings(runs []*reports.Run) []string {
	var w []string
	for _, r := range runs[1:] {
		if r.Scenario != runs[0].Scenario {
			w = append(w, fmt.Sprintf("runs are of different scenarios (%s, %s): their shapes differ", runs[0].Scenario, r.Scenario))
			break
		}
	}
	for _, r := range runs {
		if r.Noisy {
			w = append(w, fmt.Sprintf("run %s is noisy (%s): its timings are suspect", r.RunID, r.Host.NoisyReason))
		}
	}
	return w
}

// pct returns 100*(b-a)/a, or NaN when a is 0.
func pct(a, b float64) float64 {
	if a == 0 {
		return math.NaN()
	}
	return 100 * (b - a) / math.Abs(a)
}
