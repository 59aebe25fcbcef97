package tmcclient

import (
	"net"
	"sync"
)

// maxCorked bounds what a corked connection buffers before it writes anyway.
const maxCorked = 64 << 10

// corkConn lets the writer send a burst of frames (typically confirms) in one
// system call: while corked, writes are buffered; uncork writes them. Writes
// from other goroutines (gorilla's pong replies) join the buffer while it is
// corked and go straight out otherwise. Without it each confirm is a syscall,
// which is most of the client's cost at high message rates.
type corkConn struct {
	net.Conn
	mu     sync.Mutex
	corked bool
	buf    []byte
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return c.Conn.Write(p)
	}
	c.buf = append(c.buf, p...)
	if len(c.buf) >= maxCorked {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// cork starts buffering.
func (c *corkConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// uncork writes what was buffered and stops buffering. An error is the
// connection's: the frames buffered are lost, as they would have been had
// they been written one by one.
func (c *corkConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	return c.flushLocked()
}

func (c *corkConn) flushLocked() error {
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.buf)
	c.buf = c.buf[:0]
	return err
}
