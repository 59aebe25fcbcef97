package tmcclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/toplab/toplab/system/tmc"
)

// errDead ends a connection on which nothing arrived, not even a pong, for
// deadAfter heartbeat intervals.
var errDead = errors.New("tmcclient: connection dead: no frame or pong for 3 heartbeat intervals")

// session is one established connection: the reader runs in its own
// goroutine, the writer in Run's. Data frames are written under wmu (the
// writer's pulls and confirm bursts, the reader's confirms in Inline mode);
// the reader's pong replies go through gorilla's WriteControl, which may run
// concurrently with them.
type session struct {
	c        *Client
	ctx      context.Context // Run's: the handler's in Inline mode
	conn     *websocket.Conn
	cork     *corkConn // the TCP connection under conn (and TLS, for wss)
	token    string
	lastSeen atomic.Int64 // Unix ns on the client's clock of the last frame or pong

	done    chan struct{} // closed by end
	endOnce sync.Once
	err     error // why it ended, set before done is closed

	wmu sync.Mutex
	out tmc.Frame // the reused frame and buffer of writes, under wmu
	buf []byte
}

// connectAndServe dials, shakes hands and serves one connection until it
// fails or ctx ends. up is how long it was established (0 if it never was).
func (c *Client) connectAndServe(ctx context.Context) (up time.Duration, err error) {
	conn, cork, token, err := c.open(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.stats.connectFailures.Add(1)
			c.stats.setLastErr(err)
		}
		return 0, err
	}
	s := &session{c: c, ctx: ctx, conn: conn, cork: cork, token: token, done: make(chan struct{})}
	s.touch()
	conn.SetPongHandler(func(string) error {
		s.touch()
		c.stats.pongs.Add(1)
		return nil
	})

	since := c.cfg.Clock.Now()
	if c.stats.connects.Add(1) > 1 {
		c.stats.reconnects.Add(1)
	}
	c.stats.setLastErr(nil)
	c.connected.Store(true)
	c.cfg.Logger.Info("tmc connected", "url", c.cfg.URL, "group", c.cfg.Group)

	var reader sync.WaitGroup
	reader.Go(s.readLoop)
	s.end(s.writeLoop(ctx))
	reader.Wait()
	c.connected.Store(false)
	return c.cfg.Clock.Since(since), s.err
}

// open dials the node and runs the TMC handshake within DialTimeout.
func (c *Client) open(ctx context.Context) (*websocket.Conn, *corkConn, string, error) {
	hctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	defer cancel()
	var cork *corkConn
	d := *c.dialer
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := c.dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cork = &corkConn{Conn: conn}
		return cork, nil
	}
	conn, resp, err := d.DialContext(hctx, c.cfg.URL, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, nil, "", fmt.Errorf("tmcclient: dial %s: %w", c.cfg.URL, err)
	}
	conn.SetReadLimit(int64(c.cfg.limits.MaxFrameBytes))
	// A blocked handshake read or write ends when hctx does.
	stop := context.AfterFunc(hctx, func() { conn.Close() })
	token, err := c.handshake(conn)
	if !stop() {
		err = fmt.Errorf("tmcclient: handshake: %w", hctx.Err())
	}
	if err != nil {
		conn.Close()
		return nil, nil, "", err
	}
	return conn, cork, token, nil
}

// dial opens the TCP connection with Config.Dial or a plain net.Dialer.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if c.cfg.Dial != nil {
		return c.cfg.Dial(ctx, network, addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// handshake sends CONNECT and reads CONNECTACK, returning its token.
func (c *Client) handshake(conn *websocket.Conn) (string, error) {
	hello := tmc.Connect{
		AppKey:    c.cfg.AppKey,
		Group:     c.cfg.Group,
		Timestamp: c.cfg.Clock.Now().UnixMilli(),
		SDK:       c.cfg.SDK,
	}
	hello.SignWith(c.cfg.Secret)
	var f tmc.Frame
	hello.FillFrame(&f)
	b, err := tmc.AppendFrame(nil, &f)
	if err != nil {
		return "", fmt.Errorf("tmcclient: encode connect: %w", err)
	}
	conn.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
	if err := conn.WriteMessage(websocket.BinaryMessage, b); err != nil {
		return "", fmt.Errorf("tmcclient: send connect: %w", err)
	}
	typ, data, err := conn.ReadMessage()
	if err != nil {
		return "", fmt.Errorf("tmcclient: read connectack: %w", err)
	}
	if typ != websocket.BinaryMessage {
		return "", fmt.Errorf("tmcclient: connectack: websocket message type %d, want binary", typ)
	}
	if err := f.Decode(data, c.cfg.limits); err != nil {
		return "", fmt.Errorf("tmcclient: connectack: %w", err)
	}
	var ack tmc.ConnectAck
	if err := ack.ReadFrame(&f); err != nil {
		return "", fmt.Errorf("tmcclient: connectack: %w", err)
	}
	if err := ack.Err(); err != nil {
		return "", fmt.Errorf("tmcclient: connect refused: %w", err)
	}
	return ack.Token, nil
}

// touch records that the peer is alive.
func (s *session) touch() { s.lastSeen.Store(s.c.cfg.Clock.Now().UnixNano()) }

// end closes the connection once, keeping the first reason.
func (s *session) end(err error) {
	s.endOnce.Do(func() {
		s.err = err
		close(s.done)
		s.conn.Close()
	})
}

// writeLoop sends a pull, then confirms as workers hand them over, a pull
// every PullInterval and a ping every HeartbeatInterval, until the session
// ends. It is also the liveness check: a heartbeat finding the peer silent
// for deadAfter intervals ends the session.
func (s *session) writeLoop(ctx context.Context) error {
	cfg := &s.c.cfg
	pull := cfg.Clock.NewTicker(cfg.PullInterval)
	defer pull.Stop()
	beat := cfg.Clock.NewTicker(cfg.HeartbeatInterval)
	defer beat.Stop()
	if err := s.pull(); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			s.goodbye()
			return ctx.Err()
		case <-s.done:
			return nil // the reader ended it and gave the reason
		case id := <-s.c.confirms:
			if err := s.confirmBurst(id); err != nil {
				return err
			}
		case <-pull.C():
			if err := s.pull(); err != nil {
				return err
			}
		case <-beat.C():
			silent := cfg.Clock.Now().Sub(time.Unix(0, s.lastSeen.Load()))
			if silent >= deadAfter*cfg.HeartbeatInterval {
				return errDead
			}
			if err := s.ping(); err != nil {
				return err
			}
		}
	}
}

