package tmcclient

import (
	"sync"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of a client's counters since New.
type Stats struct {
	Connects        uint64        // handshakes that succeeded
	Reconnects      uint64        // of which after the first
	ConnectFailures uint64        // dials or handshakes that failed
	LastConnectErr  error         // the latest failure, e.g. a *tmc.StatusError; nil after a success
	Backoffs        uint64        // waits before a connect attempt
	LastBackoff     time.Duration // the latest such wait

	Received      uint64 // data messages read, duplicates included
	Handled       uint64 // handler returned nil
	HandlerErrors uint64 // handler returned an error or panicked
	Duplicates    uint64 // resends of an id in flight or handled (the handler is not called)
	ConfirmsSent  uint64 // confirm frames written
	PullsSent     uint64
	PingsSent     uint64
	PongsReceived uint64
	BadFrames     uint64 // server frames skipped: invalid, unexpected, or a failing SENDACK
	ReadStalls    uint64 // times reading stopped because a worker's queue was full
	Queued        int    // received and not yet handled
}

// counters are the live values behind Stats.
type counters struct {
	connects, reconnects, connectFailures, backoffs atomic.Uint64
	received, handled, handlerErrors, duplicates    atomic.Uint64
	confirms, pulls, pings, pongs, badFrames        atomic.Uint64
	readStalls                                      atomic.Uint64
	lastBackoff                                     atomic.Int64

	mu      sync.Mutex
	lastErr error
}

func (c *counters) setLastErr(err error) {
	c.mu.Lock()
	c.lastErr = err
	c.mu.Unlock()
}

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	lastErr := c.lastErr
	c.mu.Unlock()
	return Stats{
		Connects:        c.connects.Load(),
		Reconnects:      c.reconnects.Load(),
		ConnectFailures: c.connectFailures.Load(),
		LastConnectErr:  lastErr,
		Backoffs:        c.backoffs.Load(),
		LastBackoff:     time.Duration(c.lastBackoff.Load()),
		Received:        c.received.Load(),
		Handled:         c.handled.Load(),
		HandlerErrors:   c.handlerErrors.Load(),
		Duplicates:      c.duplicates.Load(),
		ConfirmsSent:    c.confirms.Load(),
		PullsSent:       c.pulls.Load(),
		PingsSent:       c.pings.Load(),
		PongsReceived:   c.pongs.Load(),
		BadFrames:       c.badFrames.Load(),
		ReadStalls:      c.readStalls.Load(),
	}
}
