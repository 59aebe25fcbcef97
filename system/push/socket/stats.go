package socket

import "sync/atomic"

// Stats are the server's counters since Listen.
type Stats struct {
	Accepted uint64 // upgrades completed: connections opened
	Refused  uint64 // upgrades refused with 503: MaxConns reached or shutting down
	Rejected uint64 // upgrade requests that failed (not a WebSocket handshake, wrong path)
	Open     int
	// Closed counts closed connections by Reason (ReasonEOF, ReasonIdle, ...).
	Closed              map[string]uint64
	BadFrames, Oversize uint64 // messages that closed their connection
	FramesIn, FramesOut uint64 // binary messages received (decoded) and sent
	BytesIn, BytesOut   uint64 // their payload bytes
	Pings               uint64
	Sweeps              uint64 // passes of the timeout sweeper
}

type counters struct {
	accepted, refused, rejected atomic.Uint64
	closed                      [len(reasonNames)]atomic.Uint64
	badFrames, oversize         atomic.Uint64
	framesIn, framesOut         atomic.Uint64
	bytesIn, bytesOut           atomic.Uint64
	pings, sweeps               atomic.Uint64
}

// ClosedBy is how many connections closed for reason (a Reason name); 0
// for a name that is none.
func (s *Server) ClosedBy(reason string) uint64 {
	for i, name := range reasonNames {
		if name == reason {
			return s.stats.closed[i].Load()
		}
	}
	return 0
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	c := &s.stats
	st := Stats{
		Accepted: c.accepted.Load(), Refused: c.refused.Load(), Rejected: c.rejected.Load(),
		Open:      s.Conns(),
		Closed:    make(map[string]uint64, len(reasonNames)),
		BadFrames: c.badFrames.Load(), Oversize: c.oversize.Load(),
		FramesIn: c.framesIn.Load(), FramesOut: c.framesOut.Load(),
		BytesIn: c.bytesIn.Load(), BytesOut: c.bytesOut.Load(),
		Pings: c.pings.Load(), Sweeps: c.sweeps.Load(),
	}
	for i, name := range reasonNames {
		if n := c.closed[i].Load(); n > 0 {
			st.Closed[name] = n
		}
	}
	return st
}
