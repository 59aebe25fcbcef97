package chart

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// spans draws phase boundaries across the whole height of the data area,
// whatever the Y range, so it is added before the lines (drawn beneath).
type spans []Span

var (
	_ plot.Plotter    = spans(nil)
	_ plot.DataRanger = spans(nil)
)

func (s spans) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, sp := range s {
		if sp.Shaded && sp.To > sp.From {
			x0, x1 := trX(sp.From), trX(sp.To)
			c.FillPolygon(lightGrey, c.ClipPolygonX([]vg.Point{
				{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y},
			}))
		}
	}
	line := draw.LineStyle{Color: grey, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
	label := text.Style{Color: grey, Font: font.From(sans, 8), Handler: p.TextHandler, YAlign: draw.YTop}
	for _, sp := range s {
		x := trX(sp.From)
		if !c.ContainsX(x) {
			continue
		}
		c.StrokeLine2(line, x, c.Min.Y, x, c.Max.Y)
		if sp.Name != "" {
			c.FillText(label, vg.Point{X: x + vg.Points(2), Y: c.Max.Y - vg.Points(2)}, sp.Name)
		}
	}
}

// DataRange widens only the X axis: the spans have no Y extent.
func (s spans) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, sp := range s {
		xmin = min(xmin, sp.From)
		xmax = max(xmax, sp.To, sp.From)
	}
	return xmin, xmax, math.Inf(1), math.Inf(-1)
}
