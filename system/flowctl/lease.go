package flowctl

import (
	"sync"
	"sync/atomic"
)

// minLease is the smallest share a node leases of a long window, so a node
// that just started calling does not go back to Redis for every call.
const minLease = 8

// lease is this node's share of one window.
type lease struct {
	mu       sync.Mutex // one Redis request at a time
	name     string
	win      window
	state    atomic.Uint64               // granted<<32 | used, of the window in cur
	cur      atomic.Pointer[leaseWindow] // nil before the first grant
	attempts atomic.Uint64               // calls this interval: the demand reported
	rate     atomic.Uint64               // calls in the last interval
	limit    atomic.Uint32               // the rule's limit at the last request
	idle     int                         // intervals without calls (loop only)
}

// leaseWindow is the Redis window a grant belongs to.
type leaseWindow struct {
	id    int64
	end   int64  // Unix ns on the node's clock: request time + what Redis said was left, so never late
	dry   bool   // Redis had nothing left for this window
	limit uint32 // the limit the grant was asked under
}

// dryFor reports whether Redis has nothing left under limit: a raised limit
// (new rules) is worth asking again.
func (w *leaseWindow) dryFor(limit uint32) bool { return w.dry && limit <= w.limit }

func (x *lease) load() (granted, used uint32) {
	s := x.state.Load()
	return uint32(s >> 32), uint32(s)
}

// take counts one call if the lease has room.
func (x *lease) take() bool {
	for {
		s := x.state.Load()
		if uint32(s) >= uint32(s>>32) {
			return false
		}
		if x.state.CompareAndSwap(s, s+1) {
			return true
		}
	}
}

func (x *lease) untake() {
	for {
		s := x.state.Load()
		if uint32(s) == 0 || x.state.CompareAndSwap(s, s-1) {
			return
		}
	}
}

// shrink takes n unused units back from the grant and returns how many it took.
func (x *lease) shrink(n uint32) uint32 {
	for {
		s := x.state.Load()
		g, u := uint32(s>>32), uint32(s)
		n = min(n, g-min(g, u))
		if n == 0 || x.state.CompareAndSwap(s, pack(g-n, u)) {
			return n
		}
	}
}
