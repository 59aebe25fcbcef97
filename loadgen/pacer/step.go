package pacer

import (
	"fmt"
	"math"
	"time"

	"github.com/toplab/toplab/loadgen"
)

// Step starts at Start hits per second and adds By (which may be negative)
// every Every: the rate during [k*Every, (k+1)*Every) is Start + k*By. It
// stops changing after Steps steps (0: no limit) or on reaching Max (0: no
// cap) or 0, whichever comes first, and holds that rate until Duration.
type Step struct {
	Start, By float64 // hits per second
	Every     time.Duration
	Steps     int
	Max       float64
	Duration  time.Duration // when it ends; 0 = never
}

var (
	_ Shape            = Step{}
	_ loadgen.Intender = Step{}
)

// Validate reports the first invalid field.
func (s Step) Validate() error {
	if err := validRate("step", "start", s.Start); err != nil {
		return err
	}
	if err := validRate("step", "max", s.Max); err != nil {
		return err
	}
	switch {
	case math.IsNaN(s.By) || math.IsInf(s.By, 0):
		return fmt.Errorf("pacer: step: by must be finite, not %v", s.By)
	case s.Every <= 0:
		return fmt.Errorf("pacer: step: every must be positive, not %v", s.Every)
	case s.Steps < 0:
		return fmt.Errorf("pacer: step: steps must not be negative, not %d", s.Steps)
	case s.Max > 0 && s.Max < s.Start:
		return fmt.Errorf("pacer: step: max %v is below start %v", s.Max, s.Start)
	}
	return validSpan("step", "duration", s.Duration)
}

func (s Step) String() string {
	limit := ""
	if s.Steps > 0 {
		limit += fmt.Sprintf(" %d times", s.Steps)
	}
	if s.Max > 0 {
		limit += " up to " + rateString(s.Max)
	}
	return fmt.Sprintf("Step{%s %+g/s every %s%s, %s}", rateString(s.Start), s.By, s.Every, limit, forString(s.Duration))
}

func (s Step) valid() bool {
	return rateOK(s.Start) && rateOK(s.Max) && !math.IsNaN(s.By) && !math.IsInf(s.By, 0) && s.Every > 0 &&
		s.Steps >= 0 && (s.Max == 0 || s.Max >= s.Start) && s.Duration >= 0
}

// stairs is a Step's curve in closed form. Before step k0 (the first that
// would pass a limit) the rate is start + k*by; from it on it is rk.
// Hits after k whole steps (k <= k0) is every*(k*start + by*k*(k-1)/2).
type stairs struct {
	start, by, every float64 // every in nanoseconds: exact, so 100/s for 4.1 s is 410 hits
	everyD           time.Duration
	k0               float64 // +Inf when the rate never stops changing
	k0At             time.Duration
	rk               float64
}

// farSteps: a limit this many seconds away is never reached by a real run
// (about 30 years); treating it as none keeps k0*Every within a Duration.
const farSteps = 1e9

func (s Step) stairs() stairs {
	c := stairs{start: s.Start, by: s.By, every: float64(s.Every), everyD: s.Every, k0: math.Inf(1)}
	if s.Steps > 0 {
		c.k0 = float64(s.Steps)
	}
	switch {
	case s.By == 0:
		c.k0 = 0
	case s.By > 0 && s.Max > 0:
		c.k0 = min(c.k0, max(math.Ceil((s.Max-s.Start)/s.By), 0))
	case s.By < 0:
		c.k0 = min(c.k0, math.Ceil(s.Start/-s.By))
	}
	if c.k0*c.every/1e9 > farSteps {
		c.k0 = math.Inf(1)
	}
	if !math.IsInf(c.k0, 1) {
		c.k0At = time.Duration(c.k0) * s.Every
		c.rk = max(s.Start+s.By*c.k0, 0)
		if s.Max > 0 {
			c.rk = min(c.rk, s.Max)
		}
	}
	return c
}

