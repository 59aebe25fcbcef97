package pacer

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/loadgen"
)

func mustReplay(t *testing.T, csv string, interp Interpolation) Replay {
	t.Helper()
	r, err := ReadReplay(strings.NewReader(csv), interp)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustSequence(t *testing.T, pieces ...Piece) Sequence {
	t.Helper()
	s, err := NewSequence(pieces...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// shapeCase is a shape and how to check it: up to horizon (its bound when
// it has one), integrating its rate every dt.
type shapeCase struct {
	name    string
	shape   Shape
	horizon time.Duration
	dt      time.Duration
}

func shapeCases(t *testing.T) []shapeCase {
	const replayCSV = "second,rate\n0,40\n1,120\n2,0\n3,75.5\n5,300\n6,10\n"
	custom := Double11{
		Baseline: 30, PreSale: Wave{Start: 2 * time.Second, Duration: 4 * time.Second, Height: 250},
		Midnight: 8 * time.Second, Ramp: 1500 * time.Millisecond, Peak: 900, Hold: 2 * time.Second,
		Decay: Decay{Exponent: 1, Scale: 3 * time.Second}, Tail: 60, TailFor: 20 * time.Second,
	}
	fatTail := custom
	fatTail.Decay = Decay{Exponent: 0.5, Scale: 700 * time.Millisecond}
	fatTail.PreSale = Wave{}
	return []shapeCase{
		{"constant", Constant{PerSecond: 100, Duration: 10 * time.Second}, 0, time.Millisecond},
		{"constant fractional", Constant{PerSecond: 2.5, Duration: 7 * time.Second}, 0, time.Millisecond},
		{"constant endless", Constant{PerSecond: 333}, 4 * time.Second, time.Millisecond},
		{"linear up", Linear{From: 0, To: 200, Duration: 5 * time.Second}, 0, time.Millisecond},
		{"linear down", Linear{From: 300, To: 10, Duration: 4 * time.Second}, 0, time.Millisecond},
		{"step", Step{Start: 10, By: 20, Every: 500 * time.Millisecond, Steps: 5, Duration: 6 * time.Second}, 0, 100 * time.Microsecond},
		{"step down to zero", Step{Start: 200, By: -30, Every: time.Second, Duration: 10 * time.Second}, 0, 100 * time.Microsecond},
		{"step capped", Step{Start: 0, By: 50, Every: 300 * time.Millisecond, Max: 220, Duration: 5 * time.Second}, 0, 100 * time.Microsecond},
		{"step endless", Step{Start: 5, By: 5, Every: time.Second}, 8 * time.Second, 100 * time.Microsecond},
		{"spike", Spike{Base: 50, Peak: 800, At: 2 * time.Second, Rise: 300 * time.Millisecond, Width: time.Second,
			Fall: 700 * time.Millisecond, Duration: 6 * time.Second}, 0, 100 * time.Microsecond},
		{"spike square endless", Spike{Base: 20, Peak: 500, At: time.Second, Width: 500 * time.Millisecond}, 3 * time.Second, 100 * time.Microsecond},
		{"double11 default", DefaultDouble11(1500, time.Minute), 0, time.Millisecond},
		{"double11 custom", custom, 0, time.Millisecond},
		{"double11 fat tail", fatTail, 0, time.Millisecond},
		{"replay hold", mustReplay(t, replayCSV, InterpHold), 0, 100 * time.Microsecond},
		{"replay linear", mustReplay(t, replayCSV, InterpLinear), 0, time.Millisecond},
		{"sequence", mustSequence(t,
			Piece{For: 1005 * time.Millisecond, Shape: Constant{PerSecond: 100}},
			Piece{Shape: Linear{From: 0, To: 300, Duration: 1500 * time.Millisecond}},
			Piece{For: 500 * time.Millisecond, Shape: Constant{}},
			Piece{For: 2 * time.Second, Shape: Step{Start: 7.3, By: 40, Every: 333 * time.Millisecond}},
			Piece{Shape: Constant{PerSecond: 55.5}},
		), 7 * time.Second, 100 * time.Microsecond},
		{"sequence cutting shapes short", mustSequence(t,
			Piece{For: 4 * time.Second, Shape: custom}, // mid-way through the pre-sale hump
			Piece{For: time.Second, Shape: Linear{From: 500, To: 0, Duration: 3 * time.Second}},
			Piece{For: 1500 * time.Millisecond, Shape: Scaled{Factor: 2, Shape: mustReplay(t, replayCSV, InterpLinear)}},
			Piece{For: 700 * time.Millisecond, Shape: Constant{PerSecond: 90}},
		), 0, 100 * time.Microsecond},
		{"scaled", Scaled{Factor: 0.37, Shape: DefaultDouble11(3000, 30*time.Second)}, 0, time.Millisecond},
		{"scaled step", Scaled{Factor: 2.5, Shape: Step{Start: 3, By: 7, Every: 700 * time.Millisecond, Duration: 5 * time.Second}}, 0, 100 * time.Microsecond},
		{"scaled long replay", Scaled{Factor: 0.5, Shape: mustReplay(t, strings.Repeat("100\n300\n", 10), InterpLinear)}, 0, time.Millisecond},
	}
}

func (c shapeCase) end() time.Duration {
	if b := c.shape.Bound(); b > 0 {
		return b
	}
	return c.horizon
}

// The heart of it: an engine running the pacer sends, by any time t, exactly
// floor(Hits(t)) hits, and Hits is the integral of Rate (within one hit of
// an independent numeric integral).
func TestHitsOverTimeMatchTheIntegral(t *testing.T) {
	for _, tc := range shapeCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.shape.Validate(); err != nil {
				t.Fatal(err)
			}
			end := tc.end()
			times := simulate(t, tc.shape, end)
			if len(times) < 15 {
				t.Fatalf("only %d hits", len(times))
			}
			num := integral(tc.shape.Rate, tc.dt, end)
			checks := 0
			for i := 0; i < len(num); i += max(len(num)/400, 1) {
				at := time.Duration(i) * tc.dt
				sent := sentBy(times, at)
				if want := int(math.Floor(tc.shape.Hits(at))); sent != want {
					t.Fatalf("by %v: sent %d, floor(Hits) %d", at, sent, want)
				}
				// Within one hit, plus the trapezoid rule's own error at the rate's jumps.
				if !near(float64(sent), num[i], 1.01) {
					t.Fatalf("by %v: sent %d, numeric integral of Rate %.3f", at, sent, num[i])
				}
				checks++
			}
			if b := tc.shape.Bound(); b > 0 {
				if got, want := len(times), int(math.Floor(tc.shape.Hits(b))); got != want {
					t.Fatalf("sent %d in all, want floor(Hits(bound)) = %d", got, want)
				}
				if times[len(times)-1] > b {
					t.Fatalf("last hit at %v after the bound %v", times[len(times)-1], b)
				}
				if _, stop := tc.shape.Pace(b+time.Hour, uint64(len(times))); !stop {
					t.Fatal("Pace did not stop after the last hit")
				}
			}
			t.Logf("%d hits, %d checks", len(times), checks)
		})
	}
}

