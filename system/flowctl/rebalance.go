package flowctl

import "context"

// rebalance runs every interval: it turns the interval's calls into each
// lease's demand, drops idle leases (giving them back), and resizes the
// leases of long windows to about two intervals of demand. While Redis is
// marked unreachable it only tracks demand.
func (l *Leased) rebalance(now int64) {
	redisUp := l.fb.usable(now)
	for name, x := range l.leases.All() {
		calls := x.attempts.Swap(0)
		x.rate.Store(calls)
		if calls == 0 {
			if x.idle++; x.idle >= 2 {
				l.leases.Invalidate(name) // OnDeletion gives it back
			}
			continue
		}
		x.idle = 0
		if !redisUp || !l.long(x.win) {
			continue
		}
		w := x.cur.Load()
		if w == nil || now >= w.end {
			continue // the next call starts a new lease
		}
		target := max(minLease, 2*calls)
		g, u := x.load()
		switch unused := uint64(g - min(g, u)); {
		case unused > 2*target:
			l.giveBack(x, uint32(unused-target))
		case unused < target/2:
			x.mu.Lock()
			if _, err := l.acquire(context.Background(), x, now, calls, true, target-unused); err != nil {
				l.cfg.Logger.Debug("flowctl: lease top-up failed", "name", x.name, "err", err)
			}
			x.mu.Unlock()
		}
	}
}