func (s *session) pull() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	p := tmc.Pull{Token: s.token}
	p.FillFrame(&s.out)
	if err := s.write(); err != nil {
		return fmt.Errorf("tmcclient: send pull: %w", err)
	}
	s.c.stats.pulls.Add(1)
	return nil
}

// maxBurst bounds the confirms sent in one system call.
const maxBurst = 256

// confirmBurst confirms id and whatever other confirms are already waiting,
// up to maxBurst, in one write to the socket.
func (s *session) confirmBurst(id int64) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.cork.cork()
	n, err := 1, s.confirm(id)
	for err == nil && n < maxBurst && len(s.c.confirms) > 0 { // the writer is the only reader: this cannot block
		err = s.confirm(<-s.c.confirms)
		n++
	}
	if uerr := s.cork.uncork(); err == nil && uerr != nil {
		err = fmt.Errorf("tmcclient: send confirm: %w", uerr)
	}
	if err != nil {
		return err
	}
	s.c.stats.confirms.Add(uint64(n))
	return nil
}

// confirmNow writes the confirm of id at once (Inline mode, from the
// reader); a failed write ends the session.
func (s *session) confirmNow(id int64) error {
	s.wmu.Lock()
	err := s.confirm(id)
	s.wmu.Unlock()
	if err != nil {
		s.end(err)
		return errStopped
	}
	s.c.stats.confirms.Add(1)
	return nil
}

// confirm encodes and writes the confirm of id; the caller holds wmu.
func (s *session) confirm(id int64) error {
	cf := tmc.Confirm{Token: s.token, ID: id}
	cf.FillFrame(&s.out)
	if err := s.write(); err != nil {
		return fmt.Errorf("tmcclient: send confirm: %w", err)
	}
	return nil
}

// write sends s.out; the caller holds wmu.
func (s *session) write() error {
	b, err := tmc.AppendFrame(s.buf[:0], &s.out)
	if err != nil {
		return err
	}
	s.buf = b
	s.conn.SetWriteDeadline(time.Now().Add(s.c.cfg.WriteTimeout))
	return s.conn.WriteMessage(websocket.BinaryMessage, b)
}

func (s *session) ping() error {
	if err := s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.c.cfg.WriteTimeout)); err != nil {
		return fmt.Errorf("tmcclient: send ping: %w", err)
	}
	s.c.stats.pings.Add(1)
	return nil
}

// goodbye tells the server the client is leaving, best effort.
func (s *session) goodbye() {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	_ = s.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
}

// readLoop reads frames until the connection fails or the session ends.
// Handing a message over may block on a full queue: then the socket is not
// read, and TCP flow control pushes back on the server.
func (s *session) readLoop() {
	var (
		f   tmc.Frame
		buf bytes.Buffer
	)
	for {
		typ, r, err := s.conn.NextReader()
		if err != nil {
			s.end(fmt.Errorf("tmcclient: read: %w", err))
			return
		}
		s.touch()
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			s.end(fmt.Errorf("tmcclient: read: %w", err))
			return
		}
		if typ != websocket.BinaryMessage {
			s.c.badFrame(fmt.Errorf("tmcclient: websocket message type %d, want binary", typ))
			continue
		}
		switch err := s.c.dispatch(&f, buf.Bytes(), s); {
		case errors.Is(err, errStopped):
			return
		case err != nil:
			s.c.badFrame(err)
		}
	}
}
