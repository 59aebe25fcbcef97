// Package zeroloss checks a message run for loss: it records what producers
// attempted and what they had acknowledged, and what consumers received,
// and reports lost (acknowledged, never received), unexpected (received,
// never attempted) and duplicate deliveries.
package zeroloss

import (
	"fmt"
	"sync"
)

// History records one run. Keys are the producer's message numbers (or any
// unique id it put into the messages). Safe for concurrent use.
type History struct {
	mu        sync.Mutex
	attempted map[int64]bool
	acked     map[int64]bool
	received  map[int64]int
}

// New returns an empty history.
func New() *History {
	return &History{attempted: map[int64]bool{}, acked: map[int64]bool{}, received: map[int64]int{}}
}

// Attempt records that a producer tried to publish key (acknowledged or not).
func (h *History) Attempt(key int64) {
	h.mu.Lock()
	h.attempted[key] = true
	h.mu.Unlock()
}

// Ack records that the service acknowledged key: it must be delivered.
func (h *History) Ack(key int64) {
	h.mu.Lock()
	h.acked[key] = true
	h.mu.Unlock()
}

// Receive records one delivery of key to a consumer.
func (h *History) Receive(key int64) {
	h.mu.Lock()
	h.received[key]++
	h.mu.Unlock()
}

// Missing counts acknowledged keys not received yet (for a drain loop).
func (h *History) Missing() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for k := range h.acked {
		if h.received[k] == 0 {
			n++
		}
	}
	return n
}

// Report is the verdict over a history.
type Report struct {
	Attempted, Acked, Received int // distinct keys
	Deliveries                 int // all deliveries, duplicates included
	Lost                       int // acknowledged, never received
	Unexpected                 int // received, never attempted
	Duplicates                 int // deliveries beyond the first
	// UnackedDelivered are attempted, unacknowledged keys that arrived anyway
	// (a publish that was stored but whose answer was lost): allowed.
	UnackedDelivered int
	LostKeys         []int64 // up to 20, for the failure message
}

// Check computes the report.
func (h *History) Check() Report {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := Report{Attempted: len(h.attempted), Acked: len(h.acked), Received: len(h.received)}
	for k := range h.acked {
		if h.received[k] == 0 {
			r.Lost++
			if len(r.LostKeys) < 20 {
				r.LostKeys = append(r.LostKeys, k)
			}
		}
	}
	for k, n := range h.received {
		r.Deliveries += n
		r.Duplicates += n - 1
		switch {
		case !h.attempted[k]:
			r.Unexpected++
		case !h.acked[k]:
			r.UnackedDelivered++
		}
	}
	return r
}

// OK reports whether nothing was lost and nothing unexpected arrived.
func (r Report) OK() bool { return r.Lost == 0 && r.Unexpected == 0 }

func (r Report) String() string {
	return fmt.Sprintf("attempted %d, acked %d, received %d (%d deliveries): lost %d, unexpected %d, duplicates %d, unacked but delivered %d",
		r.Attempted, r.Acked, r.Received, r.Deliveries, r.Lost, r.Unexpected, r.Duplicates, r.UnackedDelivered)
}
