package tmcclient

import (
	"errors"
	"fmt"

	"github.com/toplab/toplab/system/tmc"
)

// errStopped says the session ended while a frame was being handed over.
var errStopped = errors.New("tmcclient: session ended")

// dispatch handles one frame from the server on session s: a data message
// goes through the dedupe to a worker's queue (waiting for space until the
// session ends), or in Inline mode to the handler right here; a failed
// SENDACK is returned; anything else the server has no business sending is
// an error. f is reused storage. The decoded message owns its strings, so b
// may be reused as soon as dispatch returns.
func (c *Client) dispatch(f *tmc.Frame, b []byte, s *session) error {
	if err := f.Decode(b, c.cfg.limits); err != nil {
		return err
	}
	switch f.Type {
	case tmc.MsgSend:
		kind, err := tmc.KindOf(f)
		if err != nil {
			return err
		}
		if kind != tmc.KindData {
			return fmt.Errorf("tmcclient: unexpected %s send from the server", kind)
		}
		m := new(tmc.Message)
		if err := m.ReadFrame(f); err != nil {
			return err
		}
		if c.cfg.Inline {
			return c.receiveInline(m, s)
		}
		return c.receive(m, s.done)
	case tmc.MsgSendAck:
		// The client asks for no SENDACKs; a failing one still says something.
		var ack tmc.SendAck
		if err := ack.ReadFrame(f); err != nil {
			return err
		}
		return ack.Err()
	}
	return fmt.Errorf("tmcclient: unexpected %s from the server", f.Type)
}

// receive dedupes m and queues it for its worker. A resend of a handled id
// is confirmed again; a resend of an id still in flight is dropped (the
// first copy's confirm covers both).
func (c *Client) receive(m *tmc.Message, done <-chan struct{}) error {
	c.stats.received.Add(1)
	switch c.dedupe.admit(m.ID) {
	case inFlight:
		c.stats.duplicates.Add(1)
		return nil
	case handled:
		c.stats.duplicates.Add(1)
		select {
		case c.confirms <- m.ID:
			return nil
		case <-done:
			return errStopped
		}
	}
	q := c.queues[c.shard(m)]
	select {
	case q <- m:
		return nil
	default:
	}
	c.stats.readStalls.Add(1)
	select {
	case q <- m:
		return nil
	case <-done:
		c.dedupe.abandon(m.ID) // never reached a worker: handle the resend
		return errStopped
	}
}

// receiveInline dedupes m and handles it on the reading goroutine, writing
// its confirm from there: no queue, no worker, no hand-off to the writer.
func (c *Client) receiveInline(m *tmc.Message, s *session) error {
	c.stats.received.Add(1)
	switch c.dedupe.admit(m.ID) {
	case inFlight: // cannot happen one message at a time, but a resend needs no second call either way
		c.stats.duplicates.Add(1)
		return nil
	case handled:
		c.stats.duplicates.Add(1)
		return s.confirmNow(m.ID)
	}
	if !c.settle(m, c.call(s.ctx, m)) {
		return nil
	}
	return s.confirmNow(m.ID)
}

// shard picks m's worker from its business key, so one key's messages are
// handled in arrival order; messages without one spread by id.
func (c *Client) shard(m *tmc.Message) int {
	n := len(c.queues)
	if n == 1 {
		return 0
	}
	key := m.DataID
	if key == 0 {
		key = m.ID
	}
	return int((uint64(key) * 0x9E3779B97F4A7C15 >> 32) % uint64(n)) // Fibonacci hashing: sequential keys spread
}

// badFrame counts and logs a frame the client could not use.
func (c *Client) badFrame(err error) {
	c.stats.badFrames.Add(1)
	c.cfg.Logger.Warn("tmc frame ignored", "err", err)
}
