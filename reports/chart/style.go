package chart

import (
	"bytes"
	"fmt"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Default sizes of a chart, in points; a page scales the SVG to its width.
const (
	defaultWidth  = 720
	defaultHeight = 260
)

// palette is a fixed, colour-blind friendly cycle (Okabe-Ito), so a stream
// or run keeps its colour from chart to chart.
var palette = []color.Color{
	color.RGBA{R: 0x00, G: 0x72, B: 0xb2, A: 0xff}, // blue
	color.RGBA{R: 0xd5, G: 0x5e, B: 0x00, A: 0xff}, // vermillion
	color.RGBA{R: 0x00, G: 0x9e, B: 0x73, A: 0xff}, // bluish green
	color.RGBA{R: 0xcc, G: 0x79, B: 0xa7, A: 0xff}, // reddish purple
	color.RGBA{R: 0xe6, G: 0x9f, B: 0x00, A: 0xff}, // orange
	color.RGBA{R: 0x56, G: 0xb4, B: 0xe9, A: 0xff}, // sky blue
	color.RGBA{R: 0x59, G: 0x59, B: 0x59, A: 0xff}, // grey
}

// Color returns the i-th colour of the cycle.
func Color(i int) color.Color { return palette[((i%len(palette))+len(palette))%len(palette)] }

var (
	grey      = color.RGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff}
	lightGrey = color.RGBA{R: 0xe8, G: 0xe8, B: 0xe8, A: 0xff}
)

// sans is the font family of every text: Liberation ships with gonum, so text
// metrics (and so the layout) do not depend on the machine's fonts.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// newPlot returns a plot with the package's fonts and a title.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 12)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 10)
		a.Tick.Label.Font = font.From(sans, 9)
	}
	p.Legend.TextStyle.Font = font.From(sans, 9)
	p.Legend.Top = true
	p.Legend.ThumbnailWidth = vg.Points(18)
	return p
}

// render draws p into an SVG canvas and returns the <svg> element alone.
func render(p *plot.Plot, width, height float64) (string, error) {
	if width <= 0 {
		width = defaultWidth
	}
	if height <= 0 {
		height = defaultHeight
	}
	c := vgsvg.New(vg.Points(width), vg.Points(height))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("write svg: %w", err)
	}
	s := buf.String()
	// Drop the XML prolog and generator comment: the SVG goes inline.
	i := strings.Index(s, "<svg")
	if i < 0 {
		return "", fmt.Errorf("write svg: no <svg> element")
	}
	return s[i:], nil
}
