package pacer

import (
	"math"
	"strings"
	"testing"
	"time"
)

// Invalid shapes are reported by Validate, and send nothing if run anyway.
func TestValidate(t *testing.T) {
	okD11 := DefaultDouble11(1000, time.Minute)
	d11 := func(f func(*Double11)) Double11 { d := okD11; f(&d); return d }
	tests := []struct {
		name  string
		shape Shape
		want  string // "" = valid
	}{
		{"constant", Constant{PerSecond: 10}, ""},
		{"constant zero", Constant{}, ""},
		{"constant negative", Constant{PerSecond: -1}, "per-second rate"},
		{"constant NaN", Constant{PerSecond: math.NaN()}, "per-second rate"},
		{"constant inf", Constant{PerSecond: math.Inf(1)}, "per-second rate"},
		{"constant negative duration", Constant{PerSecond: 1, Duration: -1}, "duration"},
		{"linear", Linear{From: 1, To: 2, Duration: time.Second}, ""},
		{"linear no duration", Linear{From: 1, To: 2}, "duration"},
		{"linear negative to", Linear{From: 1, To: -2, Duration: time.Second}, "to"},
		{"step", Step{Start: 1, By: 1, Every: time.Second}, ""},
		{"step no every", Step{Start: 1, By: 1}, "every"},
		{"step negative steps", Step{Start: 1, By: 1, Every: time.Second, Steps: -1}, "steps"},
		{"step max below start", Step{Start: 10, By: 1, Every: time.Second, Max: 5}, "max"},
		{"step inf by", Step{Start: 1, By: math.Inf(-1), Every: time.Second}, "by"},
		{"spike", Spike{Base: 1, Peak: 10, At: time.Second, Width: time.Second}, ""},
		{"spike negative rise", Spike{Base: 1, Peak: 10, Rise: -1}, "rise"},
		{"spike ends before the spike", Spike{Base: 1, Peak: 10, At: time.Second, Width: time.Second, Duration: 1500 * time.Millisecond}, "ends before"},
		{"double11", okD11, ""},
		{"double11 wave after midnight", d11(func(d *Double11) { d.PreSale.Start = d.Midnight }), "pre-sale"},
		{"double11 tail above peak", d11(func(d *Double11) { d.Tail = d.Peak + 1 }), "tail"},
		{"double11 no exponent", d11(func(d *Double11) { d.Decay.Exponent = 0 }), "exponent"},
		{"double11 NaN exponent", d11(func(d *Double11) { d.Decay.Exponent = math.NaN() }), "exponent"},
		{"double11 no scale", d11(func(d *Double11) { d.Decay.Scale = 0 }), "scale"},
		{"double11 no tail duration", d11(func(d *Double11) { d.TailFor = 0 }), "tail duration"},
		{"double11 negative ramp", d11(func(d *Double11) { d.Ramp = -time.Second }), "ramp"},
		{"replay zero", Replay{}, "no points"},
		{"sequence zero", Sequence{}, "no pieces"},
		{"scaled", Scaled{Factor: 2, Shape: Constant{PerSecond: 1}}, ""},
		{"scaled negative", Scaled{Factor: -1, Shape: Constant{PerSecond: 1}}, "factor"},
		{"scaled nil", Scaled{Factor: 1}, "no shape"},
		{"scaled invalid shape", Scaled{Factor: 1, Shape: Linear{}}, "linear"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.shape.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if s := tc.shape.String(); s == "" || strings.Contains(s, "%!") {
					t.Fatalf("String() = %q", s)
				}
				return
			}
			mustMention(t, err, tc.want)
			if !strings.HasPrefix(err.Error(), "pacer: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if _, stop := tc.shape.Pace(0, 0); !stop {
				t.Error("an invalid shape paces a hit")
			}
			if r := tc.shape.Rate(time.Second); r != 0 {
				t.Errorf("an invalid shape has rate %v", r)
			}
		})
	}
}

func TestNewSequenceErrors(t *testing.T) {
	tests := []struct {
		name   string
		pieces []Piece
		want   string
	}{
		{"none", nil, "no pieces"},
		{"nil shape", []Piece{{For: time.Second}}, "no shape"},
		{"invalid shape", []Piece{{For: time.Second, Shape: Constant{PerSecond: -1}}}, "piece 0"},
		{"negative for", []Piece{{For: -time.Second, Shape: Constant{PerSecond: 1}}}, "negative"},
		{"endless in the middle", []Piece{{Shape: Constant{PerSecond: 1}}, {For: time.Second, Shape: Constant{PerSecond: 1}}}, "never ends"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSequence(tc.pieces...)
			mustMention(t, err, tc.want)
		})
	}
}

func TestNewReplayErrors(t *testing.T) {
	tests := []struct {
		name   string
		points []Point
		want   string
	}{
		{"none", nil, "no points"},
		{"late start", []Point{{T: time.Second, Rate: 1}}, "first point"},
		{"not increasing", []Point{{0, 1}, {time.Second, 1}, {time.Second, 2}}, "point 2"},
		{"negative rate", []Point{{0, -1}}, "point 0"},
		{"NaN rate", []Point{{0, 1}, {time.Second, math.NaN()}}, "point 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReplay(tc.points, InterpHold)
			mustMention(t, err, tc.want)
		})
	}
	if _, err := NewReplay([]Point{{0, 1}}, Interpolation(7)); err == nil {
		t.Fatal("an unknown interpolation was accepted")
	}
}
