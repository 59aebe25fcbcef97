package datasync

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// flushes records what the merger hands over.
type flushes struct {
	mu   sync.Mutex
	got  [][]*pendingOrder
	seen chan struct{}
}

func (f *flushes) flush(b []*pendingOrder) {
	f.mu.Lock()
	f.got = append(f.got, b)
	f.mu.Unlock()
	f.seen <- struct{}{}
}

func (f *flushes) rounds() [][]*pendingOrder {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]*pendingOrder(nil), f.got...)
}

func startMerger(t *testing.T, window time.Duration, batch int) (*merger, *clock.Fake, *flushes, *atomic.Int64, context.CancelFunc, chan struct{}) {
	t.Helper()
	clk := clock.NewFake(time.Unix(1762790400, 0))
	var merged atomic.Int64
	m := newMerger(clk, window, batch, func(n int) { merged.Add(int64(n)) })
	f := &flushes{seen: make(chan struct{}, 100)}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { m.run(ctx, f.flush); close(stopped) }()
	t.Cleanup(func() { cancel(); <-stopped })
	return m, clk, f, &merged, cancel, stopped
}

func noop(error) {}

// Messages of one order within the window become one order with all of
// them; other orders stay apart; nothing leaves before the window ends.
func TestMergerFoldsAnOrdersMessagesWithinTheWindow(t *testing.T) {
	m, clk, f, merged, _, _ := startMerger(t, 100*time.Millisecond, 20)
	m.add(1, "s", held{done: noop, topic: "a"})
	waitWaiters(t, clk, 1) // the merger waits for the first order's window
	m.add(2, "s", held{done: noop})
	clk.Advance(50 * time.Millisecond)
	m.add(1, "s", held{done: noop, topic: "b"})
	m.add(1, "s", held{done: noop, topic: "c"})
	if len(f.rounds()) != 0 {
		t.Fatal("flushed before the window ended")
	}
	clk.Advance(50 * time.Millisecond)
	<-f.seen
	r := f.rounds()
	if len(r) != 1 || len(r[0]) != 2 {
		t.Fatalf("rounds %v, want one round of two orders", r)
	}
	if o := r[0][0]; o.tid != 1 || len(o.msgs) != 3 || o.msgs[2].topic != "c" {
		t.Fatalf("first order %+v, want tid 1 with its three messages", o)
	}
	if merged.Load() != 2 {
		t.Errorf("merged %d, want 2", merged.Load())
	}
	// A message for an order already handed over starts a new entry.
	m.add(1, "s", held{done: noop})
	if m.size() != 1 {
		t.Fatalf("%d orders waiting, want 1", m.size())
	}
}

// A round carries at most batch orders; the rest follow at once.
func TestMergerBatchesDueOrders(t *testing.T) {
	m, clk, f, _, _, _ := startMerger(t, 10*time.Millisecond, 3)
	for tid := int64(1); tid <= 7; tid++ {
		m.add(tid, "s", held{done: noop})
	}
	waitWaiters(t, clk, 1)
	clk.Advance(10 * time.Millisecond)
	for range 3 {
		<-f.seen
	}
	var sizes []int
	for _, r := range f.rounds() {
		sizes = append(sizes, len(r))
	}
	if len(sizes) != 3 || sizes[0] != 3 || sizes[1] != 3 || sizes[2] != 1 {
		t.Fatalf("round sizes %v, want [3 3 1]", sizes)
	}
}

// When the worker stops, every held message is failed (left unconfirmed).
func TestMergerFailsHeldMessagesOnStop(t *testing.T) {
	m, clk, _, _, cancel, stopped := startMerger(t, time.Second, 20)
	var mu sync.Mutex
	var errs []error
	done := func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
	m.add(1, "s", held{done: done})
	m.add(1, "s", held{done: done})
	m.add(2, "s", held{done: done})
	waitWaiters(t, clk, 1)
	cancel()
	<-stopped
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 3 {
		t.Fatalf("%d reports, want 3", len(errs))
	}
	for _, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("report %v, want context.Canceled", err)
		}
	}
}

func waitWaiters(t *testing.T, clk *clock.Fake, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clk.BlockUntil(ctx, n); err != nil {
		t.Fatalf("merger never waited: %v", err)
	}
}
