package pacer

import (
	"fmt"
	"time"

	"github.com/toplab/toplab/loadgen"
)

// Constant sends PerSecond hits per second. Unlike vegeta's ConstantPacer its rate
// may be fractional or zero (an idle phase of a Sequence) and it can end.
type Constant struct {
	PerSecond float64       // hits per second
	Duration  time.Duration // when it ends; 0 = never
}

var (
	_ Shape            = Constant{}
	_ loadgen.Intender = Constant{}
)

// Validate reports the first invalid field.
func (c Constant) Validate() error {
	if err := validRate("constant", "per-second rate", c.PerSecond); err != nil {
		return err
	}
	return validSpan("constant", "duration", c.Duration)
}

func (c Constant) String() string {
	return fmt.Sprintf("Constant{%s %s}", rateString(c.PerSecond), forString(c.Duration))
}

func (c Constant) build(buf pieces) pieces {
	if c.Validate() != nil {
		return buf
	}
	return buf.appendSeg(seg{kind: segLinear, length: c.Duration, r0: c.PerSecond, r1: c.PerSecond}, c.Duration == 0)
}

// Pace waits until hit n is due (see the package doc).
func (c Constant) Pace(elapsed time.Duration, n uint64) (time.Duration, bool) {
	at, ok := c.Intended(n)
	return waitFor(at, ok, elapsed)
}

// Rate is the rate at elapsed, in hits per second.
func (c Constant) Rate(elapsed time.Duration) float64 {
	var buf [1]seg
	return c.build(buf[:0]).rate(elapsed)
}

// Hits is the integral of Rate over [0, elapsed].
func (c Constant) Hits(elapsed time.Duration) float64 {
	var buf [1]seg
	return c.build(buf[:0]).hits(elapsed)
}

// Until is when Hits reaches h.
func (c Constant) Until(h float64) (time.Duration, bool) {
	var buf [1]seg
	return c.build(buf[:0]).until(h)
}

// Intended is when hit seq is due.
func (c Constant) Intended(seq uint64) (time.Duration, bool) { return c.Until(intendedHits(seq)) }

// Bound is when the shape ends, 0 if never.
func (c Constant) Bound() time.Duration { return c.Duration }
