package backend

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"
)

// One batch, three operations: the failing one rolls back alone, the others
// commit, and a later operation sees an earlier one's writes.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	n, _ := newTestNode(t, Config{})
	tc := n.Trades()
	boom := errors.New("boom after writing")
	var a, b, paid Version
	ops := []*writeOp{
		{ctx: context.Background(), fn: func(ctx context.Context, tx *sql.Tx) (err error) {
			a, err = tc.createInTx(ctx, tx, &NewTrade{Tid: 10, SellerNick: DemoSeller, BuyerNick: "b"})
			return err
		}},
		{ctx: context.Background(), fn: func(ctx context.Context, tx *sql.Tx) (err error) {
			if b, err = tc.createInTx(ctx, tx, &NewTrade{Tid: 20, SellerNick: DemoSeller, BuyerNick: "b"}); err != nil {
				return err
			}
			return boom // the order and its log entry are written: both must go
		}},
		{ctx: context.Background(), fn: func(ctx context.Context, tx *sql.Tx) (err error) {
			paid, err = tc.applyInTx(ctx, tx, 10, Event{Kind: EventPay})
			return err
		}},
	}
	tc.store.runBatch(ops)
	if ops[0].err != nil || !errors.Is(ops[1].err, boom) || ops[2].err != nil {
		t.Fatalf("errors %v, %v, %v", ops[0].err, ops[1].err, ops[2].err)
	}
	if b.Trade.Tid != 20 {
		t.Fatal("setup: the failing op did not write")
	}
	if _, err := tc.Get(context.Background(), 20); !errors.Is(err, ErrTradeNotFound) {
		t.Fatalf("the failed operation's order survived: %v", err)
	}
	got, err := tc.Get(context.Background(), 10)
	if err != nil || got.Hash != paid.Hash || got.Trade.Status != StatusWaitSellerSendGoods {
		t.Fatalf("order 10: %v %s", err, got.Trade.Status)
	}
	cs, _ := tc.ChangesAfter(context.Background(), 0, 10)
	var tids []int64
	var seqs []int64
	for _, c := range cs {
		tids, seqs = append(tids, c.Content.Tid), append(seqs, c.Seq)
	}
	if !slices.Equal(tids, []int64{10, 10}) || !slices.Equal(seqs, []int64{a.Changes[0].Seq, paid.Changes[0].Seq}) {
		t.Fatalf("log tids %v seqs %v", tids, seqs)
	}
}

// A caller cancelled before its turn is skipped and writes nothing; a
// panicking operation fails alone.
func TestGroupCommitSkipsCancelledAndSurvivesPanics(t *testing.T) {
	n, _ := newTestNode(t, Config{})
	tc := n.Trades()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	ops := []*writeOp{
		{ctx: ctx, fn: func(context.Context, *sql.Tx) error { ran = true; return nil }},
		{ctx: context.Background(), fn: func(context.Context, *sql.Tx) error { panic("a bug") }},
		{ctx: context.Background(), fn: func(ctx context.Context, tx *sql.Tx) error {
			_, err := tc.createInTx(ctx, tx, &NewTrade{Tid: 30, SellerNick: DemoSeller, BuyerNick: "b"})
			return err
		}},
	}
	tc.store.runBatch(ops)
	if ran || !errors.Is(ops[0].err, context.Canceled) || ops[1].err == nil || ops[2].err != nil {
		t.Fatalf("ran %v, errors %v %v %v", ran, ops[0].err, ops[1].err, ops[2].err)
	}
	if _, err := tc.Get(context.Background(), 30); err != nil {
		t.Fatal(err)
	}
}

// Writers racing through the queue: every write lands once, leadership
// passes on, and nothing is left queued.
func TestGroupCommitUnderContention(t *testing.T) {
	for _, batch := range []int{1, 4, 64} {
		n, _ := newTestNode(t, Config{WriteBatch: batch})
		tc := n.Trades()
		v := mustCreate(t, tc, DemoSeller)
		const writers, each = 8, 20
		errs := make(chan error, writers*each)
		done := make(chan struct{})
		for range writers {
			go func() {
				defer func() { done <- struct{}{} }()
				for range each {
					_, err := tc.Apply(context.Background(), v.Trade.Tid, Event{Kind: EventMemo, Memo: ptr("m")})
					errs <- err
				}
			}()
		}
		for range writers {
			<-done
		}
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("batch %d: %v", batch, err)
			}
		}
		got, _ := tc.Get(context.Background(), v.Trade.Tid)
		// 160 memo changes, each a second later than the one before.
		if got.Trade.Modified != v.Trade.Modified+writers*each || tc.LastSeq() != 1+writers*each {
			t.Fatalf("batch %d: modified +%d, last seq %d", batch, got.Trade.Modified-v.Trade.Modified, tc.LastSeq())
		}
		q := &tc.store.writes
		q.mu.Lock()
		if len(q.pending) != 0 || q.leading {
			t.Fatalf("batch %d: queue left %d pending, leading %v", batch, len(q.pending), q.leading)
		}
		q.mu.Unlock()
	}
}