// Intended agrees with Pace: hit n goes out at Intended(n), and loadgen's
// schedule walked from Pace alone finds the same nanosecond.
func TestIntendedAgreesWithPace(t *testing.T) {
	for _, tc := range shapeCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			times := simulate(t, tc.shape, tc.end())
			walked := loadgen.NewSchedule(hideSchedule{tc.shape})
			direct := loadgen.NewSchedule(tc.shape)
			for n, at := range times {
				seq := uint64(n)
				if got, ok := tc.shape.Intended(seq); !ok || got != at {
					t.Fatalf("Intended(%d) = %v, %v; Pace sent it at %v", n, got, ok, at)
				}
				if got, ok := walked.Elapsed(seq); !ok || got != at {
					t.Fatalf("walked schedule(%d) = %v, %v; want %v", n, got, ok, at)
				}
				if got, _ := direct.Elapsed(seq); got != at {
					t.Fatalf("direct schedule(%d) = %v, want %v", n, got, at)
				}
				if n > 0 && at < times[n-1] {
					t.Fatalf("hit %d at %v before hit %d at %v", n, at, n-1, times[n-1])
				}
				if at > 0 {
					if w, stop := tc.shape.Pace(at-1, seq); stop || w != 1 {
						t.Fatalf("Pace a nanosecond early = %v, %v; want 1ns", w, stop)
					}
				}
			}
			if b := tc.shape.Bound(); b > 0 {
				if _, ok := tc.shape.Intended(uint64(len(times))); ok {
					t.Fatalf("Intended(%d) ok past the end", len(times))
				}
			}
		})
	}
}

// Rate is the derivative of Hits (right-hand, since rates are right-continuous).
func TestRateIsTheDerivativeOfHits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const h = time.Microsecond
	for _, tc := range shapeCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			end := tc.end()
			peak := 0.0
			for _, p := range Sample(tc.shape, end/1000, end) {
				peak = max(peak, p.Rate)
			}
			for range 500 {
				at := time.Duration(rng.Int64N(int64(end - h)))
				d := (tc.shape.Hits(at+h) - tc.shape.Hits(at)) / h.Seconds()
				if r := tc.shape.Rate(at); !near(d, r, 1e-4*peak+1e-6) {
					t.Fatalf("at %v: Rate %.6f, dHits/dt %.6f", at, r, d)
				}
			}
		})
	}
}

// Every shape, out of bounds and at its edges.
func TestRateAndHitsOutsideTheShape(t *testing.T) {
	for _, tc := range shapeCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.shape.Hits(-time.Second); got != 0 {
				t.Errorf("Hits(-1s) = %v", got)
			}
			if got := tc.shape.Hits(0); got != 0 {
				t.Errorf("Hits(0) = %v", got)
			}
			if at, ok := tc.shape.Until(0); !ok || at != 0 {
				t.Errorf("Until(0) = %v, %v", at, ok)
			}
			b := tc.shape.Bound()
			if b == 0 {
				return
			}
			if got := tc.shape.Rate(b + time.Second); got != 0 {
				t.Errorf("Rate after the end = %v", got)
			}
			if a, z := tc.shape.Hits(b), tc.shape.Hits(b+time.Hour); a != z {
				t.Errorf("Hits grows after the end: %v then %v", a, z)
			}
		})
	}
}
