package metacache

import (
	"sync"
	"sync/atomic"
	"time"
	"weak"
)

// coarseClock is the time read once per resolution by a goroutine: reading
// the clock, costly on virtual machines, stays off the hit path, and the read
// is an atomic load the compiler inlines (otter's CoarseClock is a call). It
// counts Unix nanoseconds on the monotonic clock from its start, so a step of
// the wall clock does not expire or extend entries. TTLs and refresh periods
// are seconds; the resolution is milliseconds.
type coarseClock struct {
	now      atomic.Int64 // 0 once stopped: read the precise time
	start    time.Time
	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

func newCoarseClock(resolution time.Duration) *coarseClock {
	c := &coarseClock{start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	c.now.Store(c.precise())
	// The goroutine holds the clock weakly, so it ends with the clock even if
	// the cache is never closed.
	go tickCoarse(weak.Make(c), resolution, c.stop, c.done)
	return c
}

// stoppedCoarseClock is a coarse clock that never ran: it reads the precise time.
func stoppedCoarseClock() *coarseClock {
	c := &coarseClock{start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	close(c.done)
	return c
}

func tickCoarse(w weak.Pointer[coarseClock], resolution time.Duration, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(resolution)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			c := w.Value()
			if c == nil {
				return
			}
			c.now.Store(c.precise())
		}
	}
}

func (c *coarseClock) precise() int64 { return c.start.UnixNano() + int64(time.Since(c.start)) }

// nowNano returns the time read last, in Unix nanoseconds.
func (c *coarseClock) nowNano() int64 {
	if n := c.now.Load(); n != 0 {
		return n
	}
	return c.precise()
}

// Stop ends the goroutine; the clock then reads the precise time.
func (c *coarseClock) Stop() {
	c.stopOnce.Do(func() { close(c.stop) })
	<-c.done
	c.now.Store(0)
}
