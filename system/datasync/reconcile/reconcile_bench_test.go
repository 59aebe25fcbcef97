package reconcile_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/datasync/reconcile"
	"github.com/toplab/toplab/system/datasync/sellerdb"
)

// sortedPlatform serves a fixed listing without per-call sorting, so the
// benchmark measures the reconciler rather than the fake.
type sortedPlatform struct{ docs []sellerdb.Doc } // by modified, then tid

func (p *sortedPlatform) Increment(_ context.Context, q reconcile.Query) (reconcile.Page, error) {
	lo := sort.Search(len(p.docs), func(i int) bool { return !p.docs[i].Modified.Before(q.From) })
	hi := sort.Search(len(p.docs), func(i int) bool { return p.docs[i].Modified.After(q.To) })
	in := p.docs[lo:hi]
	pg := reconcile.Page{Total: len(in)}
	for i := (q.PageNo - 1) * q.PageSize; i < len(in) && i < q.PageNo*q.PageSize; i++ {
		pg.Trades = append(pg.Trades, in[i].JSON)
	}
	return pg, nil
}

// benchTrades makes n trade-centre-shaped orders (about 900 bytes each), one
// per half second before last.
func benchTrades(n int, last time.Time) []sellerdb.Doc {
	docs := make([]sellerdb.Doc, 0, n)
	for i := range n {
		at := backend.TimestampOf(last.Add(-time.Duration(n-i) * 500 * time.Millisecond))
		tr := backend.Trade{
			Tid: int64(100000 + i), Status: backend.StatusWaitSellerSendGoods, Type: "fixed",
			SellerNick: sellerA, BuyerNick: "buyer_0042", Title: "toplab item", Num: 1, NumIid: 5000 + int64(i%20),
			Price: 12900, TotalFee: 12900, Payment: 13900, PostFee: 1000, ShippingType: "express",
			Created: at - 60, Modified: at, PayTime: at,
			Receiver: backend.Receiver{ReceiverName: "Li Lei", ReceiverState: "Zhejiang", ReceiverCity: "Hangzhou",
				ReceiverDistrict: "Xihu", ReceiverAddress: "No. 969 Wenyi West Road", ReceiverZip: "310000", ReceiverMobile: "13800000000"},
			Orders: backend.Orders{Order: []backend.Order{{Oid: int64(900000 + i), Status: backend.StatusWaitSellerSendGoods,
				Title: "toplab item", Price: 12900, Num: 1, TotalFee: 12900, Payment: 13900, RefundStatus: backend.RefundNone}}},
		}
		js, err := json.Marshal(&tr)
		if err != nil {
			panic(err)
		}
		docs = append(docs, mustDoc(js))
	}
	return docs
}

// BenchmarkCompareWindow verifies one window of 10k orders, all in sync:
// list (102 pages), parse and hash, read the database side, compare.
func BenchmarkCompareWindow(b *testing.B) {
	const n = 10000
	docs := benchTrades(n, now0.Add(-time.Minute))
	slices.SortFunc(docs, func(a, c sellerdb.Doc) int { return a.Modified.Compare(c.Modified) })
	for _, store := range []struct {
		name string
		open func(b *testing.B) reconcile.Store
	}{
		{"memory", func(*testing.B) reconcile.Store { s := newMemStore(); s.seed(docs...); return s }},
		{"sellerdb-sqlite", func(b *testing.B) reconcile.Store {
			db, err := sellerdb.Open(context.Background(), sellerdb.Config{DSN: filepath.Join(b.TempDir(), "seller.db")})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			for c := range slices.Chunk(docs, 500) {
				if _, err := db.Write(context.Background(), c); err != nil {
					b.Fatal(err)
				}
			}
			return db
		}},
	} {
		b.Run(store.name, func(b *testing.B) {
			s := store.open(b)
			clk := clock.NewFake(now0)
			p := &sortedPlatform{docs: docs}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				cfg := config(clk, p, s, &reconcile.MemCheckpoints{}, sellerA) // no checkpoint: one 2-hour window
				r, err := reconcile.New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				if err := r.Pass(context.Background()); err != nil {
					b.Fatal(err)
				}
				if st := r.Stats(); st.Compared != n || st.Repaired != 0 || st.Windows != 1 {
					b.Fatalf("stats %+v", st)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}
