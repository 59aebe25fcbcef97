package metacache

import (
	"weak"

	"github.com/toplab/toplab/system/clock"
)

// startSweeper removes expired entries once per RefreshAfter (at most TTL)
// until Close, on the cache's clock.
func (c *Cache) startSweeper() {
	c.sweepStop, c.sweepDone = make(chan struct{}), make(chan struct{})
	t := c.cfg.Clock.NewTicker(min(c.cfg.RefreshAfter, c.cfg.TTL))
	// Held weakly, so the goroutine ends with a cache that is never closed.
	go sweepLoop(weak.Make(c), t, c.sweepStop, c.sweepDone)
}

func sweepLoop(w weak.Pointer[Cache], t clock.Ticker, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C():
			c := w.Value()
			if c == nil {
				return
			}
			c.sweep()
		}
	}
}

// sweep removes the entries expired now from every level.
func (c *Cache) sweep() {
	now := c.nowNano()
	c.apps.sweep(now)
	c.sessions.sweep(now)
	c.apis.sweep(now)
	c.packages.sweep(now)
}

// sweep removes the entries expired at now: reads skip them anyway, the
// sweep returns their memory.
func (l *level[T]) sweep(now int64) {
	for id, e := range l.local.All() {
		if now >= e.expiresAt {
			l.forget(id, e)
		}
	}
}
