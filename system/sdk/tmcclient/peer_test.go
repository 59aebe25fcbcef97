package tmcclient

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/toplab/toplab/system/tmc"
)

// The protocol peer: a WebSocket server on 127.0.0.1:0 that speaks TMC with
// system/tmc (decode CONNECT, VerifySign with a known secret, CONNECTACK with
// a token, data SENDs out, pull and confirm SENDs in). It is not the push
// server: tests script it.

const (
	peerAppKey = "12345678"
	peerSecret = "peer-s3cret"
)

// safety bounds a wait that should end quickly: a hang fails instead of
// blocking the whole test binary. It is a safety net, not a timed assertion.
const safety = 20 * time.Second

type peer struct {
	t   testing.TB
	srv *httptest.Server
	url string

	// ack answers a CONNECT; default: a token when the sign verifies, 401 if not.
	ack func(hello *tmc.Connect, signOK bool) tmc.ConnectAck
	// mute says whether the n-th connection (0-based) goes silent after the
	// handshake: it reads nothing, so it answers no ping and sees no frame.
	mute func(n int) bool
	// onFrame receives each frame the client sends after the handshake;
	// default: queue it on the connection's frames channel.
	onFrame func(pc *peerConn, f *tmc.Frame)

	conns     chan *peerConn // every connection that sent a CONNECT, in order
	connects  atomic.Int64
	quit      chan struct{}
	handlers  sync.WaitGroup
	closeOnce sync.Once

	mu  sync.Mutex
	all []*peerConn
}

// peerConn is one client connection as the server sees it.
type peerConn struct {
	ws     *websocket.Conn
	hello  *tmc.Connect
	signOK bool
	token  string
	frames chan *tmc.Frame
	pings  atomic.Int64
	pulls  atomic.Int64

	wmu sync.Mutex
	out tmc.Frame
	buf []byte
}

type peerOption func(*peer)

// withSendBuffer shrinks the kernel send buffer of accepted connections, so
// backpressure reaches the server's writes after a few frames.
func withSendBuffer(bytes int) peerOption {
	return func(p *peer) {
		lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, bytes)
			})
			if err != nil {
				return err
			}
			return serr
		}}
		ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			p.t.Fatal(err)
		}
		p.srv.Listener.Close()
		p.srv.Listener = ln
	}
}

func newPeer(t testing.TB, opts ...peerOption) *peer {
	t.Helper()
	p := &peer{
		t:     t,
		conns: make(chan *peerConn, 1024),
		quit:  make(chan struct{}),
		ack: func(_ *tmc.Connect, signOK bool) tmc.ConnectAck {
			if !signOK {
				return tmc.ConnectAck{StatusCode: tmc.StatusUnauthorized, StatusPhrase: "invalid sign"}
			}
			return tmc.ConnectAck{Token: "tok"}
		},
		mute:    func(int) bool { return false },
		onFrame: func(pc *peerConn, f *tmc.Frame) { pc.frames <- f },
	}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	for _, o := range opts {
		o(p)
	}
	p.srv.Start()
	p.url = "ws" + strings.TrimPrefix(p.srv.URL, "http") + "/"
	t.Cleanup(p.close)
	return p
}

