package flowctl

import "sync/atomic"

// counter is one fixed window's count: the window id in the high 32 bits and
// the count in the low 32, in one word so check-and-increment is a single CAS.
// A counter whose id is older than the caller's window counts as zero.
type counter struct{ state atomic.Uint64 }

func pack(id, n uint32) uint64 { return uint64(id)<<32 | uint64(n) }

// count returns the count of window id (a newer window's count when a
// concurrent caller already moved on).
func (c *counter) count(id uint32) uint32 {
	s := c.state.Load()
	if sid := uint32(s >> 32); sid < id {
		return 0
	}
	return uint32(s)
}

// tryAdd takes one unit of window id if its count is below limit and returns
// the window it counted in. A caller with a stale id (its clock read raced a
// window change) counts in the newer window rather than resetting it.
func (c *counter) tryAdd(id, limit uint32) (uint32, bool) {
	for {
		s := c.state.Load()
		sid, n := uint32(s>>32), uint32(s)
		if sid < id {
			sid, n = id, 0
		}
		if n >= limit {
			return sid, false
		}
		if c.state.CompareAndSwap(s, pack(sid, n+1)) {
			return sid, true
		}
	}
}

// undo gives back a unit tryAdd counted in window id, unless the window has
// moved on (the new window starts from zero anyway).
func (c *counter) undo(id uint32) {
	for {
		s := c.state.Load()
		sid, n := uint32(s>>32), uint32(s)
		if sid != id || n == 0 {
			return
		}
		if c.state.CompareAndSwap(s, pack(sid, n-1)) {
			return
		}
	}
}
