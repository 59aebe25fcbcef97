package chart

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// QuantileLine is one latency distribution: Y[i] is the value at quantile
// Q[i] (0 <= Q < 1).
type QuantileLine struct {
	Name  string
	Q, Y  []float64
	Color int
}

// Quantiles is the HDR percentile distribution chart: the X axis is
// 1/(1-q) on a log scale, so 90%, 99%, 99.9% ... are evenly spaced and the
// tail gets as much room as the median.
type Quantiles struct {
	Title, YLabel string
	Lines         []QuantileLine
	Width, Height float64
}

// SVG renders the chart.
func (q Quantiles) SVG() (string, error) {
	p := newPlot(q.Title, "percentile", q.YLabel)
	p.Add(plotter.NewGrid())
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.TickerFunc(percentileTicks)
	p.Legend.Top = true
	p.Legend.Left = true
	ymax, xmax := 0.0, 10.0
	for _, l := range q.Lines {
		if len(l.Q) != len(l.Y) {
			return "", fmt.Errorf("chart %q: line %q has %d quantiles and %d values", q.Title, l.Name, len(l.Q), len(l.Y))
		}
		var xys plotter.XYs
		for i, qi := range l.Q {
			if qi < 0 || qi >= 1 || math.IsNaN(qi) || math.IsNaN(l.Y[i]) || math.IsInf(l.Y[i], 0) {
				continue
			}
			x := 1 / (1 - qi)
			xys = append(xys, plotter.XY{X: x, Y: l.Y[i]})
			xmax, ymax = max(xmax, x), max(ymax, l.Y[i])
		}
		if len(xys) == 0 {
			continue
		}
		pl, err := plotter.NewLine(xys)
		if err != nil {
			return "", fmt.Errorf("chart %q: line %q: %w", q.Title, l.Name, err)
		}
		pl.LineStyle = lineStyle(Line{Color: l.Color})
		p.Add(pl)
		if l.Name != "" {
			p.Legend.Add(l.Name, pl)
		}
	}
	p.X.Min, p.X.Max = 1, xmax
	p.Y.Min, p.Y.Max = 0, max(ymax*1.15, 1)
	return render(p, q.Width, q.Height)
}

// percentileTicks labels the powers of ten of 1/(1-q) as percentiles.
func percentileTicks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for x := 1.0; x <= hi*1.0001; x *= 10 {
		if x < lo/1.0001 {
			continue
		}
		ticks = append(ticks, plot.Tick{Value: x, Label: percentileLabel(x)})
	}
	return ticks
}

// percentileLabel names 1/(1-q): 1 -> 0%, 10 -> 90%, 1000 -> 99.9%.
func percentileLabel(x float64) string {
	pct := 100 * (1 - 1/x)
	digits := max(int(math.Round(math.Log10(x)))-2, 0)
	return strconv.FormatFloat(pct, 'f', digits, 64) + "%"
}
