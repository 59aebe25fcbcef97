package pacer

import (
	"fmt"
	"math"
	"strconv"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/loadgen"
)

// Shape is a load shape that knows its integral: every pacer of this package.
type Shape interface {
	vegeta.Pacer
	loadgen.Intender
	// Hits is the integral of Rate over [0, elapsed]: the hits due by then,
	// unrounded. It stays at its final value after the shape ends.
	Hits(elapsed time.Duration) float64
	// Until returns the earliest elapsed time (whole nanoseconds) at which
	// Hits reaches h > 0, or false if it never does before the shape ends.
	Until(h float64) (time.Duration, bool)
	// Bound is when the shape ends (Pace stops after it), 0 if it never does.
	Bound() time.Duration
	// Validate reports the first invalid field.
	Validate() error
	fmt.Stringer
}

// Point is a shape's rate at an elapsed time.
type Point struct {
	T    time.Duration `json:"t"`
	Rate float64       `json:"rate"` // hits per second
}

// Sample tabulates p's rate every step from 0 to dur inclusive, so a report
// can draw the target shape. It returns nil for a step or dur that is not
// positive.
func Sample(p vegeta.Pacer, step, dur time.Duration) []Point {
	if step <= 0 || dur <= 0 {
		return nil
	}
	out := make([]Point, 0, dur/step+2)
	for t := time.Duration(0); t <= dur; t += step {
		out = append(out, Point{T: t, Rate: p.Rate(t)})
		if t > dur-step { // the next step would overflow or pass dur
			break
		}
	}
	return out
}

// waitFor is Pace given the intended time of the next hit.
func waitFor(at time.Duration, ok bool, elapsed time.Duration) (time.Duration, bool) {
	if !ok {
		return 0, true
	}
	return max(at-elapsed, 0), false
}

// intendedHits is the h that hit seq waits for: the (seq+1)-th unit of H.
func intendedHits(seq uint64) float64 { return float64(seq) + 1 }

// settle returns the earliest whole nanosecond t in [lo, hi] with
// hits(t) >= h, starting from the estimate est: it gallops away from est to
// bracket the boundary and bisects it. Estimates from the closed forms are
// within a nanosecond or two, so this usually costs two evaluations. If even
// hi falls short (rounding at the very end of a piece), hi is returned.
func settle(hits func(time.Duration) float64, h float64, est, lo, hi time.Duration) time.Duration {
	t := min(max(est, lo), hi)
	if hits(t) >= h {
		// Find a refused time below t.
		good := t
		for d := time.Duration(1); ; d *= 2 {
			if good-lo < d {
				if hits(lo) >= h {
					return lo
				}
				return bisect(hits, h, lo, good)
			}
			if hits(good-d) < h {
				return bisect(hits, h, good-d, good)
			}
			good -= d
		}
	}
	bad := t
	for d := time.Duration(1); ; d *= 2 {
		if hi-bad <= d {
			if hits(hi) < h {
				return hi
			}
			return bisect(hits, h, bad, hi)
		}
		if hits(bad+d) >= h {
			return bisect(hits, h, bad, bad+d)
		}
		bad += d
	}
}

// bisect narrows hits(bad) < h <= hits(good) to adjacent nanoseconds.
func bisect(hits func(time.Duration) float64, h float64, bad, good time.Duration) time.Duration {
	for good-bad > 1 {
		mid := bad + (good-bad)/2
		if hits(mid) >= h {
			good = mid
		} else {
			bad = mid
		}
	}
	return good
}

// durationOf converts seconds to a Duration, rounding to the nanosecond and
// saturating instead of overflowing.
func durationOf(sec float64) time.Duration {
	ns := math.Round(sec * 1e9)
	switch {
	case ns >= math.MaxInt64:
		return math.MaxInt64
	case ns <= 0 || math.IsNaN(ns):
		return 0
	}
	return time.Duration(ns)
}

// rateString renders a rate for String methods.
func rateString(r float64) string { return strconv.FormatFloat(r, 'g', 6, 64) + "/s" }

// forString renders a shape's bound for String methods.
func forString(d time.Duration) string {
	if d == 0 {
		return "unbounded"
	}
	return "for " + d.String()
}

// validRate checks a rate field.
func validRate(shape, field string, r float64) error {
	if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
		return fmt.Errorf("pacer: %s: %s must be a finite rate >= 0, not %v", shape, field, r)
	}
	return nil
}

// validSpan checks a duration field.
func validSpan(shape, field string, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("pacer: %s: %s must not be negative, not %v", shape, field, d)
	}
	return nil
}

// rateOK is validRate without the error value, for the per-call checks.
func rateOK(r float64) bool { return !math.IsNaN(r) && !math.IsInf(r, 0) && r >= 0 }
