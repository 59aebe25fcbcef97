package push

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
	"github.com/toplab/toplab/system/push/socket"
	"github.com/toplab/toplab/system/tmc"
)

// Statuses of CONNECTACK and SENDACK frames (HTTP-like, as TMC uses them).
const (
	StatusBadRequest   = 400 // malformed CONNECT, unknown group, unknown kind
	StatusUnauthorized = 401 // unknown or disabled app, bad sign, stale timestamp, wrong token
	StatusForbidden    = 403 // the app subscribed no topic
	StatusSaturated    = 503 // the node takes no more connections
)

// maxSkew bounds the CONNECT timestamp's distance from the server's clock.
const maxSkew = 10 * time.Minute

// connHandler speaks TMC on the socket layer's connections.
type connHandler struct {
	hub         *hub
	cache       *metacache.Cache
	router      *Router
	maxSessions int
}

var _ socket.Handler = (*connHandler)(nil)

func (h *connHandler) OnOpen(c *socket.Conn) {
	c.SetValue(&session{conn: c, hub: h.hub})
}

func (h *connHandler) OnClose(c *socket.Conn, err error) {
	if socket.Reason(err) == socket.ReasonError { // not a close, timeout or shutdown the socket layer names
		h.hub.log.Warn("push: connection failed", "remote", c.RemoteAddr(), "err", err)
	}
	s, _ := c.Value().(*session)
	if s == nil {
		return
	}
	if s.state.Swap(sessionClosed) == sessionReady {
		h.hub.leave(s)
	}
}

func (h *connHandler) OnFrame(c *socket.Conn, f *tmc.Frame) {
	s, _ := c.Value().(*session)
	if s == nil {
		return
	}
	switch s.state.Load() {
	case sessionNew:
		if f.Type != tmc.MsgConnect {
			h.refuse(c, StatusBadRequest, "the first frame must be CONNECT")
			return
		}
		s.state.Store(sessionConnecting)
		cf := *f
		cf.Custom = append([]tmc.Header(nil), f.Custom...) // the frame may be reused after we return
		go h.handshake(s, &cf)
	case sessionConnecting:
		h.refuse(c, StatusBadRequest, "a frame arrived before CONNECTACK")
	case sessionReady:
		h.onSend(s, f)
	}
}

// refuse answers a failed handshake and closes the connection.
func (h *connHandler) refuse(c *socket.Conn, status int32, phrase string) {
	h.hub.stats.HandshakeFailed.Add(1)
	ack := tmc.ConnectAck{StatusCode: status, StatusPhrase: phrase}
	if b, err := tmc.AppendFrame(nil, ack.ToFrame()); err == nil {
		_ = c.Send(b)
	}
	c.Close(1008, phrase)
}

func (h *connHandler) handshake(s *session, f *tmc.Frame) {
	ctx := context.Background()
	c := s.conn
	req, err := tmc.ConnectFromFrame(f)
	if err != nil {
		h.refuse(c, StatusBadRequest, err.Error())
		return
	}
	if skew := h.hub.clock.Now().Sub(time.UnixMilli(req.Timestamp)); skew > maxSkew || skew < -maxSkew {
		h.refuse(c, StatusUnauthorized, "timestamp is more than 10 minutes off the server's clock")
		return
	}
	app, err := h.cache.App(ctx, req.AppKey)
	switch {
	case errors.Is(err, meta.ErrNotFound):
		h.refuse(c, StatusUnauthorized, "unknown app_key")
		return
	case err != nil:
		h.refuse(c, StatusSaturated, "metadata unavailable, retry later")
		return
	case app.Status != meta.AppActive:
		h.refuse(c, StatusUnauthorized, "app is disabled")
		return
	case !req.VerifySign(app.Secret):
		h.refuse(c, StatusUnauthorized, "invalid sign")
		return
	}
	sub, ok := h.router.Subscription(req.AppKey)
	if !ok {
		h.refuse(c, StatusForbidden, "the app has no message subscription")
		return
	}
	if !sub.HasGroup(req.Group) {
		h.refuse(c, StatusBadRequest, "unknown group_name "+req.Group)
		return
	}
	if h.maxSessions > 0 && h.hub.stats.Sessions.Load() >= int64(h.maxSessions) {
		h.hub.stats.Refused.Add(1)
		h.refuse(c, StatusSaturated, "node saturated, connect to another node or retry later")
		return
	}
	s.app, s.group, s.queue, s.token = req.AppKey, req.Group, QueueName(req.AppKey, req.Group), newToken()
	h.hub.attach(s)
	if !s.state.CompareAndSwap(sessionConnecting, sessionReady) {
		h.hub.leave(s) // closed meanwhile: OnClose saw it connecting
		return
	}
	// Ready before CONNECTACK leaves: the client may answer it at once.
	ack := tmc.ConnectAck{Token: s.token}
	b, err := tmc.AppendFrame(nil, ack.ToFrame())
	if err == nil {
		err = c.Send(b)
	}
	if err != nil {
		return // the connection closes; OnClose leaves
	}
	h.hub.activate(s)
}

// onSend handles a frame of an established session.
func (h *connHandler) onSend(s *session, f *tmc.Frame) {
	if f.Type != tmc.MsgSend {
		h.badFrame(s, f, StatusBadRequest, "only SEND frames are expected after the handshake")
		return
	}
	if f.Token != s.token {
		h.badFrame(s, f, StatusUnauthorized, "invalid token")
		s.conn.Close(1008, "invalid token") // after the SENDACK, if the frame asked for one
		return
	}
	kind, err := tmc.KindOf(f)
	if err != nil {
		h.badFrame(s, f, StatusBadRequest, err.Error())
		return
	}
	switch kind {
	case tmc.KindPull:
		s.disp.kick()
	case tmc.KindConfirm:
		cf, err := tmc.ConfirmFromFrame(f)
		if err != nil {
			h.badFrame(s, f, StatusBadRequest, err.Error())
			return
		}
		s.disp.confirm(s, cf.ID)
	default:
		h.badFrame(s, f, StatusBadRequest, "unknown kind "+kind.String())
	}
}

// badFrame counts a bad frame and answers it with a SENDACK status when
// the frame asked for one (a flag to echo); without a flag there is no way
// to tell the client which frame failed, so the connection closes with the
// reason.
func (h *connHandler) badFrame(s *session, f *tmc.Frame, status int32, phrase string) {
	h.hub.stats.BadFrames.Add(1)
	h.hub.log.LogAttrs(context.Background(), slog.LevelDebug, "push: bad frame", slog.String("queue", s.queue), slog.String("why", phrase))
	if f.Flag == 0 {
		s.conn.Close(1008, phrase)
		return
	}
	ack := tmc.SendAck{Flag: f.Flag, StatusCode: status, StatusPhrase: phrase}
	if b, err := tmc.AppendFrame(nil, ack.ToFrame()); err == nil {
		_ = s.conn.Send(b)
	}
}

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
