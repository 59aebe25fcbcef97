package tmcclient

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/tmc"
)

// ErrRunning is returned by Run when the client is already running.
var ErrRunning = errors.New("tmcclient: client is already running")

// Client holds one connection to a push node, reconnecting as needed, and
// hands the messages to the handler. Create it with New, start it with Run.
// Its methods are safe for concurrent use.
type Client struct {
	cfg    settings
	dialer *websocket.Dialer

	queues   []chan *tmc.Message // one per worker: received, not yet handled
	confirms chan int64          // handled ids waiting for the current connection's writer (nil when Inline)
	slots    chan struct{}       // Deliver mode: one token per message handed over and not yet reported
	// outstanding counts Deliver-mode messages not yet reported; Run waits for them.
	outstanding sync.WaitGroup
	dedupe      *dedupe
	stats       counters

	connected atomic.Bool
	running   atomic.Bool

	rand func(n int64) int64 // the backoff's jitter source; nil means math/rand/v2 (tests pin it)
}

// New checks cfg and returns a client; it does not connect.
func New(cfg Config) (*Client, error) {
	s, err := cfg.settle()
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:    s,
		dialer: &websocket.Dialer{HandshakeTimeout: s.DialTimeout}, // open sets the dial hook per connection
		dedupe: newDedupe(s.DedupeWindow),
	}
	if s.Inline {
		return c, nil // no queues: the reader handles and confirms
	}
	perWorker := max(1, s.QueueSize/s.Workers)
	c.queues = make([]chan *tmc.Message, s.Workers)
	for i := range c.queues {
		c.queues[i] = make(chan *tmc.Message, perWorker)
	}
	c.confirms = make(chan int64, s.QueueSize)
	c.slots = make(chan struct{}, s.QueueSize)
	return c, nil
}

// Run connects, serves and reconnects until ctx ends, then waits for its
// goroutines (and the handlers in progress, or in Deliver mode for every
// message handed over to be reported) and returns ctx.Err(). Messages
// still queued then are dropped unconfirmed: the server resends them.
func (c *Client) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer c.running.Store(false)

	var workers sync.WaitGroup
	for _, q := range c.queues { // none when Inline
		workers.Go(func() { c.work(ctx, q) })
	}
	defer func() {
		workers.Wait()
		c.outstanding.Wait()
		c.drain()
	}()

	bo := newBackoff(c.cfg.ReconnectMin, c.cfg.ReconnectMax)
	if c.rand != nil {
		bo.rand = c.rand
	}
	for {
		up, err := c.connectAndServe(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var wait time.Duration
		switch {
		case refused(err):
			wait = bo.refused()
		case up >= c.cfg.ReconnectMax:
			bo.reset() // it stayed up: this is a fresh failure, not the n-th in a row
			wait = bo.next()
		default:
			wait = bo.next()
		}
		c.stats.backoffs.Add(1)
		c.stats.lastBackoff.Store(int64(wait))
		c.cfg.Logger.Warn("tmc connection lost", "url", c.cfg.URL, "err", err, "up", up, "retry_in", wait)
		if clock.Wait(ctx, c.cfg.Clock, wait) != nil {
			return ctx.Err()
		}
	}
}

// refused reports whether the server refused the client itself, so retrying
// soon would only hammer it.
func refused(err error) bool {
	var se *tmc.StatusError
	return errors.As(err, &se) && (se.Code == tmc.StatusUnauthorized || se.Code == tmc.StatusBadRequest)
}

// drain empties the queues once the workers are gone, so a later Run starts
// clean; the dropped messages are resent by the server.
func (c *Client) drain() {
	for _, q := range c.queues {
		for len(q) > 0 {
			<-q
		}
	}
	for len(c.confirms) > 0 {
		<-c.confirms
	}
	c.dedupe.clearInflight()
}

// Connected reports whether a connection is up (handshake done).
func (c *Client) Connected() bool { return c.connected.Load() }

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats {
	s := c.stats.snapshot()
	s.Queued = c.dedupe.pending()
	return s
}
