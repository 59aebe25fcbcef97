package socket

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"

	"github.com/toplab/toplab/system/push/nbioguard"
	"github.com/toplab/toplab/system/tmc"
	"github.com/toplab/toplab/system/workpool"
)

// Handler receives a server's connection events. Calls for one connection
// never overlap and come in order: OnOpen, OnFrame for each frame, OnClose.
type Handler interface {
	OnOpen(c *Conn)
	// OnFrame gets every valid binary message, decoded with the server's tmc
	// limits. It must not block long: it holds up its connection's next frames
	// and a worker of the shared pool.
	OnFrame(c *Conn, f *tmc.Frame)
	// OnClose is called exactly once per opened connection, with the cause:
	// io.EOF for a normal close, ErrIdle, ErrSlowReader, ErrBadFrame, ... (see Reason).
	OnClose(c *Conn, err error)
}

// Server is a running WebSocket server.
type Server struct {
	cfg      Config
	handler  Handler
	limits   tmc.Limits
	engine   *nbhttp.Engine
	exec     *workpool.Pool
	upgrader *websocket.Upgrader
	addr     net.Addr
	reg      *registry
	stats    counters

	nextID   atomic.Uint64
	slots    atomic.Int64 // upgrades under way plus open connections, against MaxConns
	live     atomic.Int64 // opened connections whose OnClose has not returned
	draining atomic.Bool
	handoff  atomic.Uint64 // accepts so far: a happens-before edge for the race detector

	drained     chan struct{} // closed once draining and live reaches 0
	drainedOnce sync.Once
	stopSweep   chan struct{}
	sweepDone   chan struct{}
	stopOnce    sync.Once
}

// Listen starts a server on cfg.Addr delivering events to h.
func Listen(cfg Config, h Handler) (*Server, error) {
	if h == nil {
		return nil, fmt.Errorf("socket: nil handler")
	}
	cfg = cfg.withDefaults()
	nbioguard.RouteLogs()
	s := &Server{
		cfg:       cfg,
		handler:   h,
		limits:    tmc.Limits{MaxFrameBytes: cfg.MaxFrameBytes},
		reg:       newRegistry(),
		drained:   make(chan struct{}),
		stopSweep: make(chan struct{}),
		sweepDone: make(chan struct{}),
	}
	// Bind before nbio starts: its Start hangs in Stop when its own listen fails.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("socket: listen on %s: %w", cfg.Addr, err)
	}
	// Frames are handled on long-lived workers: nbio's default forks a
	// goroutine per callback when its queue is empty, nearly always at one
	// confirm per delivered message.
	s.exec = workpool.New(cfg.Workers, cfg.Logger)
	ec := engineConfig(cfg, ln, http.HandlerFunc(s.serveHTTP))
	ec.ServerExecutor = s.exec.Go
	s.engine = nbhttp.NewEngine(ec)
	// nbio hands an accepted connection from its accept goroutine to a
	// poller through epoll, which the race detector cannot see: without this
	// atomic edge (one add per accept, one load per read event) it reports
	// the poller reading what accept wrote.
	s.engine.OnOpen(func(net.Conn) { s.handoff.Add(1) })
	s.engine.Engine.OnData(func(c *nbio.Conn, data []byte) {
		s.handoff.Load()
		if !nbioguard.Warmed(c) {
			c.DataHandler()(c, data)
		}
	})
	s.upgrader = s.newUpgrader()
	if err := s.engine.Start(); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("socket: start on %s: %w", cfg.Addr, err)
	}
	if err := nbioguard.WarmPollers(s.engine.Engine, s.engine.NPoller); err != nil {
		s.engine.Stop()
		return nil, fmt.Errorf("socket: start pollers: %w", err)
	}
	s.addr = ln.Addr()
	go s.sweepLoop()
	cfg.Logger.Info("push socket listening", "addr", s.addr.String(), "path", cfg.Path, "max_conns", cfg.MaxConns)
	return s, nil
}

// engineConfig is nbio's configuration for a server on ln.
func engineConfig(cfg Config, ln net.Listener, h http.Handler) nbhttp.Config {
	return nbhttp.Config{
		Name:    "push-socket",
		Network: "tcp",
		Addrs:   []string{cfg.Addr},
		Listen:  func(string, string) (net.Listener, error) { return ln, nil },
		// nbio drops connections past MaxLoad silently; leave room above
		// MaxConns so the refusal is our 503, not a reset.
		MaxLoad:        cfg.MaxConns + cfg.MaxConns/8 + 1024,
		NPoller:        cfg.Pollers,
		ReadBufferSize: cfg.ReadBufferBytes,
		// Bytes held for one connection's unparsed input: the rest of one
		// frame (header at most 14 bytes) plus one read.
		ReadLimit:          cfg.MaxFrameBytes + 14 + cfg.ReadBufferBytes,
		MaxHTTPBodySize:    4 << 10,
		MaxWriteBufferSize: cfg.MaxQueuedBytes,
		// One message, one frame: never fragment what we send.
		MaxWebsocketFramePayloadSize: math.MaxInt32,
		// Before the upgrade nbio's deadline bounds the HTTP request; after
		// it the sweeper takes over (the upgrader clears the deadline).
		KeepaliveTime:           cfg.HandshakeTimeout,
		ReleaseWebsocketPayload: true,
		SupportServerOnly:       true,
		Handler:                 h,
	}
}

func (s *Server) newUpgrader() *websocket.Upgrader {
	u := websocket.NewUpgrader()
	u.Engine = s.engine
	u.KeepaliveTime = 0 // no timer per connection: the sweeper checks idleness
	u.MessageLengthLimit = s.cfg.MaxFrameBytes
	u.CheckOrigin = func(*http.Request) bool { return true } // TMC clients are not browsers
	u.HandshakeTimeout = s.cfg.HandshakeTimeout
	u.OnMessage(s.onMessage)
	u.SetPingHandler(s.onPing)
	u.SetPongHandler(s.onPong)
	u.OnClose(s.onClose)
	return u
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.addr }

// Conns is the number of open connections.
func (s *Server) Conns() int { return int(s.live.Load()) }

// Shutdown stops accepting (new upgrades get 503), closes every connection
// with 1001 and waits until OnClose returned for all of them, or ctx ends:
// then it closes the rest without waiting for their peers, calls their
// OnClose with ErrShutdown itself, and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	s.closeAll()
	if s.live.Load() == 0 {
		s.markDrained()
	}
	var err error
	select {
	case <-s.drained:
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.stop()
	if err != nil {
		for _, c := range s.reg.collect(nil, func(*Conn) bool { return true }) {
			s.finish(c, ErrShutdown)
		}
	}
	return err
}

// closeAll closes every open connection with 1001.
func (s *Server) closeAll() {
	for _, c := range s.reg.collect(nil, func(*Conn) bool { return true }) {
		c.closeWith(CloseGoingAway, "server shutting down", ErrShutdown)
	}
}

func (s *Server) markDrained() { s.drainedOnce.Do(func() { close(s.drained) }) }

// stop ends the sweeper and the engine, once.
func (s *Server) stop() {
	s.stopOnce.Do(func() {
		close(s.stopSweep)
		<-s.sweepDone
		s.engine.Stop()
		s.exec.Stop()
	})
}
