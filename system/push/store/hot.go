package store

import (
	"sort"
	"sync"
)

// hotEntry is a recently appended entry held in the heap. payload aliases the
// Append call's encoded record buffer (immutable once committed).
type hotEntry struct {
	id      int64
	timeMs  int64
	at      int64 // store clock, Unix ns, when committed
	queue   string
	payload []byte
}

// hotRing is the hot tier: entries in ascending id order (the committer
// appends in id order), evicted from the front by age and by total bytes.
type hotRing struct {
	mu    sync.RWMutex
	ents  []hotEntry
	head  int
	bytes int64
}

func (h *hotRing) push(e hotEntry) {
	h.ents = append(h.ents, e)
	h.bytes += int64(len(e.payload))
}

// popFront drops the oldest entry (mu held), clearing it so its payload can be freed.
func (h *hotRing) popFront() {
	h.bytes -= int64(len(h.ents[h.head].payload))
	h.ents[h.head] = hotEntry{}
	h.head++
	if h.head == len(h.ents) {
		h.ents, h.head = h.ents[:0], 0
	} else if h.head >= 1024 && h.head*2 >= len(h.ents) {
		n := copy(h.ents, h.ents[h.head:])
		clear(h.ents[n:])
		h.ents, h.head = h.ents[:n], 0
	}
}

// evict drops entries committed before cutoffNs and, oldest first, whatever
// exceeds maxBytes (mu held).
func (h *hotRing) evict(cutoffNs, maxBytes int64) {
	for h.head < len(h.ents) && (h.ents[h.head].at < cutoffNs || h.bytes > maxBytes) {
		h.popFront()
	}
}

// dropBefore drops entries with id < id (mu held): their segment was deleted.
func (h *hotRing) dropBefore(id int64) {
	for h.head < len(h.ents) && h.ents[h.head].id < id {
		h.popFront()
	}
}

// get returns the entry id if it was committed at or after cutoffNs.
func (h *hotRing) get(id, cutoffNs int64) (hotEntry, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	ents := h.ents[h.head:]
	i := sort.Search(len(ents), func(k int) bool { return ents[k].id >= id })
	if i == len(ents) || ents[i].id != id || ents[i].at < cutoffNs {
		return hotEntry{}, false
	}
	return ents[i], true
}

func (h *hotRing) size() (int, int64) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.ents) - h.head, h.bytes
}
