package pacer

import (
	"fmt"
	"time"

	"github.com/toplab/toplab/loadgen"
)

// Linear ramps the rate linearly from From to To over Duration, then ends.
// Put it in a Sequence to hold the final rate.
type Linear struct {
	From, To float64       // hits per second at 0 and at Duration
	Duration time.Duration // required
}

var (
	_ Shape            = Linear{}
	_ loadgen.Intender = Linear{}
)

// Validate reports the first invalid field.
func (l Linear) Validate() error {
	if err := validRate("linear", "from", l.From); err != nil {
		return err
	}
	if err := validRate("linear", "to", l.To); err != nil {
		return err
	}
	if l.Duration <= 0 {
		return fmt.Errorf("pacer: linear: duration must be positive, not %v", l.Duration)
	}
	return nil
}

func (l Linear) String() string {
	return fmt.Sprintf("Linear{%s to %s over %s}", rateString(l.From), rateString(l.To), l.Duration)
}

func (l Linear) build(buf pieces) pieces {
	if l.Validate() != nil {
		return buf
	}
	return buf.appendSeg(seg{kind: segLinear, length: l.Duration, r0: l.From, r1: l.To}, false)
}

// Pace waits until hit n is due (see the package doc).
func (l Linear) Pace(elapsed time.Duration, n uint64) (time.Duration, bool) {
	at, ok := l.Intended(n)
	return waitFor(at, ok, elapsed)
}

// Rate is the rate at elapsed, in hits per second.
func (l Linear) Rate(elapsed time.Duration) float64 {
	var buf [1]seg
	return l.build(buf[:0]).rate(elapsed)
}

// Hits is the integral of Rate over [0, elapsed].
func (l Linear) Hits(elapsed time.Duration) float64 {
	var buf [1]seg
	return l.build(buf[:0]).hits(elapsed)
}

// Until is when Hits reaches h.
func (l Linear) Until(h float64) (time.Duration, bool) {
	var buf [1]seg
	return l.build(buf[:0]).until(h)
}

// Intended is when hit seq is due.
func (l Linear) Intended(seq uint64) (time.Duration, bool) { return l.Until(intendedHits(seq)) }

// Bound is when the shape ends.
func (l Linear) Bound() time.Duration { return l.Duration }
