package pacer

import (
	"fmt"
	"math"
	"time"

	"github.com/toplab/toplab/loadgen"
)

// Scaled multiplies another shape's rate by Factor: the lab sets a peak as a
// fraction of the calibrated capacity by scaling a shape drawn for a peak of 1.
type Scaled struct {
	Factor float64
	Shape  Shape
}

var (
	_ Shape            = Scaled{}
	_ loadgen.Intender = Scaled{}
)

// Validate reports the first invalid field.
func (s Scaled) Validate() error {
	if math.IsNaN(s.Factor) || math.IsInf(s.Factor, 0) || s.Factor < 0 {
		return fmt.Errorf("pacer: scaled: factor must be finite and >= 0, not %v", s.Factor)
	}
	if s.Shape == nil {
		return fmt.Errorf("pacer: scaled: no shape")
	}
	if err := s.Shape.Validate(); err != nil {
		return fmt.Errorf("pacer: scaled: %w", err)
	}
	return nil
}

func (s Scaled) String() string { return fmt.Sprintf("Scaled{%g x %s}", s.Factor, s.Shape) }

// ok is the cheap part of Validate, checked on every call.
func (s Scaled) ok() bool { return s.Shape != nil && s.Factor >= 0 && !math.IsInf(s.Factor, 0) }

// Pace waits until hit n is due (see the package doc).
func (s Scaled) Pace(elapsed time.Duration, n uint64) (time.Duration, bool) {
	at, ok := s.Intended(n)
	return waitFor(at, ok, elapsed)
}

// Rate is the rate at elapsed, in hits per second.
func (s Scaled) Rate(elapsed time.Duration) float64 {
	if !s.ok() {
		return 0
	}
	return s.Factor * s.Shape.Rate(elapsed)
}

// Hits is the integral of Rate over [0, elapsed].
func (s Scaled) Hits(elapsed time.Duration) float64 {
	var buf [maxSegs]seg
	if p, ok := segmentsOf(s, buf[:0]); ok {
		return p.hits(elapsed)
	}
	if !s.ok() {
		return 0
	}
	return s.Factor * s.Shape.Hits(elapsed)
}

// Until is when Hits reaches h.
func (s Scaled) Until(h float64) (time.Duration, bool) {
	var buf [maxSegs]seg
	if p, ok := segmentsOf(s, buf[:0]); ok {
		return p.until(h)
	}
	switch {
	case !s.ok() || (s.Factor == 0 && h > 0):
		return 0, false
	case h <= 0:
		return 0, true
	}
	hi := time.Duration(math.MaxInt64)
	if b := s.Shape.Bound(); b > 0 {
		if s.Hits(b) < h {
			return 0, false
		}
		hi = b
	}
	at, ok := s.Shape.Until(h / s.Factor)
	if !ok {
		if hi == math.MaxInt64 {
			return 0, false
		}
		at = hi // h/Factor rounds just past the shape's end
	}
	// Settle against Factor*Hits itself, so sent hits are floor(Hits) exactly.
	return settle(s.Hits, h, at, 0, hi), true
}

// Intended is when hit seq is due.
func (s Scaled) Intended(seq uint64) (time.Duration, bool) { return s.Until(intendedHits(seq)) }

// Bound is the shape's.
func (s Scaled) Bound() time.Duration {
	if s.Shape == nil {
		return 0
	}
	return s.Shape.Bound()
}
