package tmcclient

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/tmc"
)

// blockUntil waits until n timers or tickers are armed on clk.
func blockUntil(t *testing.T, clk *clock.Fake, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), safety)
	defer cancel()
	if err := clk.BlockUntil(ctx, n); err != nil {
		t.Fatalf("%d waiters never armed: %v", n, err)
	}
}

// quiet makes pulls and heartbeats rare, so only the waits under test tick.
func quiet(cfg *Config) {
	cfg.PullInterval, cfg.HeartbeatInterval = time.Hour, time.Hour
}

// awaitBackoff waits for the client's n-th backoff and for its timer to be
// armed, and returns the chosen wait.
func awaitBackoff(t *testing.T, c *Client, clk *clock.Fake, n uint64) time.Duration {
	t.Helper()
	eventually(t, "backoff chosen", func() bool { return c.Stats().Backoffs == n })
	// The session's tickers are stopped before the wait is chosen, so the one
	// armed waiter is the backoff timer.
	blockUntil(t, clk, 1)
	return c.Stats().LastBackoff
}

func TestReconnectBacksOffExponentiallyAndResetsAfterAStableConnection(t *testing.T) {
	clk := clock.NewFake(time.Now())
	p := newPeer(t)
	c := newTestClient(t, p, nil, quiet, func(cfg *Config) {
		cfg.Clock, cfg.ReconnectMin, cfg.ReconnectMax = clk, time.Second, 8*time.Second
	})
	c.rand = func(n int64) int64 { return n - 1 } // the ceiling itself: the schedule is exact
	start(t, c)

	// The server closes each connection at once: the waits double up to the cap.
	want := []time.Duration{1, 2, 4, 8, 8}
	for i, w := range want {
		pc := p.next(t)
		eventually(t, "connected", c.Connected)
		pc.ws.Close()
		got := awaitBackoff(t, c, clk, uint64(i+1))
		if got != w*time.Second {
			t.Errorf("wait %d = %s, want %s", i+1, got, w*time.Second)
		}
		if c.Connected() || p.connects.Load() != int64(i+1) {
			t.Fatalf("while waiting: connected %v, %d connects at the server", c.Connected(), p.connects.Load())
		}
		clk.Advance(got)
	}
	// A connection that stays up ReconnectMax resets the schedule.
	pc := p.next(t)
	eventually(t, "connected", c.Connected)
	clk.Advance(8 * time.Second)
	pc.ws.Close()
	if got := awaitBackoff(t, c, clk, uint64(len(want)+1)); got != time.Second {
		t.Errorf("wait after a stable connection = %s, want 1s", got)
	}
	if s := c.Stats(); s.Connects != 6 || s.Reconnects != 5 || s.ConnectFailures != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestJitterSpreadsTheReconnectsOfManyClients(t *testing.T) {
	const clients = 100
	const lo, hi = time.Second, 30 * time.Second
	p := newPeer(t)
	cs := make([]*Client, clients)
	clocks := make([]*clock.Fake, clients)
	for i := range cs {
		clocks[i] = clock.NewFake(time.Now())
		cs[i] = newTestClient(t, p, nil, quiet, func(cfg *Config) {
			cfg.Clock, cfg.ReconnectMin, cfg.ReconnectMax = clocks[i], lo, hi
		})
		start(t, cs[i])
	}
	conns := make([]*peerConn, clients)
	for i := range conns {
		conns[i] = p.next(t)
	}
	for _, c := range cs {
		eventually(t, "all connected", c.Connected)
	}
	// The node goes away: every client loses its connection at once.
	for _, pc := range conns {
		pc.ws.Close()
	}
	distinct := map[time.Duration]bool{}
	for i, c := range cs {
		d := awaitBackoff(t, c, clocks[i], 1)
		if d < 0 || d > lo {
			t.Errorf("client %d waits %s, want within [0, %s]", i, d, lo)
		}
		distinct[d] = true
		clocks[i].Advance(d)
	}
	// Lockstep would give one value; uniform jitter over a second in
	// nanoseconds gives a hundred.
	if len(distinct) < clients/2 {
		t.Errorf("%d clients chose only %d distinct waits", clients, len(distinct))
	}
	eventually(t, "every client reconnected", func() bool { return p.connects.Load() == 2*clients })
}

func TestRefusedConnectBacksOff(t *testing.T) {
	const lo, hi = time.Second, 30 * time.Second
	tests := []struct {
		name     string
		secret   string
		status   int32 // answered to a correctly signed CONNECT
		min, max time.Duration
	}{
		{"bad sign 401 waits long", "wrong-secret", 0, hi / 2, hi},
		{"bad request 400 waits long", peerSecret, tmc.StatusBadRequest, hi / 2, hi},
		{"saturated 503 backs off from the min", peerSecret, tmc.StatusUnavailable, 0, lo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(time.Now())
			p := newPeer(t)
			if tt.status != 0 {
				p.ack = func(*tmc.Connect, bool) tmc.ConnectAck {
					return tmc.ConnectAck{StatusCode: tt.status, StatusPhrase: "no"}
				}
			}
			c := newTestClient(t, p, nil, func(cfg *Config) {
				cfg.Clock, cfg.Secret, cfg.ReconnectMin, cfg.ReconnectMax = clk, tt.secret, lo, hi
			})
			start(t, c)
			for attempt := uint64(1); attempt <= 2; attempt++ {
				d := awaitBackoff(t, c, clk, attempt)
				// Blocked on the clock, the client cannot try again: no tight loop.
				if n := p.connects.Load(); n != int64(attempt) {
					t.Fatalf("attempt %d: the server saw %d connects", attempt, n)
				}
				s := c.Stats()
				var se *tmc.StatusError
				wantCode := tt.status
				if wantCode == 0 {
					wantCode = tmc.StatusUnauthorized
				}
				if !errors.As(s.LastConnectErr, &se) || se.Code != wantCode {
					t.Errorf("last connect error %v, want status %d", s.LastConnectErr, wantCode)
				}
				if s.ConnectFailures != attempt || s.Connects != 0 || c.Connected() {
					t.Errorf("stats %+v, connected %v", s, c.Connected())
				}
				if attempt == 1 && (d < tt.min || d > tt.max) {
					t.Errorf("first wait %s, want within [%s, %s]", d, tt.min, tt.max)
				}
				clk.Advance(d)
			}
		})
	}
}

