package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/datasync/reconcile"
	"github.com/toplab/toplab/system/sdk"
	"github.com/toplab/toplab/system/top"
)

// An API error anywhere in a window's pagination aborts the window: nothing
// is repaired from a partial listing, the checkpoint stays, and the next
// pass repairs everything.
func TestAPIErrorMidPaginationKeepsTheCheckpoint(t *testing.T) {
	failures := []struct {
		name string
		err  error
	}{
		{"platform error", top.Errorf(top.CodeServiceUnavailable, "isp.trade-service-unavailable", "try later")},
		{"transport error", &sdk.TransportError{Sent: true, Err: errors.New("connection reset")}},
		{"flow control", top.Errorf(top.CodeAppCallLimited, top.SubAppAPIAccessCount, "This ban will last for 1 more seconds")},
	}
	// A 250-order window is read as pages 1 (the total), 3, 2, 1 again.
	for _, store := range stores {
		for _, f := range failures {
			for call := 1; call <= 4; call++ {
				t.Run(fmt.Sprintf("%s/%s/call %d", store.name, f.name, call), func(t *testing.T) {
					ctx := context.Background()
					clk := clock.NewFake(now0)
					db := store.open(t, clk)
					p := newPlatform()
					cps := &reconcile.MemCheckpoints{}
					r := mustNew(t, config(clk, p, db, cps, sellerA))
					populate(p, sellerA, 1000, 5, now0.Add(-time.Hour), time.Minute)
					if err := r.Pass(ctx); err != nil {
						t.Fatal(err)
					}
					cp0, _ := tailCheckpoint(t, cps, sellerA)

					// 250 new orders in the next window, none of them synced.
					clk.Advance(30 * time.Minute)
					populate(p, sellerA, 2000, 250, clk.Now().Add(-20*time.Second), 5*time.Second)
					first := len(p.queries())
					p.fail = func(_ reconcile.Query, n int) error {
						if n == first+call {
							return f.err
						}
						return nil
					}
					before := db.writeOps()
					err := r.Pass(ctx)
					if err == nil || !errors.Is(err, f.err) {
						t.Fatalf("pass error %v, want one wrapping %v", err, f.err)
					}
					if len(p.queries()) != first+call {
						t.Fatalf("%d calls after the failure", len(p.queries())-first-call)
					}
					if cp, _ := tailCheckpoint(t, cps, sellerA); !cp.Equal(cp0) {
						t.Fatalf("checkpoint moved from %s to %s over a failed window", top.FormatTimestamp(cp0), top.FormatTimestamp(cp))
					}
					if ops := db.writeOps() - before; ops != 0 {
						t.Fatalf("%d writes from a partial listing", ops)
					}
					if st := r.Stats(); st.APIErrors != 1 {
						t.Fatalf("api errors %d, want 1", st.APIErrors)
					}

					p.fail = nil
					clk.Advance(time.Minute) // past any ban
					if err := r.Pass(ctx); err != nil {
						t.Fatal(err)
					}
					assertSynced(t, p, db)
					if cp, _ := tailCheckpoint(t, cps, sellerA); !cp.Equal(clk.Now().Add(-10 * time.Second)) {
						t.Fatalf("checkpoint %s after the repairing pass", top.FormatTimestamp(cp))
					}
				})
			}
		}
	}
}

// A flow-control ban pauses the seller until it ends: no calls meanwhile.
func TestFlowControlBanPausesTheSeller(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(now0)
	p := newPlatform()
	populate(p, sellerA, 1000, 5, now0.Add(-time.Hour), time.Minute)
	p.fail = func(_ reconcile.Query, n int) error {
		if n == 1 {
			return top.Errorf(top.CodeAppCallLimited, top.SubAppAPIAccessCount, "This ban will last for 120 more seconds")
		}
		return nil
	}
	r := mustNew(t, config(clk, p, newMemStore(), &reconcile.MemCheckpoints{}, sellerA))
	if err := r.Pass(ctx); err == nil {
		t.Fatal("a banned call passed")
	}
	clk.Advance(time.Minute)
	if err := r.Pass(ctx); err != nil || len(p.queries()) != 1 {
		t.Fatalf("called %d times during the ban (%v)", len(p.queries()), err)
	}
	clk.Advance(time.Minute)
	if err := r.Pass(ctx); err != nil || len(p.queries()) != 2 {
		t.Fatalf("after the ban: %d calls, %v", len(p.queries()), err)
	}
}

// A failing database keeps the checkpoint too.
func TestStoreErrorKeepsTheCheckpoint(t *testing.T) {
	clk := clock.NewFake(now0)
	p := newPlatform()
	populate(p, sellerA, 1000, 5, now0.Add(-time.Hour), time.Minute)
	cps := &reconcile.MemCheckpoints{}
	r := mustNew(t, config(clk, p, failingStore{}, cps, sellerA))
	err := r.Pass(context.Background())
	if err == nil || !strings.Contains(err.Error(), "database down") {
		t.Fatalf("pass error %v", err)
	}
	if _, ok := tailCheckpoint(t, cps, sellerA); ok {
		t.Fatal("checkpoint saved although the database could not be read")
	}
	if st := r.Stats(); st.StoreErrors != 1 || st.Windows != 0 {
		t.Fatalf("stats %+v", st)
	}
}
