package scenarios

import (
	"cmp"
	"slices"
	"time"
)

// Span is a phase's place in the run.
type Span struct {
	Name   string        `json:"name"`
	Start  time.Duration `json:"start"` // offset from the start of the first phase
	End    time.Duration `json:"end"`
	Warmup bool          `json:"warmup,omitempty"`
}

// Timeline returns the phases' offsets, in order.
func (s *Scenario) Timeline() []Span {
	out := make([]Span, 0, len(s.Phases))
	var at time.Duration
	for _, p := range s.Phases {
		d := max(p.Duration, 0)
		out = append(out, Span{Name: p.Name, Start: at, End: at + d, Warmup: p.Warmup})
		at += d
	}
	return out
}

// TotalDuration is the length of the load: every phase, warm-up included,
// settle and calibration not.
func (s *Scenario) TotalDuration() time.Duration {
	var total time.Duration
	for _, p := range s.Phases {
		total += max(p.Duration, 0)
	}
	return total
}

// WarmupDuration is the length of the leading warm-up phases, whose
// statistics are discarded.
func (s *Scenario) WarmupDuration() time.Duration {
	var d time.Duration
	for _, p := range s.Phases {
		if !p.Warmup {
			break
		}
		d += max(p.Duration, 0)
	}
	return d
}

// PhaseAt returns the index of the phase running at offset t.
func (s *Scenario) PhaseAt(t time.Duration) (int, bool) {
	for i, sp := range s.Timeline() {
		if t >= sp.Start && t < sp.End {
			return i, true
		}
	}
	return 0, false
}

// Piece is a stretch of one stream with one shape, the unit the runner turns
// into a pacer (a stream's pieces, in order and without gaps, make its
// pacer.Sequence). Phases whose shape is `continue` are merged into the piece
// before them; a phase without the stream is a piece with a nil Shape (idle).
type Piece struct {
	Start    time.Duration `json:"start"`
	Duration time.Duration `json:"duration"`
	Shape    *Shape        `json:"shape"`
	Phases   []string      `json:"phases"` // the phases it spans
	first    int           // index of the phase it starts in
}

// Pieces returns stream's pieces covering the whole run, adjacent idle
// phases merged. A scenario that passed validation has no dangling continue.
func (s *Scenario) Pieces(stream string) []Piece {
	var out []Piece
	var at time.Duration
	for i := range s.Phases {
		p := &s.Phases[i]
		d := max(p.Duration, 0)
		sh := p.shape(stream)
		if sh != nil && sh.Kind == "" {
			sh = nil // a missing shape, reported by the validator
		}
		last := len(out) - 1
		switch {
		case last >= 0 && sh != nil && sh.Kind == KindContinue && out[last].Shape != nil,
			last >= 0 && sh == nil && out[last].Shape == nil:
			out[last].Duration += d
			out[last].Phases = append(out[last].Phases, p.Name)
		default:
			if sh != nil && sh.Kind == KindContinue {
				sh = nil // dangling: nothing to continue
			}
			out = append(out, Piece{Start: at, Duration: d, Shape: sh, Phases: []string{p.Name}, first: i})
		}
		at += d
	}
	return out
}

// Shaped reports whether any phase gives stream a shape: whether it sends
// anything paced (and so needs a peak).
func (s *Scenario) Shaped(stream string) bool {
	for _, p := range s.Pieces(stream) {
		if p.Shape != nil {
			return true
		}
	}
	return false
}

// CalibratedStreams lists the declared streams whose peak comes from
// calibration (scale or a fractional peak): the ones the runner measures.
func (s *Scenario) CalibratedStreams() []string {
	var out []string
	for _, name := range StreamNames {
		if s.declared(name) && s.Shaped(name) && !s.peak(name).Absolute() {
			out = append(out, name)
		}
	}
	return out
}

// Peak returns stream's peak in hits per second given its calibrated
// capacity (ignored for an absolute peak): a shape's fraction f means
// f x Peak hits per second.
func (s *Scenario) Peak(stream string, capacity float64) float64 {
	r := s.peak(stream)
	switch {
	case r.Absolute():
		return r.PerSecond
	case r.Fraction > 0:
		return r.Fraction * capacity
	}
	return s.Scale * capacity
}

// PushAt returns the push clients and their behaviours during phase i (the
// phase's override or the stream's setting).
func (s *Scenario) PushAt(i int) (clients int, b Behaviours) {
	if s.Streams.Push == nil || i < 0 || i >= len(s.Phases) {
		return 0, Behaviours{}
	}
	clients, b = s.Streams.Push.Clients, s.Streams.Push.Behaviours
	if pl := s.Phases[i].Streams.Push; pl != nil {
		if pl.Clients > 0 {
			clients = pl.Clients
		}
		if pl.Behaviours != nil {
			b = *pl.Behaviours
		}
	}
	return clients, b
}

// Schedule returns the faults in time order (file order within an instant).
func (s *Scenario) Schedule() []Fault {
	out := slices.Clone(s.Faults)
	slices.SortStableFunc(out, func(a, b Fault) int { return cmp.Compare(a.At, b.At) })
	return out
}
