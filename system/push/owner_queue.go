package push

import (
	"container/heap"
	"sync"
	"time"
)

// ownerQueue is the delivery state of one queue on its owner. The messages
// themselves stay in the store; in memory are only the leased ones and those
// waiting for a redelivery.
type ownerQueue struct {
	name string

	mu       sync.Mutex
	cursor   int64 // ids up to it were handed out at least once since start
	leaseSeq uint64
	inflight map[int64]leaseState
	retries  retryHeap
	retryIdx map[int64]*retryItem
	signal   chan struct{} // closed (and replaced) when messages may be ready
}

type leaseState struct {
	attempt int
	seq     uint64
}

type pick struct {
	id      int64
	attempt int
}

func newOwnerQueue(name string) *ownerQueue {
	return &ownerQueue{name: name, inflight: map[int64]leaseState{}, retryIdx: map[int64]*retryItem{}, signal: make(chan struct{})}
}

func (q *ownerQueue) wake() {
	q.mu.Lock()
	close(q.signal)
	q.signal = make(chan struct{})
	q.mu.Unlock()
}

// lease records id as handed out; the caller holds mu.
func (q *ownerQueue) lease(id int64, attempt int) uint64 {
	q.leaseSeq++
	q.inflight[id] = leaseState{attempt: attempt, seq: q.leaseSeq}
	return q.leaseSeq
}

// dueRetries pops up to max redeliveries due at now; the caller holds mu.
func (q *ownerQueue) dueRetries(now time.Time, max int) []pick {
	var out []pick
	for len(out) < max && len(q.retries) > 0 && !q.retries[0].due.After(now) {
		it := heap.Pop(&q.retries).(*retryItem)
		delete(q.retryIdx, it.id)
		out = append(out, pick{id: it.id, attempt: it.attempt})
	}
	return out
}

// retryAt schedules delivery number attempt of id at due; the caller holds mu.
func (q *ownerQueue) retryAt(id int64, attempt int, due time.Time) {
	if it, ok := q.retryIdx[id]; ok {
		heap.Remove(&q.retries, it.index)
	}
	it := &retryItem{id: id, attempt: attempt, due: due}
	heap.Push(&q.retries, it)
	q.retryIdx[id] = it
}

// forget drops every trace of a confirmed id; the caller holds mu.
func (q *ownerQueue) forget(id int64) {
	delete(q.inflight, id)
	if it, ok := q.retryIdx[id]; ok {
		heap.Remove(&q.retries, it.index)
		delete(q.retryIdx, id)
	}
}

type retryItem struct {
	id      int64
	attempt int
	due     time.Time
	index   int
}

// retryHeap orders redeliveries by due time, then id.
type retryHeap []*retryItem

func (h retryHeap) Len() int { return len(h) }
func (h retryHeap) Less(i, j int) bool {
	if h[i].due.Equal(h[j].due) {
		return h[i].id < h[j].id
	}
	return h[i].due.Before(h[j].due)
}
func (h retryHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *retryHeap) Push(x any)   { it := x.(*retryItem); it.index = len(*h); *h = append(*h, it) }
func (h *retryHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}
