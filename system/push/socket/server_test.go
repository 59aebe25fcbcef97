package socket_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/toplab/toplab/system/push/socket"
	"github.com/toplab/toplab/system/tmc"
)

// A few hundred clients each send a CONNECT and a run of SENDs: the handler
// sees them in order per connection, the echoes come back in order, and a
// normal close gives exactly one OnClose with io.EOF after the last frame.
func TestFramesInOrderEchoedAndClosedOnce(t *testing.T) {
	const conns, sends = 300, 5
	rec := newRecorder()
	rec.echo = true
	s := listen(t, socket.Config{}, rec)
	clients := make([]*websocket.Conn, conns)
	for i := range clients {
		clients[i] = dial(t, s)
	}
	eventually(t, "all connections open", func() bool { return s.Conns() == conns })

	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := [][]byte{connectFrame(t, i)}
			for j := range sends {
				m := tmc.Message{ID: int64(j + 1), Topic: "taobao_trade_TradeCreate", Content: fmt.Sprintf(`{"tid":%d}`, i), PubTime: time.UnixMilli(1)}
				want = append(want, frameBytes(t, m.ToFrame()))
			}
			for _, b := range want {
				if err := c.WriteMessage(websocket.BinaryMessage, b); err != nil {
					errs <- err
					return
				}
			}
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			for j, w := range want {
				mt, got, err := c.ReadMessage()
				if err != nil || mt != websocket.BinaryMessage || !bytes.Equal(got, w) {
					errs <- fmt.Errorf("client %d echo %d: type %d err %v, got %x want %x", i, j, mt, err, got, w)
					return
				}
			}
			errs <- c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "all connections closed", func() bool { return s.Conns() == 0 && len(rec.closed(t)) == conns })

	rec.mu.Lock()
	opens := rec.opens
	rec.mu.Unlock()
	if opens != conns {
		t.Fatalf("%d OnOpen calls for %d connections", opens, conns)
	}
	for id, err := range rec.closed(t) {
		if err != io.EOF {
			t.Errorf("connection %d closed with %v, want io.EOF", id, err)
		}
		fs := rec.frames[id]
		if len(fs) != sends+1 || fs[0].Type != tmc.MsgConnect {
			t.Fatalf("connection %d: %d frames, first %v", id, len(fs), fs[0].Type)
		}
		for j, f := range fs[1:] {
			m, err := tmc.MessageFromFrame(f)
			if err != nil || m.ID != int64(j+1) {
				t.Fatalf("connection %d frame %d: id %v err %v: out of order", id, j+1, m, err)
			}
		}
	}
	// Per connection: open, then its frames, then close.
	seen := map[string]int{}
	for _, ev := range rec.order {
		kind, id, _ := strings.Cut(ev, " ")
		switch kind {
		case "open":
			seen[id] = 1
		case "frame":
			if seen[id] != 1 {
				t.Fatalf("frame of %s outside open..close", id)
			}
		case "close":
			if seen[id] != 1 {
				t.Fatalf("close of %s before open or twice", id)
			}
			seen[id] = 2
		}
	}
	st := s.Stats()
	if st.Accepted != conns || st.FramesIn != conns*(sends+1) || st.FramesOut != conns*(sends+1) || st.Closed[socket.ReasonEOF] != conns || s.ClosedBy(socket.ReasonEOF) != conns || s.ClosedBy("no such reason") != 0 {
		t.Fatalf("stats %+v", st)
	}
	// Frames were handled on the socket's own workers (a callback may take
	// several frames of one connection), not on nbio's goroutine per task.
	if handed, spawned := socket.ExecutorCounts(s); handed == 0 || handed+spawned < conns {
		t.Fatalf("executor ran %d callbacks on workers, %d on their own goroutines, for %d connections", handed, spawned, conns)
	}
}

// A blocking OnClose does not hold up the frames of another connection on
// the same poller: callbacks run on the pool, which grows past a blocked one.
func TestBlockedOnCloseLeavesFramesFlowing(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	rec := newRecorder()
	rec.echo = true
	blocked := make(chan struct{}, 1)
	rec.onClose = func(*socket.Conn, error) {
		select {
		case blocked <- struct{}{}:
		default: // b's, at shutdown
		}
		<-release
	}
	s := listen(t, socket.Config{Pollers: 1}, rec)
	a, b := dial(t, s), dial(t, s)
	eventually(t, "both connections open", func() bool { return s.Conns() == 2 })
	if err := a.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a's OnClose running", func() bool { return len(blocked) == 1 })
	want := connectFrame(t, 1)
	if err := b.WriteMessage(websocket.BinaryMessage, want); err != nil {
		t.Fatal(err)
	}
	_ = b.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, got, err := b.ReadMessage(); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("b's echo while a's OnClose blocks: %x, %v", got, err)
	}
}

