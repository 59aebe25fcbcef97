package reconcile_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/datasync/reconcile"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/top"
)

// An order that shows up late with modified exactly on the last window's
// end second, or just before it, is compared by the next window (overlap,
// inclusive ends); and the checkpoint, kept in the metadata store, survives
// a restart: a new Reconciler on a reopened store resumes from it.
func TestBoundarySecondAndCheckpointAcrossRestart(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			ctx := context.Background()
			clk := clock.NewFake(now0)
			db := store.open(t, clk)
			p := newPlatform()
			docs := populate(p, sellerA, 1000, 40, now0.Add(-20*time.Second), time.Minute)
			metaPath := filepath.Join(t.TempDir(), "meta.db")
			openCheckpoints := func() (reconcile.Checkpoints, func()) {
				st, err := meta.OpenSQLite(metaPath, clk)
				if err != nil {
					t.Fatal(err)
				}
				return reconcile.MetaCheckpoints{Store: st}, func() { st.Close() }
			}
			cps, closeMeta := openCheckpoints()
			r1 := mustNew(t, config(clk, p, db, cps, sellerA))
			if err := r1.Pass(ctx); err != nil {
				t.Fatal(err)
			}
			end1 := now0.Add(-10 * time.Second) // now - lag
			if cp, ok := tailCheckpoint(t, cps, sellerA); !ok || !cp.Equal(end1) {
				t.Fatalf("first checkpoint %s %v, want %s", top.FormatTimestamp(cp), ok, top.FormatTimestamp(end1))
			}
			assertSynced(t, p, db)
			closeMeta() // the worker stops

			// Changes that commit after the first window was verified: one on its
			// end second, one inside the overlap, one ordinary newer one.
			late := []int64{9001, 9002, 9003}
			p.put(9001, sellerA, "WAIT_BUYER_PAY", end1)
			p.put(9002, sellerA, "WAIT_BUYER_PAY", end1.Add(-30*time.Second))
			p.put(9003, sellerA, "WAIT_BUYER_PAY", end1.Add(20*time.Second))
			p.put(docs[0].Tid, sellerA, "WAIT_BUYER_CONFIRM_GOODS", end1) // a known order changed on the boundary too
			clk.Advance(time.Minute)

			cps, closeMeta = openCheckpoints()
			defer closeMeta()
			calls := len(p.queries())
			r2 := mustNew(t, config(clk, p, db, cps, sellerA))
			if err := r2.Pass(ctx); err != nil {
				t.Fatal(err)
			}
			q := p.queries()[calls]
			if wantFrom := end1.Add(-time.Minute); !q.From.Equal(wantFrom) {
				t.Fatalf("after the restart the tail listed from %s, want the checkpoint minus the overlap %s (not the first-run start)",
					top.FormatTimestamp(q.From), top.FormatTimestamp(wantFrom))
			}
			if q.From.After(end1) || q.To.Before(end1) {
				t.Fatalf("window %s..%s does not hold the boundary second %s", top.FormatTimestamp(q.From), top.FormatTimestamp(q.To), top.FormatTimestamp(end1))
			}
			assertSynced(t, p, db)
			if st := r2.Stats(); st.Missing != int64(len(late)) || st.Stale != 1 {
				t.Fatalf("stats %+v, want %d missing and 1 stale", st, len(late))
			}
			if cp, _ := tailCheckpoint(t, cps, sellerA); !cp.Equal(clk.Now().Add(-10 * time.Second)) {
				t.Fatalf("checkpoint %s after the second pass", top.FormatTimestamp(cp))
			}
		})
	}
}

// A first run starts at the configured start (never at now), and catches up
// in windows of at most a day, splitting windows that hold too many orders.
func TestFirstRunCatchesUpFromStartInWindowsOfADay(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(now0)
	db := newMemStore()
	p := newPlatform()
	populate(p, sellerA, 1000, 300, now0.Add(-time.Minute), 15*time.Minute) // ~3 days
	cfg := config(clk, p, db, &reconcile.MemCheckpoints{}, sellerA)
	cfg.Start = now0.Add(-80 * time.Hour)
	cfg.MaxWindowOrders = 60
	r := mustNew(t, cfg)
	if err := r.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	qs := p.queries()
	if !qs[0].From.Equal(cfg.Start.Add(-time.Minute)) {
		t.Fatalf("first window from %s, want the start minus the overlap", top.FormatTimestamp(qs[0].From))
	}
	for _, q := range qs {
		if q.To.Sub(q.From) > 24*time.Hour {
			t.Fatalf("window %s..%s is longer than the API allows", top.FormatTimestamp(q.From), top.FormatTimestamp(q.To))
		}
	}
	assertSynced(t, p, memDB{db})
	if st := r.Stats(); st.Windows < 5 || st.Missing != 300 {
		t.Fatalf("stats %+v: want all 300 orders missing and repaired in at least 5 windows (4 days, split)", st)
	}
}
