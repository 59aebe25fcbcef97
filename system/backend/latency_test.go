package backend

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// quantile of sorted samples (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	return sorted[int(math.Ceil(q*float64(len(sorted))))-1]
}

func within(got, want time.Duration, rel float64) bool {
	return math.Abs(float64(got)-float64(want)) <= rel*float64(want)
}

func TestLatencyQuantiles(t *testing.T) {
	tests := []struct {
		name     string
		l        Latency
		p50, p99 time.Duration
	}{
		{"tight", Latency{P50: 2 * time.Millisecond, P99: 5 * time.Millisecond}, 2 * time.Millisecond, 5 * time.Millisecond},
		{"heavy tail", Latency{P50: 20 * time.Millisecond, P99: 400 * time.Millisecond}, 20 * time.Millisecond, 400 * time.Millisecond},
		{"no spread", Latency{P50: 3 * time.Millisecond}, 3 * time.Millisecond, 3 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.l.Sample(7, 200_000)
			slices.Sort(s)
			// The standard error of these quantiles at n=200k is well under 1%.
			if got := quantile(s, 0.50); !within(got, tt.p50, 0.02) {
				t.Errorf("p50 %v, want %v", got, tt.p50)
			}
			if got := quantile(s, 0.99); !within(got, tt.p99, 0.04) {
				t.Errorf("p99 %v, want %v", got, tt.p99)
			}
			// A third point checks the shape, not just the two fitted ones:
			// p90 = exp(mu + 1.2816 sigma).
			mu := math.Log(float64(tt.p50))
			sigma := (math.Log(float64(tt.p99)) - mu) / z99
			if want := time.Duration(math.Exp(mu + 1.2816*sigma)); !within(quantile(s, 0.90), want, 0.03) {
				t.Errorf("p90 %v, want %v", quantile(s, 0.90), want)
			}
		})
	}
}

func TestLatencySpikes(t *testing.T) {
	l := Latency{P50: time.Millisecond, P99: 2 * time.Millisecond, SpikeProb: 0.01, Spike: time.Second}
	s := l.Sample(3, 200_000)
	spikes := 0
	for _, d := range s {
		if d >= time.Second {
			spikes++
		}
	}
	// Binomial: mean 2000, sd ~44.5; 250 is more than 5 sd.
	if spikes < 1750 || spikes > 2250 {
		t.Fatalf("%d spikes in 200k, want about 2000", spikes)
	}
	only := Latency{SpikeProb: 0.5, Spike: time.Second}.Sample(3, 1000)
	for _, d := range only {
		if d != 0 && d != time.Second {
			t.Fatalf("spike-only model drew %v", d)
		}
	}
}

func TestLatencyZeroAndSeeds(t *testing.T) {
	for _, d := range (Latency{}).Sample(1, 1000) {
		if d != 0 {
			t.Fatalf("zero model drew %v", d)
		}
	}
	l := Latency{P50: time.Millisecond, P99: 9 * time.Millisecond}
	if !slices.Equal(l.Sample(5, 100), l.Sample(5, 100)) {
		t.Fatal("same seed, different draws")
	}
	if slices.Equal(l.Sample(5, 100), l.Sample(6, 100)) {
		t.Fatal("different seeds, same draws")
	}
}

func TestLatencyValidation(t *testing.T) {
	bad := []Latency{
		{P50: -1},
		{P50: 10, P99: 5},
		{P99: 5},
		{SpikeProb: 1.5},
		{SpikeProb: math.NaN()},
		{Spike: -time.Second},
	}
	for _, l := range bad {
		if _, err := New(Config{Latency: LatencyConfig{Methods: map[string]Latency{MethodItemGet: l}}, Logger: quietLogger()}); err == nil {
			t.Errorf("%+v accepted", l)
		}
	}
}

func TestLatencyConfigLookup(t *testing.T) {
	c := LatencyConfig{
		Services: map[string]Latency{"trade": {P50: 1}},
		Methods:  map[string]Latency{MethodTradesSoldGet: {P50: 2}},
	}
	if c.lookup("trade", MethodTradesSoldGet).P50 != 2 || c.lookup("trade", MethodTradeFullinfoGet).P50 != 1 || c.lookup("item", MethodItemGet).P50 != 0 {
		t.Fatal("method override, service default or none not applied")
	}
}

// The handler waits the modelled latency on the injected clock: nothing is
// answered until the fake clock passes it, and the histogram records it.
func TestHandlerWaitsLatencyOnClock(t *testing.T) {
	n, fake := newTestNode(t, Config{Latency: LatencyConfig{Methods: map[string]Latency{MethodUserSellerGet: {P50: 10 * time.Millisecond}}}})
	ctx := waitCtx(t)
	done := make(chan int, 1)
	go func() {
		rec := httptest.NewRecorder()
		n.Handler().ServeHTTP(rec, apiRequest(ctx, MethodUserSellerGet, DemoSeller, form("fields", "nick")))
		done <- rec.Code
	}()
	if err := fake.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	fake.Advance(9 * time.Millisecond)
	select {
	case code := <-done:
		t.Fatalf("answered %d before the latency passed", code)
	default:
	}
	fake.Advance(time.Millisecond)
	if code := <-done; code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	h := histogram(t, n, MethodUserSellerGet)
	if h.GetSampleCount() != 1 || math.Abs(h.GetSampleSum()-0.010) > 1e-9 {
		t.Fatalf("histogram count %d sum %v, want 1 and 0.010", h.GetSampleCount(), h.GetSampleSum())
	}
}

func TestHandlerLatencyRespectsCancellation(t *testing.T) {
	n, fake := newTestNode(t, Config{Latency: LatencyConfig{Services: map[string]Latency{"user": {P50: time.Hour}}}})
	ctx, cancel := context.WithCancel(waitCtx(t))
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		rec := httptest.NewRecorder()
		n.Handler().ServeHTTP(rec, apiRequest(ctx, MethodUserSellerGet, DemoSeller, form("fields", "nick")))
		done <- rec
	}()
	if err := fake.BlockUntil(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	rec := <-done
	if rec.Code != http.StatusGatewayTimeout || !strings.Contains(rec.Body.String(), "isp.remote-service-timeout") {
		t.Fatalf("cancelled call: %d %s", rec.Code, rec.Body)
	}
	if fake.Waiters() != 0 {
		t.Fatalf("%d timers left armed", fake.Waiters())
	}
}

func histogram(t *testing.T, n *Node, method string) *dto.Histogram {
	t.Helper()
	mfs, err := n.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "toplab_backend_request_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "method" && lp.GetValue() == method {
					return m.GetHistogram()
				}
			}
		}
	}
	t.Fatalf("no histogram for %s", method)
	return nil
}
