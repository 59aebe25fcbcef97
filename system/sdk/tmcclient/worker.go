package tmcclient

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/toplab/toplab/system/tmc"
)

// work runs the handler over one queue until ctx ends.
func (c *Client) work(ctx context.Context, q <-chan *tmc.Message) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-q:
			if ctx.Err() != nil {
				return
			}
			if c.cfg.Deliver != nil {
				c.deliver(ctx, m)
				continue
			}
			c.handle(ctx, m)
		}
	}
}

// handle calls the handler and, when it succeeds, remembers the id and hands
// the confirm to the connection's writer.
func (c *Client) handle(ctx context.Context, m *tmc.Message) {
	c.finish(ctx.Done(), m, c.call(ctx, m))
}

// finish records a handled message's result and hands a success's confirm
// to the connection's writer.
func (c *Client) finish(stop <-chan struct{}, m *tmc.Message, err error) {
	if !c.settle(m, err) {
		return
	}
	select {
	case c.confirms <- m.ID:
	case <-stop:
	}
}

// settle records a handled message's result and reports whether to confirm
// it: a success is remembered, a failure stays unconfirmed so the server
// resends it.
func (c *Client) settle(m *tmc.Message, err error) bool {
	if err != nil {
		c.dedupe.abandon(m.ID)
		c.stats.handlerErrors.Add(1)
		c.cfg.Logger.Warn("tmc handler failed; the message stays unconfirmed", "id", m.ID, "topic", m.Topic, "err", err)
		return false
	}
	c.dedupe.complete(m.ID)
	c.stats.handled.Add(1)
	return true
}

// deliver hands m to Config.Deliver once one of the QueueSize delivery slots
// is free; the slot comes back when the callee reports the result, so a
// consumer that holds messages (to merge them) cannot hold more than
// QueueSize, and beyond that the socket stops being read.
func (c *Client) deliver(ctx context.Context, m *tmc.Message) {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		c.dedupe.abandon(m.ID)
		return
	}
	c.outstanding.Add(1)
	var once atomic.Bool
	done := func(err error) {
		if !once.CompareAndSwap(false, true) {
			return // a second report of one message is the callee's bug; the first one stands
		}
		c.finish(ctx.Done(), m, err)
		<-c.slots
		c.outstanding.Done()
	}
	defer func() {
		if r := recover(); r != nil {
			done(fmt.Errorf("tmcclient: deliver panicked: %v", r))
		}
	}()
	c.cfg.Deliver(m, done)
}

// call runs the handler, turning a panic into an error: one bad message must
// not take the consumer down (it stays unconfirmed and comes back).
func (c *Client) call(ctx context.Context, m *tmc.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("tmcclient: handler panicked: %v", r)
		}
	}()
	return c.cfg.Handler(ctx, m)
}
