package orders

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toplab/toplab/loadgen/pacer"
	"github.com/toplab/toplab/system/clock"
)

// traceLog collects a run's results.
type traceLog struct {
	mu  sync.Mutex
	res []Result
}

func (l *traceLog) add(r Result) {
	l.mu.Lock()
	l.res = append(l.res, r)
	l.mu.Unlock()
}

// bySeq returns the results in hit order.
func (l *traceLog) bySeq() []Result {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Clone(l.res)
	slices.SortFunc(out, func(a, b Result) int { return int(a.Seq) - int(b.Seq) })
	return out
}

func runCfg(url string, n uint64) Config {
	return Config{
		URL: url, Sellers: sellers(20), HotSellers: 2, Open: 40, Seed: 11,
		Pacer: pacer.Constant{PerSecond: 5000}, Duration: time.Minute, MaxActions: n, Concurrency: 16,
	}
}

func mustRun(t *testing.T, cfg Config) Stats {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a hang fails, it asserts no timing
	defer cancel()
	st, err := g.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return st
}

// Against a real trade centre: every planned action is sent and succeeds,
// in the planned mix, with no 409 and no status the model did not expect;
// the orders end in the statuses the generator last saw.
func TestRunAgainstTheTradeCentre(t *testing.T) {
	const n = 1500
	node, srv := startNode(t, nil)
	var log traceLog
	cfg := runCfg(srv.URL, n)
	cfg.Trace = log.add
	st := mustRun(t, cfg)

	if st.Dispatched != n || st.Sent != n || st.Failed() != 0 || st.Skipped != 0 || st.Drift != 0 || st.Stopped != StopMaxActions {
		t.Fatalf("stats %+v", st)
	}
	plan, err := Plan(cfg, n)
	if err != nil {
		t.Fatal(err)
	}
	if want := kinds(plan); !mapsEqual(st.Done, want) {
		t.Fatalf("done %v, planned %v", st.Done, want)
	}
	// The trace is the plan, action for action.
	res := log.bySeq()
	if len(res) != n {
		t.Fatalf("%d results traced", len(res))
	}
	last := map[int64]string{}
	for i, r := range res {
		if r.Action != plan[i] {
			t.Fatalf("action %d: ran %+v, planned %+v", i, r.Action, plan[i])
		}
		if r.Err != nil || r.Tid == 0 || r.Status != r.Want {
			t.Fatalf("action %d: %+v", i, r)
		}
		last[r.Tid] = r.Status
	}
	if uint64(len(last)) != st.Created() {
		t.Fatalf("%d tids for %d orders", len(last), st.Created())
	}
	for tid, status := range last {
		v, err := node.Trades().Get(context.Background(), tid)
		if err != nil {
			t.Fatal(err)
		}
		if v.Trade.Status != status {
			t.Fatalf("trade %d is %s, the generator last saw %s", tid, v.Trade.Status, status)
		}
	}
	t.Logf("%+v", st)
}

func mapsEqual(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// One order never has two actions in flight, even when the pool is tiny
// and many workers run.
func TestOneActionInFlightPerOrder(t *testing.T) {
	var (
		mu       sync.Mutex
		inFlight = map[string]bool{}
		overlaps atomic.Int64
	)
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key, isEvent := strings.CutSuffix(r.URL.Path, "/events")
			if isEvent {
				mu.Lock()
				if inFlight[key] {
					overlaps.Add(1)
				}
				inFlight[key] = true
				mu.Unlock()
				defer func() {
					mu.Lock()
					delete(inFlight, key)
					mu.Unlock()
				}()
			}
			h.ServeHTTP(w, r)
		})
	}
	_, srv := startNode(t, wrap)
	cfg := runCfg(srv.URL, 600)
	cfg.Open, cfg.Concurrency = 3, 32
	st := mustRun(t, cfg)
	if overlaps.Load() != 0 {
		t.Fatalf("%d actions overlapped another on the same order", overlaps.Load())
	}
	if st.Sent != 600 || st.Failed() != 0 || st.Drift != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// Failures from the server are counted, not fatal: the run goes on, and a
// failed order's later actions are skipped rather than sent.
func TestServerErrorsAreCounted(t *testing.T) {
	var calls atomic.Int64
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1)%7 == 0 {
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"code":15,"msg":"Remote Service Error","sub_code":"isp.remote-service-error"}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	_, srv := startNode(t, wrap)
	const n = 500
	st := mustRun(t, runCfg(srv.URL, n))
	if st.Errors[http.StatusInternalServerError] == 0 || st.Errors[http.StatusInternalServerError] != uint64(calls.Load()/7) {
		t.Fatalf("500s counted %d, served %d", st.Errors[http.StatusInternalServerError], calls.Load()/7)
	}
	if st.Conflicts != 0 || st.Drift != 0 {
		t.Fatalf("conflicts %d, drift %d: failed orders were not skipped", st.Conflicts, st.Drift)
	}
	if st.Sent+st.Skipped != n || st.Skipped == 0 || st.Sent != uint64(calls.Load()) {
		t.Fatalf("sent %d + skipped %d, want %d; server saw %d", st.Sent, st.Skipped, n, calls.Load())
	}
}

