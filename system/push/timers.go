package push

import (
	"sync"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// timerEvent is a lease deadline (seq > 0) or the end of a backoff (seq 0).
type timerEvent struct {
	at    time.Time
	queue *ownerQueue
	id    int64
	seq   uint64
}

// timerLoop runs events when their time comes, on the injected clock, from
// one goroutine: one heap for every queue's deadlines instead of a timer per
// message.
type timerLoop struct {
	clock clock.Clock
	fire  func(timerEvent)

	mu     sync.Mutex
	events eventHeap
	kick   chan struct{}
	done   chan struct{}
	once   sync.Once
}

func newTimerLoop(c clock.Clock, fire func(timerEvent)) *timerLoop {
	t := &timerLoop{clock: c, fire: fire, kick: make(chan struct{}, 1), done: make(chan struct{})}
	go t.run()
	return t
}

func (t *timerLoop) add(evs ...timerEvent) {
	if len(evs) == 0 {
		return
	}
	t.mu.Lock()
	earliest := len(t.events) == 0 || evs[0].at.Before(t.events[0].at)
	for _, ev := range evs {
		t.events.push(ev)
	}
	t.mu.Unlock()
	if earliest {
		select {
		case t.kick <- struct{}{}:
		default:
		}
	}
}

func (t *timerLoop) stop() { t.once.Do(func() { close(t.done) }) }

func (t *timerLoop) run() {
	for {
		now := t.clock.Now()
		var due []timerEvent
		t.mu.Lock()
		for len(t.events) > 0 && !t.events[0].at.After(now) {
			due = append(due, t.events.pop())
		}
		var nextAt time.Time
		pending := len(t.events) > 0
		if pending {
			nextAt = t.events[0].at
		}
		t.mu.Unlock()
		for _, ev := range due {
			t.fire(ev)
		}
		if len(due) > 0 {
			continue
		}
		// A fresh timer per wait: a reused one can carry a stale tick or
		// lose one to a Stop racing its fire, and then sleep past a deadline.
		var timer clock.Timer
		var c <-chan time.Time
		if pending {
			// A timer runs from the clock's time when it is armed: if the
			// clock moved since the wait was computed (a fake clock stepping
			// through other timers), it would fire late, maybe never within
			// the test's Advance. Arm from a fresh reading and re-arm when
			// the clock moved while arming.
			armAt := t.clock.Now()
			if !armAt.Before(nextAt) {
				continue
			}
			timer = t.clock.NewTimer(nextAt.Sub(armAt))
			c = timer.C()
			if t.clock.Now().Sub(armAt) > time.Microsecond {
				timer.Stop()
				continue
			}
		}
		select {
		case <-c:
		case <-t.kick:
		case <-t.done:
		}
		if timer != nil {
			timer.Stop()
		}
		select {
		case <-t.done:
			return
		default:
		}
	}
}

// eventHeap is a binary min-heap of events by time. It is typed rather than
// a container/heap: that boxes each 48-byte event into an interface, an
// allocation per delivered message.
type eventHeap []timerEvent

func (h *eventHeap) push(ev timerEvent) {
	s := append(*h, ev)
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s[i].at.Before(s[p].at) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
	*h = s
}

// pop removes and returns the earliest event; the heap must not be empty.
func (h *eventHeap) pop() timerEvent {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s[n] = timerEvent{} // no stale queue pointer in the spare capacity
	s = s[:n]
	for i := 0; ; {
		m := 2*i + 1
		if m >= n {
			break
		}
		if r := m + 1; r < n && s[r].at.Before(s[m].at) {
			m = r
		}
		if !s[m].at.Before(s[i].at) {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}
