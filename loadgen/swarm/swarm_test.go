package swarm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/toplab/toplab/loadgen/swarm"
	"github.com/toplab/toplab/system/push/socket"
	"github.com/toplab/toplab/system/tmc"
)

// node is a push-socket handler that answers CONNECT with a CONNECTACK and
// records the peers' source addresses.
type node struct {
	mu      sync.Mutex
	sources map[string]int
	closes  map[uint64]error
	conns   []*socket.Conn
}

func newNode() *node { return &node{sources: map[string]int{}, closes: map[uint64]error{}} }

func (n *node) OnOpen(c *socket.Conn) {
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	n.mu.Lock()
	n.sources[host]++
	n.conns = append(n.conns, c)
	n.mu.Unlock()
}

func (n *node) OnFrame(c *socket.Conn, f *tmc.Frame) {
	if f.Type != tmc.MsgConnect {
		return
	}
	ack, _ := tmc.AppendFrame(nil, (&tmc.ConnectAck{Token: fmt.Sprint("tok", c.ID())}).ToFrame())
	_ = c.Send(ack)
}

func (n *node) OnClose(c *socket.Conn, err error) {
	n.mu.Lock()
	n.closes[c.ID()] = err
	n.mu.Unlock()
}

func (n *node) snapshot() (map[string]int, map[uint64]error, []*socket.Conn) {
	n.mu.Lock()
	defer n.mu.Unlock()
	s, c := map[string]int{}, map[uint64]error{}
	for k, v := range n.sources {
		s[k] = v
	}
	for k, v := range n.closes {
		c[k] = v
	}
	return s, c, append([]*socket.Conn(nil), n.conns...)
}

func listen(t *testing.T, cfg socket.Config, h socket.Handler) *socket.Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	cfg.Logger = slog.New(slog.DiscardHandler)
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

func connect(i int) []byte {
	b, _ := tmc.AppendFrame(nil, (&tmc.Connect{AppKey: fmt.Sprint("app", i), Timestamp: 1700000000000, Sign: "S"}).ToFrame())
	return b
}

func checkAck(_ int, reply []byte) error {
	f, err := tmc.DecodeFrame(reply, tmc.Limits{})
	if err != nil {
		return err
	}
	ack, err := tmc.ConnectAckFromFrame(f)
	if err != nil {
		return err
	}
	return ack.Err()
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func closeSwarm(t *testing.T, sw *swarm.Swarm) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := sw.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// A few hundred connections from three source IPs each send a CONNECT, get
// their CONNECTACK, stay open idle, and close cleanly.
func TestDialIdleOpensHoldsAndCloses(t *testing.T) {
	const conns = 300
	h := newNode()
	srv := listen(t, socket.Config{}, h)
	var progress bytes.Buffer
	sw, err := swarm.DialIdle(context.Background(), swarm.Config{
		URL:        "ws://" + srv.Addr().String() + "/",
		Conns:      conns,
		SourceIPs:  swarm.SourceIPs(3),
		FirstFrame: connect,
		CheckReply: checkAck,
		Progress:   &progress,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := sw.Result(); r.Opened != conns || r.Failed != 0 || sw.Alive() != conns {
		t.Fatalf("result %+v, alive %d", r, sw.Alive())
	}
	eventually(t, "the server to see them all", func() bool { return srv.Conns() == conns })
	sources, _, _ := h.snapshot()
	want := map[string]int{"127.0.0.2": 100, "127.0.0.3": 100, "127.0.0.4": 100}
	if fmt.Sprint(sources) != fmt.Sprint(want) {
		t.Fatalf("source addresses %v, want %v", sources, want)
	}
	if !strings.Contains(progress.String(), fmt.Sprintf("swarm %d/%d open", conns, conns)) {
		t.Fatalf("progress %q", progress.String())
	}
	closeSwarm(t, sw)
	if sw.Alive() != 0 {
		t.Fatalf("%d alive after Close", sw.Alive())
	}
	eventually(t, "the server to see them close", func() bool { return srv.Conns() == 0 })
	_, closes, _ := h.snapshot()
	for id, err := range closes {
		if err != io.EOF {
			t.Fatalf("connection %d closed with %v, want a normal close", id, err)
		}
	}
}

// Frames the server pushes are counted and pings answered; a server-side
// close counts the connection gone.
func TestHeldConnectionsReceiveAndNoticeCloses(t *testing.T) {
	const conns = 50
	h := newNode()
	srv := listen(t, socket.Config{}, h)
	sw, err := swarm.DialIdle(context.Background(), swarm.Config{URL: "ws://" + srv.Addr().String() + "/", Conns: conns, FirstFrame: connect})
	if err != nil {
		t.Fatal(err)
	}
	defer closeSwarm(t, sw)
	_, _, serverConns := h.snapshot()
	msg, _ := tmc.AppendFrame(nil, (&tmc.Message{ID: 7, Topic: "taobao_trade_TradeCreate", Content: "{}"}).ToFrame())
	for _, c := range serverConns {
		for range 3 {
			if err := c.Send(msg); err != nil {
				t.Fatal(err)
			}
		}
	}
	eventually(t, "the pushed frames", func() bool { return sw.Frames() == 3*conns })
	serverConns[0].Close(4000, "kicked")
	eventually(t, "the kicked connection to go", func() bool { return sw.Alive() == conns-1 })
}

// A saturated node refuses the surplus with 503; the swarm keeps the rest
// and reports the refusals by kind.
func TestDialIdleReportsRefusals(t *testing.T) {
	srv := listen(t, socket.Config{MaxConns: 10}, newNode())
	sw, err := swarm.DialIdle(context.Background(), swarm.Config{URL: "ws://" + srv.Addr().String() + "/", Conns: 15, Concurrency: 1})
	if err == nil || sw == nil {
		t.Fatalf("err %v swarm %v, want both", err, sw)
	}
	defer closeSwarm(t, sw)
	r := sw.Result()
	var se *swarm.StatusError
	if r.Opened != 10 || r.Failed != 5 || r.Errors["status 503"] != 5 || !errors.As(r.FirstErr, &se) || se.Body != "node saturated" {
		t.Fatalf("result %+v (first error %v)", r, r.FirstErr)
	}
	if !errors.Is(err, swarm.ErrHandshake) {
		t.Fatalf("error %v does not wrap ErrHandshake", err)
	}
}

func TestDialIdleConfigErrors(t *testing.T) {
	tests := []swarm.Config{
		{URL: "http://127.0.0.1:1/", Conns: 1},
		{URL: "ws://no-port/", Conns: 1},
		{URL: "ws://127.0.0.1:1/", Conns: 0},
		{URL: "ws://127.0.0.1:1/", Conns: 1 << 30}, // more descriptors than any limit allows
	}
	for _, cfg := range tests {
		if sw, err := swarm.DialIdle(context.Background(), cfg); err == nil || sw != nil {
			t.Errorf("%+v: err %v swarm %v, want an error and no swarm", cfg, err, sw)
		}
	}
}

// Connections to a closed port fail as dial errors, within the time bound.
func TestDialIdleDialFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	sw, err := swarm.DialIdle(context.Background(), swarm.Config{URL: "ws://" + addr + "/", Conns: 5})
	if err == nil || !errors.Is(sw.Result().FirstErr, swarm.ErrDial) || sw.Result().Errors["dial"] != 5 {
		t.Fatalf("err %v result %+v", err, sw.Result())
	}
	closeSwarm(t, sw)
}
