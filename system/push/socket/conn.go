package socket

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/nbhttp/websocket"
)

// Connection states.
const (
	connOpen    uint32 = iota
	connClosing        // a close was started; OnClose has not run
	connClosed         // OnClose ran or is running
)

// Conn is one upgraded WebSocket connection. Its methods are safe from any
// goroutine. It is small on purpose: the push node holds a million of them.
type Conn struct {
	id     uint64
	srv    *Server
	ws     *websocket.Conn
	remote net.Addr
	opened int64 // clock UnixNano at the upgrade

	active  atomic.Int64  // clock UnixNano of the last inbound message or ping
	state   atomic.Uint32 // connOpen, connClosing, connClosed
	greeted atomic.Bool   // a binary message arrived: the handshake timeout is over

	mu    sync.Mutex
	cause error // why the server closed it, set once
	value any
}

// ID is unique among the server's connections, never reused.
func (c *Conn) ID() uint64 { return c.id }

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// SetValue stores the handler's per-connection state.
func (c *Conn) SetValue(v any) {
	c.mu.Lock()
	c.value = v
	c.mu.Unlock()
}

// Value returns what SetValue stored.
func (c *Conn) Value() any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.value
}

// Send writes one encoded TMC frame as a binary message. It never blocks:
// what the kernel does not take at once is queued, and when the queue would
// pass MaxQueuedBytes the connection is closed and Send returns
// ErrSlowReader. After a close it returns ErrClosed.
func (c *Conn) Send(frame []byte) error {
	if c.state.Load() != connOpen {
		return ErrClosed
	}
	err := c.ws.WriteMessage(websocket.BinaryMessage, frame)
	switch {
	case err == nil:
		c.srv.stats.framesOut.Add(1)
		c.srv.stats.bytesOut.Add(uint64(len(frame)))
		return nil
	case errors.Is(err, nbio.ErrOverflow):
		// nbio has closed the socket already; make the cause ours.
		c.closeWith(0, "", ErrSlowReader)
		return ErrSlowReader
	default:
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
}

// Close sends a close frame with code and reason (cut to the 123 bytes a
// close frame holds) and closes the connection. OnClose receives a
// *CloseError with them. Closing a closed connection does nothing.
func (c *Conn) Close(code int, reason string) {
	c.closeWith(code, reason, &CloseError{Code: code, Reason: reason})
}

// closeWith closes the connection once, with cause for OnClose. A code of 0
// sends no close frame (the peer would not read it: a slow reader).
func (c *Conn) closeWith(code int, reason string, cause error) {
	c.mu.Lock()
	if c.cause == nil {
		c.cause = cause
	}
	c.mu.Unlock()
	if !c.state.CompareAndSwap(connOpen, connClosing) {
		return
	}
	if validCloseCode(code) {
		_ = c.ws.WriteClose(code, cutReason(reason))
	}
	_ = c.ws.Close()
}

// takeCause returns the cause set by closeWith, if any.
func (c *Conn) takeCause() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause
}

// validCloseCode reports whether code may be sent in a close frame.
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1011:
		return true
	default:
		return code >= 3000 && code <= 4999
	}
}

// cutReason makes s valid UTF-8 and cuts it to the 123 bytes a close
// frame's reason holds, on a rune boundary.
func cutReason(s string) string {
	const limit = 123
	s = strings.ToValidUTF8(s, "?")
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
