package tmcclient

import (
	"context"
	"fmt"

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
			c.handle(ctx, m)
		}
	}
}

// handle calls the handler and, when it succeeds, remembers the id and hands
// the confirm to the connection's writer.
func (c *Client) handle(ctx context.Context, m *tmc.Message) {
	if err := c.call(ctx, m); err != nil {
		c.dedupe.abandon(m.ID)
		c.stats.handlerErrors.Add(1)
		c.cfg.Logger.Warn("tmc handler failed; the message stays unconfirmed", "id", m.ID, "topic", m.Topic, "err", err)
		return
	}
	c.dedupe.complete(m.ID)
	c.stats.handled.Add(1)
	select {
	case c.confirms <- m.ID:
	case <-ctx.Done():
	}
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
