package reconcile_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/coord"
	"github.com/toplab/toplab/system/datasync/assign"
	"github.com/toplab/toplab/system/datasync/reconcile"
)

// mute is a coordinator whose process died: it neither leaves nor announces.
type mute struct {
	coord.Coord
	dead atomic.Bool
}

func (m *mute) Leave(ctx context.Context, g, id string) error {
	if m.dead.Load() {
		return nil
	}
	return m.Coord.Leave(ctx, g, id)
}

func (m *mute) Publish(ctx context.Context, topic string, p []byte) error {
	if m.dead.Load() {
		return nil
	}
	return m.Coord.Publish(ctx, topic, p)
}

// recording remembers which sellers one worker listed.
type recording struct {
	reconcile.Platform
	mu      sync.Mutex
	sellers map[string]bool
}

func (r *recording) Increment(ctx context.Context, q reconcile.Query) (reconcile.Page, error) {
	r.mu.Lock()
	r.sellers[q.Seller] = true
	r.mu.Unlock()
	return r.Platform.Increment(ctx, q)
}

func (r *recording) take() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sellers
	r.sellers = map[string]bool{}
	return s
}

// Three workers, each an assigner and a reconciler, share the coordinator,
// the checkpoints and the seller database. Each seller is reconciled by
// exactly one of them; when one crashes, the orders of its sellers that
// change afterwards are synced by the survivors within three heartbeat
// intervals.
func TestWorkerCrashHandsItsSellersOver(t *testing.T) {
	const interval = 10 * time.Second
	ctx := context.Background()
	clk := clock.NewFake(now0)
	path := filepath.Join(t.TempDir(), "coord.db")
	p := newPlatform()
	db := newMemStore()
	cps := &reconcile.MemCheckpoints{}
	var sellers []string
	firstTid := map[string]int64{} // each seller's orders get their own tids
	for i := range 12 {
		s := fmt.Sprintf("seller_%04d", i+1)
		sellers = append(sellers, s)
		firstTid[s] = int64(i+1) * 1000
	}

	type worker struct {
		a      *assign.Assigner
		r      *reconcile.Reconciler
		rec    *recording
		co     *mute
		start  time.Time
		cancel context.CancelFunc
		done   chan struct{}
	}
	var workers []*worker
	awaitBeats := func(w *worker) {
		t.Helper()
		want := uint64(1 + clk.Now().Sub(w.start)/interval)
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := w.a.Await(wctx, func(v assign.View) bool { return v.Beats >= want }); err != nil {
			t.Fatalf("beats: %v", err)
		}
	}
	for i := range 3 {
		c, err := coord.OpenSQLite(path, coord.SQLiteOptions{Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		w := &worker{co: &mute{Coord: c}, rec: &recording{Platform: p, sellers: map[string]bool{}}, start: clk.Now(), done: make(chan struct{})}
		if w.a, err = assign.New(assign.Config{Coord: w.co, ID: fmt.Sprintf("w%d", i+1), Interval: interval, Clock: clk}); err != nil {
			t.Fatal(err)
		}
		cfg := config(clk, w.rec, db, cps, sellers...)
		cfg.Owner = w.a
		w.r = mustNew(t, cfg)
		wctx, cancel := context.WithCancel(ctx)
		w.cancel = cancel
		go func() { defer close(w.done); w.a.Run(wctx) }()
		t.Cleanup(func() { cancel(); <-w.done })
		awaitBeats(w)
		workers = append(workers, w)
	}
	alive := func() []*worker {
		var out []*worker
		for _, w := range workers {
			if !w.co.dead.Load() {
				out = append(out, w)
			}
		}
		return out
	}
	step := func(d time.Duration) {
		for end := clk.Now().Add(d); clk.Now().Before(end); {
			clk.Advance(time.Second)
			for _, w := range alive() {
				awaitBeats(w)
			}
		}
	}
	// pass runs every live worker's reconciler once and returns who listed whom.
	pass := func() map[string][]int {
		out := map[string][]int{}
		for i, w := range alive() {
			if err := w.r.Pass(ctx); err != nil {
				t.Fatal(err)
			}
			for s := range w.rec.take() {
				out[s] = append(out[s], i)
			}
		}
		return out
	}

	step(interval) // every worker has seen the others
	for _, s := range sellers {
		populate(p, s, firstTid[s], 3, clk.Now().Add(-time.Hour), time.Minute)
	}
	listed := pass()
	for _, s := range sellers {
		if len(listed[s]) != 1 {
			t.Fatalf("%s reconciled by workers %v, want exactly one", s, listed[s])
		}
	}
	assertSynced(t, p, memDB{db})

	// w2 crashes; its sellers' orders keep changing.
	crashed := workers[1]
	var orphans []string
	for _, s := range sellers {
		if crashed.a.Owns(reconcile.TaskID(s)) {
			orphans = append(orphans, s)
		}
	}
	crashed.co.dead.Store(true)
	crashed.cancel()
	<-crashed.done
	crashAt := clk.Now()
	for _, s := range orphans {
		populate(p, s, firstTid[s]+100, 2, clk.Now(), time.Second)
	}
	var takenOver time.Duration = -1
	for clk.Now().Sub(crashAt) <= 3*interval {
		step(time.Second)
		listed = pass()
		all := true
		for _, s := range orphans {
			all = all && len(listed[s]) > 0
		}
		if all {
			takenOver = clk.Now().Sub(crashAt)
			break
		}
	}
	if takenOver < 0 {
		t.Fatalf("the crashed worker's sellers %v were not reconciled within %s", orphans, 3*interval)
	}
	step(time.Minute) // past the lag: the changes are in a verified window now
	pass()
	assertSynced(t, p, memDB{db})
	t.Logf("%d sellers taken over %s after the crash", len(orphans), takenOver)
}
