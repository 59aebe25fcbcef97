package chart

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

// parseSVG checks s is one well-formed <svg> element and returns its text nodes.
func parseSVG(t *testing.T, s string) []string {
	t.Helper()
	if !strings.HasPrefix(s, "<svg") {
		t.Fatalf("svg starts with %.40q", s)
	}
	d := xml.NewDecoder(strings.NewReader(s))
	var texts []string
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("svg is not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if s := strings.TrimSpace(string(tok)); s != "" && depth > 0 {
				texts = append(texts, s)
			}
		}
	}
	if depth != 0 {
		t.Fatalf("unbalanced svg: depth %d at end", depth)
	}
	if strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
		t.Errorf("svg contains NaN or Inf")
	}
	return texts
}

func contains(texts []string, want string) bool {
	for _, s := range texts {
		if s == want {
			return true
		}
	}
	return false
}

func TestTimeSVG(t *testing.T) {
	nan := math.NaN()
	c := Time{
		Title:  "api throughput",
		YLabel: "requests/s",
		Lines: []Line{
			{Name: "target", X: []float64{0, 1, 2, 3}, Y: []float64{10, 10, 20, 20}, Dashed: true, Color: 6},
			{Name: "achieved", X: []float64{0, 1, 2, 3}, Y: []float64{9, nan, 19, 21}},
		},
		Spans: []Span{{Name: "warm-up", From: 0, To: 1, Shaded: true}, {Name: "peak", From: 1, To: 3}},
	}
	s, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	texts := parseSVG(t, s)
	for _, want := range []string{"api throughput", "requests/s", "target", "achieved", "warm-up", "peak", "seconds"} {
		if !contains(texts, want) {
			t.Errorf("svg lacks text %q; has %q", want, texts)
		}
	}
	again, err := c.SVG()
	if err != nil || again != s {
		t.Errorf("rendering is not deterministic (err %v)", err)
	}
	if strings.Contains(s, "http://") && !strings.Contains(s, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Errorf("svg references a URL")
	}
}

func TestTimeSVGRejectsRaggedLine(t *testing.T) {
	_, err := Time{Lines: []Line{{Name: "x", X: []float64{1, 2}, Y: []float64{1}}}}.SVG()
	if err == nil {
		t.Fatal("ragged line rendered")
	}
}

func TestSegments(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		y    []float64
		want []int // lengths of the segments
	}{
		{"none missing", []float64{1, 2, 3}, []int{3}},
		{"gap", []float64{1, nan, 3, 4}, []int{1, 2}},
		{"leading and trailing", []float64{nan, 2, 3, nan}, []int{2}},
		{"all missing", []float64{nan, nan}, nil},
		{"infinite", []float64{1, math.Inf(1), 3}, []int{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := make([]float64, len(tt.y))
			for i := range x {
				x[i] = float64(i)
			}
			segs := segments(x, tt.y)
			var got []int
			for _, s := range segs {
				got = append(got, len(s))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("segments %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("segments %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestQuantilesSVG(t *testing.T) {
	c := Quantiles{
		Title:  "latency distribution",
		YLabel: "ms",
		Lines: []QuantileLine{
			{Name: "api", Q: []float64{0, 0.5, 0.9, 0.99, 0.999}, Y: []float64{1, 2, 5, 9, 30}},
			{Name: "bad", Q: []float64{1, -1}, Y: []float64{1, 2}}, // nothing drawable: skipped
		},
	}
	s, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	texts := parseSVG(t, s)
	for _, want := range []string{"latency distribution", "api", "0%", "90%", "99%", "99.9%"} {
		if !contains(texts, want) {
			t.Errorf("svg lacks text %q; has %q", want, texts)
		}
	}
}

func TestPercentileLabel(t *testing.T) {
	tests := []struct {
		x    float64
		want string
	}{{1, "0%"}, {10, "90%"}, {100, "99%"}, {1000, "99.9%"}, {1e5, "99.999%"}}
	for _, tt := range tests {
		if got := percentileLabel(tt.x); got != tt.want {
			t.Errorf("percentileLabel(%g) = %q, want %q", tt.x, got, tt.want)
		}
	}
}

func TestBarsSVG(t *testing.T) {
	tests := []struct {
		name string
		bars Bars
		want []string
	}{
		{"one group", Bars{Title: "errors by code", Categories: []string{"http_503", "error:timeout"},
			Groups: []BarGroup{{Name: "run", Values: []float64{3, 1}}}}, []string{"errors by code", "http_503", "error:timeout"}},
		{"two groups", Bars{Title: "errors", Categories: []string{"a"},
			Groups: []BarGroup{{Name: "r1", Values: []float64{3}}, {Name: "r2", Values: []float64{1}, Color: 1}}}, []string{"r1", "r2", "a"}},
		{"empty", Bars{Title: "no errors"}, []string{"no errors", "none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.bars.SVG()
			if err != nil {
				t.Fatal(err)
			}
			texts := parseSVG(t, s)
			for _, want := range tt.want {
				if !contains(texts, want) {
					t.Errorf("svg lacks text %q; has %q", want, texts)
				}
			}
		})
	}
	if _, err := (Bars{Categories: []string{"a"}, Groups: []BarGroup{{Values: []float64{1, 2}}}}).SVG(); err == nil {
		t.Error("group with too many values rendered")
	}
}
