package store

import (
	"slices"
	"sort"
	"sync"
)

// entry locates one unconfirmed message: 32 bytes, no payload. The payload
// stays in the segment file (page cache), so a backlog of millions of
// entries costs tens of megabytes of heap, not gigabytes.
type entry struct {
	id     int64
	timeMs int64
	seg    uint32 // segment sequence number
	off    uint32 // record offset in the segment
	size   uint32 // framed record size
	dead   uint32 // 1 once confirmed (a tombstone until its chunk is compacted)
}

// chunkCap is the number of entries a chunk is allocated for: big enough that
// chunk overhead is negligible, small enough that compaction is cheap.
const chunkCap = 1024

// chunk is a run of entries in ascending id order. A chunk in a queue's list
// always has live > 0 (so it is never empty).
type chunk struct {
	ents []entry
	live int
	arr  *[chunkCap]entry // the backing array from chunkPool; nil for a compacted chunk
}

// chunkPool recycles the 32 KiB arrays of emptied chunks: a queue whose
// messages are confirmed as fast as they arrive empties its only chunk on
// every confirm, and allocating (and zeroing) a fresh array for each next
// message cost 5% of a push node's CPU at 20k messages/s.
var chunkPool = sync.Pool{New: func() any { return &chunk{arr: new([chunkCap]entry)} }}

// newChunk is an empty chunk on a pooled array.
func newChunk() *chunk {
	c := chunkPool.Get().(*chunk)
	c.ents, c.live = c.arr[:0], 0
	return c
}

// release gives a chunk that left its queue back to the pool; nothing may
// use it afterwards (entries are handed out by value).
func (c *chunk) release() {
	if c.arr != nil {
		c.ents = nil
		chunkPool.Put(c)
	}
}

// queueIndex holds one queue's unconfirmed entries in ascending id order, as
// a list of chunks so growth never copies the whole backlog.
type queueIndex struct {
	name   string
	chunks []*chunk
	live   int
	maxID  int64
}

func (q *queueIndex) add(e entry) bool {
	if e.id <= q.maxID {
		return false
	}
	q.maxID = e.id
	n := len(q.chunks)
	if n == 0 || len(q.chunks[n-1].ents) == cap(q.chunks[n-1].ents) {
		q.chunks = append(q.chunks, newChunk())
		n++
	}
	c := q.chunks[n-1]
	c.ents = append(c.ents, e)
	c.live++
	q.live++
	return true
}

// find returns the chunk position and entry position of the live entry id.
func (q *queueIndex) find(id int64) (ci, i int, ok bool) {
	ci = sort.Search(len(q.chunks), func(k int) bool {
		c := q.chunks[k]
		return c.ents[len(c.ents)-1].id >= id
	})
	if ci == len(q.chunks) {
		return 0, 0, false
	}
	ents := q.chunks[ci].ents
	i = sort.Search(len(ents), func(k int) bool { return ents[k].id >= id })
	if i == len(ents) || ents[i].id != id || ents[i].dead != 0 {
		return 0, 0, false
	}
	return ci, i, true
}

func (q *queueIndex) get(id int64) (entry, bool) {
	ci, i, ok := q.find(id)
	if !ok {
		return entry{}, false
	}
	return q.chunks[ci].ents[i], true
}

// confirm tombstones id and returns its entry; false when it is not live.
func (q *queueIndex) confirm(id int64) (entry, bool) {
	ci, i, ok := q.find(id)
	if !ok {
		return entry{}, false
	}
	c := q.chunks[ci]
	e := c.ents[i]
	c.ents[i].dead = 1
	c.live--
	q.live--
	last := ci == len(q.chunks)-1
	switch {
	case c.live == 0:
		q.chunks = slices.Delete(q.chunks, ci, ci+1)
		c.release()
	case last:
		// The appended-to chunk keeps its spare capacity; only drop its dead prefix.
		k := 0
		for c.ents[k].dead != 0 {
			k++
		}
		c.ents = c.ents[k:]
	case 8*c.live < 7*len(c.ents):
		q.compact(ci)
	}
	return e, true
}

