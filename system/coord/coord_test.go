package coord_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/coord"
	"github.com/toplab/toplab/testenv"
)

var epoch = time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)

// pair is two nodes' coordinators over the same backing store.
type pair struct {
	a, b  coord.Coord
	clock *clock.Fake
	// settle lets pending notices reach subscribers: it moves the fake clock
	// for pollers, or does nothing where delivery is pushed.
	settle func()
}

type collector struct {
	mu  sync.Mutex
	got []string
}

func (c *collector) add(n coord.Notice) {
	c.mu.Lock()
	c.got = append(c.got, string(n.Payload))
	c.mu.Unlock()
}

func (c *collector) snapshot() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got...)
}

func waitFor(t *testing.T, p pair, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		p.settle()
		time.Sleep(5 * time.Millisecond)
	}
}

func suite(t *testing.T, p pair) {
	ctx := t.Context()
	t.Run("notices reach other nodes in order", func(t *testing.T) {
		if err := p.a.Publish(ctx, "meta", []byte("before")); err != nil {
			t.Fatal(err)
		}
		var c collector
		if err := p.b.Subscribe(ctx, "meta", c.add); err != nil {
			t.Fatal(err)
		}
		var other collector
		if err := p.b.Subscribe(ctx, "other", other.add); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if err := p.a.Publish(ctx, "meta", fmt.Appendf(nil, "n%d", i)); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, p, "three notices", func() bool { return len(c.snapshot()) >= 3 })
		if got := c.snapshot(); fmt.Sprint(got) != "[n0 n1 n2]" {
			t.Fatalf("notices = %v, want [n0 n1 n2] (none from before Subscribe)", got)
		}
		if len(other.snapshot()) != 0 {
			t.Fatalf("other topic got %v", other.snapshot())
		}
	})
	t.Run("members expire and rank", func(t *testing.T) {
		for _, m := range []string{"w3", "w1", "w2"} {
			if err := p.a.Heartbeat(ctx, "sync", m, []byte("info-"+m), 3*time.Second); err != nil {
				t.Fatal(err)
			}
		}
		ms, err := p.b.Members(ctx, "sync")
		if err != nil || len(ms) != 3 || ms[0].ID != "w1" || ms[2].ID != "w3" || string(ms[1].Info) != "info-w2" {
			t.Fatalf("members = %+v, %v", ms, err)
		}
		if r, of := coord.Rank(ms, "w2"); r != 2 || of != 3 {
			t.Fatalf("rank of w2 = %d of %d", r, of)
		}
		p.clock.Advance(2 * time.Second)
		p.a.Heartbeat(ctx, "sync", "w1", nil, 3*time.Second)
		p.b.Heartbeat(ctx, "sync", "w3", nil, 3*time.Second)
		p.clock.Advance(2 * time.Second) // w2's heartbeat is now 4 s old
		ms, _ = p.b.Members(ctx, "sync")
		if len(ms) != 2 || ms[0].ID != "w1" || ms[1].ID != "w3" {
			t.Fatalf("after w2 expired: %+v", ms)
		}
		p.a.Leave(ctx, "sync", "w1")
		if ms, _ = p.a.Members(ctx, "sync"); len(ms) != 1 || ms[0].ID != "w3" {
			t.Fatalf("after w1 left: %+v", ms)
		}
	})
	t.Run("leases", func(t *testing.T) {
		ok, err := p.a.Acquire(ctx, "owner:app1", "node-a", 5*time.Second)
		if err != nil || !ok {
			t.Fatalf("first acquire: %v %v", ok, err)
		}
		if ok, _ := p.b.Acquire(ctx, "owner:app1", "node-b", 5*time.Second); ok {
			t.Fatal("second holder took a live lease")
		}
		p.clock.Advance(4 * time.Second)
		if ok, _ := p.a.Acquire(ctx, "owner:app1", "node-a", 5*time.Second); !ok {
			t.Fatal("holder could not renew")
		}
		p.clock.Advance(4 * time.Second)
		if ok, _ := p.b.Acquire(ctx, "owner:app1", "node-b", 5*time.Second); ok {
			t.Fatal("renewed lease was taken")
		}
		p.clock.Advance(2 * time.Second)
		if ok, _ := p.b.Acquire(ctx, "owner:app1", "node-b", 5*time.Second); !ok {
			t.Fatal("expired lease was not taken over")
		}
		p.a.Release(ctx, "owner:app1", "node-a") // not the holder: no effect
		if ok, _ := p.a.Acquire(ctx, "owner:app1", "node-a", 5*time.Second); ok {
			t.Fatal("release by a non-holder freed the lease")
		}
		p.b.Release(ctx, "owner:app1", "node-b")
		if ok, _ := p.a.Acquire(ctx, "owner:app1", "node-a", 5*time.Second); !ok {
			t.Fatal("released lease not free")
		}
	})
}

func TestSQLite(t *testing.T) {
	fake := clock.NewFake(epoch)
	path := filepath.Join(t.TempDir(), "coord.db")
	open := func() *coord.SQLite {
		c, err := coord.OpenSQLite(path, coord.SQLiteOptions{Clock: fake})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	suite(t, pair{a: open(), b: open(), clock: fake, settle: func() { fake.Advance(100 * time.Millisecond) }})
}

// A change published on one node reaches another within one poll interval
// (100 ms by default), well inside the 1 s the gateway promises.
func TestSQLiteNoticeArrivesWithinOnePollInterval(t *testing.T) {
	fake := clock.NewFake(epoch)
	path := filepath.Join(t.TempDir(), "coord.db")
	a, _ := coord.OpenSQLite(path, coord.SQLiteOptions{Clock: fake})
	b, _ := coord.OpenSQLite(path, coord.SQLiteOptions{Clock: fake})
	defer a.Close()
	defer b.Close()
	got := make(chan coord.Notice, 1)
	ctx := t.Context()
	if err := b.Subscribe(ctx, "meta", func(n coord.Notice) { got <- n }); err != nil {
		t.Fatal(err)
	}
	if err := fake.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	a.Publish(ctx, "meta", []byte("app 10000001 disabled"))
	fake.Advance(99 * time.Millisecond)
	select {
	case n := <-got:
		t.Fatalf("delivered before the poll: %v", n)
	default:
	}
	fake.Advance(time.Millisecond)
	select {
	case n := <-got:
		if string(n.Payload) != "app 10000001 disabled" {
			t.Fatalf("payload %q", n.Payload)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("not delivered after one poll interval")
	}
}

func TestRedis(t *testing.T) {
	srv := testenv.Redis(t)
	fake := clock.NewFake(epoch)
	newClient := func() rueidis.Client {
		c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{srv.Addr}, DisableCache: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}
	a := coord.NewRedis(newClient(), coord.RedisOptions{Clock: fake})
	b := coord.NewRedis(newClient(), coord.RedisOptions{Clock: fake})
	t.Cleanup(func() { a.Close(); b.Close() })
	suite(t, pair{a: a, b: b, clock: fake, settle: func() {}})
}

func TestSubscribeAfterCloseFails(t *testing.T) {
	c, err := coord.OpenSQLite(filepath.Join(t.TempDir(), "c.db"), coord.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := c.Subscribe(context.Background(), "x", func(coord.Notice) {}); err != coord.ErrClosed {
		t.Fatalf("Subscribe after Close = %v", err)
	}
}
