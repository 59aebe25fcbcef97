package pacer

import (
	"math"
	"sort"
	"time"
)

// segKind is the form of a piece of a piecewise shape.
type segKind uint8

const (
	// segLinear: the rate moves linearly from r0 to r1 (constant when equal).
	segLinear segKind = iota
	// segHump: r0 + r1*(1-cos(2*pi*u/span))/2, a smooth wave of height r1 on r0
	// that starts and ends level with r0.
	segHump
	// segDecay: r0 + (r1-r0)*(1+u/s)^-a, a power law falling from r1 towards r0.
	segDecay
)

// maxSegs bounds the pieces of the fixed shapes, so they build on the stack.
// Each fixed shape spells out its Rate, Hits and Until over such a buffer:
// a shared generic helper (rateOf[S builder]) made the buffer escape through
// the dictionary call, 640 B and one allocation per Pace (measured).
const maxSegs = 8

// seg is one piece of a piecewise shape; u is the time since it began.
type seg struct {
	kind   segKind
	start  time.Duration
	length time.Duration // 0: the piece never ends (constant pieces only)
	// span is the length the formula was drawn over: a linear piece reaches
	// r1 and a hump ends its wave at span. It exceeds length when a Sequence
	// cuts the piece short.
	span   time.Duration
	r0, r1 float64
	a, s   float64 // segDecay: exponent and scale (seconds)
	before float64 // hits due before start
	after  float64 // hits due by the piece's end (+Inf for an endless positive rate)
}

func (g *seg) open() bool         { return g.length == 0 }
func (g *seg) end() time.Duration { return g.start + g.length }
func (g *seg) l() float64         { return g.span.Seconds() }

// rate is the piece's rate at u into it.
func (g *seg) rate(u time.Duration) float64 {
	switch g.kind {
	case segHump:
		return g.r0 + g.r1*(1-math.Cos(2*math.Pi*float64(u)/float64(g.span)))/2
	case segDecay:
		if g.a == 2 { // the default exponent: no Pow
			f := 1 / (1 + u.Seconds()/g.s)
			return g.r0 + (g.r1-g.r0)*f*f
		}
		return g.r0 + (g.r1-g.r0)*math.Pow(1+u.Seconds()/g.s, -g.a)
	}
	if g.open() || g.r0 == g.r1 {
		return g.r0
	}
	return g.r0 + (g.r1-g.r0)*float64(u)/float64(g.span)
}

// hits is the integral of rate over [0, u]. A linear piece computes in
// nanoseconds, which are exact: 100/s for 4.1 s is 410 hits, not 409.99...
func (g *seg) hits(u time.Duration) float64 {
	if g.kind != segLinear {
		return g.curve(u.Seconds())
	}
	ns := float64(u)
	if g.open() || g.r0 == g.r1 {
		return g.r0 * ns / 1e9
	}
	return (g.r0*ns + (g.r1-g.r0)*ns*ns/(2*float64(g.span))) / 1e9
}

// curve is hits of a hump or decay piece at x seconds in.
func (g *seg) curve(x float64) float64 {
	if g.kind == segHump {
		l := g.l()
		if x == l { // a whole wave: the sine term is 0 (and Sin would cost a call)
			return (g.r0 + g.r1/2) * x
		}
		return g.r0*x + g.r1/2*(x-l/(2*math.Pi)*math.Sin(2*math.Pi*x/l))
	}
	return g.r0*x + (g.r1-g.r0)*g.s*decayGrowth(x/g.s, 1-g.a)
}

// decayGrowth is the integral of (1+v)^(c-1) over [0, y]: ((1+y)^c - 1)/c,
// or ln(1+y) at c = 0. Near c = 0 it goes through expm1 and log1p to stay
// exact; at c = -1 (exponent 2, the default) it is y/(1+y), with no Pow.
func decayGrowth(y, c float64) float64 {
	switch {
	case c == -1:
		return y / (1 + y)
	case c == 0:
		return math.Log1p(y)
	case math.Abs(c) < 1e-2:
		return math.Expm1(c*math.Log1p(y)) / c
	}
	return (math.Pow(1+y, c) - 1) / c
}

