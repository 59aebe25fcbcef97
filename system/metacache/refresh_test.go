package metacache

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/meta"
)

var testEpoch = time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)

// failingStore fails reads while fail is set and counts them.
type failingStore struct {
	meta.Store
	gets atomic.Int64
	fail atomic.Bool
}

var errStoreDown = errors.New("store down")

func (s *failingStore) Get(ctx context.Context, k meta.Kind, id string) (meta.Record, error) {
	s.gets.Add(1)
	if s.fail.Load() {
		return meta.Record{}, errStoreDown
	}
	return s.Store.Get(ctx, k, id)
}

// recorder is an executor that keeps the background refreshes to run them
// when the test says.
type recorder struct {
	mu    sync.Mutex
	tasks []func()
}

func (r *recorder) execute(f func()) {
	r.mu.Lock()
	r.tasks = append(r.tasks, f)
	r.mu.Unlock()
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.tasks)
}

// runAll runs the refreshes started so far.
func (r *recorder) runAll() {
	r.mu.Lock()
	tasks := r.tasks
	r.tasks = nil
	r.mu.Unlock()
	for _, f := range tasks {
		f()
	}
}

type fixture struct {
	c     *Cache
	st    *failingStore
	fake  *clock.Fake
	tasks *recorder
}

// newFixture is a cache on a fake clock over a store holding app "a1"
// (status active), whose background refreshes wait for tasks.runAll.
func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	s, err := meta.OpenSQLite(filepath.Join(t.TempDir(), "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &fixture{st: &failingStore{Store: s}, fake: clock.NewFake(testEpoch), tasks: &recorder{}}
	f.put(t, meta.AppActive)
	cfg.Store, cfg.Clock, cfg.executor = f.st, f.fake, f.tasks.execute
	if f.c, err = New(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.c.Close)
	return f
}

func (f *fixture) put(t *testing.T, status meta.AppStatus) {
	t.Helper()
	if _, err := meta.Put(t.Context(), f.st, meta.App{Key: "a1", Secret: "secret-8b", Status: status}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) status(t *testing.T) meta.AppStatus {
	t.Helper()
	a, err := f.c.App(t.Context(), "a1")
	if err != nil {
		t.Fatal(err)
	}
	return a.Status
}

// Any number of readers of a due entry start one refresh, and the refreshed
// entry is due again only a refresh period later.
func TestDueEntryStartsOneRefresh(t *testing.T) {
	f := newFixture(t, Config{RefreshAfter: 30 * time.Second, TTL: time.Hour})
	f.status(t)
	f.fake.Advance(10 * time.Second)
	f.status(t)
	if n := f.tasks.count(); n != 0 {
		t.Fatalf("%d refreshes before the entry was due", n)
	}
	f.put(t, meta.AppDisabled)
	f.fake.Advance(30 * time.Second) // 40 s: past 30 s ± 10 %
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			if a, err := f.c.App(context.Background(), "a1"); err != nil || a.Status != meta.AppActive {
				t.Errorf("stale read = %+v, %v; want the old value", a, err)
			}
		})
	}
	wg.Wait()
	if n := f.tasks.count(); n != 1 {
		t.Fatalf("64 readers of a due entry started %d refreshes, want 1", n)
	}
	f.tasks.runAll()
	if got := f.status(t); got != meta.AppDisabled {
		t.Fatalf("after the refresh: %s", got)
	}
	f.fake.Advance(20 * time.Second)
	f.status(t)
	if n := f.tasks.count(); n != 0 {
		t.Fatalf("the refreshed entry was due again after 20 s (%d refreshes)", n)
	}
	f.fake.Advance(20 * time.Second)
	f.status(t)
	f.status(t)
	if n := f.tasks.count(); n != 1 {
		t.Fatalf("40 s after its refresh: %d refreshes, want 1", n)
	}
}

// A failed refresh keeps the old value, and the next read tries again.
func TestFailedRefreshIsRetriedByTheNextRead(t *testing.T) {
	f := newFixture(t, Config{RefreshAfter: 30 * time.Second, TTL: time.Hour})
	f.status(t)
	f.fake.Advance(40 * time.Second)
	f.st.fail.Store(true)
	f.status(t)
	f.tasks.runAll()
	if got := f.status(t); got != meta.AppActive {
		t.Fatalf("after a failed refresh: %s, want the old value", got)
	}
	if n := f.tasks.count(); n != 1 {
		t.Fatalf("the read after a failed refresh started %d refreshes, want 1", n)
	}
	f.st.fail.Store(false)
	f.put(t, meta.AppDisabled)
	f.tasks.runAll()
	if got := f.status(t); got != meta.AppDisabled {
		t.Fatalf("after the retry: %s", got)
	}
}

