package push

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/push/store"
)

// DeliveryConfig is the ack model; zero values mean the defaults.
type DeliveryConfig struct {
	// AckTimeout is how long a delivered message waits for its confirm
	// before it is delivered again (default 10 s).
	AckTimeout time.Duration
	// MaxBackoff caps the growing pause before later redeliveries: the
	// first comes right after the ack timeout, the next ones wait a further
	// 1, 2, 4 ... x the timeout, at most MaxBackoff (default 5 min).
	MaxBackoff time.Duration
	// MaxAttempts is how many times a message is delivered before it is left
	// in the store as undelivered until retention (default 12).
	MaxAttempts int
}

func (c *DeliveryConfig) defaults() {
	if c.AckTimeout <= 0 {
		c.AckTimeout = 10 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 5 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 12
	}
}

// backoff is the pause, after the previous delivery's ack timeout, before
// delivery number attempt.
func (c *DeliveryConfig) backoff(attempt int) time.Duration {
	if attempt <= 2 {
		return 0
	}
	d := c.AckTimeout
	for i := 3; i < attempt && d < c.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, c.MaxBackoff)
}

// Leased is a message handed out for delivery: it must be confirmed before
// Deadline (Unix ms) or it is delivered again.
type Leased struct {
	ID       int64  `json:"id"`
	Attempt  int    `json:"attempt"`
	Deadline int64  `json:"deadline"`
	Payload  []byte `json:"payload"`
}

// Owner holds the queues this node stores: it appends routed messages to
// the store, leases them out for delivery (to local connections, to other
// nodes' connections, to REST pulls) and redelivers what is not confirmed.
type Owner struct {
	st     *store.Store
	clock  clock.Clock
	cfg    DeliveryConfig
	log    *slog.Logger
	notify func(queue string) // something is ready in queue; must not block

	mu     sync.Mutex
	queues map[string]*ownerQueue
	timers *timerLoop

	Undelivered atomic.Int64 // messages that used up their attempts
	Redelivered atomic.Int64
	Expired     atomic.Int64 // leases that timed out
}

// NewOwner serves the queues of st; notify is called whenever a queue may
// have messages ready.
func NewOwner(st *store.Store, cfg DeliveryConfig, c clock.Clock, log *slog.Logger, notify func(queue string)) *Owner {
	cfg.defaults()
	if log == nil {
		log = slog.Default()
	}
	o := &Owner{st: st, clock: clock.Or(c), cfg: cfg, log: log, notify: notify, queues: map[string]*ownerQueue{}}
	o.timers = newTimerLoop(o.clock, o.fire)
	return o
}

// Close stops the redelivery timers.
func (o *Owner) Close() { o.timers.stop() }

// Config is the ack model in use.
func (o *Owner) Config() DeliveryConfig { return o.cfg }

func (o *Owner) queue(name string) *ownerQueue {
	o.mu.Lock()
	defer o.mu.Unlock()
	q := o.queues[name]
	if q == nil {
		q = newOwnerQueue(name)
		o.queues[name] = q
	}
	return q
}

// Append stores deliveries durably (group commit) and tells their queues'
// holders; it returns only when they are durable.
func (o *Owner) Append(ctx context.Context, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	entries := make([]store.Entry, len(ds))
	for i := range ds {
		entries[i] = store.Entry{Queue: ds[i].Queue, TimeMs: ds[i].Msg.PubTimeMs, Payload: appendPayload(nil, &ds[i].Msg)}
	}
	if _, err := o.st.Append(ctx, entries); err != nil {
		return fmt.Errorf("push: store: %w", err)
	}
	seen := map[string]bool{}
	for i := range ds {
		if !seen[ds[i].Queue] {
			seen[ds[i].Queue] = true
			o.ready(ds[i].Queue)
		}
	}
	return nil
}

// ready wakes the queue's long polls and tells its holders.
func (o *Owner) ready(queue string) {
	o.queue(queue).wake()
	o.notify(queue)
}

// Lease hands out up to max messages of queue: redeliveries that are due
// first, then new ones. With wait > 0 and nothing ready it waits up to wait
// for a message (a long poll).
func (o *Owner) Lease(ctx context.Context, queue string, max int, wait time.Duration) ([]Leased, error) {
	if max <= 0 {
		return nil, nil
	}
	q := o.queue(queue)
	var timer clock.Timer
	for {
		out, signal := o.take(q, max)
		if len(out) > 0 || wait <= 0 {
			if timer != nil {
				timer.Stop()
			}
			return out, nil
		}
		if timer == nil {
			timer = o.clock.NewTimer(wait)
		}
		select {
		case <-signal:
		case <-timer.C():
			return nil, nil
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		}
	}
}

