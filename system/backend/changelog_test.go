package backend

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestChangeLogOrderAndCursor(t *testing.T) {
	n, _ := newTestNode(t, Config{})
	tc := n.Trades()
	a := mustCreate(t, tc, DemoSeller)
	b := mustCreate(t, tc, SellerNick(1))
	mustApply(t, tc, a.Trade.Tid, Event{Kind: EventPay})
	mustApply(t, tc, b.Trade.Tid, Event{Kind: EventClose})
	all, err := tc.ChangesAfter(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var topics []string
	for i, c := range all {
		topics = append(topics, c.Topic)
		if c.Seq != int64(i+1) {
			t.Fatalf("seq %d at %d", c.Seq, i)
		}
	}
	if want := []string{TopicTradeCreate, TopicTradeCreate, TopicTradeBuyerPay, TopicTradeClose}; !slices.Equal(topics, want) {
		t.Fatalf("topics %v, want %v", topics, want)
	}
	if tc.LastSeq() != 4 {
		t.Fatalf("LastSeq %d", tc.LastSeq())
	}
	page, _ := tc.ChangesAfter(context.Background(), 2, 1)
	if len(page) != 1 || page[0].Seq != 3 || page[0].Content.Tid != a.Trade.Tid || page[0].Content.Status != StatusWaitSellerSendGoods {
		t.Fatalf("page after 2: %+v", page)
	}
	if rest, _ := tc.ChangesAfter(context.Background(), 4, 10); len(rest) != 0 {
		t.Fatalf("after the end: %+v", rest)
	}
}

// A failure between the order write and the commit leaves neither the new
// order version nor its change-log entries.
func TestChangeLogAtomicWithOrderWrite(t *testing.T) {
	n, _ := newTestNode(t, Config{})
	tc := n.Trades()
	v := mustCreate(t, tc, DemoSeller)
	crash := errors.New("simulated crash before commit")
	tc.failInTx = func() error { return crash }

	if _, err := tc.Apply(context.Background(), v.Trade.Tid, Event{Kind: EventPay}); !errors.Is(err, crash) {
		t.Fatalf("apply: %v", err)
	}
	_, err := tc.Create(context.Background(), NewTrade{Tid: 77, SellerNick: DemoSeller, BuyerNick: "b"})
	if !errors.Is(err, crash) {
		t.Fatalf("create: %v", err)
	}
	tc.failInTx = nil

	got, err := tc.Get(context.Background(), v.Trade.Tid)
	if err != nil || got.Hash != v.Hash {
		t.Fatalf("order changed by a rolled-back write: %v %s", err, got.Doc)
	}
	if _, err := tc.Get(context.Background(), 77); !errors.Is(err, ErrTradeNotFound) {
		t.Fatalf("rolled-back create left the order: %v", err)
	}
	if cs, _ := tc.ChangesAfter(context.Background(), 0, 100); len(cs) != 1 || tc.LastSeq() != 1 {
		t.Fatalf("log has %d entries (last %d), want only the create", len(cs), tc.LastSeq())
	}
	// The ids a rolled-back write took are free again and the log goes on.
	after := mustApply(t, tc, v.Trade.Tid, Event{Kind: EventPay})
	if after.Changes[0].Seq != 2 {
		t.Fatalf("next seq %d, want 2", after.Changes[0].Seq)
	}
	// A bulk create is all or nothing.
	_, err = tc.CreateMany(context.Background(), []NewTrade{
		{Tid: 500, SellerNick: DemoSeller, BuyerNick: "b"},
		{Tid: v.Trade.Tid, SellerNick: DemoSeller, BuyerNick: "b"}, // exists
	})
	if !errors.Is(err, ErrTradeExists) {
		t.Fatalf("bulk with a duplicate: %v", err)
	}
	if _, err := tc.Get(context.Background(), 500); !errors.Is(err, ErrTradeNotFound) {
		t.Fatalf("half a bulk create was kept: %v", err)
	}
}

// Concurrent writers and a consumer polling by cursor: the consumer sees
// every sequence number once, in order, with none skipped.
func TestChangeLogCursorUnderConcurrentWrites(t *testing.T) {
	n, _ := newTestNode(t, Config{})
	tc := n.Trades()
	const writers, perWriter = 4, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for range perWriter {
				v, err := tc.Create(context.Background(), NewTrade{SellerNick: SellerNick(w + 1), BuyerNick: "b"})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := tc.Apply(context.Background(), v.Trade.Tid, Event{Kind: EventPay}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var seen []int64
	var cursor int64
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		cs, err := tc.ChangesAfter(context.Background(), cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			seen = append(seen, c.Seq)
			cursor = c.Seq
		}
		if finished && len(cs) == 0 {
			break
		}
	}
	if len(seen) != 2*writers*perWriter {
		t.Fatalf("consumer saw %d changes, want %d", len(seen), 2*writers*perWriter)
	}
	for i, s := range seen {
		if s != int64(i+1) {
			t.Fatalf("consumer saw seq %d at position %d", s, i)
		}
	}
}

// The log and the orders survive a restart; sequence and ids continue.
func TestChangeLogDurableAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	first, err := New(Config{DataDir: dir, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	v := mustCreate(t, first.Trades(), DemoSeller)
	v = mustApply(t, first.Trades(), v.Trade.Tid, Event{Kind: EventPay})
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Trades().Get(context.Background(), v.Trade.Tid); !errors.Is(err, ErrClosed) {
		t.Fatalf("get after close: %v", err)
	}
	second, _ := newTestNode(t, Config{DataDir: dir})
	got, err := second.Trades().Get(context.Background(), v.Trade.Tid)
	if err != nil || got.Hash != v.Hash {
		t.Fatalf("after restart: %v", err)
	}
	if second.Trades().LastSeq() != 2 {
		t.Fatalf("LastSeq after restart %d", second.Trades().LastSeq())
	}
	w := mustCreate(t, second.Trades(), DemoSeller)
	if w.Trade.Tid <= v.Trade.Tid || w.Trade.Orders.Order[0].Oid <= v.Trade.Orders.Order[1].Oid || w.Changes[0].Seq != 3 {
		t.Fatalf("ids went back after restart: tid %d oid %d seq %d", w.Trade.Tid, w.Trade.Orders.Order[0].Oid, w.Changes[0].Seq)
	}
}

func TestWaitChanges(t *testing.T) {
	n, fake := newTestNode(t, Config{MaxChangeWait: 10 * time.Second})
	tc := n.Trades()
	ctx := waitCtx(t)
	type result struct {
		cs  []Change
		err error
	}
	wait := func(after int64, d time.Duration) chan result {
		ch := make(chan result, 1)
		go func() {
			cs, err := tc.WaitChanges(ctx, after, 10, d)
			ch <- result{cs, err}
		}()
		if err := fake.BlockUntil(ctx, 1); err != nil {
			t.Fatal(err)
		}
		return ch
	}

	t.Run("a commit wakes the poll", func(t *testing.T) {
		ch := wait(tc.LastSeq(), 5*time.Second)
		v := mustCreate(t, tc, DemoSeller)
		r := <-ch
		if r.err != nil || len(r.cs) != 1 || r.cs[0].Content.Tid != v.Trade.Tid {
			t.Fatalf("woke with %+v", r)
		}
	})
	t.Run("the wait ends on the clock", func(t *testing.T) {
		ch := wait(tc.LastSeq(), 5*time.Second)
		fake.Advance(4 * time.Second)
		select {
		case r := <-ch:
			t.Fatalf("returned before the wait ended: %+v", r)
		default:
		}
		fake.Advance(time.Second)
		if r := <-ch; r.err != nil || len(r.cs) != 0 {
			t.Fatalf("timed out with %+v", r)
		}
	})
	t.Run("the wait is bounded by MaxChangeWait", func(t *testing.T) {
		ch := wait(tc.LastSeq(), time.Hour)
		fake.Advance(10 * time.Second)
		if r := <-ch; r.err != nil || len(r.cs) != 0 {
			t.Fatalf("bounded wait returned %+v", r)
		}
	})
	t.Run("earlier entries answer at once", func(t *testing.T) {
		cs, err := tc.WaitChanges(ctx, 0, 10, time.Hour)
		if err != nil || len(cs) != 1 {
			t.Fatalf("%v %+v", err, cs)
		}
	})
	t.Run("drain ends the poll", func(t *testing.T) {
		ch := wait(tc.LastSeq(), 5*time.Second)
		n.Drain()
		if r := <-ch; r.err != nil || len(r.cs) != 0 {
			t.Fatalf("drained with %+v", r)
		}
	})
}

func TestInternalChangesHTTP(t *testing.T) {
	n, fake := newTestNode(t, Config{})
	tc := n.Trades()
	for range 3 {
		mustCreate(t, tc, DemoSeller)
	}
	type page struct {
		Changes []Change `json:"changes"`
		Next    int64    `json:"next"`
	}
	get := func(query string) (int, page) {
		status, body := doJSON(t, n.Handler(), http.MethodGet, "/internal/changes"+query, nil)
		var p page
		if status == 200 {
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
		}
		return status, p
	}
	if status, p := get("?after=1&limit=1"); status != 200 || len(p.Changes) != 1 || p.Changes[0].Seq != 2 || p.Next != 2 {
		t.Fatalf("%d %+v", status, p)
	}
	if status, p := get("?after=3"); status != 200 || p.Changes == nil || len(p.Changes) != 0 || p.Next != 3 {
		t.Fatalf("empty page: %d %+v", status, p)
	}
	for _, q := range []string{"?after=-1", "?after=x", "?limit=0", "?limit=1001", "?wait=forever", "?wait=-1s"} {
		if status, _ := get(q); status != http.StatusBadRequest {
			t.Fatalf("%s: status %d", q, status)
		}
	}
	// Long poll over HTTP.
	ctx := waitCtx(t)
	ch := make(chan page, 1)
	go func() {
		_, p := get("?after=3&wait=20s")
		ch <- p
	}()
	if err := fake.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	v := mustCreate(t, tc, DemoSeller)
	if p := <-ch; len(p.Changes) != 1 || p.Changes[0].Content.Tid != v.Trade.Tid || p.Changes[0].TimeMs != epoch.UnixMilli() {
		t.Fatalf("long poll got %+v", p)
	}
}

func TestInternalTradesHTTP(t *testing.T) {
	n, _ := newTestNode(t, Config{})
	h := n.Handler()
	status, body := doJSON(t, h, http.MethodPost, "/internal/trades", NewTrade{Tid: 1234, SellerNick: DemoSeller, BuyerNick: "tb_buyer", PostFee: 800})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	var created versionJSON
	if err := json.Unmarshal(body, &created); err != nil || HashDoc(created.Trade) != created.Hash || len(created.Changes) != 1 {
		t.Fatalf("create answer %v: %s", err, body)
	}
	if status, body := doJSON(t, h, http.MethodPost, "/internal/trades", NewTrade{Tid: 1234, SellerNick: DemoSeller, BuyerNick: "b"}); status != http.StatusConflict {
		t.Fatalf("duplicate tid: %d %s", status, body)
	}
	if status, _ := doJSON(t, h, http.MethodPost, "/internal/trades", `{"seller_nick":""}`); status != http.StatusBadRequest {
		t.Fatalf("invalid trade: %d", status)
	}
	status, body = doJSON(t, h, http.MethodGet, "/internal/trades/1234", nil)
	var got versionJSON
	if err := json.Unmarshal(body, &got); status != 200 || err != nil || got.Hash != created.Hash || string(got.Trade) != string(created.Trade) {
		t.Fatalf("get: %d %s", status, body)
	}
	if status, _ := doJSON(t, h, http.MethodGet, "/internal/trades/999", nil); status != http.StatusNotFound {
		t.Fatalf("get unknown: %d", status)
	}
	bulk := struct {
		Trades []NewTrade `json:"trades"`
	}{}
	for i := range 3 {
		bulk.Trades = append(bulk.Trades, NewTrade{SellerNick: SellerNick(i + 1), BuyerNick: "b"})
	}
	status, body = doJSON(t, h, http.MethodPost, "/internal/trades/bulk", bulk)
	var out struct {
		Tids    []int64 `json:"tids"`
		LastSeq int64   `json:"last_seq"`
	}
	if err := json.Unmarshal(body, &out); status != http.StatusCreated || err != nil || len(out.Tids) != 3 || out.LastSeq != 4 || out.Tids[0] <= 1234 {
		t.Fatalf("bulk: %d %s", status, body)
	}
	if status, _ := doJSON(t, h, http.MethodPost, "/internal/trades/bulk", `{"trades":[]}`); status != http.StatusBadRequest {
		t.Fatalf("empty bulk: %d", status)
	}
	status, body = doJSON(t, h, http.MethodPost, "/internal/trades/"+strconv.Itoa(1234)+"/events", Event{Kind: EventPay})
	if err := json.Unmarshal(body, &got); status != 200 || err != nil || got.Changes[0].Topic != TopicTradeBuyerPay {
		t.Fatalf("event: %d %s", status, body)
	}
}
