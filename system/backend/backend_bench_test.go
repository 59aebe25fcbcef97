package backend

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/toplab/toplab/system/clock"
)

// discardWriter is a reusable ResponseWriter, so the benchmark measures the
// handler rather than a recorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(code int)        { d.code = code }

// rewindBody is a request body read again on every iteration.
type rewindBody struct{ strings.Reader }

func (*rewindBody) Close() error { return nil }

// benchNode is a node on the wall clock (no latency model) with orders of
// demo_seller.
func benchNode(b *testing.B, cfg Config, orders int) (*Node, []int64) {
	b.Helper()
	cfg.Clock = clock.Real{}
	n, _ := newTestNode(b, cfg)
	nts := make([]NewTrade, orders)
	for i := range nts {
		nts[i] = NewTrade{SellerNick: DemoSeller, BuyerNick: "buyer_1",
			Orders: []NewOrder{{Title: "耳机", Price: 19900, Num: 1}, {Title: "保温杯", Price: 5000, Num: 2}}}
	}
	vs, err := n.Trades().CreateMany(context.Background(), nts)
	if err != nil {
		b.Fatal(err)
	}
	tids := make([]int64, len(vs))
	for i, v := range vs {
		tids[i] = v.Trade.Tid
		mustApply(b, n.Trades(), v.Trade.Tid, Event{Kind: EventPay})
	}
	return n, tids
}

// BenchmarkFullinfoGet: one taobao.trade.fullinfo.get through the node's
// handler in-process: form parsing, SQLite read, ownership check, trimming.
func BenchmarkFullinfoGet(b *testing.B) {
	n, tids := benchNode(b, Config{}, 1000)
	for _, bc := range []struct{ name, fields string }{
		{"fields=3", "tid,status,modified"},
		{"fields=all", strings.Join(tradeFields, ",")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			bodies := make([]string, len(tids))
			for i, tid := range tids {
				bodies[i] = form("tid", itoa(tid), "fields", bc.fields).Encode()
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				w := &discardWriter{h: http.Header{}}
				body := &rewindBody{}
				r := httptest.NewRequest(http.MethodPost, APIPathPrefix+MethodTradeFullinfoGet, nil)
				r.Header.Set(HeaderUserNick, DemoSeller)
				r.Header.Set(HeaderRequestID, "bench")
				i := 0
				for pb.Next() {
					body.Reset(bodies[i%len(bodies)])
					r.Body = body
					n.Handler().ServeHTTP(w, r)
					if w.code != http.StatusOK {
						b.Fatalf("status %d", w.code)
					}
					i++
				}
			})
		})
	}
}

// BenchmarkTradeApply: order changes committed to SQLite (one order write
// plus one change-log entry each): from one goroutine, and from 16 with
// group commit off (batch=1) and on (batch=64, the default). changes/s is the
// figure that matters.
func BenchmarkTradeApply(b *testing.B) {
	for _, bc := range []struct {
		name       string
		goroutines int // 0: serial
		batch      int
	}{
		{"serial", 0, 0},
		{"writers=16/batch=1", 16, 1},
		{"writers=16/batch=64", 16, 64},
	} {
		b.Run(bc.name, func(b *testing.B) {
			n, tids := benchNode(b, Config{WriteBatch: bc.batch}, 256)
			var next atomic.Int64
			memo := "called the buyer"
			ev := Event{Kind: EventMemo, Memo: &memo}
			apply := func() {
				tid := tids[int(next.Add(1))%len(tids)]
				if _, err := n.Trades().Apply(context.Background(), tid, ev); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			if bc.goroutines > 0 {
				b.SetParallelism(max(1, bc.goroutines/runtime.GOMAXPROCS(0)))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						apply()
					}
				})
			} else {
				for b.Loop() {
					apply()
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
			b.ReportMetric(writesPerTxn(b, n), "writes/txn")
		})
	}
}

// writesPerTxn reads the node's group-commit histogram: the mean batch.
func writesPerTxn(b *testing.B, n *Node) float64 {
	mfs, err := n.Gatherer().Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "toplab_backend_trade_write_batch_size" {
			h := mf.GetMetric()[0].GetHistogram()
			return h.GetSampleSum() / float64(h.GetSampleCount())
		}
	}
	b.Fatal("no batch histogram")
	return 0
}

// BenchmarkTradeCreateMany: bulk creation for load tests, 100 orders (and
// 100 change-log entries) per transaction.
func BenchmarkTradeCreateMany(b *testing.B) {
	n, _ := newTestNode(b, Config{Clock: clock.Real{}})
	batch := make([]NewTrade, 100)
	for i := range batch {
		batch[i] = NewTrade{SellerNick: SellerNick(1 + i%10), BuyerNick: "buyer_1"}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := n.Trades().CreateMany(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "changes/s")
}

// BenchmarkChangesAfter: a consumer reading the log 100 entries at a time.
func BenchmarkChangesAfter(b *testing.B) {
	n, _ := benchNode(b, Config{}, 2000)
	last := n.Trades().LastSeq()
	b.ReportAllocs()
	var seq int64
	for b.Loop() {
		cs, err := n.Trades().ChangesAfter(context.Background(), seq%(last-100), 100)
		if err != nil || len(cs) != 100 {
			b.Fatal(err, len(cs))
		}
		seq += 100
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "entries-read/s")
}

var _ io.ReadCloser = (*rewindBody)(nil)