// total is the piece's hits over its whole length, by the same formula as
// hits so the pieces join exactly: hits at a piece's end equals the next
// piece's before.
func (g *seg) total() float64 {
	if g.open() {
		if g.r0 > 0 {
			return math.Inf(1)
		}
		return 0
	}
	return g.hits(g.length)
}

// invert returns u in seconds with hits(u) = h, for 0 < h <= total: in
// closed form for a linear piece and a decay of exponent 2, by Newton steps
// kept inside a bisection bracket otherwise.
func (g *seg) invert(h float64) float64 {
	if g.kind == segLinear {
		if g.open() || g.r0 == g.r1 {
			return h / g.r0
		}
		// r0*u + k*u^2 = h with k = (r1-r0)/(2L); the root in the form that
		// does not cancel when k is small.
		k := (g.r1 - g.r0) / (2 * g.l())
		den := g.r0 + math.Sqrt(max(g.r0*g.r0+4*k*h, 0))
		if den <= 0 {
			return 0
		}
		return 2 * h / den
	}
	if g.kind == segDecay && g.a == 2 {
		return g.invertSquare(h)
	}
	lo, hi := 0.0, g.length.Seconds()
	u := hi * h / g.total()
	for range 100 {
		f := g.curve(u) - h
		if f >= 0 {
			hi = u
		} else {
			lo = u
		}
		next := (lo + hi) / 2
		if d := g.rate(durationOf(u)); d > 0 {
			if n := u - f/d; n > lo && n < hi {
				next = n
			}
		}
		if math.Abs(next-u) < 1e-12 || hi-lo < 1e-12 {
			return next
		}
		u = next
	}
	return u
}

// invertSquare solves a decay of exponent 2 in closed form: with
// hits(x) = r0*x + (r1-r0)*s*x/(s+x), hits(x) = h is the quadratic
// r0*x^2 + (r1*s - h)*x - h*s = 0, whose root x >= 0 is taken in the form
// that does not cancel.
func (g *seg) invertSquare(h float64) float64 {
	b := g.r1*g.s - h
	d := math.Sqrt(b*b + 4*g.r0*h*g.s)
	switch {
	case b >= 0 && b+d > 0:
		return 2 * h * g.s / (b + d)
	case g.r0 > 0:
		return (d - b) / (2 * g.r0)
	}
	return g.length.Seconds() // h beyond what the piece can reach: settle clamps it
}

// pieces is a piecewise shape: pieces back to back from 0, the last one
// possibly endless. After a bounded last piece the rate is 0.
type pieces []seg

// appendSeg adds a piece of the given length after the last one; pieces of
// zero length are dropped unless open asks for an endless piece. The
// piece's start and hits before are set here.
func (p pieces) appendSeg(g seg, open bool) pieces {
	if g.length <= 0 && !open {
		return p
	}
	if g.span == 0 {
		g.span = g.length
	}
	if open {
		g.length = 0
	}
	g.start, g.before = 0, 0
	if n := len(p); n > 0 {
		g.start, g.before = p[n-1].end(), p[n-1].after
	}
	g.after = g.before + g.total()
	return append(p, g)
}

// appendCut appends src played from its 0 for span: all of it (endless or
// not) when span is 0; else cut at span, with silence after src's own end.
func (p pieces) appendCut(src pieces, span time.Duration) pieces {
	for _, g := range src {
		open := g.open()
		if span > 0 {
			if g.start >= span {
				break
			}
			if rest := span - g.start; open || g.length > rest {
				g.length, open = rest, false
			}
		}
		p = p.appendSeg(g, open)
	}
	if end := src.bound(); span > 0 && end > 0 && end < span {
		p = p.appendSeg(seg{kind: segLinear, length: span - end}, false)
	}
	return p
}

