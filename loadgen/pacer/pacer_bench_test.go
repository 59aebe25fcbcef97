package pacer

import (
	"strconv"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// BenchmarkPace measures one Pace call, as vegeta's attack loop and the
// lab's gate make per hit, at hits spread over the whole shape. vegeta's own
// pacers are the reference.
func BenchmarkPace(b *testing.B) {
	var rows strings.Builder
	rows.WriteString("second,rate\n")
	for s := range 3600 {
		rows.WriteString(strconv.Itoa(s) + "," + strconv.Itoa(1000+s%500) + "\n")
	}
	replay, err := ReadReplay(strings.NewReader(rows.String()), InterpLinear)
	if err != nil {
		b.Fatal(err)
	}
	seq, err := NewSequence(
		Piece{For: time.Minute, Shape: Linear{From: 0, To: 5000, Duration: time.Minute}},
		Piece{For: 2 * time.Minute, Shape: DefaultDouble11(5000, 2*time.Minute)},
		Piece{Shape: Constant{PerSecond: 1000}},
	)
	if err != nil {
		b.Fatal(err)
	}
	pacers := []struct {
		name string
		p    vegeta.Pacer
	}{
		{"vegeta-constant", vegeta.ConstantPacer{Freq: 5000, Per: time.Second}},
		{"vegeta-linear", vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: 100, Per: time.Second}, Slope: 50}},
		{"vegeta-sine", vegeta.SinePacer{Period: time.Minute, Mean: vegeta.Rate{Freq: 3000, Per: time.Second},
			Amp: vegeta.Rate{Freq: 2000, Per: time.Second}}},
		{"constant", Constant{PerSecond: 5000}},
		{"linear", Linear{From: 100, To: 10000, Duration: 5 * time.Minute}},
		{"step", Step{Start: 100, By: 100, Every: 10 * time.Second, Max: 8000}},
		{"spike", Spike{Base: 1000, Peak: 9000, At: time.Minute, Rise: time.Second, Width: 10 * time.Second, Fall: 5 * time.Second}},
		{"double11", DefaultDouble11(5000, 8*time.Minute)},
		{"replay-3600s", replay},
		{"sequence", seq},
		{"scaled-double11", Scaled{Factor: 0.8, Shape: DefaultDouble11(5000, 8*time.Minute)}},
	}
	for _, tc := range pacers {
		b.Run(tc.name, func(b *testing.B) {
			// Hits to ask about: the first 2^20 (a run's worth at these
			// rates), or all of a shorter shape's.
			span := uint64(1 << 20)
			if s, ok := tc.p.(Shape); ok && s.Bound() > 0 {
				span = min(span, uint64(s.Hits(s.Bound())))
			}
			b.ReportAllocs()
			var n uint64
			for b.Loop() {
				n = (n + 7919) % span
				if _, stop := tc.p.Pace(time.Duration(n)*100*time.Microsecond, n); stop {
					b.Fatalf("stopped at hit %d", n)
				}
			}
		})
	}
}
