package socket_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/toplab/toplab/system/push/socket"
	"github.com/toplab/toplab/system/tmc"
)

// recorder is a Handler that records every event and can echo frames.
type recorder struct {
	echo    bool
	onFrame func(c *socket.Conn, f *tmc.Frame)
	onClose func(c *socket.Conn, err error) // called before the close is recorded

	mu     sync.Mutex
	opens  int
	frames map[uint64][]*tmc.Frame
	closes map[uint64][]error
	order  []string // per event "open id" / "frame id" / "close id", to check ordering
}

var _ socket.Handler = (*recorder)(nil)

func newRecorder() *recorder {
	return &recorder{frames: map[uint64][]*tmc.Frame{}, closes: map[uint64][]error{}}
}

func (r *recorder) OnOpen(c *socket.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opens++
	r.order = append(r.order, fmt.Sprint("open ", c.ID()))
}

func (r *recorder) OnFrame(c *socket.Conn, f *tmc.Frame) {
	r.mu.Lock()
	r.frames[c.ID()] = append(r.frames[c.ID()], f)
	r.order = append(r.order, fmt.Sprint("frame ", c.ID()))
	r.mu.Unlock()
	if r.onFrame != nil {
		r.onFrame(c, f)
	}
	if r.echo {
		b, err := tmc.AppendFrame(nil, f)
		if err == nil {
			_ = c.Send(b)
		}
	}
}

func (r *recorder) OnClose(c *socket.Conn, err error) {
	if r.onClose != nil {
		r.onClose(c, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closes[c.ID()] = append(r.closes[c.ID()], err)
	r.order = append(r.order, fmt.Sprint("close ", c.ID()))
}

// closed returns the close causes seen so far, one per connection (a
// connection closed twice fails the test).
func (r *recorder) closed(t testing.TB) map[uint64]error {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[uint64]error, len(r.closes))
	for id, errs := range r.closes {
		if len(errs) != 1 {
			t.Fatalf("connection %d: OnClose called %d times: %v", id, len(errs), errs)
		}
		out[id] = errs[0]
	}
	return out
}

// listen starts a server on a random loopback port and shuts it down at the end.
func listen(t testing.TB, cfg socket.Config, h socket.Handler) *socket.Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	s, err := socket.Listen(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return s
}

func wsURL(s *socket.Server) string { return "ws://" + s.Addr().String() + "/" }

// dial opens a gorilla client connection (an independent implementation).
func dial(t testing.TB, s *socket.Server) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(wsURL(s), nil)
	if err != nil {
		t.Fatalf("dial: %v (response %v)", err, resp)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// frameBytes encodes f or fails the test.
func frameBytes(t testing.TB, f *tmc.Frame) []byte {
	t.Helper()
	b, err := tmc.AppendFrame(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func connectFrame(t testing.TB, i int) []byte {
	c := tmc.Connect{AppKey: fmt.Sprint("app", i), Timestamp: 1700000000000 + int64(i), Sign: "S"}
	return frameBytes(t, c.ToFrame())
}

// readClose reads until the server's close frame and returns it.
func readClose(t testing.TB, c *websocket.Conn) *websocket.CloseError {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce
		}
		t.Fatalf("read: %v, want a close frame", err)
	}
}

// eventually polls cond until it holds, failing the test after 20 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// upgradeRequest is a valid upgrade request for raw clients.
func upgradeRequest(host string) string {
	return "GET / HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
}

// rawUpgrade dials s and completes the upgrade by hand, returning the
// connection positioned after the 101 response.
func rawUpgrade(t testing.TB, s *socket.Server, rcvbuf int) net.Conn {
	t.Helper()
	d := net.Dialer{}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, rc syscallRawConn) error { return setRcvbuf(rc, rcvbuf) }
	}
	c, err := d.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if _, err := c.Write([]byte(upgradeRequest(s.Addr().String()))); err != nil {
		t.Fatal(err)
	}
	// Read the response byte by byte so nothing after it is consumed.
	var head []byte
	one := make([]byte, 1)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for !strings.HasSuffix(string(head), "\r\n\r\n") {
		if _, err := c.Read(one); err != nil {
			t.Fatalf("read upgrade response %q: %v", head, err)
		}
		head = append(head, one[0])
	}
	_ = c.SetReadDeadline(time.Time{})
	if !strings.HasPrefix(string(head), "HTTP/1.1 101") {
		t.Fatalf("upgrade response %q", head)
	}
	return c
}

// maskedFrame is a client frame: fin set, opcode op, masked with a fixed key.
func maskedFrame(op byte, payload []byte) []byte {
	key := [4]byte{0x11, 0x22, 0x33, 0x44}
	b := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	b = append(b, key[:]...)
	for i, x := range payload {
		b = append(b, x^key[i%4])
	}
	return b
}

// httpGet returns the status and body of a plain GET to s (an upgrade
// request when upgrade is set).
func httpGet(t testing.TB, s *socket.Server, upgrade bool) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+s.Addr().String()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if upgrade {
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		req.Header.Set("Sec-WebSocket-Version", "13")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 512)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, sb.String()
}

// panicLog fails the test when nbio reports a recovered panic (nbio recovers
// panics in callbacks and logs them, so a panic would otherwise go unseen).
type panicLog struct {
	slog.Handler
	mu     sync.Mutex
	panics []string
}

func (p *panicLog) Handle(ctx context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, "nbio: ") && strings.Contains(r.Message, "failed") && strings.Contains(r.Message, "goroutine") {
		p.mu.Lock()
		p.panics = append(p.panics, r.Message)
		p.mu.Unlock()
	}
	return p.Handler.Handle(ctx, r)
}

func (p *panicLog) check(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.panics) > 0 {
		t.Fatalf("recovered panic in the server:\n%s", p.panics[0])
	}
}
