package main

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/toplab/toplab/loadgen/orders"
	"github.com/toplab/toplab/loadgen/zeroloss"
	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/system/meta"
)

// Logical clusters: the hot seller's messages go to its own group, consumed
// by its own worker with its own database pool. While that worker is
// stalled (SIGSTOP) under the hot seller's burst, every other seller's
// orders still reach the database; when it resumes, the hot seller catches
// up.
func TestSyncLogicalClusterIsolation(t *testing.T) {
	bin := buildToplab(t)
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "data")
	sellers := demoSyncSellers()
	hot := sellers[1]
	groups := []meta.MessageGroup{{Name: "hot", Sellers: []string{hot}}}
	sys, err := startSyncSystem(ctx, bin, dir, upOptions{
		workers:   []syncWorker{{"sync-1", meta.DefaultGroup}, {"sync-hot", "hot"}},
		syncFlags: syncTestFlags, pushFlags: pushTestFlags,
	}, meta.SyncTenant(time.Now(), sellers, groups)...)
	if err != nil {
		t.Fatal(err)
	}
	defer sys.stop()
	hotWorker := sys.sup.Node("sync-hot")
	if err := syscall.Kill(hotWorker.PID(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	defer func() {
		if !resumed {
			syscall.Kill(hotWorker.PID(), syscall.SIGCONT)
		}
	}()

	// The hot seller takes 70% of new orders.
	gen, err := orders.New(orders.Config{URL: sys.backendURL, Sellers: append([]string{hot}, append(sellers[:1:1], sellers[2:]...)...),
		HotSellers: 1, HotShare: 0.7, Open: 50, Pacer: vegeta.ConstantPacer{Freq: 150, Per: time.Second}, Duration: 6 * time.Second, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gen.Run(ctx); err != nil {
		t.Fatal(err)
	}
	db, err := sellerdb.Open(ctx, sellerdb.Config{DSN: filepath.Join(dir, "seller.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	others := append(sellers[:1:1], sellers[2:]...)
	waitOrders(t, ctx, sys.backendURL, db, others, "the other sellers, with the hot worker stalled")
	rep, err := zeroloss.CheckOrders(ctx, sys.backendURL, db, []string{hot})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Orders == 0 || rep.Differences == 0 {
		t.Fatalf("hot seller: %s; want its orders waiting for the stalled worker", rep)
	}
	t.Logf("with the hot worker stalled: others in sync; hot seller %s", rep)
	if err := syscall.Kill(hotWorker.PID(), syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	resumed = true
	waitOrders(t, ctx, sys.backendURL, db, []string{hot}, "the hot seller after its worker resumed")
}

// waitOrders polls the order checker for sellers until it passes.
func waitOrders(t *testing.T, ctx context.Context, backendURL string, db *sellerdb.DB, sellers []string, what string) {
	t.Helper()
	deadline, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		rep, err := zeroloss.CheckOrders(deadline, backendURL, db, sellers)
		if err == nil && rep.Pass() && rep.Orders > 0 {
			return
		}
		select {
		case <-deadline.Done():
			t.Fatalf("%s: never in sync: %s %+v (err %v)", what, rep, rep.Diffs, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
