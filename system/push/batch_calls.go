package push

import (
	"context"
	"sync"
)

// callBatcher coalesces calls to one peer: a call goes out at once when
// none is in flight; calls made while one is in flight wait and go out
// together in the next one. Idle, a call costs one round trip as before;
// busy, a thousand queues' leases or confirms share a few calls instead of
// one each.
type callBatcher[Req, Resp any] struct {
	send func(reqs []Req) ([]Resp, error) // answers in request order

	mu       sync.Mutex
	pending  []*batchedCall[Req, Resp]
	inflight bool
}

type batchedCall[Req, Resp any] struct {
	req  Req
	resp Resp
	err  error
	done chan struct{}
}

func (b *callBatcher[Req, Resp]) do(ctx context.Context, req Req) (Resp, error) {
	c := &batchedCall[Req, Resp]{req: req, done: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, c)
	start := !b.inflight
	b.inflight = true
	b.mu.Unlock()
	if start {
		go b.loop()
	}
	select {
	case <-c.done:
		return c.resp, c.err
	case <-ctx.Done():
		var zero Resp
		return zero, ctx.Err()
	}
}

func (b *callBatcher[Req, Resp]) loop() {
	for {
		b.mu.Lock()
		batch := b.pending
		b.pending = nil
		if len(batch) == 0 {
			b.inflight = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		reqs := make([]Req, len(batch))
		for i, c := range batch {
			reqs[i] = c.req
		}
		resps, err := b.send(reqs)
		for i, c := range batch {
			if err == nil && i < len(resps) {
				c.resp = resps[i]
			} else if err == nil {
				err = errShortBatch
			}
			c.err = err
			close(c.done)
		}
	}
}
