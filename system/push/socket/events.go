package socket

import (
	"fmt"
	"time"

	"github.com/lesismal/nbio/nbhttp/websocket"

	"github.com/toplab/toplab/system/tmc"
)

// connOf returns the Conn of an upgraded connection, nil before serveHTTP set it.
func connOf(ws *websocket.Conn) *Conn {
	c, _ := ws.Session().(*Conn)
	return c
}

// onMessage handles a complete message, on the connection's job queue.
func (s *Server) onMessage(ws *websocket.Conn, mt websocket.MessageType, data []byte) {
	c := connOf(ws)
	if c == nil || c.state.Load() != connOpen {
		return // closing: drop what is still in flight
	}
	c.active.Store(s.cfg.Clock.Now().UnixNano())
	if !c.greeted.Load() {
		// nbio arms its accept-time read deadline (the handshake bound)
		// after handing the connection to a poller, so under load it can
		// land after the upgrade cleared it, and the connection dies with
		// "read timeout" seconds later (seen at 100k connections). The
		// first message follows the upgrade's answer: clearing here holds.
		_ = ws.SetReadDeadline(time.Time{})
	}
	if mt != websocket.BinaryMessage {
		c.closeWith(CloseUnsupported, "text messages are not supported: send binary tmc frames", ErrTextMessage)
		return
	}
	f, err := tmc.DecodeFrame(data, s.limits)
	if err != nil {
		s.stats.badFrames.Add(1)
		c.closeWith(CloseProtocol, err.Error(), fmt.Errorf("%w: %w", ErrBadFrame, err))
		return
	}
	c.greeted.Store(true)
	s.stats.framesIn.Add(1)
	s.stats.bytesIn.Add(uint64(len(data)))
	s.handler.OnFrame(c, f)
}

// onPing answers a ping (the clients' heartbeat) and counts it as activity.
func (s *Server) onPing(ws *websocket.Conn, data string) {
	if c := connOf(ws); c != nil {
		c.active.Store(s.cfg.Clock.Now().UnixNano())
	}
	s.stats.pings.Add(1)
	_ = ws.WriteMessage(websocket.PongMessage, []byte(data))
}

func (s *Server) onPong(ws *websocket.Conn, _ string) {
	if c := connOf(ws); c != nil {
		c.active.Store(s.cfg.Clock.Now().UnixNano())
	}
}

// onClose runs once nbio has closed the socket, after the connection's last message.
func (s *Server) onClose(ws *websocket.Conn, err error) {
	c := connOf(ws)
	if c == nil {
		return // the upgrade did not complete; serveHTTP released its slot
	}
	cause := c.takeCause()
	if cause == nil {
		cause = causeOf(err)
	}
	s.finish(c, cause)
}

// finish delivers OnClose exactly once and forgets the connection.
func (s *Server) finish(c *Conn, cause error) {
	if c.state.Swap(connClosed) == connClosed {
		return
	}
	s.reg.remove(c)
	i := reasonIndex(cause)
	s.stats.closed[i].Add(1)
	if reasonNames[i] == ReasonOversize {
		s.stats.oversize.Add(1)
	}
	s.handler.OnClose(c, cause)
	s.slots.Add(-1)
	if s.live.Add(-1) == 0 && s.draining.Load() {
		s.markDrained()
	}
}
