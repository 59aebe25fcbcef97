package backend

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/toplab/toplab/system/clock"
)

// Latency is the time a backend method adds to each call, modelled as
// log-normal with the given median and 99th percentile, plus occasional slow
// spikes (a GC pause, a cold cache, a slow disk). The zero value adds nothing.
type Latency struct {
	P50 time.Duration `json:"p50"`
	// P99 >= P50; zero means P50 (no spread: every call takes P50).
	P99 time.Duration `json:"p99"`
	// SpikeProb is the probability in [0, 1] that a call also takes Spike more.
	SpikeProb float64       `json:"spike_prob"`
	Spike     time.Duration `json:"spike"`
}

// z99 is the standard normal's 99th percentile.
const z99 = 2.326

// LatencyConfig picks a model per method: Methods by API name first, then
// Services by service name ("trade", "item", "user"); neither means none.
type LatencyConfig struct {
	Services map[string]Latency `json:"services"`
	Methods  map[string]Latency `json:"methods"`
}

func (c LatencyConfig) lookup(service, method string) Latency {
	if l, ok := c.Methods[method]; ok {
		return l
	}
	return c.Services[service]
}

func (c LatencyConfig) validate() error {
	for name, l := range c.Services {
		if err := l.validate(); err != nil {
			return fmt.Errorf("latency of service %s: %w", name, err)
		}
	}
	for name, l := range c.Methods {
		if err := l.validate(); err != nil {
			return fmt.Errorf("latency of method %s: %w", name, err)
		}
	}
	return nil
}

func (l Latency) validate() error {
	switch {
	case l.P50 < 0 || l.P99 < 0 || l.Spike < 0:
		return errors.New("durations must not be negative")
	case l.P99 != 0 && l.P99 < l.P50:
		return fmt.Errorf("p99 %s is below p50 %s", l.P99, l.P50)
	case l.P99 != 0 && l.P50 == 0:
		return errors.New("p99 needs a p50")
	case !(l.SpikeProb >= 0 && l.SpikeProb <= 1):
		return fmt.Errorf("spike probability %v is outside [0, 1]", l.SpikeProb)
	}
	return nil
}

// latencyModel is a validated Latency with its log-normal parameters:
// p50 = exp(mu) and p99 = exp(mu + z99*sigma).
type latencyModel struct {
	mu, sigma float64
	lognormal bool // p50 > 0
	on        bool // adds anything at all
	spikeProb float64
	spike     time.Duration
}

func newLatencyModel(l Latency) latencyModel {
	m := latencyModel{spikeProb: l.SpikeProb, spike: l.Spike}
	if l.P50 > 0 {
		m.lognormal = true
		m.mu = math.Log(float64(l.P50))
		if l.P99 > l.P50 {
			m.sigma = (math.Log(float64(l.P99)) - m.mu) / z99
		}
	}
	m.on = m.lognormal || (m.spikeProb > 0 && m.spike > 0)
	return m
}

// sample draws one added latency.
func (m latencyModel) sample(r *rand.Rand) time.Duration {
	if !m.on {
		return 0
	}
	var d time.Duration
	if m.lognormal {
		d = time.Duration(math.Exp(m.mu + m.sigma*r.NormFloat64()))
	}
	if m.spikeProb > 0 && r.Float64() < m.spikeProb {
		d += m.spike
	}
	return d
}

// Sample draws n latencies from l with a generator seeded by seed, the same
// draws a node seeded so makes; for tests and for plotting a model.
func (l Latency) Sample(seed uint64, n int) []time.Duration {
	m := newLatencyModel(l)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = m.sample(r)
	}
	return out
}

// delayer draws latencies from one seeded generator shared by a node's
// methods and waits them out on the node's clock.
type delayer struct {
	clock clock.Clock
	mu    sync.Mutex
	rng   *rand.Rand
}

func newDelayer(c clock.Clock, seed uint64) *delayer {
	return &delayer{clock: c, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (d *delayer) draw(m latencyModel) time.Duration {
	if !m.on {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return m.sample(d.rng)
}

// wait blocks for dur on the clock or until ctx ends; no latency never fails.
func (d *delayer) wait(ctx context.Context, dur time.Duration) error {
	if dur <= 0 {
		return nil
	}
	return clock.Wait(ctx, d.clock, dur)
}