// Each kind of bad input closes its connection with the right code and cause.
func TestBadInputCloses(t *testing.T) {
	tests := []struct {
		name      string
		send      func(c *websocket.Conn) error
		code      int
		reasonHas string
		cause     error
		reason    string
	}{
		{"text message", func(c *websocket.Conn) error { return c.WriteMessage(websocket.TextMessage, []byte("hello")) },
			socket.CloseUnsupported, "text", socket.ErrTextMessage, socket.ReasonText},
		{"undecodable frame", func(c *websocket.Conn) error { return c.WriteMessage(websocket.BinaryMessage, []byte{9, 9, 9}) },
			socket.CloseProtocol, "tmc: unsupported protocol version", socket.ErrBadFrame, socket.ReasonBadFrame},
		{"truncated frame", func(c *websocket.Conn) error { return c.WriteMessage(websocket.BinaryMessage, []byte{2, 0, 1, 0, 5}) },
			socket.CloseProtocol, "tmc: truncated", socket.ErrBadFrame, socket.ReasonBadFrame},
		{"oversize message", func(c *websocket.Conn) error { return c.WriteMessage(websocket.BinaryMessage, make([]byte, 4097)) },
			socket.CloseTooBig, "", socket.ErrOversize, socket.ReasonOversize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			s := listen(t, socket.Config{MaxFrameBytes: 4096}, rec)
			c := dial(t, s)
			if err := tt.send(c); err != nil {
				t.Fatal(err)
			}
			ce := readClose(t, c)
			if ce.Code != tt.code || !strings.Contains(ce.Text, tt.reasonHas) {
				t.Fatalf("close %d %q, want %d containing %q", ce.Code, ce.Text, tt.code, tt.reasonHas)
			}
			eventually(t, "OnClose", func() bool { return len(rec.closed(t)) == 1 })
			for _, err := range rec.closed(t) {
				if !errors.Is(err, tt.cause) || socket.Reason(err) != tt.reason {
					t.Fatalf("cause %v (%s), want %v (%s)", err, socket.Reason(err), tt.cause, tt.reason)
				}
			}
			if st := s.Stats(); st.Closed[tt.reason] != 1 || st.FramesIn != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// The handler closes with its own code; Send and Close afterwards are harmless.
func TestHandlerCloseAndSendAfterClose(t *testing.T) {
	rec := newRecorder()
	conns := make(chan *socket.Conn, 1)
	rec.onFrame = func(c *socket.Conn, _ *tmc.Frame) {
		c.SetValue("greeted")
		conns <- c
		c.Close(4001, strings.Repeat("é", 100)) // 200 bytes: cut to 123 on a rune boundary
	}
	s := listen(t, socket.Config{}, rec)
	c := dial(t, s)
	if err := c.WriteMessage(websocket.BinaryMessage, connectFrame(t, 1)); err != nil {
		t.Fatal(err)
	}
	ce := readClose(t, c)
	if ce.Code != 4001 || ce.Text != strings.Repeat("é", 61) {
		t.Fatalf("close %d %q", ce.Code, ce.Text)
	}
	sc := <-conns
	if err := sc.Send([]byte{1}); !errors.Is(err, socket.ErrClosed) {
		t.Fatalf("Send after Close: %v, want ErrClosed", err)
	}
	sc.Close(1000, "again")
	eventually(t, "OnClose", func() bool { return len(rec.closed(t)) == 1 })
	var cerr *socket.CloseError
	if err := rec.closed(t)[sc.ID()]; !errors.As(err, &cerr) || cerr.Code != 4001 || cerr.ByPeer || socket.Reason(err) != socket.ReasonClosed {
		t.Fatalf("cause %v", err)
	}
	if sc.Value() != "greeted" || sc.RemoteAddr() == nil {
		t.Fatalf("value %v remote %v", sc.Value(), sc.RemoteAddr())
	}
}

// A peer's close frame with an abnormal code reaches OnClose as a CloseError.
func TestPeerCloseCode(t *testing.T) {
	rec := newRecorder()
	s := listen(t, socket.Config{}, rec)
	c := dial(t, s)
	if err := c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4100, "client gave up")); err != nil {
		t.Fatal(err)
	}
	if ce := readClose(t, c); ce.Code != 4100 {
		t.Fatalf("echoed close %d", ce.Code)
	}
	eventually(t, "OnClose", func() bool { return len(rec.closed(t)) == 1 })
	for _, err := range rec.closed(t) {
		var ce *socket.CloseError
		if !errors.As(err, &ce) || !ce.ByPeer || ce.Code != 4100 || socket.Reason(err) != socket.ReasonPeerClosed {
			t.Fatalf("cause %v", err)
		}
	}
}

// Past MaxConns the upgrade is refused with 503 and a plain-text reason; a
// closed connection frees its slot.
func TestSaturatedNodeRefuses(t *testing.T) {
	rec := newRecorder()
	s := listen(t, socket.Config{MaxConns: 2}, rec)
	first := dial(t, s)
	dial(t, s)
	_, resp, err := websocket.DefaultDialer.Dial(wsURL(s), nil)
	if err == nil || resp == nil || resp.StatusCode != 503 {
		t.Fatalf("third dial: err %v resp %v, want 503", err, resp)
	}
	if code, body := httpGet(t, s, true); code != 503 || body != "node saturated\n" {
		t.Fatalf("got %d %q", code, body)
	}
	if code, _ := httpGet(t, s, false); code != 503 {
		t.Fatalf("plain GET while saturated: %d", code)
	}
	_ = first.Close()
	eventually(t, "a slot to free", func() bool { return s.Conns() == 1 })
	dial(t, s)
	if st := s.Stats(); st.Refused != 3 || st.Accepted != 3 {
		t.Fatalf("stats %+v", st)
	}
}

// Requests that are not an upgrade on the right path are answered and not counted as connections.
func TestNotAnUpgrade(t *testing.T) {
	s := listen(t, socket.Config{Path: "/tmc"}, newRecorder())
	if code, _ := httpGet(t, s, true); code != 404 {
		t.Fatalf("wrong path: %d", code)
	}
	if _, resp, err := websocket.DefaultDialer.Dial("ws://"+s.Addr().String()+"/tmc", nil); err != nil {
		t.Fatalf("right path: %v %v", err, resp)
	}
	if st := s.Stats(); st.Rejected != 1 || st.Accepted != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// Shutdown closes every connection with 1001, waits for their OnClose and
// stops accepting.
func TestShutdown(t *testing.T) {
	const conns = 50
	rec := newRecorder()
	s, err := socket.Listen(socket.Config{Addr: "127.0.0.1:0"}, rec)
	if err != nil {
		t.Fatal(err)
	}
	clients := make([]*websocket.Conn, conns)
	for i := range clients {
		clients[i] = dial(t, s)
	}
	eventually(t, "all open", func() bool { return s.Conns() == conns })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// Shutdown returned only after every OnClose.
	closed := rec.closed(t)
	if len(closed) != conns || s.Conns() != 0 {
		t.Fatalf("%d closed, %d open after Shutdown", len(closed), s.Conns())
	}
	for _, err := range closed {
		if !errors.Is(err, socket.ErrShutdown) {
			t.Fatalf("cause %v", err)
		}
	}
	for _, c := range clients {
		if ce := readClose(t, c); ce.Code != websocket.CloseGoingAway {
			t.Fatalf("close code %d", ce.Code)
		}
	}
	if _, _, err := websocket.DefaultDialer.Dial(wsURL(s), nil); err == nil {
		t.Fatal("dial after Shutdown succeeded")
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

func TestListenErrors(t *testing.T) {
	if _, err := socket.Listen(socket.Config{Addr: "127.0.0.1:0"}, nil); err == nil {
		t.Fatal("nil handler accepted")
	}
	s := listen(t, socket.Config{}, newRecorder())
	if _, err := socket.Listen(socket.Config{Addr: s.Addr().String()}, newRecorder()); err == nil {
		t.Fatal("second listen on a used address succeeded")
	}
}

func TestReason(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{io.EOF, socket.ReasonEOF},
		{socket.ErrIdle, socket.ReasonIdle},
		{fmt.Errorf("%w: x", socket.ErrBadFrame), socket.ReasonBadFrame},
		{&socket.CloseError{Code: 4000}, socket.ReasonClosed},
		{&socket.CloseError{Code: 4000, ByPeer: true}, socket.ReasonPeerClosed},
		{errors.New("connection reset by peer"), socket.ReasonError},
	}
	for _, tt := range tests {
		if got := socket.Reason(tt.err); got != tt.want {
			t.Errorf("Reason(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}
