package tmcclient

import "sync"

// verdict is what to do with a received message id.
type verdict uint8

const (
	fresh    verdict = iota // not seen: hand it to a worker
	inFlight                // queued or being handled: drop it, the first copy's confirm covers it
	handled                 // handled already: confirm it again, do not call the handler
)

// dedupe remembers the ids in flight (bounded by the queues) and the last
// window handled ids (a ring over a set), so a resend is neither handled
// twice nor left unconfirmed.
type dedupe struct {
	mu       sync.Mutex
	inflight map[int64]struct{}
	done     map[int64]struct{}
	ring     []int64 // handled ids, oldest at next once full
	next     int
	window   int
}

func newDedupe(window int) *dedupe {
	return &dedupe{
		inflight: make(map[int64]struct{}),
		done:     make(map[int64]struct{}),
		window:   window,
	}
}

// admit classifies id and, when it is fresh, marks it in flight.
func (d *dedupe) admit(id int64) verdict {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.done[id]; ok {
		return handled
	}
	if _, ok := d.inflight[id]; ok {
		return inFlight
	}
	d.inflight[id] = struct{}{}
	return fresh
}

// abandon forgets an in-flight id that was not handled (the handler failed,
// or the message never reached a worker), so its resend is handled.
func (d *dedupe) abandon(id int64) {
	d.mu.Lock()
	delete(d.inflight, id)
	d.mu.Unlock()
}

// complete moves an in-flight id to the handled window, evicting the oldest
// handled id when the window is full.
func (d *dedupe) complete(id int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.inflight, id)
	if _, ok := d.done[id]; ok {
		return
	}
	d.done[id] = struct{}{}
	if len(d.ring) < d.window {
		d.ring = append(d.ring, id)
		return
	}
	delete(d.done, d.ring[d.next])
	d.ring[d.next] = id
	d.next = (d.next + 1) % d.window
}

// pending returns how many ids are in flight.
func (d *dedupe) pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.inflight)
}

// clearInflight forgets every in-flight id, when Run ends with messages
// still queued.
func (d *dedupe) clearInflight() {
	d.mu.Lock()
	clear(d.inflight)
	d.mu.Unlock()
}
