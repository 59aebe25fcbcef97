package reconcile_test

import (
	"context"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/datasync/reconcile"
)

// Rows deleted or altered behind the worker's back after the tail passed
// their window are repaired by the sweep; the tail alone never goes back.
func TestSweepRepairsRowsBehindTheTail(t *testing.T) {
	for _, tc := range []struct {
		name       string
		sweepEvery time.Duration
		wantFixed  bool
	}{
		{name: "tail only", sweepEvery: -1, wantFixed: false},
		{name: "with the sweep", sweepEvery: time.Minute, wantFixed: true},
	} {
		for _, store := range stores {
			t.Run(tc.name+"/"+store.name, func(t *testing.T) {
				ctx := context.Background()
				clk := clock.NewFake(now0)
				db := store.open(t, clk)
				p := newPlatform()
				docs := populate(p, sellerA, 1000, 60, now0.Add(-time.Minute), 5*time.Minute) // the last 5 hours
				db.seed(t, docs...)
				cps := &reconcile.MemCheckpoints{}
				cfg := config(clk, p, db, cps, sellerA)
				cfg.Start = now0.Add(-5 * time.Minute) // the tail starts near now
				cfg.SweepEvery, cfg.SweepWindow = tc.sweepEvery, time.Hour
				r := mustNew(t, cfg)
				if err := r.Pass(ctx); err != nil {
					t.Fatal(err)
				}
				// Damage 2 to 4 hours back, long behind the tail checkpoint.
				db.remove(t, docs[30].Tid)
				db.alter(t, docs[40].Tid)
				// Horizon 6 h in 1 h steps: a full sweep takes about 7 passes.
				for range 10 {
					clk.Advance(time.Minute)
					if err := r.Pass(ctx); err != nil {
						t.Fatal(err)
					}
				}
				_, _, _, kept := db.row(t, docs[30].Tid)
				if kept != tc.wantFixed {
					t.Fatalf("deleted row repaired: %v, want %v", kept, tc.wantFixed)
				}
				st := r.Stats()
				if tc.wantFixed {
					assertSynced(t, p, db)
					if st.SweepWindows < 6 || st.SweepCycles < 1 || st.Missing != 1 || st.Altered != 1 {
						t.Fatalf("stats %+v", st)
					}
				} else if st.SweepWindows != 0 {
					t.Fatalf("stats %+v", st)
				}
			})
		}
	}
}
