package loadgen

import (
	"math"
	"sort"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Intender is implemented by pacers that know their schedule in closed form
// (a replay of recorded send times, a step function): Intended returns the
// elapsed time at which hit seq is due, or false if the pacer never sends it.
// It must be nondecreasing in seq and safe for concurrent use. A Schedule asks
// an Intender directly instead of walking its Pace.
type Intender interface {
	Intended(seq uint64) (elapsed time.Duration, ok bool)
}

const (
	// searchSteps bounds each search phase: it doubles or halves an interval
	// of at most 2^63 ns.
	searchSteps = 64
	// recentHits is how many of the latest intended times a walked schedule
	// keeps; results come back roughly in order, so nearly every lookup hits it.
	recentHits = 1 << 14
	// maxWalk bounds how far HitsBefore walks a schedule: more hits than an
	// hour at a million a second.
	maxWalk = 1 << 32
	// markEvery spaces the kept checkpoints of a walked schedule; an older hit
	// is recomputed from the checkpoint before it in at most markEvery-1 steps.
	markEvery = 256
)

// IntendedTime returns when pacer p meant hit seq of an attack begun at began
// to be sent: began plus the earliest elapsed time at which p.Pace allows the
// hit. It returns the zero Time if the pacer stops before allowing it. For a
// pacer without a closed form it walks the schedule from the start, so use a
// Schedule to ask about many hits.
func IntendedTime(p vegeta.Pacer, began time.Time, seq uint64) time.Time {
	at, ok := NewSchedule(p).Elapsed(seq)
	if !ok {
		return time.Time{}
	}
	return began.Add(at)
}

// Schedule computes the intended send times of a pacer's hits. It is safe for
// concurrent use.
//
// vegeta's pacers answer Pace faithfully only near the point an attack is at
// (SinePacer solves for the next hit with a few Newton steps), so a pacer
// without a closed form is walked the way vegeta's attack loop walks it: hit n
// is searched from hit n-1's time. The walk remembers the latest times and a
// checkpoint every markEvery hits. ConstantPacer and any Intender are asked
// directly, without walking or locking.
type Schedule struct {
	pacer  vegeta.Pacer
	direct Intender

	mu      sync.Mutex
	walked  uint64          // hits 0..walked-1 have known times
	stopped bool            // the pacer never allows hit walked
	recent  []time.Duration // intended(n) at n%recentHits, for the latest hits
	marks   []time.Duration // intended(k*markEvery)
}

// NewSchedule returns the schedule of p.
func NewSchedule(p vegeta.Pacer) *Schedule {
	s := &Schedule{pacer: p}
	switch q := p.(type) {
	case Intender:
		s.direct = q
	case vegeta.ConstantPacer:
		s.direct = constantIntender{q}
	default:
		s.recent = make([]time.Duration, recentHits)
	}
	return s
}

// Elapsed returns the intended send time of hit seq as elapsed time since the
// attack began, or false if the pacer stops before allowing that hit.
func (s *Schedule) Elapsed(seq uint64) (time.Duration, bool) {
	if s.direct != nil {
		return s.direct.Intended(seq)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.elapsed(seq)
}

func (s *Schedule) elapsed(n uint64) (time.Duration, bool) {
	for s.walked <= n {
		if s.stopped {
			return 0, false
		}
		s.step()
	}
	if s.walked-n <= recentHits {
		return s.recent[n%recentHits], true
	}
	// Recompute from the checkpoint before n; each step succeeded before.
	t := s.marks[n/markEvery]
	for m := n - n%markEvery + 1; m <= n; m++ {
		t, _ = earliest(s.pacer, m, t)
	}
	return t, true
}

// step walks the schedule one hit further.
func (s *Schedule) step() {
	n := s.walked
	var lo time.Duration
	if n > 0 {
		lo = s.recent[(n-1)%recentHits] // hits are due in order
	}
	at, ok := earliest(s.pacer, n, lo)
	if !ok {
		s.stopped = true
		return
	}
	s.recent[n%recentHits] = at
	if n%markEvery == 0 {
		s.marks = append(s.marks, at)
	}
	s.walked++
}

// HitsBefore returns how many hits are due strictly before elapsed time t.
func (s *Schedule) HitsBefore(t time.Duration) uint64 {
	if s.direct != nil {
		return hitsBefore(s.direct, t)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Walk on until a hit is due at or after t (or the pacer stops).
	for !s.stopped && s.walked < maxWalk && (s.walked == 0 || s.recent[(s.walked-1)%recentHits] < t) {
		s.step()
	}
	// The first checkpoint at or after t bounds the answer; walk the block before it.
	k := uint64(sort.Search(len(s.marks), func(i int) bool { return s.marks[i] >= t }))
	if k == 0 {
		return 0
	}
	at := s.marks[k-1]
	for n := (k-1)*markEvery + 1; n < s.walked; n++ {
		if s.walked-n <= recentHits {
			at = s.recent[n%recentHits]
		} else {
			at, _ = earliest(s.pacer, n, at) // walked before, so allowed
		}
		if at >= t {
			return n
		}
	}
	return s.walked
}

// hitsBefore counts the hits of a closed-form schedule due before t: it
// gallops to a hit that is not, then bisects.
func hitsBefore(in Intender, t time.Duration) uint64 {
	before := func(n uint64) bool {
		at, ok := in.Intended(n)
		return ok && at < t
	}
	if !before(0) {
		return 0
	}
	lo, hi := uint64(0), uint64(1)
	for i := 0; i < 62 && before(hi); i++ { // 2^62 hits bound any real run
		lo, hi = hi, hi*2
	}
	for i := 0; i < searchSteps && hi-lo > 1; i++ {
		mid := lo + (hi-lo)/2
		if before(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// earliest returns the earliest elapsed time t >= lo at which p allows hit n,
// where lo is hit n-1's time. Allowed means Pace(t, n) waits <= 0 without
// stopping. Every query stays between lo and the first time found allowed,
// where vegeta itself asks.
func earliest(p vegeta.Pacer, n uint64, lo time.Duration) (time.Duration, bool) {
	wait, stop := p.Pace(lo, n)
	switch {
	case stop:
		return 0, false
	case wait <= 0:
		return lo, true
	}
	// lo is refused. Step forward by the pacer's own waits, at least doubling
	// a minimum step so a pacer answering tiny waits still converges.
	hi := lo + wait
	for i := 0; ; i++ {
		if i == searchSteps || hi < lo {
			return 0, false // nothing allowed within the range of a Duration
		}
		w, stop := p.Pace(hi, n)
		if stop {
			return 0, false
		}
		if w <= 0 {
			break
		}
		lo = hi
		hi += max(w, time.Duration(1)<<i)
	}
	// hi is allowed. If the hint was exact, hi-1 is refused; otherwise gallop
	// back from hi to bracket the boundary, then bisect it.
	refused := func(t time.Duration) bool {
		w, stop := p.Pace(t, n)
		return stop || w > 0
	}
	if hi-lo <= 1 || refused(hi-1) {
		return hi, true
	}
	hi--
	for d, i := time.Duration(2), 0; i < searchSteps && hi-d > lo; d, i = d*2, i+1 {
		if refused(hi - d) {
			lo = hi - d
			break
		}
		hi -= d
	}
	for i := 0; i < searchSteps && hi-lo > 1; i++ {
		mid := lo + (hi-lo)/2
		if refused(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi, true
}

// constantIntender is ConstantPacer's schedule in closed form, exactly as its
// Pace computes it: hit n is due at (n+1)*(Per/Freq), the interval truncated
// to whole nanoseconds.
type constantIntender struct{ p vegeta.ConstantPacer }

func (c constantIntender) Intended(seq uint64) (time.Duration, bool) {
	switch {
	case c.p.Freq == 0 || c.p.Per == 0:
		return 0, true // vegeta's "infinite rate": everything due at once
	case c.p.Freq < 0 || c.p.Per < 0:
		return 0, false
	}
	interval := uint64(c.p.Per.Nanoseconds() / int64(c.p.Freq))
	if interval == 0 {
		return 0, true
	}
	if seq >= math.MaxInt64/interval {
		return 0, false // Pace stops rather than overflow
	}
	return time.Duration((seq + 1) * interval), true
}
