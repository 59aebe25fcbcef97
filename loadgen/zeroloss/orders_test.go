package zeroloss

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/datasync/sellerdb"
)

// The order checker finds each kind of difference: a missing row, a stale
// one, one altered behind the sync's back, one logically deleted, and a row
// the trade centre does not have; matching rows pass.
func TestCheckOrdersFindsEveryDifference(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC))
	node, err := backend.New(backend.Config{DataDir: t.TempDir(), Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	srv := httptest.NewServer(node.Handler())
	defer srv.Close()
	db, err := sellerdb.Open(ctx, sellerdb.Config{DSN: filepath.Join(t.TempDir(), "seller.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	tc := node.Trades()
	var latest []backend.Version
	var first backend.Version
	for i := range 6 {
		v, err := tc.Create(ctx, backend.NewTrade{SellerNick: backend.DemoSeller, BuyerNick: "buyer_1",
			Orders: []backend.NewOrder{{Title: "cup", Price: 5000, Num: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			first = v
		}
		clk.Advance(time.Second)
		if v, err = tc.Apply(ctx, v.Trade.Tid, backend.Event{Kind: backend.EventPay}); err != nil {
			t.Fatal(err)
		}
		latest = append(latest, v)
	}
	write := func(v backend.Version) {
		t.Helper()
		d, err := sellerdb.ParseDoc(v.Doc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Repair(ctx, []sellerdb.Doc{d}); err != nil {
			t.Fatal(err)
		}
	}
	write(latest[0]) // matches
	write(first)     // order 1: stale (its first version)
	write(latest[2]) // order 2: altered below
	write(latest[3]) // order 3: deleted below
	write(latest[4]) // matches; order 5 is missing
	altered := latest[2]
	altered.Doc = []byte(string(altered.Doc[:len(altered.Doc)-1]) + `,"x":1}`)
	write(altered)
	if _, err := db.MarkDeleted(ctx, []int64{latest[3].Trade.Tid}); err != nil {
		t.Fatal(err)
	}
	extra := latest[0]
	extra.Doc = []byte(`{"tid":999999,"status":"TRADE_FINISHED","seller_nick":"demo_seller","modified":"2026-11-11 00:00:09"}`)
	write(extra)

	rep, err := CheckOrders(ctx, srv.URL, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Orders != 6 || rep.Rows != 6 || rep.Differences != 4 || rep.Extra != 1 || rep.Pass() {
		t.Fatalf("report %s %+v", rep, rep.Diffs)
	}
	reasons := map[int64]string{}
	for _, d := range rep.Diffs {
		reasons[d.Tid] = d.Reason
	}
	want := map[int64]string{latest[1].Trade.Tid: "status", latest[2].Trade.Tid: "hash", latest[3].Trade.Tid: "deleted", latest[5].Trade.Tid: "missing"}
	for tid, r := range want {
		if reasons[tid] != r {
			t.Errorf("order %d: reason %q, want %q (all: %v)", tid, reasons[tid], r, reasons)
		}
	}
}
