package clock

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Fake is a manually advanced clock for tests. Timers and tickers fire, in
// deadline order, only when Advance or Set moves the time past their deadline.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	waiters []*fakeWaiter
	seq     uint64
	changed chan struct{} // closed and replaced whenever the set of waiters changes
}

var _ Clock = (*Fake)(nil)

// NewFake returns a fake clock set to start.
func NewFake(start time.Time) *Fake {
	return &Fake{now: start, changed: make(chan struct{})}
}

type fakeWaiter struct {
	clock    *Fake
	deadline time.Time
	period   time.Duration // > 0 for tickers
	seq      uint64        // keeps firing order stable for equal deadlines
	ch       chan time.Time
	fn       func()
	active   bool
}

func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *Fake) Since(t time.Time) time.Duration { return f.Now().Sub(t) }

// Sleep blocks until another goroutine advances the clock by at least d.
func (f *Fake) Sleep(d time.Duration) { <-f.NewTimer(d).C() }

func (f *Fake) NewTimer(d time.Duration) Timer {
	return f.add(d, 0, nil)
}

func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer {
	return f.add(d, 0, fn)
}

func (f *Fake) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive interval for NewTicker")
	}
	return fakeTicker{f.add(d, d, nil)}
}

func (f *Fake) add(d, period time.Duration, fn func()) *fakeWaiter {
	w := &fakeWaiter{clock: f, period: period, fn: fn}
	if fn == nil {
		// Buffered like time.Timer's channel: a tick is never lost to a slow reader, extra ticks are dropped.
		w.ch = make(chan time.Time, 1)
	}
	f.mu.Lock()
	f.schedule(w, d)
	f.mu.Unlock()
	if d <= 0 {
		f.fireDue()
	}
	return w
}

// schedule (re)arms w; f.mu must be held.
func (f *Fake) schedule(w *fakeWaiter, d time.Duration) {
	f.seq++
	w.deadline = f.now.Add(d)
	w.seq = f.seq
	if !w.active {
		w.active = true
		f.waiters = append(f.waiters, w)
	}
	f.notify()
}

func (f *Fake) remove(w *fakeWaiter) bool {
	if !w.active {
		return false
	}
	w.active = false
	for i, x := range f.waiters {
		if x == w {
			f.waiters = append(f.waiters[:i], f.waiters[i+1:]...)
			break
		}
	}
	f.notify()
	return true
}

func (f *Fake) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// Advance moves the clock forward by d, firing every timer due on the way in
// deadline order, each seeing the clock at its own deadline.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	target := f.now.Add(d)
	f.mu.Unlock()
	f.Set(target)
}

// Set moves the clock to t (never backwards), firing timers as Advance does.
func (f *Fake) Set(t time.Time) {
	for {
		f.mu.Lock()
		w := f.nextDue(t)
		if w == nil {
			if t.After(f.now) {
				f.now = t
			}
			f.mu.Unlock()
			return
		}
		if w.deadline.After(f.now) {
			f.now = w.deadline
		}
		f.mu.Unlock()
		f.fireDue()
	}
}

// nextDue returns the earliest waiter due at or before t; f.mu must be held.
func (f *Fake) nextDue(t time.Time) *fakeWaiter {
	sort.Slice(f.waiters, func(i, j int) bool {
		a, b := f.waiters[i], f.waiters[j]
		if a.deadline.Equal(b.deadline) {
			return a.seq < b.seq
		}
		return a.deadline.Before(b.deadline)
	})
	if len(f.waiters) == 0 || f.waiters[0].deadline.After(t) {
		return nil
	}
	return f.waiters[0]
}

// fireDue fires every waiter due at the current time. Callbacks run without
// the lock held, so they may use the clock.
func (f *Fake) fireDue() {
	for {
		f.mu.Lock()
		w := f.nextDue(f.now)
		if w == nil {
			f.mu.Unlock()
			return
		}
		now := f.now
		if w.period > 0 {
			f.schedule(w, w.period)
		} else {
			f.remove(w)
		}
		f.mu.Unlock()
		if w.fn != nil {
			w.fn()
			continue
		}
		select {
		case w.ch <- now:
		default:
		}
	}
}

// Waiters returns how many timers and tickers are armed.
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.waiters)
}

// BlockUntil waits until at least n timers or tickers are armed, so a test can
// advance the clock only after the code under test started waiting.
func (f *Fake) BlockUntil(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		armed, changed := len(f.waiters), f.changed
		f.mu.Unlock()
		if armed >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (w *fakeWaiter) C() <-chan time.Time { return w.ch }

func (w *fakeWaiter) Stop() bool {
	w.clock.mu.Lock()
	defer w.clock.mu.Unlock()
	return w.clock.remove(w)
}

func (w *fakeWaiter) Reset(d time.Duration) bool {
	f := w.clock
	f.mu.Lock()
	wasActive := w.active
	f.schedule(w, d)
	f.mu.Unlock()
	if d <= 0 {
		f.fireDue()
	}
	return wasActive
}

type fakeTicker struct{ w *fakeWaiter }

func (t fakeTicker) C() <-chan time.Time { return t.w.ch }
func (t fakeTicker) Stop()               { t.w.Stop() }
func (t fakeTicker) Reset(d time.Duration) {
	if d <= 0 {
		panic("clock: non-positive interval for Ticker.Reset")
	}
	f := t.w.clock
	f.mu.Lock()
	t.w.period = d
	f.schedule(t.w, d)
	f.mu.Unlock()
}
