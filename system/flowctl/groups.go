package flowctl

import (
	"slices"
	"sync"
)

// maxGroups bounds the traffic groups of one API.
const maxGroups = 16

// groupLayout is an API's traffic groups, compiled: reservations are
// capacity*ratio/sum (rounded down, the remainder reserved for nobody), and
// each group lists the groups of strictly higher priority whose unused
// reservations it must leave free.
type groupLayout struct {
	names  []string
	ratio  []uint64
	sum    uint64
	higher [][]int
	def    int // group of Key.Group "" and of unknown names
}

func newGroupLayout(gs []Group) *groupLayout {
	if len(gs) == 0 {
		return nil
	}
	l := &groupLayout{def: -1}
	lowest := 0
	for i, g := range gs {
		l.names = append(l.names, g.Name)
		l.ratio = append(l.ratio, uint64(g.Ratio))
		l.sum += uint64(g.Ratio)
		var hi []int
		for j, h := range gs {
			if h.Priority > g.Priority {
				hi = append(hi, j)
			}
		}
		l.higher = append(l.higher, hi)
		if g.Name == "default" {
			l.def = i
		}
		if g.Priority < gs[lowest].Priority {
			lowest = i
		}
	}
	if l.def < 0 {
		l.def = lowest
	}
	return l
}

// index returns the group of name: "" and unknown names fall to the group
// called "default", else to the lowest-priority group.
func (l *groupLayout) index(name string) int {
	for i, n := range l.names {
		if n == name {
			return i
		}
	}
	return l.def
}

func (l *groupLayout) same(o *groupLayout) bool {
	return l != nil && o != nil && slices.Equal(l.names, o.names)
}

// reserved is group g's reservation of capacity.
func (l *groupLayout) reserved(g int, capacity uint32) uint32 {
	return uint32(uint64(capacity) * l.ratio[g] / l.sum)
}

// groupState counts one API's current second per group. A mutex, not a CAS:
// the admission rule reads every higher group's count.
type groupState struct {
	mu    sync.Mutex
	id    uint32
	total uint32
	used  [maxGroups]uint32
}

// roll moves the state to window id; s.mu must be held. A stale id counts in
// the newer window.
func (s *groupState) roll(id uint32) uint32 {
	if id > s.id {
		s.id, s.total, s.used = id, 0, [maxGroups]uint32{}
	}
	return s.id
}

// fits reports whether one more call of group g fits capacity; s.mu must be held.
func (s *groupState) fits(l *groupLayout, g int, capacity uint32) bool {
	need := uint64(s.total) + 1
	for _, h := range l.higher[g] {
		if r := l.reserved(h, capacity); r > s.used[h] {
			need += uint64(r - s.used[h])
		}
	}
	return need <= uint64(capacity)
}

// allows reports, without counting, whether one more call of group g fits.
func (s *groupState) allows(l *groupLayout, g int, id, capacity uint32) bool {
	s.mu.Lock()
	s.roll(id)
	ok := s.fits(l, g, capacity)
	s.mu.Unlock()
	return ok
}

// tryAdd counts one call of group g if it fits and returns the window it counted in.
func (s *groupState) tryAdd(l *groupLayout, g int, id, capacity uint32) (uint32, bool) {
	s.mu.Lock()
	id = s.roll(id)
	ok := s.fits(l, g, capacity)
	if ok {
		s.total++
		s.used[g]++
	}
	s.mu.Unlock()
	return id, ok
}

// undo gives back a call of group g counted in window id.
func (s *groupState) undo(g int, id uint32) {
	s.mu.Lock()
	if s.id == id && s.used[g] > 0 {
		s.total--
		s.used[g]--
	}
	s.mu.Unlock()
}
