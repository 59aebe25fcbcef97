package pacer

import (
	"fmt"
	"time"

	"github.com/toplab/toplab/loadgen"
)

// Spike runs at Base, and at At leaves it: linearly up to Peak over Rise,
// Peak for Width, linearly back down to Base over Fall, then Base again
// until Duration. Rise and Fall of zero make it a square pulse.
type Spike struct {
	Base, Peak  float64       // hits per second
	At          time.Duration // when the rise starts
	Rise, Width time.Duration
	Fall        time.Duration
	Duration    time.Duration // when it ends; 0 = never
}

var (
	_ Shape            = Spike{}
	_ loadgen.Intender = Spike{}
)

// Validate reports the first invalid field.
func (s Spike) Validate() error {
	for _, r := range []struct {
		name string
		v    float64
	}{{"base", s.Base}, {"peak", s.Peak}} {
		if err := validRate("spike", r.name, r.v); err != nil {
			return err
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"at", s.At}, {"rise", s.Rise}, {"width", s.Width}, {"fall", s.Fall}, {"duration", s.Duration}} {
		if err := validSpan("spike", d.name, d.v); err != nil {
			return err
		}
	}
	if s.Duration > 0 && s.Duration < s.At+s.Rise+s.Width+s.Fall {
		return fmt.Errorf("pacer: spike: duration %v ends before the spike does (%v)", s.Duration, s.At+s.Rise+s.Width+s.Fall)
	}
	return nil
}

func (s Spike) String() string {
	return fmt.Sprintf("Spike{%s, at %s up over %s to %s for %s, down over %s, %s}",
		rateString(s.Base), s.At, s.Rise, rateString(s.Peak), s.Width, s.Fall, forString(s.Duration))
}

func (s Spike) build(buf pieces) pieces {
	// Validate's loops would allocate on every call; the checks it makes are
	// repeated here without building error values.
	if !s.valid() {
		return buf
	}
	p := buf.appendSeg(seg{kind: segLinear, length: s.At, r0: s.Base, r1: s.Base}, false)
	p = p.appendSeg(seg{kind: segLinear, length: s.Rise, r0: s.Base, r1: s.Peak}, false)
	p = p.appendSeg(seg{kind: segLinear, length: s.Width, r0: s.Peak, r1: s.Peak}, false)
	p = p.appendSeg(seg{kind: segLinear, length: s.Fall, r0: s.Peak, r1: s.Base}, false)
	rest := s.Duration - (s.At + s.Rise + s.Width + s.Fall)
	return p.appendSeg(seg{kind: segLinear, length: rest, r0: s.Base, r1: s.Base}, s.Duration == 0)
}

func (s Spike) valid() bool {
	return rateOK(s.Base) && rateOK(s.Peak) && s.At >= 0 && s.Rise >= 0 && s.Width >= 0 && s.Fall >= 0 &&
		s.Duration >= 0 && (s.Duration == 0 || s.Duration >= s.At+s.Rise+s.Width+s.Fall)
}

// Pace waits until hit n is due (see the package doc).
func (s Spike) Pace(elapsed time.Duration, n uint64) (time.Duration, bool) {
	at, ok := s.Intended(n)
	return waitFor(at, ok, elapsed)
}

// Rate is the rate at elapsed, in hits per second.
func (s Spike) Rate(elapsed time.Duration) float64 {
	var buf [maxSegs]seg
	return s.build(buf[:0]).rate(elapsed)
}

// Hits is the integral of Rate over [0, elapsed].
func (s Spike) Hits(elapsed time.Duration) float64 {
	var buf [maxSegs]seg
	return s.build(buf[:0]).hits(elapsed)
}

// Until is when Hits reaches h.
func (s Spike) Until(h float64) (time.Duration, bool) {
	var buf [maxSegs]seg
	return s.build(buf[:0]).until(h)
}

// Intended is when hit seq is due.
func (s Spike) Intended(seq uint64) (time.Duration, bool) { return s.Until(intendedHits(seq)) }

// Bound is when the shape ends, 0 if never.
func (s Spike) Bound() time.Duration { return s.Duration }