func (o *Owner) take(q *ownerQueue, max int) ([]Leased, <-chan struct{}) {
	now := o.clock.Now()
	deadline := now.Add(o.cfg.AckTimeout)
	q.mu.Lock()
	picks := q.dueRetries(now, max)
	if len(picks) < max {
		for _, p := range o.st.Pending(q.name, q.cursor, max-len(picks)) {
			picks = append(picks, pick{id: p.ID, attempt: 1})
			q.cursor = p.ID
		}
	}
	out := make([]Leased, 0, len(picks))
	var events []timerEvent
	for _, p := range picks {
		e, _, err := o.st.Read(q.name, p.id)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				o.log.Warn("push: read a queued message", "queue", q.name, "id", p.id, "err", err)
			}
			continue // confirmed or expired meanwhile
		}
		seq := q.lease(p.id, p.attempt)
		if p.attempt > 1 {
			o.Redelivered.Add(1)
		}
		out = append(out, Leased{ID: p.id, Attempt: p.attempt, Deadline: deadline.UnixMilli(), Payload: e.Payload})
		events = append(events, timerEvent{at: deadline, queue: q, id: p.id, seq: seq})
	}
	signal := q.signal
	q.mu.Unlock()
	o.timers.add(events...)
	return out, signal
}

// Confirm marks ids of queue handled; see ConfirmMany.
func (o *Owner) Confirm(ctx context.Context, queue string, ids []int64) (int, error) {
	return o.ConfirmMany(ctx, []IDsArgs{{Queue: queue, IDs: ids}})
}

// ConfirmMany marks the ids of several queues handled, in the store (one
// record batch) and for redelivery. It returns how many were newly
// confirmed.
func (o *Owner) ConfirmMany(ctx context.Context, items []IDsArgs) (int, error) {
	qids := make([]store.QueueIDs, len(items))
	for i, it := range items {
		qids[i] = store.QueueIDs{Queue: it.Queue, IDs: it.IDs}
	}
	n, err := o.st.ConfirmMany(ctx, qids)
	if err != nil {
		return n, fmt.Errorf("push: confirm: %w", err)
	}
	for _, it := range items {
		q := o.queue(it.Queue)
		q.mu.Lock()
		for _, id := range it.IDs {
			q.forget(id)
		}
		q.mu.Unlock()
	}
	return n, nil
}

// Release gives leased ids back before their deadline (their connection
// closed): they are due for redelivery at once, and the cut-off delivery
// does not count as an attempt (the client never had a chance to confirm).
func (o *Owner) Release(queue string, ids []int64) {
	q := o.queue(queue)
	now := o.clock.Now()
	q.mu.Lock()
	n := 0
	for _, id := range ids {
		if l, ok := q.inflight[id]; ok {
			delete(q.inflight, id)
			q.retryAt(id, l.attempt, now)
			n++
		}
	}
	q.mu.Unlock()
	if n > 0 {
		o.ready(queue)
	}
}

// fire runs a due timer: a lease deadline passed, or a backoff ended.
func (o *Owner) fire(ev timerEvent) {
	q := ev.queue
	now := o.clock.Now()
	q.mu.Lock()
	if ev.seq == 0 { // a backoff ended
		q.mu.Unlock()
		o.ready(q.name)
		return
	}
	l, ok := q.inflight[ev.id]
	if !ok || l.seq != ev.seq {
		q.mu.Unlock()
		return // confirmed, released or leased again
	}
	delete(q.inflight, ev.id)
	o.Expired.Add(1)
	if l.attempt >= o.cfg.MaxAttempts {
		q.mu.Unlock()
		o.Undelivered.Add(1)
		o.log.Warn("push: message left undelivered after its last attempt", "queue", q.name, "id", ev.id, "attempts", l.attempt)
		return
	}
	due := now.Add(o.cfg.backoff(l.attempt + 1))
	q.retryAt(ev.id, l.attempt+1, due)
	q.mu.Unlock()
	if due.After(now) {
		o.timers.add(timerEvent{at: due, queue: q})
		return
	}
	o.ready(q.name)
}

// Backlog is how many unconfirmed messages queue holds.
func (o *Owner) Backlog(queue string) int { return o.st.PendingCount(queue) }

// Queues lists the queues with unconfirmed messages.
func (o *Owner) Queues() []string { return o.st.Queues() }

// Inflight counts leased, unconfirmed messages over every queue.
func (o *Owner) Inflight() int {
	o.mu.Lock()
	qs := make([]*ownerQueue, 0, len(o.queues))
	for _, q := range o.queues {
		qs = append(qs, q)
	}
	o.mu.Unlock()
	n := 0
	for _, q := range qs {
		q.mu.Lock()
		n += len(q.inflight)
		q.mu.Unlock()
	}
	return n
}