// at returns the hits after k whole steps, k <= k0.
func (c *stairs) at(k float64) float64 { return c.every * (k*c.start + c.by*k*(k-1)/2) / 1e9 }

func (c *stairs) hits(t time.Duration) float64 {
	if t <= 0 {
		return 0
	}
	if t >= c.k0At && !math.IsInf(c.k0, 1) {
		return c.at(c.k0) + c.rk*float64(t-c.k0At)/1e9
	}
	k := t / c.everyD
	kf := float64(k)
	return c.at(kf) + (c.start+c.by*kf)*float64(t-k*c.everyD)/1e9
}

func (c *stairs) rate(t time.Duration) float64 {
	if t >= c.k0At && !math.IsInf(c.k0, 1) {
		return c.rk
	}
	return c.start + c.by*float64(max(t, 0)/c.everyD)
}

// estimate returns an approximate time at which hits reach h: the step k
// with at(k) < h <= at(k+1), solved from the quadratic, then the time into it.
func (c *stairs) estimate(h float64) (est, lo time.Duration, ok bool) {
	if !math.IsInf(c.k0, 1) && h > c.at(c.k0) {
		if c.rk <= 0 {
			return 0, 0, false
		}
		return addSat(c.k0At, durationOf((h-c.at(c.k0))/c.rk)), c.k0At, true
	}
	// every*(a*k^2 + b*k) = h with a = by/2, b = start - by/2.
	a, b, q := c.by/2, c.start-c.by/2, h*1e9/c.every
	var k float64
	switch d := math.Sqrt(max(b*b+4*a*q, 0)); {
	case a == 0:
		k = q / b
	case b >= 0:
		k = 2 * q / (b + d)
	default: // b < 0 implies a > 0
		k = (-b + d) / (2 * a)
	}
	k = max(math.Floor(k), 0)
	if !math.IsInf(c.k0, 1) {
		k = min(k, c.k0-1)
	}
	for k > 0 && c.at(k) >= h {
		k--
	}
	for c.at(k+1) < h {
		k++
	}
	r := c.start + c.by*k
	return time.Duration(k)*c.everyD + durationOf((h-c.at(k))/r), time.Duration(k) * c.everyD, true
}

// Pace waits until hit n is due (see the package doc).
func (s Step) Pace(elapsed time.Duration, n uint64) (time.Duration, bool) {
	at, ok := s.Intended(n)
	return waitFor(at, ok, elapsed)
}

// Rate is the rate at elapsed, in hits per second.
func (s Step) Rate(elapsed time.Duration) float64 {
	if !s.valid() || (s.Duration > 0 && elapsed >= s.Duration) {
		return 0
	}
	c := s.stairs()
	return c.rate(elapsed)
}

// Hits is the integral of Rate over [0, elapsed].
func (s Step) Hits(elapsed time.Duration) float64 {
	if !s.valid() {
		return 0
	}
	if s.Duration > 0 {
		elapsed = min(elapsed, s.Duration)
	}
	c := s.stairs()
	return c.hits(elapsed)
}

// Until is when Hits reaches h.
func (s Step) Until(h float64) (time.Duration, bool) {
	if !s.valid() {
		return 0, false
	}
	if h <= 0 {
		return 0, true
	}
	c := s.stairs()
	hi := time.Duration(math.MaxInt64)
	if s.Duration > 0 {
		if c.hits(s.Duration) < h {
			return 0, false
		}
		hi = s.Duration
	}
	est, lo, ok := c.estimate(h)
	if !ok {
		return 0, false
	}
	return settle(c.hits, h, est, lo, hi), true
}

// Intended is when hit seq is due.
func (s Step) Intended(seq uint64) (time.Duration, bool) { return s.Until(intendedHits(seq)) }

// Bound is when the shape ends, 0 if never.
func (s Step) Bound() time.Duration { return s.Duration }
