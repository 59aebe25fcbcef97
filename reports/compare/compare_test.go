package compare

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/toplab/toplab/reports"
)

// spec describes a constructed run: 70 seconds (10 warm-up) at about 100
// requests a second whose latencies are log-normal around median ms.
type spec struct {
	id     string
	seed   uint64
	median float64 // ms
	rate   float64
	knobs  map[string]string
}

func makeRun(t testing.TB, s spec) *reports.Run {
	t.Helper()
	rng := rand.New(rand.NewPCG(s.seed, 7))
	start := time.Date(2025, 11, 11, 0, 0, 0, 0, time.UTC)
	all := hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
	st := reports.Stream{Name: "api", Kind: reports.KindAPI, ErrorsByCode: map[string]uint64{"http_503": s.seed % 5}}
	vals := make([]float64, 0, 2*int(s.rate))
	for sec := range 70 {
		n := int(s.rate + 3*rng.NormFloat64())
		vals = vals[:0]
		for range n {
			v := s.median * math.Exp(0.4*rng.NormFloat64())
			vals = append(vals, v)
			if sec >= 10 {
				_ = all.RecordValue(int64(1000 * v))
			}
		}
		slices.Sort(vals)
		at := func(q float64) float64 { return vals[int(math.Ceil(q*float64(n)))-1] }
		st.Requests += uint64(n)
		st.Series = append(st.Series, reports.Second{
			Second: sec, Target: s.rate, Achieved: float64(n), Count: uint64(n),
			P50: at(0.5), P90: at(0.9), P99: at(0.99), Max: vals[n-1],
		})
	}
	enc, err := all.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	if st.Latency, err = reports.LatencyOf(string(enc)); err != nil {
		t.Fatal(err)
	}
	st.Errors = st.ErrorsByCode["http_503"]
	return &reports.Run{
		Scenario: "smoke", RunID: s.id, Seed: int64(s.seed), Start: start, End: start.Add(70 * time.Second),
		Env:     reports.Env{Knobs: s.knobs},
		Phases:  []reports.Phase{{Name: "warm-up", End: 10, Warmup: true}, {Name: "steady", Start: 10, End: 70}},
		Streams: []reports.Stream{st},
		Metrics: map[string]float64{"push.resends": float64(s.seed)},
	}
}

func testOf(t *testing.T, c *Comparison, metric string) Test {
	t.Helper()
	for _, x := range c.Tests {
		if x.Stream == "api" && x.Metric == metric && x.Run == 1 {
			return x
		}
	}
	t.Fatalf("no %s test in %+v", metric, c.Tests)
	return Test{}
}

func TestCompareDifferentKnobsAndLatency(t *testing.T) {
	a := makeRun(t, spec{id: "smoke-a", seed: 1, median: 10, rate: 100, knobs: map[string]string{"push.batch": "32", "scale": "0.5"}})
	b := makeRun(t, spec{id: "smoke-b", seed: 2, median: 13, rate: 100, knobs: map[string]string{"push.batch": "64", "scale": "0.5"}})
	c, err := Compare([]*reports.Run{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Knobs) != 2 || c.Knobs[0].Name != "push.batch" || !c.Knobs[0].Differs || c.Knobs[1].Differs {
		t.Errorf("knobs %+v: want push.batch differing, scale not", c.Knobs)
	}
	if c.Runs[0].Label != "push.batch=32" || c.Runs[1].Label != "push.batch=64" {
		t.Errorf("labels %q, %q", c.Runs[0].Label, c.Runs[1].Label)
	}
	p99 := testOf(t, c, MetricP99)
	if !p99.Significant || p99.P >= 0.05 || p99.N0 != 60 || p99.N != 60 {
		t.Errorf("p99 test %+v: want significant over 60 seconds each", p99)
	}
	if p99.Delta <= 0 || p99.DeltaLo <= 0 || p99.DeltaLo > p99.Delta || p99.Delta > p99.DeltaHi {
		t.Errorf("p99 delta %v in [%v, %v]: want a positive interval around it", p99.Delta, p99.DeltaLo, p99.DeltaHi)
	}
	if rate := testOf(t, c, MetricRate); rate.Significant {
		t.Errorf("rate test %+v: same target rate, want not significant", rate)
	}
	var found bool
	for _, m := range c.Metrics {
		if m.Name == "streams.api.p99" {
			found = m.Values[0] != nil && m.Values[1] != nil && *m.Values[1] > *m.Values[0]
		}
	}
	if !found {
		t.Error("figures lack streams.api.p99 for both runs, higher in the slower run")
	}
	again, _ := Compare([]*reports.Run{a, b})
	j1, _ := json.Marshal(c)
	j2, _ := json.Marshal(again)
	if !bytes.Equal(j1, j2) {
		t.Error("comparison is not deterministic")
	}
}

// Same distribution: the test should be significant in about alpha of the
// pairs; different medians: in (nearly) all. Seeded, so deterministic.
func TestCompareSignificanceRates(t *testing.T) {
	const pairs = 20
	same, differ := 0, 0
	for i := range uint64(pairs) {
		a := makeRun(t, spec{id: "a", seed: 100 + i, median: 10, rate: 100})
		b := makeRun(t, spec{id: "b", seed: 200 + i, median: 10, rate: 100})
		c := makeRun(t, spec{id: "c", seed: 300 + i, median: 12, rate: 100})
		cmp, err := CompareWith([]*reports.Run{a, b, c}, Options{Resamples: 200})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range cmp.Tests {
			if x.Metric != MetricP99 || !x.Significant {
				continue
			}
			if x.Run == 1 {
				same++
			} else {
				differ++
			}
		}
	}
	t.Logf("p99 significant: same distribution %d of %d, 20%% slower %d of %d", same, pairs, differ, pairs)
	if same > 3 {
		t.Errorf("same distribution significant in %d of %d pairs; want about 5%%", same, pairs)
	}
	if differ < pairs-1 {
		t.Errorf("20%% slower significant in only %d of %d pairs", differ, pairs)
	}
}

func TestCompareRejectsAndWarns(t *testing.T) {
	a := makeRun(t, spec{id: "a", seed: 1, median: 10, rate: 100})
	if _, err := Compare([]*reports.Run{a}); err == nil {
		t.Error("compared a single run")
	}
	if _, err := Compare([]*reports.Run{a, nil}); err == nil {
		t.Error("compared a nil run")
	}
	b := makeRun(t, spec{id: "b", seed: 2, median: 10, rate: 100})
	b.Scenario, b.Noisy, b.Streams[0].Name = "double11", true, "other"
	c, err := Compare([]*reports.Run{a, b})
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(c.Warnings, "\n")
	for _, want := range []string{"different scenarios", "run b is noisy", "has no stream api"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings %q lack %q", w, want)
		}
	}
	if len(c.Tests) != 0 {
		t.Errorf("tests %+v on a stream the other run lacks", c.Tests)
	}
	if c.Runs[0].Label != "a" || c.Runs[1].Label != "b" {
		t.Errorf("labels without differing knobs: %q %q, want the run ids", c.Runs[0].Label, c.Runs[1].Label)
	}
}