func TestHeartbeatPingsOnTheClock(t *testing.T) {
	clk := clock.NewFake(time.Now())
	p := newPeer(t)
	c := newTestClient(t, p, nil, func(cfg *Config) {
		cfg.Clock, cfg.HeartbeatInterval, cfg.PullInterval = clk, 45*time.Second, time.Hour
	})
	start(t, c)
	pc := p.next(t)
	blockUntil(t, clk, 2) // the heartbeat and pull tickers
	if pc.pings.Load() != 0 {
		t.Fatal("pinged before the first interval")
	}
	// The peer answers each ping, so three intervals and more pass alive.
	// (Each pong is awaited before the clock moves on: a fake clock can
	// outrun a real round trip.)
	for i := int64(1); i <= 4; i++ {
		clk.Advance(45 * time.Second)
		eventually(t, "ping at the server", func() bool { return pc.pings.Load() == i })
		eventually(t, "ping counted, pong seen", func() bool {
			s := c.Stats()
			return s.PingsSent == uint64(i) && s.PongsReceived == uint64(i)
		})
	}
	if s := c.Stats(); !c.Connected() || s.Connects != 1 || s.Backoffs != 0 {
		t.Errorf("a peer that answers pings was dropped: %+v", s)
	}
}

func TestPullsOnTheClock(t *testing.T) {
	clk := clock.NewFake(time.Now())
	p := newPeer(t)
	c := newTestClient(t, p, nil, func(cfg *Config) {
		cfg.Clock, cfg.HeartbeatInterval, cfg.PullInterval = clk, time.Hour, 20*time.Second
	})
	start(t, c)
	pc := p.next(t)
	eventually(t, "pull after the handshake", func() bool { return pc.pulls.Load() == 1 })
	blockUntil(t, clk, 2)
	for i := int64(2); i <= 4; i++ {
		clk.Advance(20 * time.Second)
		eventually(t, "periodic pull", func() bool { return pc.pulls.Load() == i })
	}
	eventually(t, "pulls counted", func() bool { return c.Stats().PullsSent == 4 })
}

func TestDeadConnectionIsDetectedAndReplaced(t *testing.T) {
	clk := clock.NewFake(time.Now())
	p := newPeer(t)
	p.mute = func(n int) bool { return n == 0 } // the first connection goes silent
	c := newTestClient(t, p, nil, func(cfg *Config) {
		cfg.Clock, cfg.HeartbeatInterval, cfg.PullInterval = clk, 45*time.Second, time.Hour
	})
	start(t, c)
	p.next(t)
	eventually(t, "connected", c.Connected)
	blockUntil(t, clk, 2)
	// Two silent intervals: still pinging.
	for i := uint64(1); i <= 2; i++ {
		clk.Advance(45 * time.Second)
		eventually(t, "ping sent", func() bool { return c.Stats().PingsSent == i })
	}
	if !c.Connected() {
		t.Fatal("dropped before three silent intervals")
	}
	// The third: dead, dropped and, after the backoff, replaced.
	clk.Advance(45 * time.Second)
	d := awaitBackoff(t, c, clk, 1)
	if c.Connected() || c.Stats().PingsSent != 2 {
		t.Fatalf("after three silent intervals: connected %v, stats %+v", c.Connected(), c.Stats())
	}
	clk.Advance(d)
	pc := p.next(t)
	eventually(t, "reconnected", c.Connected)
	if err := pc.send(msg(5)); err != nil {
		t.Fatal(err)
	}
	if got := pc.nextConfirm(t); got != 5 {
		t.Errorf("confirm %d on the new connection, want 5", got)
	}
	if s := c.Stats(); s.Reconnects != 1 {
		t.Errorf("reconnects %d, want 1", s.Reconnects)
	}
}
