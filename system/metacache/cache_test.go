package metacache_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/coord"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
	"github.com/toplab/toplab/testenv"
)

var epoch = time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)

// countingStore counts reads and can hold them until released.
type countingStore struct {
	meta.Store
	gets atomic.Int64
	gate atomic.Pointer[chan struct{}]
}

func (s *countingStore) Get(ctx context.Context, k meta.Kind, id string) (meta.Record, error) {
	s.gets.Add(1)
	if g := s.gate.Load(); g != nil {
		<-*g
	}
	return s.Store.Get(ctx, k, id)
}

func (s *countingStore) hold() (release func()) {
	ch := make(chan struct{})
	s.gate.Store(&ch)
	return func() { s.gate.Store(nil); close(ch) }
}

func newStore(t *testing.T) *countingStore {
	t.Helper()
	s, err := meta.OpenSQLite(filepath.Join(t.TempDir(), "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &countingStore{Store: s}
}

func demoApp(status meta.AppStatus) meta.App {
	return meta.App{Key: "10000001", Secret: "toplab-demo-secret", Status: status}
}

func newCache(t *testing.T, cfg metacache.Config) *metacache.Cache {
	t.Helper()
	c, err := metacache.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestBloomAnswersUnknownKeysWithoutTheStore(t *testing.T) {
	st := newStore(t)
	meta.Put(t.Context(), st, demoApp(meta.AppActive))
	c := newCache(t, metacache.Config{Store: st})
	before := st.gets.Load()
	for _, key := range []string{"nope-1", "nope-2", "nope-3"} {
		if _, err := c.App(t.Context(), key); !errors.Is(err, meta.ErrNotFound) {
			t.Fatalf("unknown app %s: %v", key, err)
		}
	}
	if got := st.gets.Load() - before; got != 0 {
		t.Fatalf("unknown keys reached the store %d times", got)
	}
	if c.Stats().BloomRejections.Load() != 3 {
		t.Fatalf("bloom rejections = %d, want 3", c.Stats().BloomRejections.Load())
	}
	if a, err := c.App(t.Context(), "10000001"); err != nil || a.Status != meta.AppActive {
		t.Fatalf("known app: %+v %v", a, err)
	}
}

func TestConcurrentMissesLoadOnce(t *testing.T) {
	st := newStore(t)
	meta.Put(t.Context(), st, demoApp(meta.AppActive))
	c := newCache(t, metacache.Config{Store: st})
	release := st.hold()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Go(func() {
			_, err := c.App(context.Background(), "10000001")
			errs <- err
		})
	}
	eventually(t, "a load to start", func() bool { return st.gets.Load() >= 1 })
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := st.gets.Load(); n != 1 {
		t.Fatalf("64 concurrent misses read the store %d times, want 1", n)
	}
}

func TestStaleValueServedWhileRefreshing(t *testing.T) {
	ctx := t.Context()
	fake := clock.NewFake(epoch)
	st := newStore(t)
	meta.Put(ctx, st, demoApp(meta.AppActive))
	c := newCache(t, metacache.Config{Store: st, Clock: fake, RefreshAfter: 30 * time.Second, TTL: time.Hour})
	if a, _ := c.App(ctx, "10000001"); a.Status != meta.AppActive {
		t.Fatal("first load")
	}
	meta.Put(ctx, st, demoApp(meta.AppDisabled)) // behind the cache's back: no notice
	fake.Advance(40 * time.Second)               // past the jittered refresh point
	release := st.hold()                         // the refresh's read will hang
	loadsBefore := st.gets.Load()
	for range 5 {
		a, err := c.App(ctx, "10000001") // must not block on the hanging refresh
		if err != nil || a.Status != meta.AppActive {
			t.Fatalf("stale read = %+v, %v; want the old value at once", a, err)
		}
	}
	eventually(t, "one background refresh", func() bool { return st.gets.Load() == loadsBefore+1 })
	release()
	eventually(t, "the refreshed value", func() bool {
		a, _ := c.App(ctx, "10000001")
		return a.Status == meta.AppDisabled
	})
}

func TestMissingKeysAreRememberedBriefly(t *testing.T) {
	ctx := t.Context()
	fake := clock.NewFake(epoch)
	st := newStore(t)
	meta.Put(ctx, st, demoApp(meta.AppActive))
	c := newCache(t, metacache.Config{Store: st, Clock: fake, NegativeTTL: 5 * time.Second})
	st.Delete(ctx, meta.KindApp, "10000001") // in the Bloom filter, gone from the store
	before := st.gets.Load()
	for range 3 {
		if _, err := c.App(ctx, "10000001"); !errors.Is(err, meta.ErrNotFound) {
			t.Fatalf("deleted app: %v", err)
		}
	}
	if n := st.gets.Load() - before; n != 1 {
		t.Fatalf("store read %d times for a remembered miss, want 1", n)
	}
	meta.Put(ctx, st, demoApp(meta.AppActive))
	fake.Advance(6 * time.Second)
	if _, err := c.App(ctx, "10000001"); err != nil {
		t.Fatalf("after the negative TTL the app is back: %v", err)
	}
}

// A change made through one node reaches another node's cache after one
// coordination poll (100 ms of fake time), well within the 1 s promised.
func TestChangeNoticeRefreshesOtherNodes(t *testing.T) {
	ctx := t.Context()
	fake := clock.NewFake(epoch)
	st := newStore(t)
	meta.Put(ctx, st, demoApp(meta.AppActive))
	meta.Put(ctx, st, meta.FlowRule{Name: "r1", Scope: meta.ScopeApp, App: "10000001", Window: meta.WindowDay, Limit: 100})
	path := filepath.Join(t.TempDir(), "coord.db")
	coords := make([]*coord.SQLite, 2)
	for i := range coords {
		coords[i], _ = coord.OpenSQLite(path, coord.SQLiteOptions{Clock: fake})
		t.Cleanup(func() { coords[i].Close() })
	}
	nodeB := newCache(t, metacache.Config{Store: st, Coord: coords[1], Clock: fake})
	var rules atomic.Value
	nodeB.OnFlowRules(func(r []meta.FlowRule) { rules.Store(r) })
	if a, _ := nodeB.App(ctx, "10000001"); a.Status != meta.AppActive {
		t.Fatal("first load")
	}
	// Node A (the admin API) writes and announces.
	meta.Put(ctx, st, demoApp(meta.AppDisabled))
	meta.Put(ctx, st, meta.Session{Key: "new-session", AppKey: "10000001", UserID: 7, UserNick: "demo_seller", Expires: epoch.Add(time.Hour)})
	meta.Put(ctx, st, meta.FlowRule{Name: "r1", Scope: meta.ScopeApp, App: "10000001", Window: meta.WindowDay, Limit: 5})
	for _, ch := range []metacache.Change{{Kind: meta.KindApp, ID: "10000001"}, {Kind: meta.KindSession, ID: "new-session"}, {Kind: meta.KindFlowRule, ID: "r1"}} {
		if err := metacache.Announce(ctx, coords[0], nil, "", ch.Kind, ch.ID); err != nil {
			t.Fatal(err)
		}
	}
	fake.Advance(100 * time.Millisecond)
	eventually(t, "node B to see the app disabled", func() bool {
		a, _ := nodeB.App(ctx, "10000001")
		return a.Status == meta.AppDisabled
	})
	if s, err := nodeB.Session(ctx, "new-session"); err != nil || s.UserNick != "demo_seller" {
		t.Fatalf("a session created after start was not added to the Bloom filter: %v", err)
	}
	eventually(t, "new flow rules", func() bool {
		r, _ := rules.Load().([]meta.FlowRule)
		return len(r) == 1 && r[0].Limit == 5
	})
}

func TestRedisLevelServesOtherNodes(t *testing.T) {
	ctx := t.Context()
	srv := testenv.Redis(t)
	rc, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{srv.Addr}, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rc.Close)
	st := newStore(t)
	meta.Put(ctx, st, demoApp(meta.AppActive))
	nodeA := newCache(t, metacache.Config{Store: st, Redis: rc})
	nodeB := newCache(t, metacache.Config{Store: st, Redis: rc})
	if _, err := nodeA.App(ctx, "10000001"); err != nil {
		t.Fatal(err)
	}
	before := st.gets.Load()
	if a, err := nodeB.App(ctx, "10000001"); err != nil || a.Secret != "toplab-demo-secret" {
		t.Fatalf("node B: %+v %v", a, err)
	}
	if st.gets.Load() != before || nodeB.Stats().Loads(meta.KindApp, "redis") != 1 {
		t.Fatalf("node B went to the store (%d reads) instead of Redis", st.gets.Load()-before)
	}
	// Announce forgets the Redis copy, so the next node reads the store's new value.
	meta.Put(ctx, st, demoApp(meta.AppDisabled))
	if err := metacache.Announce(ctx, nil, rc, "", meta.KindApp, "10000001"); err != nil {
		t.Fatal(err)
	}
	nodeC := newCache(t, metacache.Config{Store: st, Redis: rc})
	if a, _ := nodeC.App(ctx, "10000001"); a.Status != meta.AppDisabled {
		t.Fatalf("node C read a stale Redis copy: %+v", a)
	}
}
