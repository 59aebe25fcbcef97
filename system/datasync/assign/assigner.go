package assign

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/toplab/toplab/system/coord"
)

// leaveTimeout bounds the graceful Leave after the run's context ended.
const leaveTimeout = 5 * time.Second

// Assigner keeps one member's place in the group and answers which tasks it
// owns. Safe for concurrent use; Run it once.
type Assigner struct {
	cfg     Config
	running atomic.Bool

	refreshMu sync.Mutex // one refresh at a time, so an older member list never overwrites a newer one

	mu        sync.Mutex
	view      View
	stopped   bool          // Run ended: no refresh may make the member own tasks again
	changed   chan struct{} // closed when the assignment (rank or count) changes
	refreshed chan struct{} // closed after every refresh
}

// New checks cfg and returns an Assigner that owns nothing until Run's first beat.
func New(cfg Config) (*Assigner, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Assigner{cfg: cfg, changed: make(chan struct{}), refreshed: make(chan struct{})}, nil
}

// Run joins the group and heartbeats every Interval until ctx ends, then
// leaves the group at once (the others take over without waiting for the
// TTL) and owns nothing. A failed beat is logged and retried at the next
// tick; the last view is kept meanwhile, because two owners of a task are
// harmless and none is not. Run returns nil when ctx ends.
func (a *Assigner) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("assign: already running")
	}
	a.mu.Lock()
	a.stopped = false
	a.mu.Unlock()
	// The ticker starts before the first beat: beats fall at start + k Interval.
	tick := a.cfg.Clock.NewTicker(a.cfg.Interval)
	defer tick.Stop()
	subCtx, stopSub := context.WithCancel(ctx)
	defer stopSub()
	if err := a.cfg.Coord.Subscribe(subCtx, a.topic(), func(coord.Notice) { a.refresh(subCtx, false) }); err != nil {
		// Without notices the group still converges at every beat.
		a.cfg.Logger.Warn("assign: subscribe to membership notices", "group", a.cfg.Group, "err", err)
	}
	joined := a.beat(ctx, true)
	for {
		select {
		case <-ctx.Done():
			stopSub()
			a.leave(context.WithoutCancel(ctx))
			a.running.Store(false)
			return nil
		case <-tick.C():
			joined = a.beat(ctx, !joined) || joined
		}
	}
}

// Owns reports whether this member currently owns task.
func (a *Assigner) Owns(task uint64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.view.Owns(task)
}

// View returns the member's current view of the group.
func (a *Assigner) View() View {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.view.clone()
}

// Changed returns a channel that is closed when the assignment next changes
// (this member's rank or the member count); call it again for the next change.
func (a *Assigner) Changed() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.changed
}

// Await blocks until cond holds for the current view (checked after every
// refresh, beat or failure) or ctx ends, and returns the view it accepted.
func (a *Assigner) Await(ctx context.Context, cond func(View) bool) (View, error) {
	for {
		a.mu.Lock()
		v, next := a.view.clone(), a.refreshed
		a.mu.Unlock()
		if cond(v) {
			return v, nil
		}
		select {
		case <-next:
		case <-ctx.Done():
			return v, ctx.Err()
		}
	}
}

func (a *Assigner) topic() string { return "assign." + a.cfg.Group }

// beat renews the membership, then re-ranks, and reports whether the
// heartbeat went through. The first that does also announces the join,
// before its view is installed: whoever sees this member's first beat
// counted can rely on the others having been told.
func (a *Assigner) beat(ctx context.Context, join bool) bool {
	if err := a.cfg.Coord.Heartbeat(ctx, a.cfg.Group, a.cfg.ID, a.cfg.Info, a.cfg.TTL); err != nil {
		a.failed(ctx, "heartbeat", err)
		return false
	}
	if join {
		a.announce(ctx, "join")
	}
	a.refresh(ctx, true)
	return true
}

// refresh re-reads the alive members and recomputes the rank; beat says a
// heartbeat just succeeded, counted in the same update so a waiter that
// sees the count also sees the view of that beat.
func (a *Assigner) refresh(ctx context.Context, beat bool) {
	a.refreshMu.Lock()
	defer a.refreshMu.Unlock()
	ms, err := a.cfg.Coord.Members(ctx, a.cfg.Group)
	if err != nil {
		a.failed(ctx, "members", err)
		if beat { // the beat counts; the view stays as it was
			a.mu.Lock()
			next := a.view
			a.mu.Unlock()
			a.set(next, true, false)
		}
		return
	}
	next := View{Members: make([]string, len(ms)), At: a.cfg.Clock.Now()}
	for i, m := range ms {
		next.Members[i] = m.ID
	}
	next.Rank, next.Of = coord.Rank(ms, a.cfg.ID)
	a.set(next, beat, false)
}

// set installs next (counting a beat) and wakes the waiters; stop makes it
// the last view (the member left).
func (a *Assigner) set(next View, beat, stop bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped && !stop {
		return
	}
	a.stopped = a.stopped || stop
	next.Beats, next.Failures = a.view.Beats, a.view.Failures
	if beat {
		next.Beats++
	}
	if !sameAssignment(a.view, next) {
		close(a.changed)
		a.changed = make(chan struct{})
	}
	a.view = next
	close(a.refreshed)
	a.refreshed = make(chan struct{})
}

// leave gives the tasks up at once and tells the others.
func (a *Assigner) leave(ctx context.Context) {
	a.refreshMu.Lock()
	a.set(View{At: a.cfg.Clock.Now()}, false, true)
	a.refreshMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, leaveTimeout)
	defer cancel()
	if err := a.cfg.Coord.Leave(ctx, a.cfg.Group, a.cfg.ID); err != nil {
		a.failed(ctx, "leave", err) // the entry expires after the TTL instead
		return
	}
	a.announce(ctx, "leave")
}

// announce publishes a membership change so the others re-rank at once.
func (a *Assigner) announce(ctx context.Context, what string) {
	if err := a.cfg.Coord.Publish(ctx, a.topic(), []byte(what+" "+a.cfg.ID)); err != nil {
		a.failed(ctx, "announce "+what, err)
	}
}

// failed counts and logs a failed coordinator call; the view stays.
func (a *Assigner) failed(ctx context.Context, what string, err error) {
	if ctx.Err() != nil {
		return // shutting down: not a failure of the group
	}
	a.mu.Lock()
	a.view.Failures++
	close(a.refreshed)
	a.refreshed = make(chan struct{})
	a.mu.Unlock()
	a.cfg.Logger.Warn(fmt.Sprintf("assign: %s failed", what), "group", a.cfg.Group, "member", a.cfg.ID, "err", err)
}
