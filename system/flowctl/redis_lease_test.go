package flowctl

import (
	"context"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/top"
)

// granted reads how much of a window's pool is leased out.
func granted(t *testing.T, addr, name string) int64 {
	t.Helper()
	c := newRedisClient(t, addr)
	g, err := c.Do(context.Background(), c.B().Hget().Key("fc:flowctl:l:{"+name+"}").Field("g").Build()).AsInt64()
	if err != nil {
		t.Fatalf("read pool %s: %v", name, err)
	}
	return g
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tk := time.NewTicker(5 * time.Millisecond)
	defer tk.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		<-tk.C
	}
}

func TestLeaseReturnsToThePoolOnClose(t *testing.T) {
	srv := startRedis(t)
	fc := clock.NewFake(time.Now())
	a := newTestNodes(t, modes[1], srv.Addr, fc, &Rules{DefaultApp: AppRule{PerDay: 100}}, 1)[0]
	expectAllowed(t, a, Key{App: "app", API: "x"}, 1)
	if g := granted(t, srv.Addr, "app:d:app"); g != minLease {
		t.Fatalf("a first call leased %d, want the minimum lease %d", g, minLease)
	}
	a.Close()
	if g := granted(t, srv.Addr, "app:d:app"); g != 1 {
		t.Fatalf("after Close %d leased, want 1 (the one call made)", g)
	}
}

// An idle node's unused lease goes back to the pool and another node uses
// it: together they admit exactly the limit, never more.
func TestIdleLeaseMovesToTheBusyNode(t *testing.T) {
	const limit = 100
	srv := startRedis(t)
	fc := clock.NewFake(time.Now())
	nodes := newTestNodes(t, modes[1], srv.Addr, fc, &Rules{DefaultApp: AppRule{PerDay: limit}}, 2)
	a, b := nodes[0], nodes[1]
	k := Key{App: "shared", API: "x"}
	expectAllowed(t, a, k, 10)
	drain := func() int {
		n := 0
		for b.Allow(context.Background(), k).Allowed {
			n++
		}
		return n
	}
	admitted := 10 + drain()
	if admitted >= limit {
		t.Fatalf("admitted %d while node a holds an unused lease", admitted)
	}
	for i := 0; admitted < limit && i < 6; i++ {
		tick(t, fc, a, b)
		admitted += drain()
	}
	if admitted != limit {
		t.Fatalf("admitted %d in all, want exactly %d", admitted, limit)
	}
	eventually(t, "node a drops its idle lease", func() bool { return a.Stats().Keys == 0 })
	tick(t, fc, a, b)
	expectRejected(t, b, k, top.SubAppAccessCount, 0, 0)
	if g := granted(t, srv.Addr, "app:d:shared"); g != limit {
		t.Fatalf("%d leased, want %d", g, limit)
	}
}

// A node whose demand drops gives its surplus back at the next interval.
func TestLeaseShrinksWithDemand(t *testing.T) {
	srv := startRedis(t)
	fc := clock.NewFake(time.Now())
	a := newTestNodes(t, modes[1], srv.Addr, fc, &Rules{DefaultApp: AppRule{PerDay: 1000}}, 1)[0]
	k := Key{App: "app", API: "x"}
	expectAllowed(t, a, k, 200)
	tick(t, fc, a) // demand 200 an interval: the lease grows to about two intervals' worth
	if g := granted(t, srv.Addr, "app:d:app"); g < 200+200 {
		t.Fatalf("leased %d after an interval of 200 calls, want at least 400", g)
	}
	expectAllowed(t, a, k, 1)
	tick(t, fc, a) // demand 1: keep at most two minimum leases unused
	if g := granted(t, srv.Addr, "app:d:app"); g > 201+2*minLease {
		t.Fatalf("leased %d after an interval of 1 call, want at most %d", g, 201+2*minLease)
	}
}
