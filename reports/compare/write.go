package compare

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/toplab/toplab/reports"
	"github.com/toplab/toplab/reports/chart"
)

// Files WriteComparison writes.
const (
	CompareJSON = "compare.json"
	CompareMD   = "compare.md"
	CompareHTML = "compare.html"
)

// WriteComparison writes compare.json, compare.md and compare.html (overlaid
// plots) into dir, creating it. cmp must come from Compare: the plots need
// the runs.
func WriteComparison(dir string, cmp *Comparison) error {
	if cmp == nil || len(cmp.runs) < 2 {
		return errors.New("write comparison: not a comparison made by Compare")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	js, err := json.MarshalIndent(cmp, "", "  ")
	if err != nil {
		return fmt.Errorf("write comparison: encode: %w", err)
	}
	page := cmp.Page()
	html, err := cmp.HTML()
	if err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{CompareJSON, append(js, '\n')}, {CompareMD, page.Markdown()}, {CompareHTML, html}} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return fmt.Errorf("write comparison: %w", err)
		}
	}
	return nil
}

// HTML renders compare.html: the tables and the overlaid plots.
func (c *Comparison) HTML() ([]byte, error) {
	page := c.Page()
	figs, err := c.figures()
	if err != nil {
		return nil, err
	}
	page.Figures = figs
	return page.HTML()
}

// Page returns the comparison's heading, facts and tables (no figures).
func (c *Comparison) Page() reports.Page {
	labels := make([]string, len(c.Runs))
	for i, r := range c.Runs {
		labels[i] = r.Label
	}
	p := reports.Page{
		Title:   "compare " + strings.Join(labels, " vs "),
		Heading: fmt.Sprintf("%s: %d runs compared", c.Runs[0].Scenario, len(c.Runs)),
	}
	sig := 0
	for _, t := range c.Tests {
		if t.Significant {
			sig++
		}
	}
	p.Facts = append(p.Facts,
		reports.Fact{Label: "baseline", Value: c.Runs[0].Label + " (" + c.Runs[0].RunID + ")"},
		reports.Fact{Label: "significant", Value: fmt.Sprintf("%d of %d tests at alpha %g (Mann-Whitney U on per-second samples; %g%% bootstrap intervals of the median difference)", sig, len(c.Tests), c.Alpha, 100*c.Confidence)})
	for _, w := range c.Warnings {
		p.Facts = append(p.Facts, reports.Fact{Label: "warning", Value: w})
	}

	runs := reports.Table{Title: "Runs", Head: []string{"label", "run", "scenario", "start", "verdict", "noisy"}}
	for _, r := range c.Runs {
		verdict, st := "pass", "pass"
		if !r.Pass {
			verdict, st = "FAIL", "fail"
		}
		noisy := ""
		if r.Noisy {
			noisy = "yes"
		}
		runs.Add(st, r.Label, r.RunID, r.Scenario, r.Start.UTC().Format(time.RFC3339), verdict, noisy)
	}

	knobs := reports.Table{Title: "Knobs", Head: append([]string{"knob"}, labels...)}
	for _, k := range c.Knobs {
		st := ""
		if k.Differs {
			st = "warn"
		}
		cells := []string{k.Name}
		for _, v := range k.Values {
			cells = append(cells, dash(v))
		}
		knobs.Add(st, cells...)
	}

	tests := reports.Table{Title: "Significance against the baseline", Head: []string{"stream", "metric", "run", "baseline median", "median", "delta", fmt.Sprintf("%g%% interval", 100*c.Confidence), "p", "significant"}}
	for _, t := range c.Tests {
		st, word := "", "no"
		if t.Significant {
			st, word = "warn", "yes"
		}
		if len(t.Warnings) > 0 {
			word += " (" + strings.Join(t.Warnings, "; ") + ")"
		}
		tests.Add(st, t.Stream, metricName(t.Metric), c.Runs[t.Run].Label, reports.Num(t.Median0), reports.Num(t.Median),
			fmt.Sprintf("%s (%+.1f%%)", signed(t.Delta), t.DeltaPct), "["+reports.Num(t.DeltaLo)+", "+reports.Num(t.DeltaHi)+"]",
			pValue(t.P), word)
	}

	metrics := reports.Table{Title: "Figures", Head: append([]string{"figure"}, labels...)}
	for _, m := range c.Metrics {
		cells := []string{m.Name}
		differs := false
		for i, v := range m.Values {
			switch {
			case v == nil:
				cells = append(cells, "-")
			case i == 0 || m.Values[0] == nil || *m.Values[0] == 0:
				cells = append(cells, reports.Num(*v))
			default:
				cells = append(cells, fmt.Sprintf("%s (%+.1f%%)", reports.Num(*v), pct(*m.Values[0], *v)))
			}
			differs = differs || (v == nil) != (m.Values[0] == nil) || (v != nil && m.Values[0] != nil && *v != *m.Values[0])
		}
		st := ""
		if differs {
			st = "warn"
		}
		metrics.Add(st, cells...)
	}
	p.Tables = []reports.Table{runs, knobs, tests, metrics}
	return p
}

