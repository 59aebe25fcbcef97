package pacer

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/toplab/toplab/loadgen"
)

// Piece is one phase of a Sequence: Shape played from its own time 0 for
// For, or until the shape's own end when For is 0. A shape that ends before
// For is silent for the rest of it.
type Piece struct {
	For   time.Duration
	Shape Shape
}

// Sequence plays shapes back to back: a scenario's phases as one pacer. The
// integral runs on across the joins, so a fraction of a hit left at the end
// of one phase counts towards the next: no gap, no hit counted twice. Build
// it with NewSequence; the zero Sequence is invalid. It is immutable.
type Sequence struct {
	pieces []Piece
	starts []time.Duration // when each piece starts
	before []float64       // hits due before each piece starts
	bound  time.Duration   // 0 when the last piece never ends
	// flat is every piece's pieces laid end to end, when every shape is made
	// of pieces (all but Step): one search instead of one per level.
	flat pieces
}

var (
	_ Shape            = Sequence{}
	_ loadgen.Intender = Sequence{}
)

// NewSequence checks the pieces and lays them out. Every piece but the last
// must end (For > 0, or a shape with a Bound).
func NewSequence(pieces ...Piece) (Sequence, error) {
	if len(pieces) == 0 {
		return Sequence{}, errors.New("pacer: sequence: no pieces")
	}
	s := Sequence{
		pieces: append([]Piece(nil), pieces...),
		starts: make([]time.Duration, len(pieces)),
		before: make([]float64, len(pieces)),
	}
	var at time.Duration
	var hits float64
	for i, p := range s.pieces {
		if p.Shape == nil {
			return Sequence{}, fmt.Errorf("pacer: sequence: piece %d has no shape", i)
		}
		if err := p.Shape.Validate(); err != nil {
			return Sequence{}, fmt.Errorf("pacer: sequence: piece %d: %w", i, err)
		}
		if p.For < 0 {
			return Sequence{}, fmt.Errorf("pacer: sequence: piece %d: for must not be negative, not %v", i, p.For)
		}
		if p.For == 0 {
			s.pieces[i].For = p.Shape.Bound()
		}
		s.starts[i], s.before[i] = at, hits
		span := s.pieces[i].For
		if span == 0 {
			if i < len(pieces)-1 {
				return Sequence{}, fmt.Errorf("pacer: sequence: piece %d never ends, so the pieces after it never play", i)
			}
			continue
		}
		if span > math.MaxInt64-at {
			return Sequence{}, fmt.Errorf("pacer: sequence: piece %d ends beyond the range of a duration", i)
		}
		at += span
		hits += p.Shape.Hits(span)
		s.bound = at
	}
	if s.pieces[len(s.pieces)-1].For == 0 {
		s.bound = 0
	}
	s.flat = flatten(s.pieces)
	return s, nil
}

// flatten lays the pieces of every shape end to end, or returns nil if a
// shape is not made of pieces.
func flatten(ps []Piece) pieces {
	var out pieces
	for _, p := range ps {
		src, ok := segmentsOf(p.Shape, make(pieces, 0, maxSegs))
		if !ok {
			return nil
		}
		out = out.appendCut(src, p.For)
	}
	return out
}

// Pieces returns the phases, each For filled in.
func (s Sequence) Pieces() []Piece { return append([]Piece(nil), s.pieces...) }

// Validate reports whether the sequence was built (the zero one is not).
func (s Sequence) Validate() error {
	if len(s.pieces) == 0 {
		return errors.New("pacer: sequence: no pieces (use NewSequence)")
	}
	return nil
}

func (s Sequence) String() string {
	parts := make([]string, len(s.pieces))
	for i, p := range s.pieces {
		parts[i] = fmt.Sprintf("%s %s", p.Shape, forString(p.For))
	}
	return "Sequence{" + strings.Join(parts, "; ") + "}"
}

// find returns the piece playing at elapsed e >= 0, or -1 past the end.
func (s Sequence) find(e time.Duration) int {
	if len(s.pieces) == 0 || (s.bound > 0 && e >= s.bound) {
		return -1
	}
	return sort.Search(len(s.starts), func(i int) bool { return s.starts[i] > e }) - 1
}

// Pace waits until hit n is due (see the package doc).
func (s Sequence) Pace(elapsed time.Duration, n uint64) (time.Duration, bool) {
	at, ok := s.Intended(n)
	return waitFor(at, ok, elapsed)
}

// Rate is the rate at elapsed, in hits per second.
func (s Sequence) Rate(elapsed time.Duration) float64 {
	if s.flat != nil {
		return s.flat.rate(elapsed)
	}
	elapsed = max(elapsed, 0)
	i := s.find(elapsed)
	if i < 0 {
		return 0
	}
	return s.pieces[i].Shape.Rate(elapsed - s.starts[i])
}

// Hits is the integral of Rate over [0, elapsed].
func (s Sequence) Hits(elapsed time.Duration) float64 {
	if s.flat != nil {
		return s.flat.hits(elapsed)
	}
	if len(s.pieces) == 0 || elapsed <= 0 {
		return 0
	}
	i := s.find(elapsed)
	if i < 0 {
		last := len(s.pieces) - 1
		return s.before[last] + s.pieces[last].Shape.Hits(s.pieces[last].For)
	}
	return s.before[i] + s.pieces[i].Shape.Hits(elapsed-s.starts[i])
}

// Until is when Hits reaches h: in the first piece whose end reaches it.
func (s Sequence) Until(h float64) (time.Duration, bool) {
	if s.flat != nil {
		return s.flat.until(h)
	}
	if len(s.pieces) == 0 {
		return 0, false
	}
	if h <= 0 {
		return 0, true
	}
	// h falls in piece i: before[i] < h <= before[i+1] (or i is the last).
	i := sort.Search(len(s.before), func(i int) bool { return s.before[i] >= h }) - 1
	p, start := s.pieces[i], s.starts[i]
	local := func(t time.Duration) float64 { return s.before[i] + p.Shape.Hits(t-start) }
	hi := time.Duration(math.MaxInt64)
	if p.For > 0 {
		hi = start + p.For
		if local(hi) < h {
			return 0, false // only the last piece can fall short
		}
	}
	at, ok := p.Shape.Until(h - s.before[i])
	if !ok {
		if p.For == 0 {
			return 0, false
		}
		at = p.For // the shape rounds h just past its end, where the sequence has it due
	}
	// Settle against the sequence's own sum, so sent hits are floor(Hits) exactly.
	return settle(local, h, addSat(start, at), start, hi), true
}

// Intended is when hit seq is due.
func (s Sequence) Intended(seq uint64) (time.Duration, bool) { return s.Until(intendedHits(seq)) }

// Bound is when the last piece ends, 0 if it never does.
func (s Sequence) Bound() time.Duration { return s.bound }