// No answer at all (nothing listens) is counted under 0.
func TestNoServer(t *testing.T) {
	_, srv := startNode(t, nil)
	url := srv.URL
	srv.Close()
	st := mustRun(t, runCfg(url, 50))
	if st.Errors[0] == 0 || st.Sent != st.Errors[0] || st.Sent+st.Skipped != 50 {
		t.Fatalf("stats %+v", st)
	}
}

// stubServer answers every action like the trade centre, without one.
func stubServer(t testing.TB) (string, *atomic.Int64) {
	var n atomic.Int64
	_, srv := startNode(t, func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"trade":{"tid":1,"status":"x"}}`))
		})
	})
	return srv.URL, &n
}

// drive advances the fake clock step by step whenever the run waits on
// more than `others` timers, until done closes.
func drive(fake *clock.Fake, step time.Duration, others int, done <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-done
		cancel()
	}()
	for fake.BlockUntil(ctx, others+1) == nil {
		fake.Advance(step)
	}
}

// The run is bounded by Duration: exactly the hits the pacer has due by
// then, paced on the injected clock; progress reports arrive on it too.
func TestBoundedByDuration(t *testing.T) {
	url, served := stubServer(t)
	fake := clock.NewFake(time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC))
	var (
		mu      sync.Mutex
		reports []Progress
	)
	cfg := Config{
		URL: url, Sellers: sellers(3), Pacer: pacer.Linear{From: 50, To: 150, Duration: 10 * time.Second},
		Duration: 2 * time.Second, Clock: fake, ProgressEvery: 500 * time.Millisecond,
		Progress: func(p Progress) { mu.Lock(); reports = append(reports, p); mu.Unlock() },
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var st Stats
	go func() {
		defer close(done)
		st, err = g.Run(context.Background())
	}()
	drive(fake, 5*time.Millisecond, 1, done) // the progress ticker is the other timer
	<-done
	if err != nil {
		t.Fatal(err)
	}
	// 50/s rising by 10/s per second: 50*2 + 10*2*2/2 = 120 hits by 2 s.
	if st.Dispatched != 120 || st.Stopped != StopDone || uint64(served.Load()) != st.Sent {
		t.Fatalf("stats %+v, served %d", st, served.Load())
	}
	if st.Elapsed < 2*time.Second {
		t.Fatalf("ran %v on the fake clock, the last hit is due at 2s", st.Elapsed)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) < 2 || !reports[len(reports)-1].Final || reports[len(reports)-1].Sent != st.Sent {
		t.Fatalf("reports %+v", reports)
	}
	if r := reports[0]; r.Final || r.Elapsed != 500*time.Millisecond || r.Target != 55 {
		t.Fatalf("first report %+v, want at 500ms with target 55/s", r)
	}
}

// The run is bounded by MaxActions, and a generator runs once.
func TestBoundedByCount(t *testing.T) {
	url, served := stubServer(t)
	g, err := New(Config{URL: url, Sellers: sellers(3), Pacer: pacer.Constant{PerSecond: 10_000}, MaxActions: 37})
	if err != nil {
		t.Fatal(err)
	}
	st, err := g.Run(context.Background())
	if err != nil || st.Dispatched != 37 || st.Stopped != StopMaxActions || served.Load() != int64(st.Sent) {
		t.Fatalf("%v %+v served %d", err, st, served.Load())
	}
	if _, err := g.Run(context.Background()); err == nil {
		t.Fatal("a second Run was accepted")
	}
}

// Cancelling stops the run and returns the context's error with the stats.
func TestCancel(t *testing.T) {
	url, _ := stubServer(t)
	fake := clock.NewFake(time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC))
	g, err := New(Config{URL: url, Sellers: sellers(3), Pacer: pacer.Constant{PerSecond: 10}, Duration: time.Hour, Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var st Stats
	go func() {
		defer close(done)
		st, err = g.Run(ctx)
	}()
	for range 5 { // five hits, then cancel while it waits for the sixth
		if err := fake.BlockUntil(ctx, 1); err != nil {
			t.Fatal(err)
		}
		fake.Advance(100 * time.Millisecond)
	}
	if err := fake.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	if err != context.Canceled || st.Stopped != StopCanceled || st.Dispatched != 5 {
		t.Fatalf("%v %+v", err, st)
	}
}
