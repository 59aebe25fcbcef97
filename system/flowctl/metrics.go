package flowctl

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Stats are a limiter's counters since it started.
type Stats struct {
	// Rejected counts refusals by sub-code (top.SubAppAccessCount, ...).
	Rejected map[string]uint64
	// Fallback counts decisions made by the local fallback while Redis was unreachable.
	Fallback uint64
	// RedisErrors counts failed Redis calls.
	RedisErrors uint64
	// RedisCalls counts Redis round trips (scripts, leases, heartbeats).
	RedisCalls uint64
	// Nodes is the number of live gateway nodes last seen (1 for a Local limiter).
	Nodes int
	// Keys is the number of counters (Local) or leases (Leased) held for names found at decision time.
	Keys int
}

// StatsSource is a limiter that reports Stats.
type StatsSource interface{ Stats() Stats }

// stats are the atomic counters behind Stats.
type stats struct {
	rejected    [3]atomic.Uint64
	fallback    atomic.Uint64
	redisErrors atomic.Uint64
	redisCalls  atomic.Uint64
	nodes       atomic.Int64
}

func (s *stats) snapshot() Stats {
	out := Stats{
		Rejected:    make(map[string]uint64, len(s.rejected)),
		Fallback:    s.fallback.Load(),
		RedisErrors: s.redisErrors.Load(),
		RedisCalls:  s.redisCalls.Load(),
		Nodes:       max(1, int(s.nodes.Load())),
	}
	for d := range s.rejected {
		out.Rejected[dim(d).subCode()] = s.rejected[d].Load()
	}
	return out
}

// Collector exports a limiter's Stats to Prometheus; the gateway registers it.
type Collector struct {
	src                                          StatsSource
	rejected, fallback, errs, calls, nodes, keys *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector of src's Stats whose series carry the
// constant label limiter=name.
func NewCollector(name string, src StatsSource) *Collector {
	l := prometheus.Labels{"limiter": name}
	desc := func(n, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("toplab_flowctl_"+n, help, labels, l)
	}
	return &Collector{
		src:      src,
		rejected: desc("rejected_total", "Calls refused, by sub-code.", "sub_code"),
		fallback: desc("fallback_decisions_total", "Decisions made locally because Redis was unreachable."),
		errs:     desc("redis_errors_total", "Failed Redis calls."),
		calls:    desc("redis_calls_total", "Redis round trips."),
		nodes:    desc("nodes", "Live gateway nodes last seen."),
		keys:     desc("keys", "Counters or leases held for default rules."),
	}
}

func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.rejected, c.fallback, c.errs, c.calls, c.nodes, c.keys} {
		ch <- d
	}
}

func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Stats()
	for code, n := range s.Rejected {
		ch <- prometheus.MustNewConstMetric(c.rejected, prometheus.CounterValue, float64(n), code)
	}
	ch <- prometheus.MustNewConstMetric(c.fallback, prometheus.CounterValue, float64(s.Fallback))
	ch <- prometheus.MustNewConstMetric(c.errs, prometheus.CounterValue, float64(s.RedisErrors))
	ch <- prometheus.MustNewConstMetric(c.calls, prometheus.CounterValue, float64(s.RedisCalls))
	ch <- prometheus.MustNewConstMetric(c.nodes, prometheus.GaugeValue, float64(s.Nodes))
	ch <- prometheus.MustNewConstMetric(c.keys, prometheus.GaugeValue, float64(s.Keys))
}
