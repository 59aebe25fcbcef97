package loadgen

import (
	"math/rand/v2"
	"testing"
	"time"
)

// observations returns n reproducible observations spread over a few seconds,
// with a long tail and some failures.
func observations(n int, seed uint64) []Observation {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]Observation, n)
	for i := range out {
		raw := time.Duration(rng.ExpFloat64() * float64(2*time.Millisecond))
		lag := time.Duration(0)
		if rng.IntN(20) == 0 {
			lag = time.Duration(rng.Int64N(int64(time.Second)))
		}
		intended := time.Duration(rng.Int64N(int64(5 * time.Second)))
		o := Observation{Intended: intended, Sent: intended + lag, Raw: raw, Corrected: raw + lag, Code: 200, Outcome: OutcomeOK}
		if rng.IntN(10) == 0 {
			o.Code, o.Outcome = 503, "http_503"
		}
		out[i] = o
	}
	return out
}

// Per-shard histograms merged must equal one histogram of every value.
func TestRecorderShardsMergeLosslessly(t *testing.T) {
	obs := observations(20000, 7)
	one, four := NewRecorder(1), NewRecorder(4)
	for i, o := range obs {
		one.Shard(0).Record(o)
		four.Shard(i % 4).Record(o)
	}
	start := time.Date(2024, 11, 11, 0, 0, 0, 0, time.UTC)
	a, err := one.Summary(start)
	if err != nil {
		t.Fatal(err)
	}
	b, err := four.Summary(start)
	if err != nil {
		t.Fatal(err)
	}
	assertSameSummary(t, a, b)
	if a.Corrected.Count != 20000 || a.Requests != 20000 || a.Successes+a.Outcomes["http_503"] != 20000 {
		t.Fatalf("counts: corrected %d requests %d successes %d", a.Corrected.Count, a.Requests, a.Successes)
	}
}

func assertSameSummary(t *testing.T, a, b *Summary) {
	t.Helper()
	for _, d := range []struct {
		name string
		x, y Distribution
	}{{"corrected", a.Corrected, b.Corrected}, {"raw", a.Raw, b.Raw}} {
		hx, err := d.x.Histogram()
		if err != nil {
			t.Fatal(err)
		}
		hy, err := d.y.Histogram()
		if err != nil {
			t.Fatal(err)
		}
		if d.x != d.y || hx.TotalCount() != hy.TotalCount() {
			t.Errorf("%s distributions differ:\n%+v\n%+v", d.name, d.x, d.y)
		}
		for v, c := range hx.ForEachBucket {
			if hy.CountAtValue(v) != c {
				t.Errorf("%s: bucket %d holds %d and %d", d.name, v, c, hy.CountAtValue(v))
				break
			}
		}
	}
	if a.Requests != b.Requests || a.Successes != b.Successes || len(a.Series) != len(b.Series) {
		t.Fatalf("requests %d/%d successes %d/%d seconds %d/%d", a.Requests, b.Requests, a.Successes, b.Successes, len(a.Series), len(b.Series))
	}
	for i := range a.Series {
		if a.Series[i] != b.Series[i] {
			t.Errorf("second %d differs:\n%+v\n%+v", i, a.Series[i], b.Series[i])
		}
	}
	for k, v := range a.Outcomes {
		if b.Outcomes[k] != v {
			t.Errorf("outcome %q: %d vs %d", k, v, b.Outcomes[k])
		}
	}
	for k, v := range a.Codes {
		if b.Codes[k] != v {
			t.Errorf("code %d: %d vs %d", k, v, b.Codes[k])
		}
	}
}

func TestRecordClampsAndSkipsCanceled(t *testing.T) {
	r := NewRecorder(1)
	r.Shard(0).Record(Observation{Raw: -time.Second, Corrected: 2 * time.Hour, Outcome: OutcomeOK, Code: 200})
	r.Shard(0).Record(Observation{Raw: time.Second, Outcome: OutcomeCanceled})
	s, err := r.Summary(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if s.Requests != 2 || s.Corrected.Count != 1 || s.Outcomes[OutcomeCanceled] != 1 || s.Successes != 1 {
		t.Fatalf("requests %d latencies %d outcomes %v", s.Requests, s.Corrected.Count, s.Outcomes)
	}
	if s.Corrected.Max < time.Hour-time.Second || s.Raw.Max != 0 {
		t.Fatalf("corrected max %v (want about 1 h), raw max %v (want 0)", s.Corrected.Max, s.Raw.Max)
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	obs := observations(1000, 3)
	s := NewRecorder(1).Shard(0)
	for _, o := range obs { // warm: every outcome, bucket and second seen once
		s.Record(o)
	}
	i := 0
	if n := testing.AllocsPerRun(5000, func() { s.Record(obs[i%len(obs)]); i++ }); n != 0 {
		t.Fatalf("Record allocates %v times per call", n)
	}
}

// An expected error (a bad request sent on purpose that got its code) is no
// success, but the per-second error count leaves it out; a real error counts.
func TestExpectedOutcomesAreNoErrorsPerSecond(t *testing.T) {
	r := NewRecorder(1)
	for _, out := range []string{OutcomeOK, OutcomeExpectedPrefix + "25", "top:10"} {
		r.Shard(0).Record(Observation{Intended: 500 * time.Millisecond, Sent: 500 * time.Millisecond, Raw: time.Millisecond,
			Corrected: time.Millisecond, Outcome: out, Code: 200})
	}
	s, err := r.Summary(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if s.Successes != 1 || len(s.Series) == 0 || s.Series[0].Requests != 3 || s.Series[0].Errors != 1 {
		t.Fatalf("successes %d, series %+v; want 1 success, 3 requests and 1 error in second 0", s.Successes, s.Series)
	}
}
