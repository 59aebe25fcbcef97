package loadgen

import (
	"math"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// invert returns the t (ns) at which the nondecreasing h(t) reaches target,
// by bisection on the closed form: the test's own, independent of Pace.
func invert(h func(t float64) float64, target float64) time.Duration {
	lo, hi := 0.0, 1.0
	for h(hi) < target {
		hi *= 2
	}
	for range 200 {
		mid := (lo + hi) / 2
		if h(mid) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return time.Duration(math.Ceil(hi))
}

func TestIntendedTimePerPacer(t *testing.T) {
	linear := vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: 100, Per: time.Second}, Slope: 50}
	linearHits := func(ns float64) float64 { x := ns / 1e9; return 50*x*x/2 + 100*x }
	sine := vegeta.SinePacer{Period: 2 * time.Second, Mean: vegeta.Rate{Freq: 100, Per: time.Second},
		Amp: vegeta.Rate{Freq: 60, Per: time.Second}, StartAt: vegeta.MeanUp}
	sineHits := func(ns float64) float64 {
		x := ns / 1e9
		return 100*x + 60*2/(2*math.Pi)*(math.Cos(0)-math.Cos(2*math.Pi*x/2))
	}
	tests := []struct {
		name  string
		pacer vegeta.Pacer
		seq   uint64
		want  time.Duration
		slack time.Duration
	}{
		{"constant first hit", vegeta.ConstantPacer{Freq: 100, Per: time.Second}, 0, 10 * time.Millisecond, 0},
		{"constant", vegeta.ConstantPacer{Freq: 100, Per: time.Second}, 149, 1500 * time.Millisecond, 0},
		{"constant uneven interval", vegeta.ConstantPacer{Freq: 3, Per: time.Second}, 5, 6 * 333333333, 0},
		{"constant per minute", vegeta.ConstantPacer{Freq: 30, Per: time.Minute}, 59, 2 * time.Minute, 0},
		{"constant far", vegeta.ConstantPacer{Freq: 50000, Per: time.Second}, 1e9 - 1, 20000 * time.Second, 0},
		{"linear hit 0 is due at once", linear, 0, 0, 0},
		{"linear", linear, 1, invert(linearHits, 2), time.Microsecond},
		{"linear later", linear, 499, invert(linearHits, 500), time.Microsecond},
		{"sine", sine, 0, invert(sineHits, 1), time.Microsecond},
		{"sine rising", sine, 37, invert(sineHits, 38), time.Microsecond},
		{"sine falling", sine, 150, invert(sineHits, 151), time.Microsecond},
		{"sine later periods", sine, 1234, invert(sineHits, 1235), time.Microsecond},
	}
	began := time.Date(2024, 11, 11, 0, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := IntendedTime(tc.pacer, began, tc.seq).Sub(began)
			if d := got - tc.want; d < -tc.slack || d > tc.slack {
				t.Fatalf("IntendedTime(seq %d) = %v after start, want %v (±%v)", tc.seq, got, tc.want, tc.slack)
			}
			// The definition: the pacer allows the hit then and not a nanosecond before.
			if w, stop := tc.pacer.Pace(got, tc.seq); stop || w > 0 {
				t.Errorf("Pace(%v, %d) = %v, %v: not allowed at the intended time", got, tc.seq, w, stop)
			}
			if got > 0 {
				if w, _ := tc.pacer.Pace(got-1, tc.seq); w <= 0 {
					t.Errorf("Pace(%v, %d) = %v: allowed before the intended time", got-1, tc.seq, w)
				}
			}
		})
	}
}

// Walking vegeta's own loop with instantaneous sends (wait, send, next) must
// land on the schedule: that is the time vegeta aims each hit at.
func TestScheduleMatchesVegetaLoop(t *testing.T) {
	pacers := []struct {
		name  string
		pacer vegeta.Pacer
		slack time.Duration
	}{
		{"constant", vegeta.ConstantPacer{Freq: 1000, Per: time.Second}, 0},
		{"sine", vegeta.SinePacer{Period: time.Second, Mean: vegeta.Rate{Freq: 500, Per: time.Second},
			Amp: vegeta.Rate{Freq: 400, Per: time.Second}, StartAt: vegeta.Trough}, 20 * time.Microsecond},
		{"linear", vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: 200, Per: time.Second}, Slope: 100}, 100 * time.Microsecond},
	}
	for _, tc := range pacers {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSchedule(tc.pacer)
			var now time.Duration
			for n := range uint64(2000) {
				wait, stop := tc.pacer.Pace(now, n)
				if stop {
					t.Fatalf("pacer stopped at hit %d", n)
				}
				now += max(wait, 0)
				at, ok := s.Elapsed(n)
				if !ok {
					t.Fatalf("Elapsed(%d) not ok", n)
				}
				if d := at - now; d < -tc.slack || d > tc.slack {
					t.Fatalf("hit %d: schedule %v, vegeta's loop %v", n, at, now)
				}
			}
		})
	}
}

