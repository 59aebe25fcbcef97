package loadgen

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// newClient returns the HTTP/1.1 client of a run and the set of its
// connections: closing them aborts the hits in flight when the run is
// cancelled, since vegeta builds requests without a context.
func newClient(h HTTPOptions, runCtx context.Context) (*http.Client, *connSet) {
	conns := &connSet{open: map[*trackedConn]struct{}{}}
	d := &dialer{ctx: runCtx, conns: conns}
	for _, a := range h.SourceAddrs {
		d.dialers = append(d.dialers, &net.Dialer{
			LocalAddr: &net.TCPAddr{IP: a.AsSlice(), Zone: a.Zone()},
			Timeout:   h.Timeout,
			KeepAlive: 30 * time.Second,
		})
	}
	if len(d.dialers) == 0 {
		d.dialers = []*net.Dialer{{Timeout: h.Timeout, KeepAlive: 30 * time.Second}}
	}
	tr := &http.Transport{
		DialContext:         d.DialContext,
		TLSClientConfig:     h.TLS,
		MaxIdleConnsPerHost: h.Connections,
		MaxConnsPerHost:     h.MaxConnections,
		DisableKeepAlives:   h.DisableKeepAlive,
		IdleConnTimeout:     90 * time.Second,
		// HTTP/1.1 only: a non-nil empty map turns HTTP/2 off; no proxy.
		TLSNextProto:      map[string]func(string, *tls.Conn) http.RoundTripper{},
		ForceAttemptHTTP2: false,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   h.Timeout,
		// A hit is one request: a redirect is recorded as its 3xx.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, conns
}

// dialer opens connections from each source address in turn.
type dialer struct {
	ctx     context.Context
	dialers []*net.Dialer
	next    atomic.Uint64
	conns   *connSet
}

func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := d.ctx.Err(); err != nil {
		return nil, err
	}
	n := d.next.Add(1) - 1
	c, err := d.dialers[n%uint64(len(d.dialers))].DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return d.conns.track(c), nil
}

// connSet tracks open connections so a cancelled run can close them all.
type connSet struct {
	mu     sync.Mutex
	open   map[*trackedConn]struct{}
	closed bool
}

type trackedConn struct {
	net.Conn
	set  *connSet
	once sync.Once
}

func (t *trackedConn) Close() error {
	t.once.Do(func() {
		t.set.mu.Lock()
		delete(t.set.open, t)
		t.set.mu.Unlock()
	})
	return t.Conn.Close()
}

func (s *connSet) track(c net.Conn) net.Conn {
	t := &trackedConn{Conn: c, set: s}
	s.mu.Lock()
	closed := s.closed
	if !closed {
		s.open[t] = struct{}{}
	}
	s.mu.Unlock()
	if closed {
		c.Close()
	}
	return t
}

// closeAll closes every open connection and any opened later.
func (s *connSet) closeAll() {
	s.mu.Lock()
	s.closed = true
	open := make([]*trackedConn, 0, len(s.open))
	for c := range s.open {
		open = append(open, c)
	}
	s.mu.Unlock()
	for _, c := range open {
		c.Close()
	}
}
