package datasync

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/system/tmc"
)

// fakePlatform serves orders by tid and counts fetches.
type fakePlatform struct {
	mu      sync.Mutex
	orders  map[int64][]byte
	errs    map[int64]error
	fetches int
	rounds  int
}

func (p *fakePlatform) set(tid int64, seller, status string, modified string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.orders == nil {
		p.orders = map[int64][]byte{}
	}
	p.orders[tid] = fmt.Appendf(nil, `{"tid":%d,"status":%q,"type":"fixed","seller_nick":%q,"buyer_nick":"b","created":"2026-11-11 00:00:00","modified":%q}`,
		tid, status, seller, modified)
}

func (p *fakePlatform) fail(tid int64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.errs == nil {
		p.errs = map[int64]error{}
	}
	p.errs[tid] = err
}

func (p *fakePlatform) Fetch(_ context.Context, reqs []FetchRequest) []FetchResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rounds++
	out := make([]FetchResult, len(reqs))
	for i, r := range reqs {
		p.fetches++
		if err := p.errs[r.Tid]; err != nil {
			out[i].Err = err
			continue
		}
		if b, ok := p.orders[r.Tid]; ok {
			out[i].Trade = b
			continue
		}
		out[i].Err = ErrTradeGone
	}
	return out
}

func (p *fakePlatform) counts() (fetches, rounds int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetches, p.rounds
}

// staticDirectory maps sellers to sessions.
type staticDirectory map[string]string

func (d staticDirectory) Session(_ context.Context, s string) (string, bool, error) {
	v, ok := d[s]
	return v, ok, nil
}

func (d staticDirectory) Sellers(context.Context) ([]string, error) {
	var out []string
	for s := range d {
		out = append(out, s)
	}
	return out, nil
}

// failingWriter fails while broken is set, then writes through.
type failingWriter struct {
	Writer
	mu     sync.Mutex
	broken bool
}

func (f *failingWriter) Write(ctx context.Context, docs []sellerdb.Doc) (sellerdb.WriteResult, error) {
	f.mu.Lock()
	broken := f.broken
	f.mu.Unlock()
	if broken {
		return sellerdb.WriteResult{}, errors.New("database refuses connections")
	}
	return f.Writer.Write(ctx, docs)
}

type testWorker struct {
	w    *Worker
	plat *fakePlatform
	db   *sellerdb.DB
	clk  *clock.Fake
}