func TestScheduleOutOfOrderAndRepeated(t *testing.T) {
	p := vegeta.ConstantPacer{Freq: 10, Per: time.Second}
	s := NewSchedule(p)
	for _, seq := range []uint64{5, 5, 9, 2, 0, 100, 99} {
		at, ok := s.Elapsed(seq)
		if want := time.Duration(seq+1) * 100 * time.Millisecond; !ok || at != want {
			t.Fatalf("Elapsed(%d) = %v, %v; want %v", seq, at, ok, want)
		}
	}
}

func TestHitsBefore(t *testing.T) {
	tests := []struct {
		name  string
		pacer vegeta.Pacer
		t     time.Duration
		want  uint64
	}{
		{"nothing due at zero", vegeta.ConstantPacer{Freq: 100, Per: time.Second}, 0, 0},
		{"first second", vegeta.ConstantPacer{Freq: 100, Per: time.Second}, time.Second, 99},
		{"first second inclusive", vegeta.ConstantPacer{Freq: 100, Per: time.Second}, time.Second + 1, 100},
		{"three seconds", vegeta.ConstantPacer{Freq: 100, Per: time.Second}, 3*time.Second + 1, 300},
		{"linear", vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: 100, Per: time.Second}, Slope: 100}, 2*time.Second + time.Millisecond, 400},
		{"stops", stopAfter{vegeta.ConstantPacer{Freq: 100, Per: time.Second}, 42}, time.Hour, 42},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NewSchedule(tc.pacer).HitsBefore(tc.t); got != tc.want {
				t.Fatalf("HitsBefore(%v) = %d, want %d", tc.t, got, tc.want)
			}
		})
	}
}

// stopAfter stops its pacer after n hits, as a finite load shape would.
type stopAfter struct {
	vegeta.Pacer
	n uint64
}

func (s stopAfter) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= s.n {
		return 0, true
	}
	return s.Pacer.Pace(elapsed, hits)
}

func TestIntendedTimeOfAStoppedPacer(t *testing.T) {
	p := stopAfter{vegeta.ConstantPacer{Freq: 10, Per: time.Second}, 3}
	if got := IntendedTime(p, time.Now(), 3); !got.IsZero() {
		t.Fatalf("IntendedTime past the pacer's end = %v, want zero", got)
	}
	if _, ok := NewSchedule(p).Elapsed(2); !ok {
		t.Fatal("hit 2 should be scheduled")
	}
}

// replay is a pacer that knows its schedule: Schedule must ask it directly.
type replay struct {
	vegeta.ConstantPacer
	at []time.Duration
}

func (r replay) Intended(seq uint64) (time.Duration, bool) {
	if seq >= uint64(len(r.at)) {
		return 0, false
	}
	return r.at[seq], true
}

func TestScheduleUsesIntender(t *testing.T) {
	r := replay{vegeta.ConstantPacer{Freq: 1, Per: time.Second}, []time.Duration{5, 7, 7, 20}}
	s := NewSchedule(r)
	for i, want := range r.at {
		if got, ok := s.Elapsed(uint64(i)); !ok || got != want {
			t.Fatalf("Elapsed(%d) = %v, %v; want %v", i, got, ok, want)
		}
	}
	if _, ok := s.Elapsed(4); ok {
		t.Fatal("Elapsed past the replay should not be ok")
	}
	if got := s.HitsBefore(8); got != 3 {
		t.Fatalf("HitsBefore(8) = %d, want 3", got)
	}
}

// A walked schedule answers old hits (past its recent window) from its
// checkpoints with the same times it walked, and counts hits like brute force.
func TestWalkedScheduleOldHitsAndCounts(t *testing.T) {
	p := vegeta.SinePacer{Period: 10 * time.Second, Mean: vegeta.Rate{Freq: 5000, Per: time.Second},
		Amp: vegeta.Rate{Freq: 3000, Per: time.Second}, StartAt: vegeta.Peak}
	s := NewSchedule(p)
	const n = recentHits + 3*markEvery + 17
	want := make([]time.Duration, n)
	for i := range want {
		at, ok := s.Elapsed(uint64(i))
		if !ok {
			t.Fatalf("Elapsed(%d) not ok", i)
		}
		if i > 0 && at < want[i-1] {
			t.Fatalf("hit %d due at %v before hit %d at %v", i, at, i-1, want[i-1])
		}
		want[i] = at
	}
	for _, seq := range []int{0, 1, markEvery - 1, markEvery, markEvery + 1, 2000, n - recentHits - 1, n - recentHits, n - 1} {
		if got, _ := s.Elapsed(uint64(seq)); got != want[seq] {
			t.Errorf("Elapsed(%d) again = %v, first %v", seq, got, want[seq])
		}
	}
	for _, at := range []time.Duration{0, 1, want[0], want[0] + 1, want[700], want[5000] - 1, want[n-1]} {
		var brute uint64
		for _, w := range want {
			if w < at {
				brute++
			}
		}
		if got := s.HitsBefore(at); got != brute {
			t.Errorf("HitsBefore(%v) = %d, brute force %d", at, got, brute)
		}
	}
}