func TestTestTooFewSamples(t *testing.T) {
	if _, err := test([]float64{1}, []float64{1, 2, 3}, Options{}.withDefaults(), 1); err == nil {
		t.Error("tested a one-sample run")
	}
}

func TestBootstrapDeltaBracketsTheShift(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a, b := make([]float64, 200), make([]float64, 200)
	for i := range a {
		a[i] = rng.NormFloat64()
		b[i] = rng.NormFloat64() + 5
	}
	for _, s := range [][]float64{a, b} {
		for i := 1; i < len(s); i++ {
			for j := i; j > 0 && s[j] < s[j-1]; j-- {
				s[j], s[j-1] = s[j-1], s[j]
			}
		}
	}
	lo, hi := bootstrapDelta(a, b, 1000, 0.95, 9)
	if lo > 5 || hi < 5 || hi-lo > 1.5 {
		t.Errorf("interval [%v, %v] of a shift of 5", lo, hi)
	}
	lo2, hi2 := bootstrapDelta(a, b, 1000, 0.95, 9)
	if lo != lo2 || hi != hi2 {
		t.Error("same seed, different interval")
	}
}

func TestWriteComparison(t *testing.T) {
	a := makeRun(t, spec{id: "smoke-a", seed: 1, median: 10, rate: 100, knobs: map[string]string{"push.batch": "32"}})
	b := makeRun(t, spec{id: "smoke-b", seed: 2, median: 13, rate: 100, knobs: map[string]string{"push.batch": "64"}})
	c, err := Compare([]*reports.Run{a, b})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "cmp")
	if err := WriteComparison(dir, c); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(dir, CompareHTML))
	if err != nil {
		t.Fatal(err)
	}
	s := string(html)
	rest := regexp.MustCompile(`xmlns(:\w+)?="https?://[^"]*"`).ReplaceAllString(s, "")
	if strings.Contains(rest, "http://") || strings.Contains(rest, "https://") || strings.Contains(s, "<script") {
		t.Error("compare.html is not self-contained")
	}
	if n := strings.Count(s, "<svg"); n != 4 { // throughput, p99, distribution, errors
		t.Errorf("%d plots, want 4", n)
	}
	for _, want := range []string{"api: throughput", "api: p99 latency", "push.batch=32", "push.batch=64", "warm-up", "Significance against the baseline"} {
		if !strings.Contains(s, want) {
			t.Errorf("compare.html lacks %q", want)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, CompareMD))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`\| push.batch \| 32 \| 64 \|`).Match(md) || !strings.Contains(string(md), "| api | p99 ms per second | push.batch=64 |") {
		t.Errorf("compare.md lacks the knob row or the p99 test:\n%s", md)
	}
	var back Comparison
	js, _ := os.ReadFile(filepath.Join(dir, CompareJSON))
	if err := json.Unmarshal(js, &back); err != nil || len(back.Tests) != len(c.Tests) {
		t.Errorf("compare.json: %v, %d tests", err, len(back.Tests))
	}
	if err := WriteComparison(dir, &back); err == nil {
		t.Error("wrote a comparison without its runs")
	}
}
