package pacer

import (
	"math"
	"testing"
	"time"
)

// Fractions of a hit carry across joins: three phases of 2.5 hits send 7
// hits, where three separate pacers would send 6; none is sent twice.
func TestSequenceCarriesFractionsAcrossJoins(t *testing.T) {
	p := Piece{For: time.Second, Shape: Constant{PerSecond: 2.5}}
	s := mustSequence(t, p, p, p)
	times := simulate(t, s, time.Hour)
	if len(times) != 7 {
		t.Fatalf("sent %d hits, want floor(7.5) = 7: %v", len(times), times)
	}
	want := []time.Duration{400, 800, 1200, 1600, 2000, 2400, 2800} // ms: hit n at (n+1)/2.5 s
	for i, at := range times {
		if at != want[i]*time.Millisecond {
			t.Fatalf("hit %d at %v, want %v", i, at, want[i]*time.Millisecond)
		}
	}
	if s.Bound() != 3*time.Second {
		t.Fatalf("bound %v", s.Bound())
	}
}

// At every join the sequence's integral is continuous, the rate switches to
// the next piece, and the hits sent in each piece are the floor increments.
func TestSequenceJoins(t *testing.T) {
	pieces := []Piece{
		{For: 1234567 * time.Microsecond, Shape: Linear{From: 10, To: 400, Duration: 2 * time.Second}}, // cut short
		{Shape: Spike{Base: 30, Peak: 600, At: 100 * time.Millisecond, Rise: 50 * time.Millisecond, Width: 200 * time.Millisecond,
			Fall: 50 * time.Millisecond, Duration: time.Second}},
		{For: 300 * time.Millisecond, Shape: Constant{}},                                       // a pause
		{For: 2 * time.Second, Shape: Constant{PerSecond: 77, Duration: time.Second}},          // silent after its own end
		{Shape: mustReplay(t, "rate\n100\n0\n250\n", InterpLinear)},                            // a replay as a phase
		{For: 777 * time.Millisecond, Shape: Scaled{Factor: 3, Shape: Constant{PerSecond: 9}}}, // scaled, unbounded inner
	}
	s := mustSequence(t, pieces...)
	times := simulate(t, s, time.Hour)
	start := time.Duration(0)
	for i, p := range s.Pieces() {
		end := start + p.For
		if i > 0 {
			const eps = time.Nanosecond
			if l, r := s.Hits(start-eps), s.Hits(start); r < l || r-l > 1e-3 {
				t.Errorf("join %d at %v: Hits jumps from %v to %v", i, start, l, r)
			}
			if got, want := s.Rate(start), p.Shape.Rate(0); got != want {
				t.Errorf("join %d: rate %v, piece's rate at 0 %v", i, got, want)
			}
		}
		inPiece := sentBy(times, end) - sentBy(times, start)
		if want := int(math.Floor(s.Hits(end))) - int(math.Floor(s.Hits(start))); inPiece != want {
			t.Errorf("piece %d [%v, %v]: sent %d, want %d", i, start, end, inPiece, want)
		}
		start = end
	}
	if start != s.Bound() {
		t.Fatalf("pieces end at %v, bound %v", start, s.Bound())
	}
	if got, want := len(times), int(math.Floor(s.Hits(s.Bound()))); got != want {
		t.Fatalf("sent %d, want %d", got, want)
	}
	// The pause sends nothing.
	pause := s.Pieces()[0].For + s.Pieces()[1].For
	if n := sentBy(times, pause+300*time.Millisecond) - sentBy(times, pause); n != 0 {
		t.Errorf("%d hits during the pause", n)
	}
}

// A sequence nests, and its pieces keep their own time.
func TestSequenceNests(t *testing.T) {
	inner := mustSequence(t, Piece{For: time.Second, Shape: Constant{PerSecond: 10}}, Piece{For: time.Second, Shape: Constant{PerSecond: 20}})
	outer := mustSequence(t, Piece{Shape: inner}, Piece{Shape: inner})
	if outer.Bound() != 4*time.Second {
		t.Fatalf("bound %v", outer.Bound())
	}
	if got := len(simulate(t, outer, time.Hour)); got != 60 {
		t.Fatalf("sent %d, want 60", got)
	}
	if r := outer.Rate(2500 * time.Millisecond); r != 10 {
		t.Fatalf("rate in the second copy's first piece = %v", r)
	}
}

func TestScaled(t *testing.T) {
	base := Linear{From: 100, To: 300, Duration: 2 * time.Second}
	s := Scaled{Factor: 0.25, Shape: base}
	if r := s.Rate(time.Second); r != 50 {
		t.Fatalf("rate %v, want 50", r)
	}
	if got := len(simulate(t, s, time.Hour)); got != 100 {
		t.Fatalf("sent %d, want a quarter of 400", got)
	}
	if _, ok := (Scaled{Factor: 0, Shape: base}).Intended(0); ok {
		t.Fatal("a zero factor sends")
	}
}

// A sequence of shapes made of pieces is flattened into one; the general
// path (piece by piece) sends the same hits at the same times, give or take
// a nanosecond of rounding.
func TestSequenceFlatMatchesGeneral(t *testing.T) {
	s := mustSequence(t,
		Piece{For: 2500 * time.Millisecond, Shape: DefaultDouble11(800, 6*time.Second)},
		Piece{Shape: Spike{Base: 40, Peak: 400, At: 200 * time.Millisecond, Rise: 100 * time.Millisecond, Width: 300 * time.Millisecond, Duration: time.Second}},
		Piece{For: time.Second, Shape: Scaled{Factor: 0.5, Shape: Linear{From: 0, To: 200, Duration: 2 * time.Second}}},
	)
	if s.flat == nil {
		t.Fatal("not flattened")
	}
	general := s
	general.flat = nil
	a, b := simulate(t, s, time.Hour), simulate(t, general, time.Hour)
	if len(a) != len(b) {
		t.Fatalf("flat sent %d, general %d", len(a), len(b))
	}
	for i := range a {
		if d := a[i] - b[i]; d < -2 || d > 2 {
			t.Fatalf("hit %d: flat %v, general %v", i, a[i], b[i])
		}
	}
	for _, at := range []time.Duration{0, time.Second, 2500 * time.Millisecond, 2700 * time.Millisecond, 3 * time.Second, 4 * time.Second} {
		if x, y := s.Rate(at), general.Rate(at); !near(x, y, 1e-9*max(x, 1)) {
			t.Errorf("Rate(%v): flat %v, general %v", at, x, y)
		}
	}
}
