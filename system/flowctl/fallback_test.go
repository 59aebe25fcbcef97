package flowctl

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/top"
)

// syncBuffer is a log sink safe for the limiter's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testNode is one limiter on a fake clock whose loop reports each tick.
type testNode struct {
	clusterLimiter
	ticks chan struct{}
	log   *syncBuffer
}

func newTestNodes(t *testing.T, m mode, addr string, fc *clock.Fake, r *Rules, n int) []*testNode {
	t.Helper()
	nodes := make([]*testNode, n)
	for i := range nodes {
		tn := &testNode{ticks: make(chan struct{}, 16), log: &syncBuffer{}}
		l, err := m.make(RedisConfig{
			Client: newRedisClient(t, addr), Clock: fc, Rules: r, Node: "node" + string(rune('A'+i)),
			Logger: slog.New(slog.NewTextHandler(tn.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
			onTick: func() { tn.ticks <- struct{}{} },
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
		tn.clusterLimiter = l
		nodes[i] = tn
	}
	return nodes
}

// tick advances the fake clock one interval and waits until every node's loop ran.
func tick(t *testing.T, fc *clock.Fake, nodes ...*testNode) {
	t.Helper()
	fc.Advance(time.Second)
	for _, n := range nodes {
		select {
		case <-n.ticks:
		case <-time.After(10 * time.Second):
			t.Fatal("a node's loop did not tick")
		}
	}
}

func TestFallbackDecidesLocallyWithTheNodeShare(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			srv := startRedis(t)
			fc := clock.NewFake(time.Now())
			rules := &Rules{DefaultApp: AppRule{PerDay: 10}}
			nodes := newTestNodes(t, m, srv.Addr, fc, rules, 2)
			tick(t, fc, nodes...) // the first node learns of the second
			a := nodes[0]
			if s := a.Stats(); s.Nodes != 2 {
				t.Fatalf("nodes = %d, want 2", s.Nodes)
			}
			expectAllowed(t, a, Key{App: "a", API: "x"}, 2)
			callsBefore := a.Stats().RedisCalls
			if err := srv.Terminate(); err != nil {
				t.Fatal(err)
			}
			// The node's share of app b's 10 a day is 5.
			k := Key{App: "b", API: "x"}
			expectAllowed(t, a, k, 5)
			expectRejected(t, a, k, top.SubAppAccessCount, 0, 0)
			s := a.Stats()
			if s.Fallback != 6 || s.RedisErrors != 1 || s.RedisCalls != callsBefore+1 {
				t.Fatalf("after the outage: %+v (Redis calls before %d); want 6 fallback decisions from one failed call",
					s, callsBefore)
			}
			if s.Rejected[top.SubAppAccessCount] != 1 {
				t.Fatalf("rejections %v", s.Rejected)
			}
			if got := strings.Count(a.log.String(), "redis unreachable"); got != 1 {
				t.Fatalf("logged the outage %d times:\n%s", got, a.log.String())
			}
			// One failed call per retry interval (here the heartbeat's), not one per decision.
			tick(t, fc, nodes...)
			expectRejected(t, a, k, top.SubAppAccessCount, 0, 0)
			expectRejected(t, a, k, top.SubAppAccessCount, 0, 0)
			if s := a.Stats(); s.RedisErrors != 2 || s.Fallback != 8 {
				t.Fatalf("a retry interval later: %+v", s)
			}
			assertCollected(t, a, "toplab_flowctl_fallback_decisions_total", 8)
		})
	}
}

func TestExactRecoversWhenRedisComesBack(t *testing.T) {
	srv := startRedis(t)
	fc := clock.NewFake(time.Now())
	nodes := newTestNodes(t, modes[0], srv.Addr, fc, &Rules{DefaultApp: AppRule{PerDay: 10}}, 1)
	a := nodes[0]
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := srv.Restart(ctx, time.Second); err != nil {
		t.Fatal(err)
	}
	// The restart broke the client's connections: each may fail a call, and
	// each failure sends the node local for a retry interval. Within a few
	// intervals decisions go through Redis again.
	k := Key{App: "a", API: "x"}
	for i := 0; ; i++ {
		before := a.Stats()
		expectAllowed(t, a, k, 3)
		if after := a.Stats(); after.Fallback == before.Fallback && after.RedisCalls >= before.RedisCalls+3 {
			break
		}
		if i == 20 {
			t.Fatalf("still local after %d retry intervals: %+v\n%s", i, a.Stats(), a.log.String())
		}
		fc.Advance(time.Second)
	}
	if a.Stats().RedisErrors > 0 && !strings.Contains(a.log.String(), "redis reachable again") {
		t.Fatalf("recovery not logged:\n%s", a.log.String())
	}
}

// assertCollected checks the value of a metric the collector exports,
// summed over its series.
func assertCollected(t *testing.T, src StatsSource, name string, want float64) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(NewCollector("test", src)); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		got := 0.0
		for _, m := range mf.GetMetric() {
			got += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
		if got != want {
			t.Fatalf("%s = %v, want %v", name, got, want)
		}
		return
	}
	t.Fatalf("%s not collected", name)
}
