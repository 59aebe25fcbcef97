package loadgen

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// A server that stalls once for a second in the middle of a run, against a
// generator allowed one worker: the hits due during the stall queue inside
// the generator. vegeta's raw latency hides that queueing; the corrected
// latency, measured from the intended send time, shows it. The assertions
// compare the two distributions with wide margins, not absolute timings.
func TestAttackCorrectsCoordinatedOmission(t *testing.T) {
	if testing.Short() {
		t.Skip("a 3 s real-time run; run without -short")
	}
	const stall = time.Second
	var n atomic.Int64
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 150 { // the middle of 300 hits
			select { // the fault being simulated, not a test sleep
			case <-time.After(stall):
			case <-r.Context().Done():
			}
		}
	}))
	sum, err := Attack(context.Background(), getTargeter(srv.URL), Options{
		Pacer: rate(100), Duration: 3 * time.Second, Workers: 1, MaxWorkers: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Requests != 300 || sum.Successes != 300 || sum.Unsent != 0 || sum.Stopped != StopDone {
		t.Fatalf("requests %d successes %d unsent %d stopped %q; want all 300 hits due sent and answered",
			sum.Requests, sum.Successes, sum.Unsent, sum.Stopped)
	}
	c, raw := sum.Corrected, sum.Raw
	t.Logf("corrected p50 %v p90 %v p99 %v max %v; raw p50 %v p90 %v p99 %v max %v",
		c.P50, c.P90, c.P99, c.Max, raw.P50, raw.P90, raw.P99, raw.Max)
	if c.P99 < stall/2 {
		t.Errorf("corrected p99 %v does not show the %v stall", c.P99, stall)
	}
	if c.Max < stall*9/10 {
		t.Errorf("corrected max %v is below the %v stall", c.Max, stall)
	}
	if raw.P99 > c.P99/4 {
		t.Errorf("raw p99 %v is not well below corrected p99 %v: nothing was hidden?", raw.P99, c.P99)
	}
	// About 100 hits were due during the stall and queued behind it.
	queued, rawSlow := countAbove(t, c, stall/4), countAbove(t, raw, stall/4)
	if queued < 50 || rawSlow > 5 {
		t.Errorf("hits slower than %v: corrected %d (want >= 50), raw %d (want <= 5)", stall/4, queued, rawSlow)
	}
	// The series puts the stall in the seconds the hits were due.
	var worst time.Duration
	for _, s := range sum.Series {
		worst = max(worst, s.P99)
	}
	if worst < stall/2 {
		t.Errorf("no second of the series shows the stall: worst p99 %v", worst)
	}
}

func TestAttackSendsTheScheduleAndStops(t *testing.T) {
	tests := []struct {
		name     string
		pacer    vegeta.Pacer
		duration time.Duration
		want     uint64 // hits due within the duration
	}{
		{"constant", rate(200), time.Second, 200}, // due at 5 ms, 10 ms, ... 1000 ms
		// hit 0 at once, hit n when the integral 50t²+100t (170.5 at 1.1 s) reaches n+1
		{"linear", vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: 100, Per: time.Second}, Slope: 100}, 1100 * time.Millisecond, 170},
		// the integral 100t + 50/(2π)·(1 - cos 2πt) is 132.96 at 1.25 s: hits 0..131
		{"sine", vegeta.SinePacer{Period: time.Second, Mean: vegeta.Rate{Freq: 100, Per: time.Second},
			Amp: vegeta.Rate{Freq: 50, Per: time.Second}}, 1250 * time.Millisecond, 132},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, served := okServer(t)
			sum, err := Attack(context.Background(), getTargeter(srv.URL), Options{Pacer: tc.pacer, Duration: tc.duration, Name: tc.name})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Requests != tc.want || uint64(served.Load()) != tc.want || sum.Stopped != StopDone || sum.Model != ModelOpen || sum.Name != tc.name {
				t.Fatalf("requests %d served %d stopped %q model %q name %q; want %d done",
					sum.Requests, served.Load(), sum.Stopped, sum.Model, sum.Name, tc.want)
			}
			var target, sent, requests uint64
			for _, s := range sum.Series {
				target += s.Target
				sent += s.Sent
				requests += s.Requests
			}
			if target != tc.want || sent != tc.want || requests != tc.want || sum.Corrected.Count != tc.want || sum.Raw.Count != tc.want {
				t.Fatalf("series target %d sent %d requests %d, histograms %d/%d; want %d each",
					target, sent, requests, sum.Corrected.Count, sum.Raw.Count, tc.want)
			}
			if sum.Codes[200] != tc.want || sum.Outcomes[OutcomeOK] != tc.want || sum.Unsent != 0 {
				t.Fatalf("codes %v outcomes %v unsent %d", sum.Codes, sum.Outcomes, sum.Unsent)
			}
			if sum.Corrected.P50 < sum.Raw.P50 {
				t.Fatalf("corrected p50 %v below raw p50 %v", sum.Corrected.P50, sum.Raw.P50)
			}
		})
	}
}

