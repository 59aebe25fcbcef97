package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// concurrencyServer counts requests and the most it ever had in flight. The
// first requests wait until n are in flight at once (or a generous fallback
// passes, so a generator that never gets there fails instead of hanging).
func concurrencyServer(t *testing.T, n int64) (url string, served, maxInFlight *atomic.Int64) {
	served, maxInFlight = new(atomic.Int64), new(atomic.Int64)
	var inFlight atomic.Int64
	reached := make(chan struct{})
	var once sync.Once
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		now := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			old := maxInFlight.Load()
			if now <= old || maxInFlight.CompareAndSwap(old, now) {
				break
			}
		}
		if now >= n {
			once.Do(func() { close(reached) })
		}
		select {
		case <-reached:
		case <-time.After(10 * time.Second):
		}
	}))
	return srv.URL, served, maxInFlight
}

func TestClosedKeepsConcurrencyAndCount(t *testing.T) {
	for _, c := range []int{1, 4, 9} {
		t.Run(fmt.Sprintf("c=%d", c), func(t *testing.T) {
			url, served, maxInFlight := concurrencyServer(t, int64(c))
			sum, err := Closed(context.Background(), getTargeter(url), Options{Concurrency: c, MaxHits: 100, Duration: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			if served.Load() != 100 || sum.Requests != 100 || sum.Successes != 100 || sum.Stopped != StopMaxHits {
				t.Fatalf("served %d requests %d successes %d stopped %q; want 100 and %q",
					served.Load(), sum.Requests, sum.Successes, sum.Stopped, StopMaxHits)
			}
			if got := maxInFlight.Load(); got != int64(c) {
				t.Fatalf("max in flight %d, want the concurrency %d", got, c)
			}
			if sum.Model != ModelClosed || sum.Corrected.Hist != sum.Raw.Hist || sum.Unsent != 0 {
				t.Fatalf("model %q, corrected == raw %v, unsent %d", sum.Model, sum.Corrected.Hist == sum.Raw.Hist, sum.Unsent)
			}
			for _, s := range sum.Series {
				if s.Target != 0 {
					t.Fatalf("closed model series has a target: %+v", s)
				}
			}
		})
	}
}

func TestClosedStopsAtDuration(t *testing.T) {
	srv, served := okServer(t)
	sum, err := Closed(context.Background(), getTargeter(srv.URL), Options{Concurrency: 2, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stopped != StopDone || sum.Requests == 0 || uint64(served.Load()) != sum.Requests {
		t.Fatalf("stopped %q requests %d served %d", sum.Stopped, sum.Requests, served.Load())
	}
}
