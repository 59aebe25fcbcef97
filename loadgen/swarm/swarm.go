package swarm

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lesismal/nbio"

	"github.com/toplab/toplab/system/push/nbioguard"
)

// Swarm holds the connections DialIdle opened.
type Swarm struct {
	cfg    Config
	engine *nbio.Engine
	conns  []*nbio.Conn // by index; nil where a connection did not open

	// handoff is an atomic edge for the race detector: a dial worker hands
	// a connection to a poller through epoll, which it cannot see.
	handoff atomic.Uint64
	alive   atomic.Int64
	frames  atomic.Uint64
	closing atomic.Bool

	mu     sync.Mutex
	result Result

	closeOnce sync.Once
	closed    chan struct{} // closed when every connection is gone after Close
	closedOne sync.Once
}

// Result is how the dialling went.
type Result struct {
	Opened, Failed int
	NotTried       int // left when the time bound or ctx ended DialIdle
	Elapsed        time.Duration
	Errors         map[string]int // failures by kind: "dial", "timeout", "status 503", "handshake", "reply", ...
	FirstErr       error
}

// DialIdle opens cfg.Conns connections, cfg.Concurrency at a time, and
// returns once each has opened or failed, or the time bound or ctx ended.
// The connections stay open (answering pings, counting what arrives) until
// Close. When any did not open, DialIdle returns the swarm of those that did
// together with an error that summarises the failures; a nil swarm means
// nothing was dialled.
func DialIdle(ctx context.Context, cfg Config) (*Swarm, error) {
	cfg = cfg.withDefaults()
	tgt, err := parseTarget(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Conns <= 0 {
		return nil, fmt.Errorf("swarm: %d connections", cfg.Conns)
	}
	// Each worker briefly holds two descriptors while nbio duplicates one.
	if err := raiseNoFile(uint64(cfg.Conns + 2*cfg.Concurrency + 64)); err != nil {
		return nil, err
	}
	s := &Swarm{
		cfg:    cfg,
		conns:  make([]*nbio.Conn, cfg.Conns),
		closed: make(chan struct{}),
		result: Result{Errors: map[string]int{}},
	}
	nbioguard.RouteLogs()
	s.engine = nbio.NewEngine(nbio.Config{Name: "swarm", NPoller: cfg.Pollers, ReadBufferSize: 64 << 10})
	s.engine.OnData(s.onData)
	s.engine.OnClose(s.onClose)
	if err := s.engine.Start(); err != nil {
		return nil, fmt.Errorf("swarm: start poller: %w", err)
	}
	if err := nbioguard.WarmPollers(s.engine, cfg.Pollers); err != nil {
		s.engine.Stop()
		return nil, fmt.Errorf("swarm: start pollers: %w", err)
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	start := cfg.Clock.Now()
	stopProgress := s.startProgress(start)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &dialer{cfg: &s.cfg, tgt: tgt, buf: make([]byte, 8<<10)}
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= cfg.Conns {
					return
				}
				s.record(s.openOne(ctx, d, i))
			}
		}()
	}
	wg.Wait()
	s.mu.Lock()
	s.result.Elapsed = cfg.Clock.Since(start)
	s.result.NotTried = cfg.Conns - s.result.Opened - s.result.Failed
	r := s.result
	s.mu.Unlock()
	stopProgress()
	if r.Opened == cfg.Conns {
		return s, nil
	}
	return s, fmt.Errorf("swarm: %d of %d connections opened (%d failed %v, %d not tried): first error: %w",
		r.Opened, cfg.Conns, r.Failed, r.Errors, r.NotTried, r.FirstErr)
}

// openOne opens connection i and hands it to the poller.
func (s *Swarm) openOne(ctx context.Context, d *dialer, i int) error {
	o, err := d.open(ctx, i)
	if err != nil {
		return err
	}
	nc, err := nbio.NBConn(o.conn) // duplicates the descriptor and closes o.conn
	if err != nil {
		_ = o.conn.Close()
		return fmt.Errorf("%w: %w", ErrHandoff, err)
	}
	cc := &clientConn{i: int32(i)}
	if err := s.absorb(cc, o.rest); err != nil {
		_ = nc.Close()
		return err
	}
	nc.SetSession(cc)
	s.alive.Add(1)
	s.handoff.Add(1)
	if _, err := s.engine.AddConn(nc); err != nil {
		return fmt.Errorf("%w: %w", ErrHandoff, err) // nbio closed it; onClose counted it gone
	}
	s.conns[i] = nc
	return nil
}

// absorb takes the bytes that came after the upgrade or the first reply,
// before the poller owns the connection: complete data frames are counted,
// a close frame fails the connection, a partial frame waits in pending.
func (s *Swarm) absorb(cc *clientConn, rest []byte) error {
	for len(rest) > 0 {
		f, n, err := parseFrame(rest, s.cfg.MaxFrameBytes)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrReply, err)
		}
		if n == 0 {
			cc.pending = rest
			return nil
		}
		switch f.op {
		case opText, opBinary, opContinuation:
			if f.fin {
				s.frames.Add(1)
			}
		case opClose:
			code, reason := closeCode(f.payload)
			return fmt.Errorf("%w: closed with %d %q", ErrReply, code, reason)
		}
		rest = rest[n:]
	}
	return nil
}

func (s *Swarm) record(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.result.Opened++
		return
	}
	s.result.Failed++
	s.result.Errors[kindOf(err)]++
	if s.result.FirstErr == nil {
		s.result.FirstErr = err
	}
}

// Alive is the number of connections open now.
func (s *Swarm) Alive() int { return int(s.alive.Load()) }

// Frames is the number of data messages received after the first reply.
func (s *Swarm) Frames() uint64 { return s.frames.Load() }

// Result reports how DialIdle went.
func (s *Swarm) Result() Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.result
	r.Errors = make(map[string]int, len(s.result.Errors))
	for k, v := range s.result.Errors {
		r.Errors[k] = v
	}
	return r
}

// Close sends a close frame (1000) on every open connection, closes it and
// waits until all are gone or ctx ends, then stops the poller.
func (s *Swarm) Close(ctx context.Context) error {
	var err error
	s.closeOnce.Do(func() {
		s.closing.Store(true)
		if s.alive.Load() == 0 {
			s.allClosed()
		}
		bye := appendFrame(nil, opClose, closePayload(1000, "swarm closing"))
		for _, c := range s.conns {
			if c != nil {
				_, _ = c.Write(bye)
				_ = c.Close()
			}
		}
		select {
		case <-s.closed:
		case <-ctx.Done():
			err = fmt.Errorf("swarm: %d connections still open: %w", s.alive.Load(), ctx.Err())
		}
		s.engine.Stop()
	})
	return err
}

func (s *Swarm) allClosed() { s.closedOne.Do(func() { close(s.closed) }) }
