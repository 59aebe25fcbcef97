package reports

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// hist records values (µs) into a histogram of loadgen's geometry and
// returns it V2 compressed.
func hist(t testing.TB, values []int64) string {
	t.Helper()
	h := hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
	for _, v := range values {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	return string(enc)
}

// lognormal draws n latencies (µs) around median µs with a seeded source.
func lognormal(rng *rand.Rand, n int, median float64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(median * math.Exp(0.5*rng.NormFloat64()))
	}
	return out
}

// timeline builds a per-second series and its whole distribution; seconds
// before warmup are left out of the distribution, as the runner does.
func timeline(t testing.TB, rng *rand.Rand, seconds int, rate func(int) float64, median func(int) float64, warmup int) Timeline {
	t.Helper()
	var all []int64
	var tl Timeline
	for s := range seconds {
		n := int(rate(s))
		vals := lognormal(rng, n, median(s))
		sec := Second{Second: s, Target: rate(s), Achieved: float64(n) - float64(s%3)}
		if n > 0 {
			l, err := LatencyOf(hist(t, vals))
			if err != nil {
				t.Fatal(err)
			}
			sec.Count, sec.P50, sec.P90, sec.P99, sec.Max = l.Count, l.P50, l.P90, l.P99, l.Max
		}
		if s >= warmup {
			all = append(all, vals...)
		}
		tl.Series = append(tl.Series, sec)
	}
	l, err := LatencyOf(hist(t, all))
	if err != nil {
		t.Fatal(err)
	}
	tl.Latency = l
	return tl
}

// sampleRun is a small, fully populated, deterministic run: 20 seconds, a
// 5-second warm-up, an api stream whose p99 SLO fails, an orders stream,
// push and sync timelines, checks, host samples, knobs and a restarted node.
func sampleRun(t testing.TB) *Run {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2025, 11, 11, 0, 0, 0, 0, time.UTC)
	shape := func(s int) float64 {
		switch {
		case s < 5:
			return 20
		case s < 12:
			return 40
		}
		return 80
	}
	api := timeline(t, rng, 20, shape, func(s int) float64 { return 2000 + 300*float64(s) }, 5)
	orders := timeline(t, rng, 20, func(s int) float64 { return shape(s) / 4 }, func(int) float64 { return 5000 }, 5)
	push := timeline(t, rng, 20, func(s int) float64 { return shape(s) / 4 }, func(int) float64 { return 12000 }, 5)
	sync := timeline(t, rng, 20, func(s int) float64 { return shape(s) / 4 }, func(int) float64 { return 300000 }, 5)
	orders.Series[14].Count = 0 // a second without latencies: a gap in the plot
	for _, s := range []int{6, 13, 14, 15, 17, 18, 19} {
		api.Series[s].Errors = 1
	}
	r := &Run{
		Scenario: "smoke", RunID: "smoke-20251111-000000", Seed: 42,
		Start: start, End: start.Add(20 * time.Second),
		Env: Env{
			Machine:   Machine{CPUModel: "Test CPU @ 2.0GHz", Cores: 2, MemoryBytes: 24 << 30, Kernel: "6.1.0-test", OS: "Debian GNU/Linux 12 (bookworm)"},
			GoVersion: "go1.26.8", Commit: "0123456789ab", Store: "sqlite", Coord: "sqlitefile",
			Knobs: map[string]string{"scale": "0.5", "push.batch": "64"},
			Nodes: []Node{
				{Name: "gateway-1", Role: "gateway", PIDs: []int{101}, Work: 1003, WorkMetric: "calls"},
				{Name: "push-1", Role: "push", PIDs: []int{102, 140}, Restarts: 1},
			},
		},
		Host: Host{Load1Mean: 1.2, Load1Max: 1.9, CPUStealPct: 0.4, CPUBusyPct: 71, Cores: 2},
		Phases: []Phase{
			{Name: "warm-up", Start: 0, End: 5, Warmup: true},
			{Name: "baseline", Start: 5, End: 12},
			{Name: "peak", Start: 12, End: 20},
		},
		Streams: []Stream{
			{Name: "api", Kind: KindAPI, Series: api.Series, Latency: api.Latency, Requests: 1010, Errors: 7,
				ErrorsByCode: map[string]uint64{"http_503": 4, "error:timeout": 2, "top:7|isv.throttled": 1}},
			{Name: "orders", Kind: KindOrders, Series: orders.Series, Latency: orders.Latency, Requests: 250},
		},
		PushE2E:       &push,
		SyncFreshness: &sync,
		Checks: []Check{
			{Name: "messages", Pass: true, Figures: map[string]int64{"lost": 0, "unexpected": 0, "duplicates": 3}},
			{Name: "orders", Pass: true, Figures: map[string]int64{"differences": 0}},
		},
		Metrics: map[string]float64{"sync.statements_per_order": 2.5, "push.resends": 3},
	}
	for s := range 20 {
		r.Host.Samples = append(r.Host.Samples, HostSample{Second: float64(s), Load1: 1 + float64(s)/20, StealPct: 0.4, BusyPct: 60 + float64(s)})
	}
	r.SLOs = []Verdict{
		Judge("api p99", "latency", AtMost, 5, r.Streams[0].Latency.P99, "ms"),
		Judge("api error rate", "error_rate", AtMost, 1, 100*7/1010.0, "%"),
		Judge("push e2e p99", "push_e2e", AtMost, 100, push.Latency.P99, "ms"),
		Judge("lost messages", "lost_messages", AtMost, 0, 0, ""),
	}
	return r
}