func newTestWorker(t *testing.T, wrap func(Writer) Writer) *testWorker {
	t.Helper()
	clk := clock.NewFake(time.Unix(1762790400, 0))
	db, err := sellerdb.Open(context.Background(), sellerdb.Config{DSN: filepath.Join(t.TempDir(), "seller.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var wr Writer = db
	if wrap != nil {
		wr = wrap(db)
	}
	plat := &fakePlatform{}
	w, err := New(Config{ID: "sync-test", AppKey: "app", Secret: "s", PushURLs: []string{"ws://127.0.0.1:1/"},
		Directory: staticDirectory{"s1": "sess-1", "s2": "sess-2"}, Fetcher: plat, Writer: wr,
		MergeWindow: 100 * time.Millisecond, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	// The real-time path only: the TMC clients are not started, messages go in through receive.
	go func() {
		w.merger.run(ctx, func(b []*pendingOrder) { w.pipe.submit(ctx, b) })
		w.pipe.wait()
		close(stopped)
	}()
	t.Cleanup(func() { cancel(); <-stopped })
	return &testWorker{w: w, plat: plat, db: db, clk: clk}
}

// reports collects done calls.
type reports struct {
	mu  sync.Mutex
	got map[int64]error
	ch  chan int64
}

func newReports() *reports { return &reports{got: map[int64]error{}, ch: make(chan int64, 100)} }

func (r *reports) done(id int64) func(error) {
	return func(err error) {
		r.mu.Lock()
		r.got[id] = err
		r.mu.Unlock()
		r.ch <- id
	}
}

func (r *reports) await(t *testing.T, n int) map[int64]error {
	t.Helper()
	for range n {
		select {
		case <-r.ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("only some of %d messages were reported", n)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[int64]error{}
	for k, v := range r.got {
		out[k] = v
	}
	return out
}

func tradeMsg(id, tid int64, seller string) *tmc.Message {
	return &tmc.Message{ID: id, Topic: "taobao_trade_TradeBuyerPay", Nick: seller, DataID: tid,
		Content: fmt.Sprintf(`{"tid":%d,"seller_nick":%q,"status":"WAIT_SELLER_SEND_GOODS"}`, tid, seller),
		PubTime: time.Unix(1762790400, 0)}
}

func rowOf(t *testing.T, db *sellerdb.DB, tid int64) (sellerdb.Row, bool) {
	t.Helper()
	var found sellerdb.Row
	ok := false
	if err := db.Scan(context.Background(), func(r sellerdb.Row) error {
		if r.Tid == tid {
			found, ok = r, true
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return found, ok
}

// Three changes of one order inside the window: one fetch, one write, and
// all three confirmed only after the row holds the newest version.
func TestMessagesOfOneOrderAreMergedAndConfirmedAfterTheWrite(t *testing.T) {
	tw := newTestWorker(t, nil)
	r := newReports()
	tw.plat.set(7, "s1", "WAIT_SELLER_SEND_GOODS", "2026-11-11 00:00:03")
	for id := int64(1); id <= 3; id++ {
		tw.w.receive(tradeMsg(id, 7, "s1"), r.done(id))
	}
	tw.w.receive(tradeMsg(4, 8, "s2"), r.done(4))
	tw.plat.set(8, "s2", "TRADE_FINISHED", "2026-11-11 00:00:09")
	waitWaiters(t, tw.clk, 1)
	if _, ok := rowOf(t, tw.db, 7); ok {
		t.Fatal("written before the merge window ended")
	}
	tw.clk.Advance(100 * time.Millisecond)
	got := r.await(t, 4)
	for id, err := range got {
		if err != nil {
			t.Errorf("message %d reported %v", id, err)
		}
	}
	if row, ok := rowOf(t, tw.db, 7); !ok || row.Status != "WAIT_SELLER_SEND_GOODS" {
		t.Fatalf("row 7 = %+v, %v", row, ok)
	}
	if fetches, rounds := tw.plat.counts(); fetches != 2 || rounds != 1 {
		t.Errorf("%d fetches in %d rounds, want 2 in 1 (merged, batched)", fetches, rounds)
	}
	if s := tw.w.Stats(); s.Messages != 4 || s.Merged != 2 || s.Orders != 2 || s.Written != 2 {
		t.Errorf("stats %+v", s)
	}
}

// A failed write or fetch leaves the messages unconfirmed (reported with an
// error); an unknown seller and an order the platform does not have are
// confirmed (nothing could ever be written); a malformed order is not.
func TestFailuresKeepMessagesUnconfirmed(t *testing.T) {
	var fw *failingWriter
	tw := newTestWorker(t, func(w Writer) Writer { fw = &failingWriter{Writer: w, broken: true}; return fw })
	r := newReports()
	tw.plat.set(1, "s1", "WAIT_BUYER_PAY", "2026-11-11 00:00:01")
	tw.plat.fail(2, errors.New("isp.remote-service-timeout"))
	tw.plat.mu.Lock()
	tw.plat.orders = map[int64][]byte{1: tw.plat.orders[1], 4: []byte(`{"tid":"not a number"}`),
		7: []byte(`{"tid":7,"status":"TRADE_CLOSED","seller_nick":"s1","modified":"2026-11-11 00:00:07"}`)}
	tw.plat.mu.Unlock()
	tw.w.receive(tradeMsg(1, 1, "s1"), r.done(1))
	tw.w.receive(tradeMsg(2, 2, "s1"), r.done(2))
	tw.w.receive(tradeMsg(3, 3, "s1"), r.done(3))       // the platform has no order 3
	tw.w.receive(tradeMsg(4, 4, "s1"), r.done(4))       // malformed
	tw.w.receive(tradeMsg(5, 5, "stranger"), r.done(5)) // not synced here
	tw.w.receive(&tmc.Message{ID: 6, Topic: "taobao_trade_TradeCreate", Content: "{"}, r.done(6))
	tw.w.receive(&tmc.Message{ID: 7, Topic: "taobao_refund_RefundSuccess", Content: `{"tid":7,"seller_nick":"s1"}`}, r.done(7)) // a refund changes its order
	waitWaiters(t, tw.clk, 1)
	tw.clk.Advance(100 * time.Millisecond)
	got := r.await(t, 7)
	for id, wantErr := range map[int64]bool{1: true, 2: true, 3: false, 4: true, 5: false, 6: false, 7: true} {
		if (got[id] != nil) != wantErr {
			t.Errorf("message %d reported %v, want error=%v", id, got[id], wantErr)
		}
	}
	if s := tw.w.Stats(); s.WriteErrors != 1 || s.FetchErrors != 1 || s.Gone != 1 || s.Malformed != 2 || s.UnknownSeller != 1 || s.Orders != 0 {
		t.Errorf("stats %+v", s)
	}
	// The database is back: the resent message goes through.
	fw.mu.Lock()
	fw.broken = false
	fw.mu.Unlock()
	tw.w.receive(tradeMsg(1, 1, "s1"), r.done(1))
	waitWaiters(t, tw.clk, 1)
	tw.clk.Advance(100 * time.Millisecond)
	if got := r.await(t, 1); got[1] != nil {
		t.Fatalf("resend reported %v", got[1])
	}
	if _, ok := rowOf(t, tw.db, 1); !ok {
		t.Fatal("order 1 not written after the database came back")
	}
}

// An order the platform no longer has for its seller is marked deleted
// (jdp_delete) before its message is confirmed.
func TestGoneOrderIsMarkedDeleted(t *testing.T) {
	tw := newTestWorker(t, nil)
	r := newReports()
	tw.plat.set(9, "s1", "TRADE_FINISHED", "2026-11-11 00:00:05")
	tw.w.receive(tradeMsg(1, 9, "s1"), r.done(1))
	waitWaiters(t, tw.clk, 1)
	tw.clk.Advance(100 * time.Millisecond)
	r.await(t, 1)
	if row, ok := rowOf(t, tw.db, 9); !ok || row.Deleted {
		t.Fatalf("row 9 = %+v, %v; want written and not deleted", row, ok)
	}
	tw.plat.mu.Lock()
	delete(tw.plat.orders, 9)
	tw.plat.mu.Unlock()
	tw.w.receive(tradeMsg(2, 9, "s1"), r.done(2))
	waitWaiters(t, tw.clk, 1)
	tw.clk.Advance(100 * time.Millisecond)
	if got := r.await(t, 1); got[2] != nil {
		t.Fatalf("reported %v", got[2])
	}
	if row, ok := rowOf(t, tw.db, 9); !ok || !row.Deleted {
		t.Fatalf("row 9 = %+v, %v; want marked deleted", row, ok)
	}
}
