package datasync

import (
	"context"
	"sync"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// held is one message waiting for its order's write: done reports the
// result to the TMC client (nil confirms), changed is when the change
// happened at the trade centre (the start of sync freshness).
type held struct {
	done    func(error)
	changed time.Time
	topic   string
}

// pendingOrder gathers the messages of one order that arrived within the
// merge window: however many there are, the order is fetched and written
// once, and the write covers them all (the fetch returns the newest version).
type pendingOrder struct {
	tid    int64
	seller string
	due    time.Time // first arrival + window
	msgs   []held
}

// merger holds messages per tid for the merge window, then hands the due
// orders to flush in batches. Orders leave in arrival order; a message for
// an order already handed over starts a new pending entry.
type merger struct {
	clk    clock.Clock
	window time.Duration
	batch  int

	mu      sync.Mutex
	pending map[int64]*pendingOrder
	queue   []*pendingOrder // by due time (the window is constant, so arrival order is due order)
	kick    chan struct{}

	merged func(n int) // counts messages folded into an existing entry
}

func newMerger(clk clock.Clock, window time.Duration, batch int, merged func(int)) *merger {
	return &merger{clk: clk, window: window, batch: batch, pending: map[int64]*pendingOrder{},
		kick: make(chan struct{}, 1), merged: merged}
}

// add holds a message for tid.
func (m *merger) add(tid int64, seller string, h held) {
	m.mu.Lock()
	if p, ok := m.pending[tid]; ok {
		p.msgs = append(p.msgs, h)
		m.mu.Unlock()
		m.merged(1)
		return
	}
	p := &pendingOrder{tid: tid, seller: seller, due: m.clk.Now().Add(m.window), msgs: []held{h}}
	m.pending[tid] = p
	m.queue = append(m.queue, p)
	first := len(m.queue) == 1
	m.mu.Unlock()
	if first {
		select {
		case m.kick <- struct{}{}:
		default:
		}
	}
}

// run hands due orders to flush, at most batch at a time, until ctx ends;
// then it fails every order still held (their messages come back from the
// server). flush runs on this goroutine: when it is slow, orders wait here
// and merge more, and the TMC client's bound on held messages stops reading.
func (m *merger) run(ctx context.Context, flush func([]*pendingOrder)) {
	defer func() { m.failAll(ctx.Err()) }()
	for {
		due, ok := m.nextDue()
		if !ok {
			select {
			case <-m.kick:
				continue
			case <-ctx.Done():
				return
			}
		}
		if wait := due.Sub(m.clk.Now()); wait > 0 {
			if clock.Wait(ctx, m.clk, wait) != nil {
				return
			}
		}
		for {
			b := m.takeDue(m.clk.Now())
			if len(b) == 0 {
				break
			}
			flush(b)
		}
	}
}

func (m *merger) nextDue() (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.queue) == 0 {
		return time.Time{}, false
	}
	return m.queue[0].due, true
}

// takeDue removes up to batch orders due at now.
func (m *merger) takeDue(now time.Time) []*pendingOrder {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for n < len(m.queue) && n < m.batch && !m.queue[n].due.After(now) {
		n++
	}
	if n == 0 {
		return nil
	}
	out := make([]*pendingOrder, n)
	copy(out, m.queue)
	m.queue = append(m.queue[:0], m.queue[n:]...)
	for _, p := range out {
		delete(m.pending, p.tid)
	}
	return out
}

// held returns how many orders are waiting.
func (m *merger) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.queue)
}

func (m *merger) failAll(err error) {
	m.mu.Lock()
	q := m.queue
	m.queue, m.pending = nil, map[int64]*pendingOrder{}
	m.mu.Unlock()
	for _, p := range q {
		p.report(err)
	}
}

// report tells every message of p the result of its write.
func (p *pendingOrder) report(err error) {
	for _, h := range p.msgs {
		h.done(err)
	}
}