// compact copies the live entries of chunk ci into an exactly sized array,
// merged with those of the chunk before when they fit in one, so tombstones
// never hold more than an eighth of a sealed chunk and chunks stay large.
// Each compaction drops at least chunkCap/8 tombstones, so it costs a few
// entry copies per confirm.
func (q *queueIndex) compact(ci int) {
	c := q.chunks[ci]
	first := ci
	if ci > 0 && q.chunks[ci-1].live+c.live <= chunkCap {
		first = ci - 1
	}
	live := 0
	for _, k := range q.chunks[first : ci+1] {
		live += k.live
	}
	ents := make([]entry, 0, live)
	for _, k := range q.chunks[first : ci+1] {
		for _, e := range k.ents {
			if e.dead == 0 {
				ents = append(ents, e)
			}
		}
	}
	for _, k := range q.chunks[first : ci+1] {
		k.release()
	}
	q.chunks[first] = &chunk{ents: ents, live: live}
	if first < ci {
		q.chunks = slices.Delete(q.chunks, ci, ci+1)
	}
}

// after calls fn for live entries with id > afterID in ascending order until
// fn returns false.
func (q *queueIndex) after(afterID int64, fn func(e *entry) bool) {
	ci := sort.Search(len(q.chunks), func(k int) bool {
		c := q.chunks[k]
		return c.ents[len(c.ents)-1].id > afterID
	})
	for ; ci < len(q.chunks); ci++ {
		ents := q.chunks[ci].ents
		i := sort.Search(len(ents), func(k int) bool { return ents[k].id > afterID })
		for ; i < len(ents); i++ {
			if ents[i].dead == 0 && !fn(&ents[i]) {
				return
			}
		}
	}
}

// dropThrough removes the entries stored in segments <= seq (a prefix, since
// segment numbers grow with ids) and returns how many of them were live.
func (q *queueIndex) dropThrough(seq uint32) int {
	dropped := 0
	for len(q.chunks) > 0 {
		c := q.chunks[0]
		if c.ents[len(c.ents)-1].seg <= seq {
			dropped += c.live
			q.live -= c.live
			q.chunks = slices.Delete(q.chunks, 0, 1)
			c.release()
			continue
		}
		k := sort.Search(len(c.ents), func(i int) bool { return c.ents[i].seg > seq })
		for _, e := range c.ents[:k] {
			if e.dead == 0 {
				dropped++
				c.live--
				q.live--
			}
		}
		c.ents = c.ents[k:]
		break
	}
	return dropped
}

// index is the store's map of unconfirmed entries: per queue, plus per
// segment live counts for early reclaim. mu guards everything.
type index struct {
	mu      sync.RWMutex
	queues  map[string]*queueIndex
	segLive map[uint32]int
	live    int
}

func newIndex() *index {
	return &index{queues: map[string]*queueIndex{}, segLive: map[uint32]int{}}
}

// add inserts a message (mu held); false when its id does not increase.
func (x *index) add(queue []byte, e entry) (*queueIndex, bool) {
	q := x.queues[string(queue)]
	if q == nil {
		q = &queueIndex{name: string(queue)}
		x.queues[q.name] = q
	}
	if !q.add(e) {
		if q.live == 0 {
			delete(x.queues, q.name)
		}
		return nil, false
	}
	x.segLive[e.seg]++
	x.live++
	return q, true
}

// confirm tombstones id in queue (mu held); false when it was not live there.
func (x *index) confirm(queue []byte, id int64) bool {
	q := x.queues[string(queue)]
	if q == nil {
		return false
	}
	e, ok := q.confirm(id)
	if !ok {
		return false
	}
	x.live--
	if x.segLive[e.seg]--; x.segLive[e.seg] == 0 {
		delete(x.segLive, e.seg)
	}
	if q.live == 0 {
		delete(x.queues, q.name)
	}
	return true
}

// dropThrough removes every entry stored in segments <= seq (mu held) and
// returns how many unconfirmed entries went with them.
func (x *index) dropThrough(seq uint32) int {
	dropped := 0
	for name, q := range x.queues {
		dropped += q.dropThrough(seq)
		if q.live == 0 {
			delete(x.queues, name)
		}
	}
	for s := range x.segLive {
		if s <= seq {
			delete(x.segLive, s)
		}
	}
	x.live -= dropped
	return dropped
}

func (x *index) lookup(queue string, id int64) (entry, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	q := x.queues[queue]
	if q == nil {
		return entry{}, false
	}
	return q.get(id)
}

func (x *index) segmentLive(seq uint32) int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.segLive[seq]
}