// scale multiplies every rate of p by f in place, and its hits with them.
func (p pieces) scale(f float64) {
	for i := range p {
		g := &p[i]
		g.r0, g.r1, g.before = g.r0*f, g.r1*f, 0
		if i > 0 {
			g.before = p[i-1].after
		}
		g.after = g.before + g.total()
	}
}

// segmentsOf returns the pieces of a shape made of them: built into buf for
// the fixed shapes (on the caller's stack, on every call), stored for Replay
// and a flattened Sequence, scaled copies in buf for a Scaled one. It is
// false for a shape not made of pieces (a Step, a Sequence holding one) and
// for a Scaled one whose pieces do not fit in buf. A type switch, without
// recursion, so that buf stays on the stack.
func segmentsOf(sh Shape, buf pieces) (pieces, bool) {
	f, scaled := 1.0, false
	for {
		sc, ok := sh.(Scaled)
		if !ok {
			break
		}
		if !sc.ok() {
			return nil, false
		}
		f, sh, scaled = f*sc.Factor, sc.Shape, true
	}
	var p pieces
	switch s := sh.(type) {
	case Constant:
		p = s.build(buf)
	case Linear:
		p = s.build(buf)
	case Spike:
		p = s.build(buf)
	case Double11:
		p = s.build(buf)
	case Replay:
		p = s.segs
	case Sequence:
		if s.flat == nil {
			return nil, false
		}
		p = s.flat
	default:
		return nil, false
	}
	if !scaled {
		return p, true
	}
	if len(p) > cap(buf) {
		return nil, false
	}
	buf = buf[:len(p)]
	copy(buf, p) // p may be buf itself (a fixed shape built in place) or a stored slice
	buf.scale(f)
	return buf, true
}

// find returns the piece holding elapsed time e (e >= 0), or -1 past the end.
func (p pieces) find(e time.Duration) int {
	i := sort.Search(len(p), func(i int) bool { return p[i].start > e }) - 1
	if i < 0 || (!p[i].open() && e >= p[i].end()) {
		return -1
	}
	return i
}

func (p pieces) rate(e time.Duration) float64 {
	i := p.find(max(e, 0))
	if i < 0 {
		return 0
	}
	return p[i].rate(max(e, 0) - p[i].start)
}

func (p pieces) hits(e time.Duration) float64 {
	if len(p) == 0 || e <= 0 {
		return 0
	}
	i := p.find(e)
	if i < 0 {
		return p[len(p)-1].after
	}
	return p[i].before + p[i].hits(e-p[i].start)
}

// until is the earliest nanosecond at which hits reaches h: in the first
// piece whose end reaches it, estimated in closed form or by Newton's
// method, then settled against the piece's own hits.
func (p pieces) until(h float64) (time.Duration, bool) {
	if h <= 0 {
		return 0, len(p) > 0
	}
	i := sort.Search(len(p), func(i int) bool { return p[i].after >= h })
	if i == len(p) {
		return 0, false
	}
	g := &p[i]
	est := addSat(g.start, durationOf(g.invert(h-g.before)))
	hi := g.end()
	if g.open() {
		hi = math.MaxInt64
	}
	local := func(t time.Duration) float64 { return g.before + g.hits(t-g.start) }
	return settle(local, h, est, g.start, hi), true
}

// bound is when the shape ends, 0 if its last piece never does.
func (p pieces) bound() time.Duration {
	if len(p) == 0 || p[len(p)-1].open() {
		return 0
	}
	return p[len(p)-1].end()
}

// addSat adds two non-negative durations, saturating at the largest one.
func addSat(a, b time.Duration) time.Duration {
	if b > math.MaxInt64-a {
		return math.MaxInt64
	}
	return a + b
}