// Past its TTL an entry is not served: the read loads the key again itself.
func TestExpiredEntryIsLoadedAgain(t *testing.T) {
	f := newFixture(t, Config{RefreshAfter: time.Hour, TTL: time.Minute})
	f.status(t)
	f.put(t, meta.AppDisabled)
	f.fake.Advance(53 * time.Second) // before 1 min - 10 %
	if got := f.status(t); got != meta.AppActive {
		t.Fatalf("before the TTL: %s", got)
	}
	f.fake.Advance(14 * time.Second) // after 1 min + 10 %
	before := f.st.gets.Load()
	if got := f.status(t); got != meta.AppDisabled {
		t.Fatalf("after the TTL: %s, want the store's value", got)
	}
	if n := f.st.gets.Load() - before; n != 1 {
		t.Fatalf("store read %d times, want 1", n)
	}
	if n := f.tasks.count(); n != 0 {
		t.Fatalf("an expired entry started %d background refreshes", n)
	}
}

// A refresh that read the store before a newer one does not overwrite it,
// whichever finishes last (a change notice during a periodic refresh).
func TestOlderRefreshDoesNotReplaceNewer(t *testing.T) {
	f := newFixture(t, Config{})
	f.status(t)
	ctx := t.Context()
	older, err := f.c.apps.fetch(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	f.put(t, meta.AppDisabled)
	newer, err := f.c.apps.fetch(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	f.c.apps.replace("a1", newer)
	f.c.apps.replace("a1", older)
	if got := f.status(t); got != meta.AppDisabled {
		t.Fatalf("the older refresh won: %s", got)
	}
	// Nor does a refresh bring back a key that left the cache.
	f.c.apps.local.Invalidate("a1")
	f.c.apps.replace("a1", newer)
	if _, ok := f.c.apps.local.GetIfPresent("a1"); ok {
		t.Fatal("a refresh brought an invalidated key back")
	}
}

// The sweeper removes expired entries, positive and negative, and keeps live ones.
func TestSweeperRemovesExpiredEntries(t *testing.T) {
	f := newFixture(t, Config{RefreshAfter: 30 * time.Second, TTL: time.Hour, NegativeTTL: 5 * time.Second})
	ctx := t.Context()
	if _, err := meta.Put(ctx, f.st, meta.App{Key: "gone", Secret: "secret-8b", Status: meta.AppActive}); err != nil {
		t.Fatal(err)
	}
	f.c.bloom.add(meta.KindApp, "gone")
	if err := f.st.Delete(ctx, meta.KindApp, "gone"); err != nil {
		t.Fatal(err)
	}
	f.status(t)
	if _, err := f.c.App(ctx, "gone"); !errors.Is(err, meta.ErrNotFound) {
		t.Fatalf("deleted app: %v", err)
	}
	if n := f.c.apps.local.EstimatedSize(); n != 2 {
		t.Fatalf("%d entries cached, want 2", n)
	}
	f.fake.Advance(30 * time.Second) // one sweep: the negative entry expired, a1 lives
	waitFor(t, "the negative entry to be swept", func() bool {
		_, ok := f.c.apps.local.GetIfPresent("gone")
		return !ok
	})
	if _, ok := f.c.apps.local.GetIfPresent("a1"); !ok {
		t.Fatal("the sweeper removed a live entry")
	}
	f.fake.Advance(2 * time.Hour)
	waitFor(t, "the expired entry to be swept", func() bool { return f.c.apps.local.EstimatedSize() == 0 })
}

func TestCounterAddsUpItsStripes(t *testing.T) {
	var c counter
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 1000 {
				c.add()
			}
		})
	}
	wg.Wait()
	if n := c.load(); n != 16_000 {
		t.Fatalf("count = %d, want 16000", n)
	}
}

func TestCoarseClockMovesAndReadsPreciselyWhenStopped(t *testing.T) {
	c := newCoarseClock(time.Millisecond)
	first := c.nowNano()
	waitFor(t, "the coarse clock to move", func() bool { return c.nowNano() > first })
	c.Stop()
	c.Stop() // idempotent
	last := c.now.Load()
	if last != 0 {
		t.Fatalf("a stopped clock still holds a coarse time %d", last)
	}
	if a, b := c.nowNano(), c.nowNano(); a <= first || b < a {
		t.Fatalf("a stopped clock reads %d then %d, want the precise time after %d", a, b, first)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
