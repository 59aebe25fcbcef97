package sdk

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// eventually polls cond, yielding between checks, and fails after a
// generous real-time bound (a safety net, not a timed assertion).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		runtime.Gosched()
	}
}

// state returns how many times the queue was taken and how many calls wait.
func (b *Batcher) state() (flushes uint64, queued int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.gen, len(b.queue)
}

func TestBatcherMergesConcurrentCalls(t *testing.T) {
	clk := clock.NewFake(time.Now())
	p := newPeer(t, nil)
	c := newTestClient(t, p, func(cfg *Config) { cfg.Clock = clk })
	b := NewBatcher(c, 20, 10*time.Millisecond)
	defer b.Close()
	const n = 50
	results := make([]callResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			payload, err := b.Call(testContext(t), "taobao.trade.fullinfo.get", map[string]string{"i": strconv.Itoa(i)}, "s"+strconv.Itoa(i%3))
			results[i] = callResult{payload, err}
		})
	}
	// Two batches leave full; the last 10 calls wait for the linger timer.
	eventually(t, "40 calls sent and 10 queued", func() bool { f, q := b.state(); return f == 2 && q == 10 })
	if _, batches, _ := p.counts(); batches > 2 {
		t.Fatalf("%d batches before the linger ended", batches)
	}
	clk.Advance(10 * time.Millisecond)
	wg.Wait()
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("call %d: %v", i, r.err)
		}
		if e := decodeEcho(t, r.payload); e.Params["i"] != strconv.Itoa(i) || e.Session != "s"+strconv.Itoa(i%3) {
			t.Fatalf("call %d got %+v", i, e)
		}
	}
	rest, batches, calls := p.counts()
	if rest != 0 || batches != 3 || calls != n || !slices.Equal(p.sortedBatchSizes(), []int{10, 20, 20}) {
		t.Fatalf("peer saw %d rest, batches %v for %d calls", rest, p.sortedBatchSizes(), calls)
	}
}

func TestBatcherLoneCallGoesToRest(t *testing.T) {
	clk := clock.NewFake(time.Now())
	p := newPeer(t, nil)
	c := newTestClient(t, p, func(cfg *Config) { cfg.Clock = clk })
	b := NewBatcher(c, 0, 0)
	defer b.Close()
	done := make(chan callResult, 1)
	go func() {
		payload, err := b.Call(testContext(t), "taobao.user.seller.get", nil, "s")
		done <- callResult{payload, err}
	}()
	blockUntil(t, clk, 1)
	clk.Advance(DefaultLinger)
	if r := <-done; r.err != nil {
		t.Fatal(r.err)
	}
	if rest, batches, _ := p.counts(); rest != 1 || batches != 0 {
		t.Fatalf("rest %d batches %d", rest, batches)
	}
}

func TestBatcherCancelledCallerLeavesTheBatch(t *testing.T) {
	clk := clock.NewFake(time.Now())
	p := newPeer(t, nil)
	c := newTestClient(t, p, func(cfg *Config) { cfg.Clock = clk })
	b := NewBatcher(c, 20, time.Second)
	defer b.Close()
	ctxA, cancelA := context.WithCancel(testContext(t))
	doneA, doneB := make(chan error, 1), make(chan error, 1)
	go func() { _, err := b.Call(ctxA, "a.b.get", map[string]string{"who": "a"}, ""); doneA <- err }()
	go func() { _, err := b.Call(testContext(t), "a.b.get", map[string]string{"who": "b"}, ""); doneB <- err }()
	eventually(t, "two calls queued", func() bool { _, q := b.state(); return q == 2 })
	cancelA()
	if err := <-doneA; !errors.Is(err, context.Canceled) {
		t.Fatalf("A: %v", err)
	}
	clk.Advance(time.Second)
	if err := <-doneB; err != nil {
		t.Fatalf("B: %v", err)
	}
	calls := p.seen()
	if len(calls) != 1 || calls[0].params.Get("who") != "b" || calls[0].batch {
		t.Fatalf("peer saw %+v, want B alone on /router/rest", calls)
	}
}

func TestBatcherLastCallerLeavingCancelsTheRequest(t *testing.T) {
	clk := clock.NewFake(time.Now())
	started, aborted := make(chan struct{}), make(chan struct{})
	p := newPeer(t, func(c peerCall) reply {
		if c.params.Get("i") == "0" {
			close(started)
			<-c.ctx.Done()
			close(aborted)
		}
		return reply{}
	})
	c := newTestClient(t, p, func(cfg *Config) { cfg.Clock = clk })
	b := NewBatcher(c, 2, time.Second)
	defer b.Close()
	ctx, cancel := context.WithCancel(testContext(t))
	errs := make(chan error, 2)
	for i := range 2 {
		go func() { _, err := b.Call(ctx, "a.b.get", map[string]string{"i": strconv.Itoa(i)}, ""); errs <- err }()
	}
	<-started // the batch of two is in flight
	cancel()
	for range 2 {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	}
	<-aborted
}

func TestBatcherCloseFlushesAndRefuses(t *testing.T) {
	clk := clock.NewFake(time.Now())
	p := newPeer(t, nil)
	c := newTestClient(t, p, func(cfg *Config) { cfg.Clock = clk })
	b := NewBatcher(c, 20, time.Hour)
	done := make(chan error, 3)
	for range 3 {
		go func() { _, err := b.Call(testContext(t), "a.b.get", nil, ""); done <- err }()
	}
	eventually(t, "three calls queued", func() bool { _, q := b.state(); return q == 3 })
	b.Close() // no clock advance: Close itself sends them
	for range 3 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Call(testContext(t), "a.b.get", nil, ""); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if got := p.sortedBatchSizes(); !slices.Equal(got, []int{3}) {
		t.Fatalf("batches %v", got)
	}
}