// close ends every connection and waits for the handlers; calls after the
// first do nothing.
func (p *peer) close() {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		close(p.quit)
		for _, pc := range p.all {
			pc.ws.Close()
		}
		p.mu.Unlock()
		p.handlers.Wait()
		p.srv.Close()
	})
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (p *peer) serve(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	pc := &peerConn{ws: ws, frames: make(chan *tmc.Frame, 4096)}
	// Register under the lock that close takes, so close either sees this
	// connection or this handler sees quit; never Add after Wait started.
	p.mu.Lock()
	select {
	case <-p.quit:
		p.mu.Unlock()
		return
	default:
		p.all = append(p.all, pc)
		p.handlers.Add(1)
	}
	p.mu.Unlock()
	defer p.handlers.Done()

	typ, data, err := ws.ReadMessage()
	if err != nil {
		return // the client went away (a test ending cancels a handshake)
	}
	if typ != websocket.BinaryMessage {
		p.t.Errorf("peer: first message of type %d", typ)
		return
	}
	f, err := tmc.DecodeFrame(data, tmc.Limits{})
	if err != nil {
		p.t.Errorf("peer: decode connect: %v", err)
		return
	}
	if pc.hello, err = tmc.ConnectFromFrame(f); err != nil {
		p.t.Errorf("peer: read connect: %v", err)
		return
	}
	pc.signOK = pc.hello.AppKey == peerAppKey && pc.hello.VerifySign(peerSecret)
	ack := p.ack(pc.hello, pc.signOK)
	pc.token = ack.Token
	b, _ := tmc.AppendFrame(nil, ack.ToFrame())
	werr := ws.WriteMessage(websocket.BinaryMessage, b)
	n := int(p.connects.Add(1)) - 1
	p.conns <- pc
	if werr != nil || ack.StatusCode != 0 {
		return
	}
	if p.mute(n) {
		<-p.quit
		return
	}
	ws.SetPingHandler(func(data string) error {
		pc.pings.Add(1)
		return ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	for {
		typ, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		f, err := tmc.DecodeFrame(data, tmc.Limits{})
		if typ != websocket.BinaryMessage || err != nil {
			p.t.Errorf("peer: client frame: type %d, err %v", typ, err)
			return
		}
		if f.Token != pc.token {
			p.t.Errorf("peer: client frame carries token %q, want %q", f.Token, pc.token)
		}
		if k, _ := tmc.KindOf(f); k == tmc.KindPull {
			pc.pulls.Add(1)
		}
		p.onFrame(pc, f)
	}
}

// next returns the next connection that sent a CONNECT.
func (p *peer) next(t testing.TB) *peerConn {
	t.Helper()
	select {
	case pc := <-p.conns:
		return pc
	case <-time.After(safety):
		t.Fatal("peer: no connection came")
		return nil
	}
}

// send pushes a data message to the client.
func (pc *peerConn) send(m *tmc.Message) error {
	pc.wmu.Lock()
	defer pc.wmu.Unlock()
	m.FillFrame(&pc.out)
	b, err := tmc.AppendFrame(pc.buf[:0], &pc.out)
	if err != nil {
		return err
	}
	pc.buf = b
	return pc.ws.WriteMessage(websocket.BinaryMessage, b)
}

// sendRaw pushes bytes as one WebSocket message of the given type.
func (pc *peerConn) sendRaw(typ int, b []byte) error {
	pc.wmu.Lock()
	defer pc.wmu.Unlock()
	return pc.ws.WriteMessage(typ, b)
}

// nextConfirm returns the id of the next confirm the client sent, skipping pulls.
func (pc *peerConn) nextConfirm(t testing.TB) int64 {
	t.Helper()
	for {
		select {
		case f := <-pc.frames:
			k, err := tmc.KindOf(f)
			if err != nil {
				t.Fatalf("peer: client frame: %v", err)
			}
			if k == tmc.KindPull {
				continue
			}
			c, err := tmc.ConfirmFromFrame(f)
			if err != nil {
				t.Fatalf("peer: client frame: %v", err)
			}
			return c.ID
		case <-time.After(safety):
			t.Fatal("peer: no confirm came")
			return 0
		}
	}
}

// msg returns a data message with the given id.
func msg(id int64) *tmc.Message {
	return &tmc.Message{ID: id, Topic: "taobao_trade_TradeBuyerPay", Content: `{"tid":1}`, DataID: 1000 + id, PubTime: time.UnixMilli(1762790400000)}
}

// eventually polls cond, yielding between checks, and fails after a
// generous real-time bound (a safety net, not a timed assertion).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(safety)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		runtime.Gosched()
	}
}

// newTestClient returns a client of p with test defaults and the edits applied.
func newTestClient(t testing.TB, p *peer, handler Handler, edits ...func(*Config)) *Client {
	t.Helper()
	if handler == nil {
		handler = func(context.Context, *tmc.Message) error { return nil }
	}
	cfg := Config{URL: p.url, AppKey: peerAppKey, Secret: peerSecret, Handler: handler}
	for _, e := range edits {
		e(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// start runs c until the test ends; the returned stop cancels Run and
// returns its error.
func start(t testing.TB, c *Client) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(safety):
				t.Error("Run did not return after cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}