func TestAttackMaxHits(t *testing.T) {
	srv, served := okServer(t)
	sum, err := Attack(context.Background(), getTargeter(srv.URL), Options{Pacer: rate(1000), Duration: time.Minute, MaxHits: 50})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Requests != 50 || served.Load() != 50 || sum.Stopped != StopMaxHits {
		t.Fatalf("requests %d served %d stopped %q; want 50, 50, %q", sum.Requests, served.Load(), sum.Stopped, StopMaxHits)
	}
}

func TestAttackCancellationEndsIt(t *testing.T) {
	arrived := make(chan struct{})
	var once sync.Once
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(arrived) })
		<-r.Context().Done() // hang until the client goes away
	}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-arrived
		cancel()
	}()
	var sum *Summary
	var err error
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		sum, err = Attack(ctx, getTargeter(srv.URL), Options{
			Pacer: rate(50), Duration: time.Hour, MaxWorkers: 4,
			HTTP: HTTPOptions{Timeout: time.Hour}, // only cancellation can end these hits
		})
	}()
	within(t, 30*time.Second, returned, "Attack returning after cancellation")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if sum == nil || sum.Stopped != StopCanceled || sum.Outcomes[OutcomeCanceled] == 0 || sum.Successes != 0 {
		t.Fatalf("summary %+v: want stopped %q with canceled hits", sum, StopCanceled)
	}
	if sum.Corrected.Count != 0 {
		t.Fatalf("cancelled hits recorded %d latencies", sum.Corrected.Count)
	}
}

// A server that never answers one hit, a single worker and a short drain:
// the run ends at the drain deadline and counts the due hits it never sent.
func TestAttackDrainCountsUnsent(t *testing.T) {
	var n atomic.Int64
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 5 {
			<-r.Context().Done()
		}
	}))
	sum, err := Attack(context.Background(), getTargeter(srv.URL), Options{
		Pacer: rate(100), Duration: 200 * time.Millisecond, Drain: 100 * time.Millisecond,
		Workers: 1, MaxWorkers: 1, HTTP: HTTPOptions{Timeout: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stopped != StopDrain || sum.Unsent == 0 || sum.Requests+sum.Unsent != 20 {
		t.Fatalf("stopped %q requests %d unsent %d; want %q and requests+unsent = the 20 hits due",
			sum.Stopped, sum.Requests, sum.Unsent, StopDrain)
	}
	if sum.Outcomes["error:timeout"] != 1 {
		t.Fatalf("outcomes %v: want the stalled hit as error:timeout", sum.Outcomes)
	}
}

func TestAttackSourceAddresses(t *testing.T) {
	var mu sync.Mutex
	hosts := map[string]int{}
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		hosts[host]++
		mu.Unlock()
	}))
	srcs := []netip.Addr{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3")}
	sum, err := Attack(context.Background(), getTargeter(srv.URL), Options{
		Pacer: rate(200), MaxHits: 20, HTTP: HTTPOptions{SourceAddrs: srcs, DisableKeepAlive: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if sum.Successes != 20 || len(hosts) != 2 || hosts["127.0.0.2"] == 0 || hosts["127.0.0.3"] == 0 {
		t.Fatalf("successes %d, connections came from %v; want both source addresses", sum.Successes, hosts)
	}
}

func TestAttackRejectsInfiniteRate(t *testing.T) {
	srv, served := okServer(t)
	tests := []struct {
		name  string
		pacer vegeta.Pacer
	}{
		{"zero constant", rate(0)},
		{"sub-nanosecond interval", vegeta.ConstantPacer{Freq: 2e9, Per: time.Second}},
		{"zero linear", vegeta.LinearPacer{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Attack(context.Background(), getTargeter(srv.URL), Options{Pacer: tc.pacer}); err == nil {
				t.Fatal("an infinite-rate pacer should be refused in the open model")
			}
		})
	}
	if _, err := Attack(context.Background(), nil, Options{}); err == nil {
		t.Fatal("a nil targeter should be refused")
	}
	if served.Load() != 0 {
		t.Fatalf("%d requests sent by refused runs", served.Load())
	}
}
