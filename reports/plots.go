package reports

import (
	"fmt"
	"html/template"
	"maps"
	"math"
	"slices"

	"github.com/toplab/toplab/reports/chart"
)

// Figure is one plot of a report: a caption and its inline SVG.
type Figure struct {
	Title string
	SVG   template.HTML // produced by package chart, which escapes all text
}

// Spans turns phases into chart spans (warm-up shaded).
func Spans(phases []Phase) []chart.Span {
	out := make([]chart.Span, len(phases))
	for i, p := range phases {
		out[i] = chart.Span{Name: p.Name, From: p.Start, To: p.End, Shaded: p.Warmup}
	}
	return out
}

// SeriesLine picks one value per second; seconds without latencies (Count
// 0) are gaps when the value is a latency.
func SeriesLine(name string, series []Second, pick func(Second) float64, latency bool) chart.Line {
	l := chart.Line{Name: name, X: make([]float64, len(series)), Y: make([]float64, len(series))}
	for i, s := range series {
		l.X[i] = float64(s.Second)
		l.Y[i] = pick(s)
		if latency && s.Count == 0 {
			l.Y[i] = math.NaN()
		}
	}
	return l
}

// Value pickers for SeriesLine.
func PickAchieved(s Second) float64 { return s.Achieved }
func PickTarget(s Second) float64   { return s.Target }
func PickErrors(s Second) float64   { return float64(s.Errors) }
func PickP50(s Second) float64      { return s.P50 }
func PickP90(s Second) float64      { return s.P90 }
func PickP99(s Second) float64      { return s.P99 }

func withStyle(l chart.Line, color int, dashed bool, width float64) chart.Line {
	l.Color, l.Dashed, l.Width = color, dashed, width
	return l
}

// figures draws every plot of the report.
func figures(r *Run) ([]Figure, error) {
	var out []Figure
	add := func(title string, svg string, err error) error {
		if err != nil {
			return fmt.Errorf("plot %s: %w", title, err)
		}
		out = append(out, Figure{Title: title, SVG: template.HTML(svg)})
		return nil
	}
	spans := Spans(r.Phases)
	for _, s := range r.Streams {
		title := s.Name + ": throughput against target"
		svg, err := chart.Time{Title: title, YLabel: "per second", Spans: spans, Lines: []chart.Line{
			withStyle(SeriesLine("target", s.Series, PickTarget, false), 6, true, 1),
			withStyle(SeriesLine("achieved", s.Series, PickAchieved, false), 0, false, 0),
			withStyle(SeriesLine("errors", s.Series, PickErrors, false), 1, false, 0.8),
		}}.SVG()
		if err := add(title, svg, err); err != nil {
			return nil, err
		}
		title = s.Name + ": latency over time"
		svg, err = latencyOverTime(title, s.Series, spans)
		if err := add(title, svg, err); err != nil {
			return nil, err
		}
	}
	if len(r.Streams) > 0 {
		title := "latency distribution (warm-up excluded)"
		var lines []chart.QuantileLine
		for i, s := range r.Streams {
			q, v, err := s.Latency.Quantiles()
			if err != nil {
				return nil, fmt.Errorf("plot %s: stream %s: %w", title, s.Name, err)
			}
			lines = append(lines, chart.QuantileLine{Name: s.Name, Q: q, Y: v, Color: i})
		}
		svg, err := chart.Quantiles{Title: title, YLabel: "ms", Lines: lines}.SVG()
		if err := add(title, svg, err); err != nil {
			return nil, err
		}
		title = "errors by code"
		svg, err = errorBars(title, r.Streams)
		if err := add(title, svg, err); err != nil {
			return nil, err
		}
	}
	for _, m := range []struct {
		name string
		tl   *Timeline
	}{{"push end-to-end latency", r.PushE2E}, {"sync freshness", r.SyncFreshness}} {
		if m.tl == nil {
			continue
		}
		svg, err := latencyOverTime(m.name+" over time", m.tl.Series, spans)
		if err := add(m.name+" over time", svg, err); err != nil {
			return nil, err
		}
		q, v, err := m.tl.Latency.Quantiles()
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", m.name, err)
		}
		svg, err = chart.Quantiles{Title: m.name + " distribution", YLabel: "ms",
			Lines: []chart.QuantileLine{{Name: m.name, Q: q, Y: v}}}.SVG()
		if err := add(m.name+" distribution", svg, err); err != nil {
			return nil, err
		}
	}
	if len(r.Host.Samples) > 0 {
		title := "host load"
		svg, err := hostChart(title, r.Host, spans)
		if err := add(title, svg, err); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func latencyOverTime(title string, series []Second, spans []chart.Span) (string, error) {
	return chart.Time{Title: title, YLabel: "ms", Spans: spans, Lines: []chart.Line{
		withStyle(SeriesLine("p50", series, PickP50, true), 2, false, 0),
		withStyle(SeriesLine("p90", series, PickP90, true), 4, false, 0),
		withStyle(SeriesLine("p99", series, PickP99, true), 1, false, 0),
	}}.SVG()
}

// errorBars draws failures by code, one bar per stream within each code.
func errorBars(title string, streams []Stream) (string, error) {
	codes := map[string]bool{}
	for _, s := range streams {
		for c, n := range s.ErrorsByCode {
			if n > 0 {
				codes[c] = true
			}
		}
	}
	cats := slices.Sorted(maps.Keys(codes))
	b := chart.Bars{Title: title, YLabel: "requests", Categories: cats}
	if len(cats) == 0 {
		return b.SVG()
	}
	for i, s := range streams {
		g := chart.BarGroup{Name: s.Name, Color: i, Values: make([]float64, len(cats))}
		for j, c := range cats {
			g.Values[j] = float64(s.ErrorsByCode[c])
		}
		b.Groups = append(b.Groups, g)
	}
	return b.SVG()
}

// hostChart draws the 1-minute load against the core count, and the CPU
// steal and busy shares scaled to cores (100% = all cores).
func hostChart(title string, h Host, spans []chart.Span) (string, error) {
	n := len(h.Samples)
	load := chart.Line{Name: "load1", X: make([]float64, n), Y: make([]float64, n)}
	steal := chart.Line{Name: "steal (cores)", X: make([]float64, n), Y: make([]float64, n), Color: 1}
	busy := chart.Line{Name: "busy (cores)", X: make([]float64, n), Y: make([]float64, n), Color: 2, Width: 0.8}
	cores := chart.Line{Name: "cores", X: make([]float64, n), Y: make([]float64, n), Color: 6, Dashed: true, Width: 1}
	for i, s := range h.Samples {
		load.X[i], steal.X[i], busy.X[i], cores.X[i] = s.Second, s.Second, s.Second, s.Second
		load.Y[i] = s.Load1
		steal.Y[i] = s.StealPct / 100 * float64(h.Cores)
		busy.Y[i] = s.BusyPct / 100 * float64(h.Cores)
		cores.Y[i] = float64(h.Cores)
	}
	return chart.Time{Title: title, YLabel: "threads / cores", Spans: spans, Lines: []chart.Line{cores, load, busy, steal}}.SVG()
}
