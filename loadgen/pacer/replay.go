package pacer

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/toplab/toplab/loadgen"
)

// Interpolation says how a Replay's rate moves between its points.
type Interpolation uint8

const (
	// InterpHold is piecewise constant: each point's rate holds until the next.
	InterpHold Interpolation = iota
	// InterpLinear moves the rate linearly from each point to the next.
	InterpLinear
)

func (i Interpolation) String() string {
	if i == InterpLinear {
		return "linear"
	}
	return "hold"
}

// ParseInterpolation reads "hold" (or "") and "linear".
func ParseInterpolation(s string) (Interpolation, error) {
	switch s {
	case "", "hold":
		return InterpHold, nil
	case "linear":
		return InterpLinear, nil
	}
	return 0, fmt.Errorf("pacer: interpolation must be hold or linear, not %q", s)
}

// replayLast is how long the last point's rate lasts: a row of the CSV is
// one second's rate, so the replay ends a second after its last row.
const replayLast = time.Second

// maxReplayPoints bounds a replay (48 days of one row a second).
const maxReplayPoints = 1 << 22

// Replay plays back recorded rates: points at increasing times from 0, with
// the rate held or interpolated between them (Interpolation); the last
// point's rate lasts one second, then the replay ends. Build it with
// NewReplay or ReadReplay; the zero Replay is invalid. It is immutable and
// cheap to copy.
type Replay struct {
	points []Point
	interp Interpolation
	segs   pieces
}

var (
	_ Shape            = Replay{}
	_ loadgen.Intender = Replay{}
)

// NewReplay makes a Replay of points: the first at 0, times strictly
// increasing, rates finite and not negative.
func NewReplay(points []Point, interp Interpolation) (Replay, error) {
	if err := checkPoints(points); err != nil {
		return Replay{}, err
	}
	if interp != InterpHold && interp != InterpLinear {
		return Replay{}, fmt.Errorf("pacer: replay: unknown interpolation %d", interp)
	}
	r := Replay{points: slices.Clone(points), interp: interp, segs: make(pieces, 0, len(points))}
	for i, p := range r.points {
		next := Point{T: p.T + replayLast, Rate: p.Rate}
		if i+1 < len(r.points) {
			next = r.points[i+1]
			if interp == InterpHold {
				next.Rate = p.Rate
			}
		}
		r.segs = r.segs.appendSeg(seg{kind: segLinear, length: next.T - p.T, r0: p.Rate, r1: next.Rate}, false)
	}
	return r, nil
}

// ReadReplay parses a CSV of rates (see ParseRates) into a Replay.
func ReadReplay(rd io.Reader, interp Interpolation) (Replay, error) {
	pts, err := ParseRates(rd)
	if err != nil {
		return Replay{}, err
	}
	return NewReplay(pts, interp)
}

func checkPoints(points []Point) error {
	switch {
	case len(points) == 0:
		return errors.New("pacer: replay: no points")
	case len(points) > maxReplayPoints:
		return fmt.Errorf("pacer: replay: %d points, at most %d", len(points), maxReplayPoints)
	case points[0].T != 0:
		return fmt.Errorf("pacer: replay: the first point must be at 0, not %v", points[0].T)
	}
	for i, p := range points {
		if !rateOK(p.Rate) || p.Rate > maxCSVRate {
			return fmt.Errorf("pacer: replay: point %d: rate must be from 0 to %g, not %v", i, maxCSVRate, p.Rate)
		}
		if i > 0 && p.T <= points[i-1].T {
			return fmt.Errorf("pacer: replay: point %d: time %v is not after %v", i, p.T, points[i-1].T)
		}
		if p.T > math.MaxInt64-replayLast {
			return fmt.Errorf("pacer: replay: point %d: time %v too large", i, p.T)
		}
	}
	return nil
}

// Points returns a copy of the replay's points.
func (r Replay) Points() []Point { return slices.Clone(r.points) }

// Interpolation is how the rate moves between points.
func (r Replay) Interpolation() Interpolation { return r.interp }

// Validate reports whether the replay was built (the zero Replay is not).
func (r Replay) Validate() error {
	if len(r.segs) == 0 {
		return errors.New("pacer: replay: no points (use NewReplay or ReadReplay)")
	}
	return nil
}

func (r Replay) String() string {
	peak := 0.0
	for _, p := range r.points {
		peak = max(peak, p.Rate)
	}
	return fmt.Sprintf("Replay{%d points, %s, peak %s, for %s}", len(r.points), r.interp, rateString(peak), r.Bound())
}

// Pace waits until hit n is due (see the package doc).
func (r Replay) Pace(elapsed time.Duration, n uint64) (time.Duration, bool) {
	at, ok := r.Intended(n)
	return waitFor(at, ok, elapsed)
}

// Rate is the rate at elapsed, in hits per second.
func (r Replay) Rate(elapsed time.Duration) float64 { return r.segs.rate(elapsed) }

// Hits is the integral of Rate over [0, elapsed].
func (r Replay) Hits(elapsed time.Duration) float64 { return r.segs.hits(elapsed) }

// Until is when Hits reaches h.
func (r Replay) Until(h float64) (time.Duration, bool) { return r.segs.until(h) }

// Intended is when hit seq is due.
func (r Replay) Intended(seq uint64) (time.Duration, bool) { return r.Until(intendedHits(seq)) }

// Bound is when the replay ends.
func (r Replay) Bound() time.Duration { return r.segs.bound() }
