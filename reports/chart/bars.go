package chart

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// BarGroup is one series of bars, one value per category.
type BarGroup struct {
	Name   string
	Values []float64
	Color  int
}

// Bars is a bar chart over categories (say, error codes); several groups
// (runs) stand side by side within each category.
type Bars struct {
	Title, YLabel string
	Categories    []string
	Groups        []BarGroup
	Width, Height float64
}

// SVG renders the chart.
func (b Bars) SVG() (string, error) {
	p := newPlot(b.Title, "", b.YLabel)
	p.Add(plotter.NewGrid())
	if len(b.Categories) == 0 {
		// Nothing to count (no errors at all): an empty axis says so.
		p.NominalX("none")
		p.Y.Min, p.Y.Max = 0, 1
		return render(p, b.Width, b.Height)
	}
	p.NominalX(b.Categories...)
	if len(b.Categories) > 6 {
		// Long code names overlap when many stand side by side.
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	n := max(len(b.Groups), 1)
	width := vg.Points(min(40, 300/float64(max(len(b.Categories), 1))/float64(n)))
	for i, g := range b.Groups {
		if len(g.Values) != len(b.Categories) {
			return "", fmt.Errorf("chart %q: group %q has %d values for %d categories", b.Title, g.Name, len(g.Values), len(b.Categories))
		}
		bc, err := plotter.NewBarChart(plotter.Values(g.Values), width)
		if err != nil {
			return "", fmt.Errorf("chart %q: group %q: %w", b.Title, g.Name, err)
		}
		bc.Color = Color(g.Color)
		bc.LineStyle.Width = 0
		bc.Offset = width * vg.Length(float64(i)-float64(n-1)/2)
		p.Add(bc)
		if g.Name != "" && n > 1 {
			p.Legend.Add(g.Name, bc)
		}
	}
	p.Y.Min = 0
	p.Y.Max = max(p.Y.Max*1.15, 1)
	return render(p, b.Width, b.Height)
}
