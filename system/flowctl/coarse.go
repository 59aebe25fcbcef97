package flowctl

import (
	"sync"
	"sync/atomic"
	"time"
	"weak"
)

// On this VM time.Now costs 35-50 ns, half of a one-window decision. On the wall
// clock a Local reads the time from a coarse clock instead: a goroutine
// stores the wall time every coarseResolution and a decision loads it.
//
// A coarse time lags the wall clock by up to the resolution (more if the
// goroutine is late), and that never lets a window admit more than its
// limit: a window's count is capped in the counter's CAS whatever times the
// callers read, and a caller whose time is behind the counter's window
// counts in the newer window (counter.tryAdd). What a lag can do is move a
// call that came just after a window's edge into the window before, as a
// caller preempted between time.Now and its CAS already could. Every window
// edge is a whole second (seconds, minutes, local midnights), so within
// coarseEdgeGuard before a whole second a decision reads the precise time:
// edges stay exact unless the goroutine is late by more than the guard, at
// the price of one time.Now in 500 decisions.
const (
	coarseResolution = time.Millisecond
	coarseEdgeGuard  = 2 * time.Millisecond
)

// coarseClock is the wall clock as last stored by its goroutine, in Unix
// nanoseconds. One is shared by every Local of the process.
type coarseClock struct {
	now     atomic.Int64
	precise func() int64 // the wall clock; tests replace it
}

func wallNano() int64 { return time.Now().UnixNano() }

// coarse returns the coarse time, or false within coarseEdgeGuard before a
// whole second, where the caller must read the precise time.
func (c *coarseClock) coarse() (int64, bool) {
	n := c.now.Load()
	return n, n%int64(time.Second) < int64(time.Second-coarseEdgeGuard)
}

// sharedCoarse is the process's coarse clock while a Local holds it; its
// goroutine ends once no Local does.
var sharedCoarse struct {
	mu sync.Mutex
	wp weak.Pointer[coarseClock]
}

func theCoarseClock() *coarseClock {
	sharedCoarse.mu.Lock()
	defer sharedCoarse.mu.Unlock()
	if c := sharedCoarse.wp.Value(); c != nil {
		return c
	}
	c := &coarseClock{precise: wallNano}
	c.now.Store(c.precise())
	sharedCoarse.wp = weak.Make(c)
	go tickCoarse(sharedCoarse.wp, coarseResolution)
	return c
}

// tickCoarse stores the wall time every resolution until the clock is
// collected; it holds the clock only weakly between ticks.
func tickCoarse(wp weak.Pointer[coarseClock], resolution time.Duration) {
	t := time.NewTicker(resolution)
	defer t.Stop()
	for range t.C {
		c := wp.Value()
		if c == nil {
			return
		}
		c.now.Store(c.precise())
	}
}
