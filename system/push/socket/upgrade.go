package socket

import (
	"io"
	"net/http"
	"strconv"

	"github.com/lesismal/nbio/nbhttp/websocket"
)

// afterUpgrade is a test seam: it runs on every upgraded connection.
var afterUpgrade func(*websocket.Conn)

// serveHTTP answers an upgrade request. It runs on the connection's job
// queue, so no message of the new connection is handled before it returns.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	r.Close = true // whatever happens, no keep-alive: nbio closes after a non-upgrade reply
	if r.URL.Path != s.cfg.Path {
		s.stats.rejected.Add(1)
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if s.draining.Load() {
		s.refuse(w, "node shutting down")
		return
	}
	if s.slots.Add(1) > int64(s.cfg.MaxConns) {
		s.slots.Add(-1)
		s.refuse(w, "node saturated")
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil || ws == nil { // answered 4xx, or (nil, nil) when the peer left mid-upgrade
		s.slots.Add(-1)
		s.stats.rejected.Add(1)
		return
	}
	if afterUpgrade != nil {
		afterUpgrade(ws)
	}
	now := s.cfg.Clock.Now().UnixNano()
	c := &Conn{id: s.nextID.Add(1), srv: s, ws: ws, remote: ws.RemoteAddr(), opened: now}
	c.active.Store(now)
	ws.SetSession(c)
	s.live.Add(1)
	s.reg.add(c)
	s.stats.accepted.Add(1)
	s.handler.OnOpen(c)
	if s.draining.Load() { // Shutdown began while this one upgraded
		c.closeWith(CloseGoingAway, "server shutting down", ErrShutdown)
	}
}

// refuse answers 503 with a plain-text reason.
func (s *Server) refuse(w http.ResponseWriter, reason string) {
	s.stats.refused.Add(1)
	body := reason + "\n"
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body))) // not chunked: simple clients read it whole
	h.Set("Connection", "close")
	h.Set("Retry-After", "10")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = io.WriteString(w, body)
}
