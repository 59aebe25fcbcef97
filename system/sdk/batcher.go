package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// DefaultLinger is how long a Batcher waits for more calls after the first
// one of a batch arrives.
const DefaultLinger = 2 * time.Millisecond

// ErrClosed is returned by Batcher.Call after Close.
var ErrClosed = errors.New("sdk: batcher closed")

// Batcher merges calls issued concurrently into /router/batch requests, so
// callers keep the one-call API: a batch leaves when it holds maxItems calls
// or when linger has passed since its first call. A batch of one goes to
// /router/rest as a plain call. Each call keeps its own result, error and
// retries (see Client.Batch).
type Batcher struct {
	c        *Client
	maxItems int
	linger   time.Duration

	mu      sync.Mutex
	queue   []*waiter
	gen     uint64 // bumped whenever the queue is taken, so a stale linger timer does nothing
	timer   clock.Timer
	closed  bool
	flights sync.WaitGroup
}

// waiter is one queued call.
type waiter struct {
	item      batchItem
	done      chan struct{} // closed once res is set
	res       BatchResult
	abandoned bool    // the caller gave up; guarded by Batcher.mu
	flight    *flight // set when sent; guarded by Batcher.mu
}

// flight is one batch in progress; its request is cancelled once every
// caller in it has given up.
type flight struct {
	cancel context.CancelFunc
	live   atomic.Int32
}

// NewBatcher returns a batcher over c. maxItems <= 0 (or above the client's
// BatchSize) means the BatchSize; linger <= 0 means DefaultLinger. The
// linger timer runs on the client's clock.
func NewBatcher(c *Client, maxItems int, linger time.Duration) *Batcher {
	if maxItems <= 0 || maxItems > c.batchSize {
		maxItems = c.batchSize
	}
	if linger <= 0 {
		linger = DefaultLinger
	}
	return &Batcher{c: c, maxItems: maxItems, linger: linger}
}

// Call queues one call and waits for its result, as Client.Call. When ctx
// ends first, Call returns at once; the batch goes on for the other callers
// in it, and its request is cancelled when no caller is left.
func (b *Batcher) Call(ctx context.Context, method string, params map[string]string, session string) (json.RawMessage, error) {
	it, err := b.c.batchItemOf(BatchCall{Method: method, Params: params, Session: session})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sdk: %s: %w", method, err)
	}
	w := &waiter{item: it, done: make(chan struct{})}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	b.queue = append(b.queue, w)
	switch {
	case len(b.queue) >= b.maxItems:
		b.flushLocked()
	case len(b.queue) == 1:
		gen := b.gen
		b.timer = b.c.clock.AfterFunc(b.linger, func() { b.flushGen(gen) })
	}
	b.mu.Unlock()
	select {
	case <-w.done:
		return w.res.Payload, w.res.Err
	case <-ctx.Done():
		b.abandon(w)
		return nil, fmt.Errorf("sdk: %s: %w", method, ctx.Err())
	}
}

// Close sends what is queued, waits for every batch in flight, and makes
// later calls fail with ErrClosed.
func (b *Batcher) Close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		b.flushLocked()
	}
	b.mu.Unlock()
	b.flights.Wait()
}

// flushGen is the linger timer's flush of the queue it was armed for.
func (b *Batcher) flushGen(gen uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gen == gen {
		b.flushLocked()
	}
}

// flushLocked takes the queue and sends the calls still wanted; b.mu is held.
func (b *Batcher) flushLocked() {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	b.gen++
	live := make([]*waiter, 0, len(b.queue))
	for _, w := range b.queue {
		if !w.abandoned {
			live = append(live, w)
		}
	}
	clear(b.queue)
	b.queue = b.queue[:0]
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &flight{cancel: cancel}
	f.live.Store(int32(len(live)))
	for _, w := range live {
		w.flight = f
	}
	b.flights.Add(1)
	go b.send(ctx, f, live)
}

func (b *Batcher) send(ctx context.Context, f *flight, ws []*waiter) {
	defer b.flights.Done()
	defer f.cancel()
	if len(ws) == 1 {
		it := ws[0].item
		p, err := b.c.Do(ctx, it.method, it.params, it.session)
		ws[0].res = BatchResult{Payload: p, Err: err}
	} else {
		items := make([]batchItem, len(ws))
		for i, w := range ws {
			items[i] = w.item
		}
		res := make([]BatchResult, len(ws))
		b.c.runChunk(ctx, items, res) // a whole-batch failure is in every slot
		for i, w := range ws {
			w.res = res[i]
		}
	}
	for _, w := range ws {
		close(w.done)
	}
}

// abandon records that w's caller gave up; the last one to leave a flight
// cancels its request.
func (b *Batcher) abandon(w *waiter) {
	b.mu.Lock()
	w.abandoned = true
	f := w.flight
	b.mu.Unlock()
	if f != nil && f.live.Add(-1) == 0 {
		f.cancel()
	}
}
