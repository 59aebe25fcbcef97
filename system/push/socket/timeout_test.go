package socket_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	nbws "github.com/lesismal/nbio/nbhttp/websocket"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/push/socket"
)

// advanceAndSweep moves the fake clock by d and waits for a sweep that saw the new time.
func advanceAndSweep(t *testing.T, fc *clock.Fake, s *socket.Server, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fc.BlockUntil(ctx, 1); err != nil { // the sweeper's ticker
		t.Fatal(err)
	}
	before := s.Stats().Sweeps
	fc.Advance(d)
	eventually(t, "a sweep", func() bool { return s.Stats().Sweeps > before })
}

func TestHandshakeTimeout(t *testing.T) {
	fc := clock.NewFake(time.Unix(1700000000, 0))
	rec := newRecorder()
	s := listen(t, socket.Config{Clock: fc, HandshakeTimeout: 4 * time.Second, IdleTimeout: 40 * time.Second}, rec)
	silent := dial(t, s)
	greeted := dial(t, s)
	if err := greeted.WriteMessage(websocket.BinaryMessage, connectFrame(t, 1)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the frame", func() bool { return s.Stats().FramesIn == 1 })
	advanceAndSweep(t, fc, s, 3*time.Second)
	if s.Conns() != 2 {
		t.Fatalf("closed before the handshake timeout: %d open", s.Conns())
	}
	advanceAndSweep(t, fc, s, 2*time.Second)
	if ce := readClose(t, silent); ce.Code != socket.ClosePolicy {
		t.Fatalf("close %d %q", ce.Code, ce.Text)
	}
	eventually(t, "OnClose", func() bool { return len(rec.closed(t)) == 1 })
	for _, err := range rec.closed(t) {
		if !errors.Is(err, socket.ErrHandshakeTimeout) {
			t.Fatalf("cause %v", err)
		}
	}
	if s.Conns() != 1 {
		t.Fatalf("%d open, want the greeted one", s.Conns())
	}
}

// Pings keep a connection alive past the idle timeout; silence closes it.
func TestIdleTimeoutAndPings(t *testing.T) {
	fc := clock.NewFake(time.Unix(1700000000, 0))
	rec := newRecorder()
	s := listen(t, socket.Config{Clock: fc, HandshakeTimeout: 5 * time.Second, IdleTimeout: 10 * time.Second}, rec)
	c := dial(t, s)
	pongs := make(chan string, 10)
	c.SetPongHandler(func(data string) error { pongs <- data; return nil })
	go func() { // gorilla runs the pong handler while reading
		for {
			if _, _, err := c.NextReader(); err != nil {
				return
			}
		}
	}()
	if err := c.WriteMessage(websocket.BinaryMessage, connectFrame(t, 1)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the frame", func() bool { return s.Stats().FramesIn == 1 })
	for i := range 4 { // 4 x 7 s = 28 s, well past the 10 s idle timeout
		advanceAndSweep(t, fc, s, 7*time.Second)
		if s.Conns() != 1 {
			t.Fatalf("heartbeat %d: closed while pinging", i)
		}
		if err := c.WriteControl(websocket.PingMessage, []byte{byte(i)}, time.Now().Add(5*time.Second)); err != nil {
			t.Fatal(err)
		}
		if got := <-pongs; got != string([]byte{byte(i)}) {
			t.Fatalf("pong %q", got)
		}
	}
	advanceAndSweep(t, fc, s, 11*time.Second)
	eventually(t, "OnClose", func() bool { return len(rec.closed(t)) == 1 })
	for _, err := range rec.closed(t) {
		if !errors.Is(err, socket.ErrIdle) {
			t.Fatalf("cause %v", err)
		}
	}
	if st := s.Stats(); st.Pings != 4 || st.Closed[socket.ReasonIdle] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// A read deadline nbio arms after the upgrade (its accept path races the
// upgrade under load) is cleared by the first message: the connection
// outlives it.
func TestLateAcceptDeadlineIsCleared(t *testing.T) {
	socket.SetAfterUpgrade(func(ws *nbws.Conn) { _ = ws.SetReadDeadline(time.Now().Add(time.Second)) })
	t.Cleanup(func() { socket.SetAfterUpgrade(nil) })
	rec := newRecorder()
	s := listen(t, socket.Config{}, rec)
	greeted := dial(t, s)
	_ = dial(t, s) // silent: shows the stale deadline fires
	if err := greeted.WriteMessage(websocket.BinaryMessage, connectFrame(t, 1)); err != nil {
		t.Fatal(err)
	}
	// The silent one shows the stale deadline fires; the greeted one stays.
	eventually(t, "the silent connection to time out", func() bool { return len(rec.closed(t)) == 1 })
	time.Sleep(500 * time.Millisecond)
	if s.Conns() != 1 {
		t.Fatalf("%d open, want the greeted one: %v", s.Conns(), rec.closed(t))
	}
	if err := greeted.WriteMessage(websocket.BinaryMessage, connectFrame(t, 2)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the second frame", func() bool { return s.Stats().FramesIn == 2 })
}

// Armed even after the first message, the stale deadline is cleared by the
// next sweep.
func TestLateAcceptDeadlineAfterTheFirstMessageIsSwept(t *testing.T) {
	armed := make(chan struct{}, 1)
	socket.SetAfterUpgrade(func(ws *nbws.Conn) {
		time.AfterFunc(200*time.Millisecond, func() {
			_ = ws.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
			armed <- struct{}{}
		})
	})
	t.Cleanup(func() { socket.SetAfterUpgrade(nil) })
	fc := clock.NewFake(time.Unix(1700000000, 0))
	s := listen(t, socket.Config{Clock: fc, HandshakeTimeout: 4 * time.Second, IdleTimeout: time.Hour}, newRecorder())
	c := dial(t, s)
	if err := c.WriteMessage(websocket.BinaryMessage, connectFrame(t, 1)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the frame", func() bool { return s.Stats().FramesIn == 1 })
	<-armed
	advanceAndSweep(t, fc, s, time.Second)
	time.Sleep(2 * time.Second) // past the stale deadline
	if s.Conns() != 1 {
		t.Fatalf("%d open: the stale deadline closed the connection", s.Conns())
	}
}
