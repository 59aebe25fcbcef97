package reconcile_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/datasync/assign"
	"github.com/toplab/toplab/system/datasync/reconcile"
)

// The assigner is the reconciler's owner in the worker.
var _ reconcile.Owner = (*assign.Assigner)(nil)

// owner is a switchable Owner with a change notification.
type owner struct {
	mu      sync.Mutex
	owned   map[uint64]bool
	changed chan struct{}
}

func newOwner(sellers ...string) *owner {
	o := &owner{changed: make(chan struct{})}
	o.set(sellers...)
	return o
}

func (o *owner) Owns(task uint64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.owned[task]
}

func (o *owner) Changed() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.changed
}

func (o *owner) set(sellers ...string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.owned = map[uint64]bool{}
	for _, s := range sellers {
		o.owned[reconcile.TaskID(s)] = true
	}
	close(o.changed)
	o.changed = make(chan struct{})
}

// Run reconciles only owned sellers, at once when the assignment changes
// (no tick needed), and returns nil when its context ends.
func TestRunFollowsTheOwner(t *testing.T) {
	clk := clock.NewFake(now0)
	p := newPlatform()
	populate(p, sellerA, 1000, 5, now0.Add(-time.Hour), time.Minute)
	populate(p, sellerB, 2000, 5, now0.Add(-time.Hour), time.Minute)
	listed := make(chan string, 100)
	p.before = func(q reconcile.Query, _ int) {
		select {
		case listed <- q.Seller:
		default: // nobody waits for this one
		}
	}
	o := newOwner(sellerA)
	db := newMemStore()
	cfg := config(clk, p, db, &reconcile.MemCheckpoints{}, sellerA, sellerB)
	cfg.Owner = o
	r := mustNew(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	awaitListed(t, listed, sellerA) // the first pass runs at once
	o.set(sellerA, sellerB)
	awaitListed(t, listed, sellerB) // woken by the change, not by the clock
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run returned %v", err)
	}
	if _, ok := db.row(2000); !ok {
		t.Fatal("seller B's orders were not repaired")
	}
}

// Sellers another worker owns are not touched.
func TestPassSkipsSellersOwnedElsewhere(t *testing.T) {
	clk := clock.NewFake(now0)
	p := newPlatform()
	populate(p, sellerA, 1000, 5, now0.Add(-time.Hour), time.Minute)
	populate(p, sellerB, 2000, 5, now0.Add(-time.Hour), time.Minute)
	cfg := config(clk, p, newMemStore(), &reconcile.MemCheckpoints{}, sellerA, sellerB)
	cfg.Owner = newOwner(sellerB)
	r := mustNew(t, cfg)
	if err := r.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, q := range p.queries() {
		if q.Seller != sellerB {
			t.Fatalf("listed %s, owned elsewhere", q.Seller)
		}
	}
	if len(p.queries()) == 0 {
		t.Fatal("the owned seller was not listed")
	}
}

// awaitListed waits until seller's orders are listed.
func awaitListed(t *testing.T, listed <-chan string, seller string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case got := <-listed:
			if got == seller {
				return
			}
		case <-timeout:
			t.Fatalf("%s was never listed", seller)
		}
	}
}
