package socket

import (
	"net"
	"sync/atomic"
)

// handoffListener counts accepts on an atomic that the pollers read before
// handling data. nbio hands an accepted connection from its accept goroutine
// to a poller through epoll, which the race detector cannot see, so without
// this edge it reports the poller reading the address that accept wrote.
// The cost is one atomic add per accept and one load per read event.
type handoffListener struct {
	net.Listener
	seq *atomic.Uint64
}

func (l *handoffListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	l.seq.Add(1)
	return c, err
}
