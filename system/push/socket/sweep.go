package socket

import "time"

// sweepLoop closes expired connections every cfg.sweepEvery on the clock.
func (s *Server) sweepLoop() {
	defer close(s.sweepDone)
	t := s.cfg.Clock.NewTicker(s.cfg.sweepEvery())
	defer t.Stop()
	var buf []*Conn
	for {
		select {
		case <-t.C():
			buf = s.sweep(s.cfg.Clock.Now(), buf[:0])
		case <-s.stopSweep:
			return
		}
	}
}

// sweep closes the connections that sent no frame within the handshake
// timeout or nothing within the idle timeout, as of now. It returns buf
// (cleared) for reuse.
func (s *Server) sweep(now time.Time, buf []*Conn) []*Conn {
	handshakeBefore := now.Add(-s.cfg.HandshakeTimeout).UnixNano()
	idleBefore := now.Add(-s.cfg.IdleTimeout).UnixNano()
	// See onMessage: nbio's accept path may arm the handshake deadline late,
	// even after the first message. Until that stale deadline could have
	// fired (it is armed within moments of the upgrade), every sweep clears
	// it again on greeted connections; one sweep falls in any handshake
	// timeout, so it never fires unless the accept path stalled for more
	// than two sweeps.
	staleAfter := now.Add(-s.cfg.HandshakeTimeout - 2*s.cfg.sweepEvery()).UnixNano()
	buf = s.reg.collect(buf, func(c *Conn) bool {
		if c.greeted.Load() && c.opened > staleAfter {
			_ = c.ws.SetReadDeadline(time.Time{})
		}
		return (!c.greeted.Load() && c.opened <= handshakeBefore) || c.active.Load() <= idleBefore
	})
	for _, c := range buf {
		if !c.greeted.Load() && c.opened <= handshakeBefore {
			c.closeWith(ClosePolicy, "no frame within the handshake timeout", ErrHandshakeTimeout)
		} else {
			c.closeWith(CloseNormal, "idle timeout", ErrIdle)
		}
	}
	s.stats.sweeps.Add(1)
	clear(buf)
	return buf
}
