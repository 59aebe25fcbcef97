package backend

import (
	"context"
	"sync"
	"time"
)

// Change is one entry of the trade change log: an order changed and the
// message service should publish Topic. Consumers read the log from a
// cursor (the last Seq they processed) at least once.
type Change struct {
	Seq     int64         `json:"seq"`
	Topic   string        `json:"topic"`
	Content ChangeContent `json:"content"`
	// Modified is the order version this change produced.
	Modified Timestamp `json:"modified"`
	// TimeMs is when the change happened (Unix ms, not truncated): the start
	// of the end-to-end latency to a subscriber or the seller's database.
	TimeMs int64 `json:"time_ms"`
}

// ChangeContent is a trade message's content as TMC publishes it.
type ChangeContent struct {
	Tid        int64  `json:"tid"`
	Oid        int64  `json:"oid"`
	SellerNick string `json:"seller_nick"`
	BuyerNick  string `json:"buyer_nick"`
	Payment    Money  `json:"payment"`
	Type       string `json:"type"`
	Status     string `json:"status"`
}

// Bounds of a change-log read.
const (
	defaultChangesLimit = 100
	maxChangesLimit     = 1000
)

// ChangesAfter returns up to limit entries with Seq > seq in sequence order
// (limit <= 0 means 100; at most 1000). It never blocks; see WaitChanges.
func (tc *TradeCentre) ChangesAfter(ctx context.Context, seq int64, limit int) ([]Change, error) {
	if limit <= 0 {
		limit = defaultChangesLimit
	}
	return tc.store.changesAfter(ctx, seq, min(limit, maxChangesLimit))
}

// WaitChanges is ChangesAfter that, when nothing follows seq yet, waits up
// to wait (bounded by the config's MaxChangeWait) on the node's clock for a
// commit. It returns an empty slice when the wait ends or the node drains,
// and the context's error when that ends first.
func (tc *TradeCentre) WaitChanges(ctx context.Context, seq int64, limit int, wait time.Duration) ([]Change, error) {
	wait = min(wait, tc.maxWait)
	var timer <-chan time.Time
	for {
		changed, last := tc.notify.state()
		if last > seq || wait <= 0 {
			return tc.ChangesAfter(ctx, seq, limit)
		}
		if timer == nil {
			t := tc.clock.NewTimer(wait)
			defer t.Stop()
			timer = t.C()
		}
		select {
		case <-changed:
		case <-timer:
			return []Change{}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tc.drain:
			return []Change{}, nil
		}
	}
}

// LastSeq is the sequence number of the last committed change (0 when none).
func (tc *TradeCentre) LastSeq() int64 {
	_, last := tc.notify.state()
	return last
}

// notifier wakes long polls when the log grows: a channel closed and
// replaced on every publish, so a waiter that took the channel before
// checking the sequence cannot miss a commit.
type notifier struct {
	mu      sync.Mutex
	last    int64
	changed chan struct{}
}

func newNotifier(last int64) *notifier {
	return &notifier{last: last, changed: make(chan struct{})}
}

func (n *notifier) state() (<-chan struct{}, int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.changed, n.last
}

func (n *notifier) publish(seq int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if seq <= n.last {
		return
	}
	n.last = seq
	close(n.changed)
	n.changed = make(chan struct{})
}
