package chart

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Line is one named line. X and Y have equal length; a NaN Y leaves a gap
// (a second with nothing measured is not a zero).
type Line struct {
	Name string
	X, Y []float64
	// Dashed draws the line dashed: targets, or a second quantile of one series.
	Dashed bool
	// Color picks the palette entry; lines sharing a Color are one series
	// (say, p50 and p99 of the same run) told apart by Dashed or Width.
	Color int
	// Width is the stroke width in points (0: 1.2).
	Width float64
}

// Span is a stretch of the X axis: a phase of the run. Its start is marked by
// a vertical line labelled with Name; a Shaded span (the warm-up) is filled.
type Span struct {
	Name     string
	From, To float64
	Shaded   bool
}

// Time is a chart of lines over an X axis in seconds.
type Time struct {
	Title, XLabel, YLabel string
	Lines                 []Line
	Spans                 []Span
	// Width and Height are in points (0: the defaults).
	Width, Height float64
}

// SVG renders the chart.
func (t Time) SVG() (string, error) {
	xl := t.XLabel
	if xl == "" {
		xl = "seconds"
	}
	p := newPlot(t.Title, xl, t.YLabel)
	p.Add(plotter.NewGrid())
	if len(t.Spans) > 0 {
		p.Add(spans(t.Spans))
	}
	ymax := 0.0
	for _, l := range t.Lines {
		if len(l.X) != len(l.Y) {
			return "", fmt.Errorf("chart %q: line %q has %d x and %d y", t.Title, l.Name, len(l.X), len(l.Y))
		}
		segs := segments(l.X, l.Y)
		style := lineStyle(l)
		for j, seg := range segs {
			pl, err := plotter.NewLine(seg)
			if err != nil {
				return "", fmt.Errorf("chart %q: line %q: %w", t.Title, l.Name, err)
			}
			pl.LineStyle = style
			p.Add(pl)
			if j == 0 && l.Name != "" {
				p.Legend.Add(l.Name, pl)
			}
		}
		for _, y := range l.Y {
			if !math.IsNaN(y) && !math.IsInf(y, 0) {
				ymax = max(ymax, y)
			}
		}
	}
	// Rates and latencies are never negative: start the axis at zero and
	// leave headroom for the legend.
	p.Y.Min = 0
	p.Y.Max = max(ymax*1.15, 1)
	return render(p, t.Width, t.Height)
}

func lineStyle(l Line) (s draw.LineStyle) {
	s.Color = Color(l.Color)
	s.Width = vg.Points(1.2)
	if l.Width > 0 {
		s.Width = vg.Points(l.Width)
	}
	if l.Dashed {
		s.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	}
	return s
}

// segments splits a line at its NaN (and infinite) points.
func segments(x, y []float64) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for i := range x {
		if math.IsNaN(x[i]) || math.IsNaN(y[i]) || math.IsInf(x[i], 0) || math.IsInf(y[i], 0) {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: x[i], Y: y[i]})
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
