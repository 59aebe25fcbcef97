package reconcile_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/datasync/reconcile"
)

// Orders that change again while a window is paged leave it, and the orders
// after them shift to earlier slots. Reading last page first, no order that
// stayed in the window is skipped.
func TestPagingReadsEveryOrderWhileOthersLeaveTheWindow(t *testing.T) {
	// calls: 1 = page 1 (total), 2 = page 3, 3 = page 2, 4 = page 1 again.
	for _, moveBefore := range []int{2, 3, 4} {
		t.Run("orders leave before call "+string(rune('0'+moveBefore)), func(t *testing.T) {
			ctx := context.Background()
			clk := clock.NewFake(now0)
			db := newMemStore()
			p := newPlatform()
			docs := populate(p, sellerA, 1000, 250, now0.Add(-20*time.Second), 10*time.Second)
			// docs are newest first: the oldest 40 sit on page 1, ten around each page boundary.
			var leaving []int64
			for _, i := range []int{249, 240, 230, 215, 210, 155, 150, 149, 145, 60, 55, 50} {
				leaving = append(leaving, docs[i].Tid)
			}
			p.before = func(_ reconcile.Query, n int) {
				if n == moveBefore {
					for _, tid := range leaving {
						p.put(tid, sellerA, "TRADE_FINISHED", clk.Now()) // modified now: past the window's end
					}
				}
			}
			r := mustNew(t, config(clk, p, db, &reconcile.MemCheckpoints{}, sellerA))
			if err := r.Pass(ctx); err != nil {
				t.Fatal(err)
			}
			for _, d := range docs {
				if contains(leaving, d.Tid) {
					continue // compared in its old or its new version; a later window has the new one
				}
				if _, ok := db.row(d.Tid); !ok {
					t.Fatalf("tid %d, which stayed in the window, was skipped", d.Tid)
				}
			}
			// The next pass's window holds the changed versions.
			p.before = nil
			clk.Advance(time.Minute)
			if err := r.Pass(ctx); err != nil {
				t.Fatal(err)
			}
			assertSynced(t, p, memDB{db})
		})
	}
}

// A listing that grows while it is paged is read again; one that keeps
// growing fails the window instead of verifying it from a partial read.
func TestListingThatGrowsWhilePagedIsReadAgain(t *testing.T) {
	for _, tc := range []struct {
		name    string
		growFor int // how many listings grow
		wantErr bool
	}{
		{name: "grows once", growFor: 1},
		{name: "grows every time", growFor: 100, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			clk := clock.NewFake(now0)
			db := newMemStore()
			p := newPlatform()
			populate(p, sellerA, 1000, 150, now0.Add(-20*time.Second), 10*time.Second)
			next, grown := int64(5000), 0
			p.before = func(q reconcile.Query, n int) {
				if q.PageNo == 2 && grown < tc.growFor { // between page 1 and page 2 of each listing
					grown++
					p.put(next, sellerA, "WAIT_BUYER_PAY", q.From.Add(time.Second))
					next++
				}
			}
			cps := &reconcile.MemCheckpoints{}
			r := mustNew(t, config(clk, p, db, cps, sellerA))
			err := r.Pass(ctx)
			if tc.wantErr {
				if err == nil {
					t.Fatal("a listing that never settles verified the window")
				}
				if _, ok := tailCheckpoint(t, cps, sellerA); ok {
					t.Fatal("checkpoint saved")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertSynced(t, p, memDB{db})
		})
	}
}

// An order the worker could not store either (another seller's, or without
// modified) is counted and skipped; the window still completes.
func TestMalformedPlatformOrdersAreSkipped(t *testing.T) {
	clk := clock.NewFake(now0)
	db := newMemStore()
	p := newPlatform()
	populate(p, sellerA, 1000, 10, now0.Add(-time.Hour), time.Minute)
	bad := &extraTrades{Platform: p, extra: [][]byte{
		tradeJSON(7000, sellerB, "WAIT_BUYER_PAY", now0.Add(-time.Hour)), // another seller's
		[]byte(`{"tid":7001,"seller_nick":"seller_a"}`),                  // no modified
	}}
	cps := &reconcile.MemCheckpoints{}
	r := mustNew(t, config(clk, bad, db, cps, sellerA))
	if err := r.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertSynced(t, p, memDB{db})
	if _, ok := db.row(7000); ok {
		t.Fatal("another seller's order was stored")
	}
	if st := r.Stats(); st.Malformed != 2 {
		t.Fatalf("malformed %d, want 2", st.Malformed)
	}
	if _, ok := tailCheckpoint(t, cps, sellerA); !ok {
		t.Fatal("no checkpoint")
	}
}

// extraTrades appends trades to every first page.
type extraTrades struct {
	reconcile.Platform
	extra [][]byte
}

func (e *extraTrades) Increment(ctx context.Context, q reconcile.Query) (reconcile.Page, error) {
	pg, err := e.Platform.Increment(ctx, q)
	if err == nil && q.PageNo == 1 {
		for _, x := range e.extra {
			pg.Trades = append(pg.Trades, x)
		}
		pg.Total += len(e.extra)
	}
	return pg, err
}

// A platform that breaks the page contract is an error, not a short listing.
func TestPageContractViolationsAreErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		page reconcile.Page
	}{
		{name: "no total", page: reconcile.Page{Total: -1}},
		{name: "more trades than the page size", page: reconcile.Page{Total: 500, Trades: make([]json.RawMessage, 101)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(now0)
			cps := &reconcile.MemCheckpoints{}
			p := fixedPage{tc.page}
			r := mustNew(t, config(clk, p, newMemStore(), cps, sellerA))
			if err := r.Pass(context.Background()); err == nil {
				t.Fatal("no error")
			}
			if _, ok := tailCheckpoint(t, cps, sellerA); ok {
				t.Fatal("checkpoint saved")
			}
		})
	}
}

type fixedPage struct{ p reconcile.Page }

func (f fixedPage) Increment(context.Context, reconcile.Query) (reconcile.Page, error) {
	return f.p, nil
}
