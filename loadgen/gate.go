package loadgen

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Why a run stopped (Summary.Stopped).
const (
	StopDone     = "done"     // every hit due within Duration was sent
	StopMaxHits  = "max-hits" // MaxHits were sent
	StopDrain    = "drain"    // still behind schedule when the drain time ran out
	StopCanceled = "canceled" // the context was cancelled
	StopPacer    = "pacer"    // the pacer said stop
	StopTargeter = "targeter" // vegeta stopped on a targeter error
)

// gate is the pacer vegeta actually runs. It releases hit n at the time the
// caller's pacer has it due (its Schedule, the same the recorder corrects
// against) and it is what ends vegeta's attack loop: duration, max hits,
// drain, cancellation (run's deadline timer covers a loop blocked on busy
// workers). It does the waiting itself, so a cancelled run does not sleep out
// a long pace. Pace is only ever called by vegeta's pacing goroutine.
type gate struct {
	ctx      context.Context
	pacer    vegeta.Pacer
	closed   bool // closed model: no schedule, every hit is due at once
	duration time.Duration
	drain    time.Duration
	maxHits  uint64
	sched    *Schedule
	timer    *time.Timer

	began atomic.Pointer[time.Time] // vegeta's start, seen at the first Pace
	sent  atomic.Uint64             // hits released to vegeta

	mu     sync.Mutex
	reason string
	stopAt time.Duration
}

var _ vegeta.Pacer = (*gate)(nil)

// newGate returns the gate of a run; a nil schedule means the closed model.
func newGate(ctx context.Context, o Options, sched *Schedule) *gate {
	return &gate{
		ctx:      ctx,
		pacer:    o.Pacer,
		closed:   sched == nil,
		duration: o.Duration,
		drain:    o.Drain,
		maxHits:  o.MaxHits,
		sched:    sched,
	}
}

// Pace releases hit number hits, or stops the attack.
func (g *gate) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if g.began.Load() == nil {
		b := time.Now().Add(-elapsed) // vegeta measured elapsed just before calling
		g.began.Store(&b)
	}
	switch {
	case g.ctx.Err() != nil:
		return g.stop(StopCanceled, elapsed)
	case g.maxHits > 0 && hits >= g.maxHits:
		return g.stop(StopMaxHits, elapsed)
	case g.closed:
		if elapsed > g.duration {
			return g.stop(StopDone, elapsed)
		}
		g.sent.Store(hits + 1)
		return 0, false
	}
	// Pace by the schedule, so hits go out when the recorder says they were due.
	at, ok := g.sched.Elapsed(hits)
	switch {
	case !ok:
		return g.stop(StopPacer, elapsed)
	case at > g.duration:
		return g.stop(StopDone, elapsed)
	case at > elapsed:
		if !g.sleep(at - elapsed) {
			return g.stop(StopCanceled, g.elapsed())
		}
	case elapsed > g.duration+g.drain:
		// Behind schedule: hits due before the end (the backlog a stalled
		// server made wait) are still sent, but only while the drain lasts.
		return g.stop(StopDrain, elapsed)
	}
	g.sent.Store(hits + 1)
	return 0, false
}

// Rate is the pacer's rate (0 in the closed model, which has none).
func (g *gate) Rate(elapsed time.Duration) float64 {
	if g.closed {
		return 0
	}
	return g.pacer.Rate(elapsed)
}

// sleep waits d unless the run is cancelled first.
func (g *gate) sleep(d time.Duration) bool {
	if g.timer == nil {
		g.timer = time.NewTimer(d)
	} else {
		g.timer.Reset(d)
	}
	select {
	case <-g.timer.C:
		return true
	case <-g.ctx.Done():
		g.timer.Stop()
		return false
	}
}

// stop records why and when the attack ends; the first reason wins.
func (g *gate) stop(reason string, elapsed time.Duration) (time.Duration, bool) {
	g.mu.Lock()
	if g.reason == "" {
		g.reason, g.stopAt = reason, elapsed
	}
	g.mu.Unlock()
	return 0, true
}

// start returns vegeta's start time, or false before the first Pace.
func (g *gate) start() (time.Time, bool) {
	if b := g.began.Load(); b != nil {
		return *b, true
	}
	return time.Time{}, false
}

// elapsed is the time since vegeta's start (0 before it).
func (g *gate) elapsed() time.Duration {
	if b, ok := g.start(); ok {
		return time.Since(b)
	}
	return 0
}

// outcome returns why the attack stopped (StopTargeter if vegeta stopped by
// itself) and when.
func (g *gate) outcome() (reason string, at time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.reason == "" {
		return StopTargeter, 0
	}
	return g.reason, g.stopAt
}
