package reconcile_test

import (
	"context"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/datasync/reconcile"
	"github.com/toplab/toplab/system/datasync/sellerdb"
)

// Rows deleted, altered or left stale behind the worker's back are repaired
// by one pass; equal rows cause no write at all.
func TestPassRepairsRowsChangedBehindTheWorkersBack(t *testing.T) {
	type damage struct{ deleted, altered, stale []int64 }
	cases := []struct {
		name   string
		damage damage
	}{
		{name: "equal rows: no writes"},
		{name: "deleted rows", damage: damage{deleted: []int64{1003, 1017, 1149}}},
		{name: "altered rows (status and hash at the same modified)", damage: damage{altered: []int64{1005, 1100}}},
		{name: "stale rows (an older modified)", damage: damage{stale: []int64{1009, 1010, 1120}}},
		{name: "all at once, both sellers", damage: damage{deleted: []int64{1001, 2003}, altered: []int64{1002, 2004}, stale: []int64{1030, 2005}}},
	}
	for _, store := range stores {
		for _, tc := range cases {
			t.Run(store.name+"/"+tc.name, func(t *testing.T) {
				ctx := context.Background()
				clk := clock.NewFake(now0)
				db := store.open(t, clk)
				p := newPlatform()
				// 150 orders over the last 75 minutes (two pages), 20 of another seller.
				docs := populate(p, sellerA, 1000, 150, now0.Add(-time.Minute), 30*time.Second)
				docs = append(docs, populate(p, sellerB, 2000, 20, now0.Add(-time.Minute), time.Minute)...)
				// The worker synced everything; a stale row holds the version before the platform's.
				seeded := make([]sellerdb.Doc, 0, len(docs))
				for _, d := range docs {
					if contains(tc.damage.stale, d.Tid) {
						d = mustDoc(tradeJSON(d.Tid, d.SellerNick, "WAIT_BUYER_PAY", d.Modified.Add(-10*time.Minute)))
					}
					seeded = append(seeded, d)
				}
				db.seed(t, seeded...)
				for _, tid := range tc.damage.deleted {
					db.remove(t, tid)
				}
				for _, tid := range tc.damage.altered {
					db.alter(t, tid)
				}
				before := db.writeOps()

				cps := &reconcile.MemCheckpoints{}
				r := mustNew(t, config(clk, p, db, cps, sellerA, sellerB))
				if err := r.Pass(ctx); err != nil {
					t.Fatal(err)
				}
				assertSynced(t, p, db)
				st := r.Stats()
				want := len(tc.damage.deleted) + len(tc.damage.altered) + len(tc.damage.stale)
				if st.Missing != int64(len(tc.damage.deleted)) || st.Altered != int64(len(tc.damage.altered)) ||
					st.Stale != int64(len(tc.damage.stale)) || st.Repaired != int64(want) || st.Refused != 0 {
					t.Fatalf("stats %+v, want missing %d altered %d stale %d repaired %d", st,
						len(tc.damage.deleted), len(tc.damage.altered), len(tc.damage.stale), want)
				}
				if st.Compared < int64(len(docs)) {
					t.Fatalf("compared %d orders, want all %d", st.Compared, len(docs))
				}
				if ops := db.writeOps() - before; want == 0 && ops != 0 {
					t.Fatalf("%d write operations for a database that was in sync", ops)
				}
				if cp, ok := tailCheckpoint(t, cps, sellerA); !ok || !cp.Equal(now0.Add(-10*time.Second)) {
					t.Fatalf("checkpoint %v %v, want now - lag", cp, ok)
				}
				// A second pass finds nothing more to do.
				before = db.writeOps()
				clk.Advance(time.Minute)
				if err := r.Pass(ctx); err != nil {
					t.Fatal(err)
				}
				if ops := db.writeOps() - before; ops != 0 {
					t.Fatalf("second pass: %d write operations", ops)
				}
			})
		}
	}
}

func contains(ts []int64, tid int64) bool {
	for _, x := range ts {
		if x == tid {
			return true
		}
	}
	return false
}

// A newer row (the worker wrote a later version while the platform was
// listed) is left alone, and one the platform has not is never deleted.
func TestNewerAndExtraRowsAreLeftAlone(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			clk := clock.NewFake(now0)
			db := store.open(t, clk)
			p := newPlatform()
			docs := populate(p, sellerA, 1000, 10, now0.Add(-time.Hour), time.Minute)
			newer := mustDoc(tradeJSON(1003, sellerA, "WAIT_BUYER_CONFIRM_GOODS", docs[3].Modified.Add(30*time.Second)))
			extra := mustDoc(tradeJSON(5000, sellerA, "TRADE_FINISHED", now0.Add(-30*time.Minute)))
			db.seed(t, docs...)
			db.seed(t, newer, extra)
			before := db.writeOps()
			r := mustNew(t, config(clk, p, db, &reconcile.MemCheckpoints{}, sellerA))
			if err := r.Pass(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, m, h, _ := db.row(t, 1003); !m.Equal(newer.Modified) || h != newer.Hash {
				t.Fatal("the newer row was moved back in time")
			}
			if _, _, _, ok := db.row(t, 5000); !ok {
				t.Fatal("a row the platform did not list was deleted")
			}
			if st := r.Stats(); st.Extra < 1 || st.Repaired != 0 || db.writeOps() != before {
				t.Fatalf("stats %+v, %d writes", st, db.writeOps()-before)
			}
		})
	}
}