func pValue(p float64) string {
	if p < 0.001 {
		return "< 0.001"
	}
	return fmt.Sprintf("%.3f", p)
}

func metricName(m string) string {
	if m == MetricP99 {
		return "p99 ms per second"
	}
	return "achieved per second"
}

func signed(x float64) string {
	if x > 0 {
		return "+" + reports.Num(x)
	}
	return reports.Num(x)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// figures overlays the runs: per baseline stream, throughput and p99 over
// time and the latency distribution, then errors by code.
func (c *Comparison) figures() ([]reports.Figure, error) {
	base := c.runs[0]
	spans := reports.Spans(base.Phases)
	var out []reports.Figure
	add := func(title, svg string, err error) error {
		if err != nil {
			return fmt.Errorf("plot %s: %w", title, err)
		}
		out = append(out, reports.Figure{Title: title, SVG: template.HTML(svg)})
		return nil
	}
	for _, s := range base.Streams {
		tp := chart.Time{Title: s.Name + ": throughput", YLabel: "per second", Spans: spans}
		p99 := chart.Time{Title: s.Name + ": p99 latency", YLabel: "ms", Spans: spans}
		dist := chart.Quantiles{Title: s.Name + ": latency distribution (warm-up excluded)", YLabel: "ms"}
		target := reports.SeriesLine("target ("+c.Runs[0].Label+")", s.Series, reports.PickTarget, false)
		target.Color, target.Dashed, target.Width = 6, true, 1
		tp.Lines = append(tp.Lines, target)
		for i, r := range c.runs {
			rs := r.Stream(s.Name)
			if rs == nil {
				continue
			}
			l := reports.SeriesLine(c.Runs[i].Label, rs.Series, reports.PickAchieved, false)
			l.Color = i
			tp.Lines = append(tp.Lines, l)
			l = reports.SeriesLine(c.Runs[i].Label, rs.Series, reports.PickP99, true)
			l.Color = i
			p99.Lines = append(p99.Lines, l)
			q, v, err := rs.Latency.Quantiles()
			if err != nil {
				return nil, fmt.Errorf("plot %s: run %s: %w", dist.Title, c.Runs[i].Label, err)
			}
			dist.Lines = append(dist.Lines, chart.QuantileLine{Name: c.Runs[i].Label, Q: q, Y: v, Color: i})
		}
		svg, err := tp.SVG()
		if err := add(tp.Title, svg, err); err != nil {
			return nil, err
		}
		svg, err = p99.SVG()
		if err := add(p99.Title, svg, err); err != nil {
			return nil, err
		}
		svg, err = dist.SVG()
		if err := add(dist.Title, svg, err); err != nil {
			return nil, err
		}
	}
	svg, err := c.errorBars().SVG()
	if err := add("errors by code", svg, err); err != nil {
		return nil, err
	}
	return out, nil
}

// errorBars groups failures by stream and code, one bar per run.
func (c *Comparison) errorBars() chart.Bars {
	type key struct{ stream, code string }
	keys := map[key]bool{}
	for _, r := range c.runs {
		for _, s := range r.Streams {
			for code, n := range s.ErrorsByCode {
				if n > 0 {
					keys[key{s.Name, code}] = true
				}
			}
		}
	}
	sorted := slices.SortedFunc(maps.Keys(keys), func(a, b key) int {
		return strings.Compare(a.stream+"\x00"+a.code, b.stream+"\x00"+b.code)
	})
	b := chart.Bars{Title: "errors by code", YLabel: "requests"}
	for _, k := range sorted {
		b.Categories = append(b.Categories, k.stream+" "+k.code)
	}
	if len(sorted) == 0 {
		return b
	}
	for i, r := range c.runs {
		g := chart.BarGroup{Name: c.Runs[i].Label, Color: i, Values: make([]float64, len(sorted))}
		for j, k := range sorted {
			if s := r.Stream(k.stream); s != nil {
				g.Values[j] = float64(s.ErrorsByCode[k.code])
			}
		}
		b.Groups = append(b.Groups, g)
	}
	return b
}
