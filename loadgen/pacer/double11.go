package pacer

import (
	"fmt"
	"math"
	"time"

	"github.com/toplab/toplab/loadgen"
)

// Double11 is the shopping-festival night: every parameter explicit. In order:
//
//	Baseline                      the evening's ordinary rate
//	+ PreSale hump                the pre-sale opening wave (20:00), a smooth hump on the baseline
//	Midnight, Ramp                at 00:00 the rate climbs linearly from Baseline to Peak in seconds
//	Peak for Hold                 the top
//	Decay towards Tail, TailFor   a heavy-tailed (power-law) fall towards the long-tail rate,
//	                              for TailFor; then the shape ends
//
// The decay is r(u) = Tail + (Peak-Tail) * (1 + u/Decay.Scale)^-Decay.Exponent,
// u the time since the hold ended: unlike an exponential it keeps a fat tail,
// which is how the published figures fall (REFERENCE section 4: 40-45% of the
// day's volume in the first 60-90 minutes, then a long tail).
// DefaultDouble11 fills it from those figures.
type Double11 struct {
	Baseline float64 // hits per second before midnight, under the pre-sale wave
	PreSale  Wave    // must end by Midnight; a zero Wave is none
	Midnight time.Duration
	Ramp     time.Duration // from Baseline to Peak, linearly
	Peak     float64
	Hold     time.Duration // at Peak before the decay
	Decay    Decay
	Tail     float64       // the rate the decay tends to; at most Peak
	TailFor  time.Duration // how long the decay and tail last; required
}

// Wave is a smooth hump of Height hits per second on top of the baseline,
// from Start for Duration: Height*(1-cos(2*pi*u/Duration))/2, level with the
// baseline at both ends and at its top halfway.
type Wave struct {
	Start, Duration time.Duration
	Height          float64
}

// Decay is a power-law fall: the excess over the tail rate is multiplied by
// (1 + u/Scale)^-Exponent, u the time since it began. Scale is when the fall
// becomes marked; Exponent how fat the tail is (smaller is fatter).
type Decay struct {
	Exponent float64
	Scale    time.Duration
}

var (
	_ Shape            = Double11{}
	_ loadgen.Intender = Double11{}
)

// Validate reports the first invalid field.
func (d Double11) Validate() error {
	const shape = "double11"
	for _, r := range []struct {
		name string
		v    float64
	}{{"baseline", d.Baseline}, {"pre-sale height", d.PreSale.Height}, {"peak", d.Peak}, {"tail", d.Tail}} {
		if err := validRate(shape, r.name, r.v); err != nil {
			return err
		}
	}
	for _, s := range []struct {
		name string
		v    time.Duration
	}{{"pre-sale start", d.PreSale.Start}, {"pre-sale duration", d.PreSale.Duration}, {"midnight", d.Midnight},
		{"ramp", d.Ramp}, {"hold", d.Hold}, {"decay scale", d.Decay.Scale}, {"tail duration", d.TailFor}} {
		if err := validSpan(shape, s.name, s.v); err != nil {
			return err
		}
	}
	switch {
	case d.PreSale.Start+d.PreSale.Duration > d.Midnight:
		return fmt.Errorf("pacer: double11: the pre-sale wave must end by midnight (%v), not at %v", d.Midnight, d.PreSale.Start+d.PreSale.Duration)
	case d.Tail > d.Peak:
		return fmt.Errorf("pacer: double11: tail %v must not exceed peak %v", d.Tail, d.Peak)
	case !(d.Decay.Exponent > 0) || math.IsInf(d.Decay.Exponent, 0):
		return fmt.Errorf("pacer: double11: decay exponent must be positive, not %v", d.Decay.Exponent)
	case d.Decay.Scale <= 0:
		return fmt.Errorf("pacer: double11: decay scale must be positive, not %v", d.Decay.Scale)
	case d.TailFor <= 0:
		return fmt.Errorf("pacer: double11: tail duration must be positive, not %v", d.TailFor)
	}
	return nil
}

func (d Double11) String() string {
	return fmt.Sprintf("Double11{baseline %s, pre-sale +%s at %s for %s, midnight %s, ramp %s to %s, hold %s, "+
		"decay (1+t/%s)^-%g to %s for %s}",
		rateString(d.Baseline), rateString(d.PreSale.Height), d.PreSale.Start, d.PreSale.Duration, d.Midnight,
		d.Ramp, rateString(d.Peak), d.Hold, d.Decay.Scale, d.Decay.Exponent, rateString(d.Tail), d.TailFor)
}

func (d Double11) valid() bool {
	return rateOK(d.Baseline) && rateOK(d.PreSale.Height) && rateOK(d.Peak) && rateOK(d.Tail) &&
		d.PreSale.Start >= 0 && d.PreSale.Duration >= 0 && d.Midnight >= 0 && d.Ramp >= 0 && d.Hold >= 0 &&
		d.PreSale.Start+d.PreSale.Duration <= d.Midnight && d.Tail <= d.Peak &&
		d.Decay.Exponent > 0 && !math.IsInf(d.Decay.Exponent, 0) && d.Decay.Scale > 0 && d.TailFor > 0
}

func (d Double11) build(buf pieces) pieces {
	if !d.valid() {
		return buf
	}
	w := d.PreSale
	if w.Height == 0 {
		w.Duration = 0
	}
	p := buf.appendSeg(seg{kind: segLinear, length: w.Start, r0: d.Baseline, r1: d.Baseline}, false)
	p = p.appendSeg(seg{kind: segHump, length: w.Duration, r0: d.Baseline, r1: w.Height}, false)
	p = p.appendSeg(seg{kind: segLinear, length: d.Midnight - w.Start - w.Duration, r0: d.Baseline, r1: d.Baseline}, false)
	p = p.appendSeg(seg{kind: segLinear, length: d.Ramp, r0: d.Baseline, r1: d.Peak}, false)
	p = p.appendSeg(seg{kind: segLinear, length: d.Hold, r0: d.Peak, r1: d.Peak}, false)
	return p.appendSeg(seg{kind: segDecay, length: d.TailFor, r0: d.Tail, r1: d.Peak,
		a: d.Decay.Exponent, s: d.Decay.Scale.Seconds()}, false)
}

// Pace waits until hit n is due (see the package doc).
func (d Double11) Pace(elapsed time.Duration, n uint64) (time.Duration, bool) {
	at, ok := d.Intended(n)
	return waitFor(at, ok, elapsed)
}

// Rate is the rate at elapsed, in hits per second.
func (d Double11) Rate(elapsed time.Duration) float64 {
	var buf [maxSegs]seg
	return d.build(buf[:0]).rate(elapsed)
}

// Hits is the integral of Rate over [0, elapsed].
func (d Double11) Hits(elapsed time.Duration) float64 {
	var buf [maxSegs]seg
	return d.build(buf[:0]).hits(elapsed)
}

// Until is when Hits reaches h.
func (d Double11) Until(h float64) (time.Duration, bool) {
	var buf [maxSegs]seg
	return d.build(buf[:0]).until(h)
}

// Intended is when hit seq is due.
func (d Double11) Intended(seq uint64) (time.Duration, bool) { return d.Until(intendedHits(seq)) }

// Bound is when the shape ends.
func (d Double11) Bound() time.Duration { return d.Midnight + d.Ramp + d.Hold + d.TailFor }
